//! One lint run over a whole project: check every body (in parallel), propagate, add the
//! cross-body rules, then apply per-file ignores and suppressions.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use tempolint_semantic::{FunctionId, FunctionKind, ModuleId, Project, SourceInput};

use crate::checker::{BodyFacts, Checker};
use crate::diagnostic::Diagnostic;
use crate::propagate::{Propagation, sandboxed_modules};
use crate::registry::Rule;
use crate::rules::Violation;
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
    let function_facts: Vec<BodyFacts> = (0..project.functions.len() as u32)
        .into_par_iter()
        .map(|id| Checker::check_function(&project, FunctionId(id), settings))
        .collect();
    let module_facts: Vec<BodyFacts> = (0..project.modules.len() as u32)
        .into_par_iter()
        .map(|id| Checker::check_module(&project, ModuleId(id), settings))
        .collect();

    let mut per_module: Vec<Vec<Diagnostic>> = vec![Vec::new(); project.modules.len()];
    let propagation = Propagation::new(&project, &function_facts);
    for id in 0..project.functions.len() as u32 {
        let module = project.function(FunctionId(id)).module;
        per_module[module.0 as usize].extend(propagation.function_diagnostics(FunctionId(id)));
    }
    let sandboxed = sandboxed_modules(&project);
    let sandbox_config = SandboxConfig::new(
        function_facts
            .iter()
            .chain(&module_facts)
            .map(|facts| &facts.sandbox),
        settings,
    );
    for (index, facts) in module_facts.iter().enumerate() {
        let id = ModuleId(index as u32);
        per_module[index].extend(propagation.module_diagnostics(facts, sandboxed.contains(&id)));
        if settings.rules.contains(Rule::UnpassedImport) {
            per_module[index].extend(unpassed_import::check_module(
                &project,
                id,
                &TABLES,
                &sandbox_config,
            ));
        }
    }
    heartbeat_rules(
        &project,
        &function_facts,
        &module_facts,
        settings,
        &mut per_module,
    );
    if settings.rules.contains(Rule::UnboundedHistory) {
        unbounded_history(&project, &function_facts, &mut per_module);
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
    if settings.rules.contains(Rule::SyntaxError) {
        for error in input.source.syntax_errors() {
            let violation = crate::rules::syntax_error::SyntaxError {
                message: error.message.clone(),
            };
            diagnostics.push(Diagnostic {
                rule: Rule::SyntaxError,
                message: violation.message(),
                severity: Rule::SyntaxError.default_severity(),
                range: error.range,
                chain: Vec::new(),
                fix: None,
            });
        }
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

/// TMO102 and TMO103: compare where activities are scheduled with whether they heartbeat.
fn heartbeat_rules(
    project: &Project,
    functions: &[BodyFacts],
    modules: &[BodyFacts],
    settings: &Settings,
    per_module: &mut [Vec<Diagnostic>],
) {
    use crate::rules::timeouts::heartbeat_timeout_without_heartbeat::HeartbeatTimeoutWithoutHeartbeat;
    use crate::rules::timeouts::heartbeat_without_timeout::HeartbeatWithoutTimeout;
    let check_102 = settings
        .rules
        .contains(Rule::HeartbeatTimeoutWithoutHeartbeat);
    let check_103 = settings.rules.contains(Rule::HeartbeatWithoutTimeout);
    if !check_102 && !check_103 {
        return;
    }
    // Which activities heartbeat, directly or through helpers.
    let mut heartbeats: FxHashMap<FunctionId, bool> = FxHashMap::default();
    let mut stack = Vec::new();
    let mut reaches_heartbeat = |start: FunctionId| -> bool {
        if let Some(known) = heartbeats.get(&start) {
            return *known;
        }
        stack.clear();
        stack.push(start);
        let mut seen = rustc_hash::FxHashSet::default();
        let mut found = false;
        while let Some(function) = stack.pop() {
            if !seen.insert(function) {
                continue;
            }
            let facts = &functions[function.0 as usize];
            if !facts.heartbeats.is_empty() {
                found = true;
                break;
            }
            stack.extend(facts.edges.iter().map(|edge| edge.target));
        }
        heartbeats.insert(start, found);
        found
    };
    let all_bodies = functions
        .iter()
        .enumerate()
        .map(|(i, facts)| (project.function(FunctionId(i as u32)).module, facts))
        .chain(
            modules
                .iter()
                .enumerate()
                .map(|(i, facts)| (ModuleId(i as u32), facts)),
        );
    let mut scheduled: FxHashMap<FunctionId, bool> = FxHashMap::default();
    for (module, facts) in all_bodies {
        for call in &facts.activity_calls {
            *scheduled.entry(call.activity).or_default() |= call.heartbeat_timeout.is_some();
            if let Some(range) = call.heartbeat_timeout
                && check_102
                && !is_wrapped(project, call.activity)
                && !reaches_heartbeat(call.activity)
            {
                let activity = project.function(call.activity).def.name.to_string();
                let violation = HeartbeatTimeoutWithoutHeartbeat { activity };
                per_module[module.0 as usize].push(plain(&violation, range));
            }
        }
    }
    if check_103 {
        for (id, facts) in functions.iter().enumerate() {
            let function = project.function(FunctionId(id as u32));
            if !matches!(function.kind, FunctionKind::Activity { .. }) {
                continue;
            }
            if scheduled.get(&FunctionId(id as u32)) != Some(&false) {
                continue;
            }
            if let Some((range, _)) = facts.heartbeats.iter().find(|(_, in_loop)| *in_loop) {
                let violation = HeartbeatWithoutTimeout {
                    activity: function.def.name.to_string(),
                };
                per_module[function.module.0 as usize].push(plain(&violation, *range));
            }
        }
    }
}

/// Whether an activity carries decorators besides `@activity.defn` (a wrapper may heartbeat
/// for it, which the call graph does not see).
fn is_wrapped(project: &Project, activity: FunctionId) -> bool {
    project.function(activity).def.decorator_list.len() > 1
}

/// PAY103: endless loops in workflows whose class never continues as new.
fn unbounded_history(
    project: &Project,
    functions: &[BodyFacts],
    per_module: &mut [Vec<Diagnostic>],
) {
    use crate::rules::payload::unbounded_history::UnboundedHistory;
    for class in &project.classes {
        if class.workflow.is_none() {
            continue;
        }
        let methods: Vec<FunctionId> = class.methods.values().copied().collect();
        if methods
            .iter()
            .any(|method| functions[method.0 as usize].continues_as_new)
        {
            continue;
        }
        let mut loops: Vec<_> = methods
            .iter()
            .flat_map(|m| functions[m.0 as usize].endless_loops.iter().copied())
            .collect();
        loops.sort_by_key(|range| range.start());
        for range in loops {
            per_module[class.module.0 as usize].push(plain(&UnboundedHistory {}, range));
        }
    }
}

fn plain<V: Violation>(violation: &V, range: tempolint_python::TextRange) -> Diagnostic {
    Diagnostic {
        rule: V::RULE,
        message: violation.message(),
        severity: V::RULE.default_severity(),
        range,
        chain: Vec::new(),
        fix: None,
    }
}
