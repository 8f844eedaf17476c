//! One lint run over a whole project: check every body (in parallel), propagate, add the
//! cross-body rules, then apply per-file ignores and suppressions.

use rayon::prelude::*;
use tempolint_semantic::{FunctionId, ModuleId, Project, SourceInput};

use crate::checker::{BodyFacts, Checker, ProjectChecker, agreed_argument_types};
use crate::diagnostic::Diagnostic;
use crate::handler_helpers::handler_helpers;
use crate::import_order::ImportOrder;
use crate::propagate::{Propagation, Root, sandboxed_modules};
use crate::registry::Rule;
use crate::rules::determinism::unpassed_import;
use crate::sandbox_config::SandboxConfig;
use crate::settings::Settings;
use crate::suppression::Suppressions;
use crate::tables::TABLES;

/// The diagnostics of one input file, sorted by position.
pub struct FileReport {
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of a run: one report per input, in input order.
pub struct LintOutput {
    pub files: Vec<FileReport>,
}

pub fn lint_project(inputs: &[SourceInput], settings: &Settings) -> LintOutput {
    let project = Project::build(inputs);
    let mut function_facts: Vec<BodyFacts> = (0..project.functions.len() as u32)
        .into_par_iter()
        .map(|id| Checker::check_function(&project, FunctionId(id), settings, &[]))
        .collect();
    let module_facts: Vec<BodyFacts> = (0..project.modules.len() as u32)
        .into_par_iter()
        .map(|id| Checker::check_module(&project, ModuleId(id), settings))
        .collect();
    // Helpers whose unannotated parameters every caller fills with the same type are walked
    // again knowing it.
    let hints = agreed_argument_types(&project, &function_facts, &module_facts);
    let rechecked: Vec<(FunctionId, BodyFacts)> = hints
        .par_iter()
        .map(|(id, parameters)| {
            (
                *id,
                Checker::check_function(&project, *id, settings, parameters),
            )
        })
        .collect();
    for (id, facts) in rechecked {
        function_facts[id.0 as usize] = facts;
    }

    let sandbox_config = SandboxConfig::new(
        function_facts
            .iter()
            .chain(&module_facts)
            .map(|facts| &facts.sandbox),
        settings,
    );
    let order = ImportOrder::new(&project);
    let sandboxed = sandboxed_modules(&project, &sandbox_config, &TABLES, &order);
    let mut per_module: Vec<Vec<Diagnostic>> = vec![Vec::new(); project.modules.len()];
    let propagation = Propagation::new(&project, &function_facts, &sandboxed);
    let helpers = handler_helpers(&project);
    for id in 0..project.functions.len() as u32 {
        let id = FunctionId(id);
        let root = Root::of(&project, &sandbox_config, &helpers, id);
        per_module[project.function(id).module.0 as usize]
            .extend(propagation.function_diagnostics(id, root));
    }
    for (index, facts) in module_facts.iter().enumerate() {
        let id = ModuleId(index as u32);
        per_module[index]
            .extend(propagation.module_diagnostics(facts, sandboxed.inside.contains(&id)));
        if settings.rules.contains(Rule::UnpassedImport)
            || settings.rules.contains(Rule::ImportTimeRestricted)
        {
            per_module[index].extend(unpassed_import::check_module(
                &project,
                id,
                &TABLES,
                &sandbox_config,
                &order,
                settings.rules,
            ));
        }
    }
    let mut project_checker =
        ProjectChecker::new(&project, &function_facts, &module_facts, settings);
    crate::rules::dispatch_project(&mut project_checker);
    for (diagnostics, found) in per_module.iter_mut().zip(project_checker.per_module) {
        diagnostics.extend(found);
    }

    let files = inputs
        .par_iter()
        .zip(per_module.into_par_iter())
        .map(|(input, diagnostics)| finish_file(input, diagnostics, settings))
        .collect();
    LintOutput { files }
}

fn finish_file(
    input: &SourceInput,
    mut diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> FileReport {
    // The first error, as Python reports it: the parser's later ones often only follow from
    // it (one unclosed string gives ten), so they are counted, not listed.
    if settings.rules.contains(Rule::SyntaxError)
        && let Some(first) = input
            .source
            .syntax_errors()
            .iter()
            .min_by_key(|error| error.range.start())
    {
        let violation = crate::rules::syntax_error::SyntaxError {
            message: first.message.clone(),
            more: input.source.syntax_errors().len() - 1,
        };
        diagnostics.push(Diagnostic::of(&violation, first.range));
    }
    let ignored = settings.ignored_for(&input.path);
    let suppressions = Suppressions::parse(&input.source);
    diagnostics.retain(|diagnostic| {
        if ignored.contains(diagnostic.rule) && diagnostic.rule != Rule::SyntaxError {
            return false;
        }
        if suppressions.is_file_suppressed() && diagnostic.rule != Rule::SyntaxError {
            return false;
        }
        let row = input.source.position(diagnostic.range.start()).row;
        !suppressions.suppresses(row, diagnostic.rule)
    });
    if settings.rules.contains(Rule::UnusedSuppression) && !suppressions.is_file_suppressed() {
        diagnostics.extend(suppressions.unused());
    }
    diagnostics.sort_by(|a, b| {
        (a.range.start(), a.range.end(), a.rule, &a.message).cmp(&(
            b.range.start(),
            b.range.end(),
            b.rule,
            &b.message,
        ))
    });
    diagnostics.dedup();
    FileReport { diagnostics }
}
