//! The order in which the sandbox runs import statements: a module passed through once stays in
//! the sandbox's module cache for the rest of the run, so a plain import of it further down
//! runs nothing again.

use rustc_hash::FxHashSet;
use tempolint_semantic::{Import, ModuleId, Project};

use crate::tables::module_or_parent;

/// Which project modules some statement passes through, to answer [`ImportOrder::cached`]
/// quickly for the rest.
pub(crate) struct ImportOrder<'p, 'a> {
    project: &'p Project<'a>,
    /// The project modules imported under `imports_passed_through()` somewhere.
    passed_somewhere: FxHashSet<ModuleId>,
}

impl<'p, 'a> ImportOrder<'p, 'a> {
    pub(crate) fn new(project: &'p Project<'a>) -> Self {
        let passed_somewhere = project
            .modules
            .iter()
            .flat_map(tempolint_semantic::Module::imported_modules)
            .filter(|import| import.passed_through)
            .filter_map(|import| project.module_by_name(&import.target))
            .collect();
        Self {
            project,
            passed_somewhere,
        }
    }

    /// Whether `import`, a plain top-level import of `module`, finds its module already in the
    /// sandbox's module cache, passed through by a statement of `module` above it: directly,
    /// or in a module that statement runs in the sandbox (`from .workflows import Flow` first,
    /// whose module imports `pkg.activities` under `imports_passed_through()`, then
    /// `from .activities import charge`). `passes` names the modules the sandbox passes
    /// through by configuration: their code runs outside it and puts nothing in its cache.
    pub(crate) fn cached(
        &self,
        module: ModuleId,
        import: &Import,
        passes: &dyn Fn(ModuleId) -> bool,
    ) -> bool {
        let project = self.project;
        let Some(target) = project.module_by_name(&import.target) else {
            return false;
        };
        if !self.passed_somewhere.contains(&target) {
            return false;
        }
        let mut queue = Vec::new();
        let mut run = FxHashSet::default();
        run.insert(module);
        let follow = |imports: &mut dyn Iterator<Item = &Import>, queue: &mut Vec<ModuleId>| {
            for earlier in imports {
                let Some(imported) = project.module_by_name(&earlier.target) else {
                    continue;
                };
                if earlier.passed_through {
                    if imported == target {
                        return true;
                    }
                } else {
                    // Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first.
                    queue.extend(
                        module_or_parent(&earlier.target)
                            .filter_map(|name| project.module_by_name(name)),
                    );
                }
            }
            false
        };
        let above = &mut project
            .module(module)
            .imported_modules()
            .filter(|earlier| earlier.range.end() <= import.range.start());
        if follow(above, &mut queue) {
            return true;
        }
        while let Some(next) = queue.pop() {
            if !run.insert(next) || passes(next) {
                continue;
            }
            if follow(&mut project.module(next).imported_modules(), &mut queue) {
                return true;
            }
        }
        false
    }
}
