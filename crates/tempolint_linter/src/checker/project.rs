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

    /// Whether some code registers activities or workflows in a way the project-level view
    /// does not see. A function applying `activity.defn(name=…)(f)` itself counts only if it
    /// may run: it is decorated (a framework may call it) or its name is written somewhere
    /// besides its `def`. An unused registering decorator registers nothing.
    pub(crate) fn registers_opaquely(&self) -> bool {
        self.modules
            .iter()
            .any(|facts| facts.opaque_registration || facts.applies_defn)
            || self.functions.iter().enumerate().any(|(index, facts)| {
                facts.opaque_registration
                    || (facts.applies_defn && self.may_run(FunctionId(index as u32)))
            })
    }

    /// Whether `function` and each function it is nested in may be called: decorated (a
    /// framework may call it) or named somewhere besides its `def`.
    fn may_run(&self, function: FunctionId) -> bool {
        let mut current = Some(function);
        while let Some(id) = current {
            let data = self.project.function(id);
            if data.def.decorator_list.is_empty()
                && !self.mentioned_elsewhere(data.def.name.as_str())
            {
                return false;
            }
            current = data.enclosing;
        }
        true
    }

    /// Whether `name` is written as a whole word more than once in the project's sources
    /// (comments and strings count: a name used only there is still kept).
    fn mentioned_elsewhere(&self, name: &str) -> bool {
        let is_identifier = |byte: u8| byte == b'_' || byte.is_ascii_alphanumeric();
        let mut seen = 0;
        for module in &self.project.modules {
            let text = module.input.source.text();
            for (at, _) in text.match_indices(name) {
                let before = text.as_bytes()[..at].last().copied();
                let after = text.as_bytes().get(at + name.len()).copied();
                if !before.is_some_and(is_identifier) && !after.is_some_and(is_identifier) {
                    seen += 1;
                    if seen > 1 {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Records a finding of `violation` at `range` in `module`.
    pub(crate) fn report<V: Violation>(
        &mut self,
        module: ModuleId,
        violation: &V,
        range: TextRange,
    ) -> &mut Diagnostic {
        let diagnostics = &mut self.per_module[module.0 as usize];
        diagnostics.push(Diagnostic::of(violation, range));
        diagnostics.last_mut().expect("just pushed")
    }
}
