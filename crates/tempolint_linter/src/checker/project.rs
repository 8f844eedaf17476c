//! The cross-body pass: rules that compare facts of several bodies (where an activity is
//! scheduled with whether it heartbeats, a workflow's loops with its `continue_as_new`) get
//! the facts of every body here, in their own `check_project` hook.

use tempolint_python::TextRange;
use tempolint_semantic::{FunctionId, ModuleId, Project};

use super::BodyFacts;
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;
use crate::rules::Violation;
use crate::settings::Settings;

pub(crate) struct ProjectChecker<'p, 'a> {
    pub(crate) project: &'p Project<'a>,
    /// The facts of every project function, by `FunctionId`.
    pub(crate) functions: &'p [BodyFacts],
    /// The facts of every module's top-level code, by `ModuleId`.
    pub(crate) modules: &'p [BodyFacts],
    settings: &'p Settings,
    /// The findings of the pass, by the module they are reported in.
    pub(crate) per_module: Vec<Vec<Diagnostic>>,
}

impl<'p, 'a> ProjectChecker<'p, 'a> {
    pub(crate) fn new(
        project: &'p Project<'a>,
        functions: &'p [BodyFacts],
        modules: &'p [BodyFacts],
        settings: &'p Settings,
    ) -> Self {
        Self {
            project,
            functions,
            modules,
            settings,
            per_module: vec![Vec::new(); project.modules.len()],
        }
    }

    pub(crate) fn enabled(&self, rule: Rule) -> bool {
        self.settings.rules.contains(rule)
    }

    pub(crate) fn function(&self, function: FunctionId) -> &'p BodyFacts {
        &self.functions[function.0 as usize]
    }

    /// Every body (functions, then modules' top-level code) with the module it sits in.
    pub(crate) fn bodies(&self) -> impl Iterator<Item = (ModuleId, &'p BodyFacts)> + use<'p, 'a> {
        let project = self.project;
        self.functions
            .iter()
            .enumerate()
            .map(move |(index, facts)| (project.function(FunctionId(index as u32)).module, facts))
            .chain(
                self.modules
                    .iter()
                    .enumerate()
                    .map(|(index, facts)| (ModuleId(index as u32), facts)),
            )
    }

    /// Records a finding of `violation` at `range` in `module`.
    pub(crate) fn report<V: Violation>(
        &mut self,
        module: ModuleId,
        violation: &V,
        range: TextRange,
    ) -> &mut Diagnostic {
        let diagnostics = &mut self.per_module[module.0 as usize];
        diagnostics.push(Diagnostic {
            rule: V::RULE,
            message: violation.message(),
            severity: V::RULE.default_severity(),
            range,
            chain: Vec::new(),
            fix: None,
        });
        diagnostics.last_mut().expect("just pushed")
    }
}
