use rustc_hash::FxHashMap;
use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_python::{Ranged, TextRange, package_of};

/// One name bound by an import statement.
#[derive(Debug, Clone)]
pub struct Import {
    /// The dotted name the local name stands for (`from a import b as c` binds `c` to `a.b`).
    pub target: String,
    /// Imported inside `with workflow.unsafe.imports_passed_through():`.
    pub passed_through: bool,
    /// The import statement.
    pub range: TextRange,
    /// A relative import (`from ..helpers import log`): its target is already the absolute
    /// name of a project module.
    pub relative: bool,
}

/// The imports of one scope, in the order they bind names.
#[derive(Debug, Default)]
pub(crate) struct ImportTable {
    pub(crate) names: FxHashMap<String, Import>,
    pub(crate) star_modules: Vec<Import>,
    /// Every module path imported when the module runs, for the module dependency graph
    /// (not those under `if TYPE_CHECKING:`, which only bind names for the type checker).
    pub(crate) modules: Vec<Import>,
    /// Inside `if TYPE_CHECKING:` while collecting.
    type_only: bool,
}

impl ImportTable {
    /// Collects the imports among `body`'s statements, descending into compound statements
    /// (`if`, `try`, `with`) but not into function or class bodies.
    pub(crate) fn collect(module: &str, is_package: bool, body: &[Stmt]) -> Self {
        let mut table = ImportTable::default();
        table.visit_body(module, is_package, body, false);
        table
    }

    /// The modules a function's `body` imports, its names read through the imports of the
    /// module around it (`workflow` in `with workflow.unsafe.imports_passed_through():`).
    pub(crate) fn collect_within(
        &self,
        module: &str,
        is_package: bool,
        body: &[Stmt],
    ) -> Vec<Import> {
        let mut table = ImportTable {
            names: self.names.clone(),
            ..ImportTable::default()
        };
        table.visit_body(module, is_package, body, false);
        table.modules
    }

    fn visit_body(&mut self, module: &str, is_package: bool, body: &[Stmt], passed_through: bool) {
        for stmt in body {
            match stmt {
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let full = alias.name.as_str().to_string();
                        let (local, target) = if let Some(asname) = &alias.asname {
                            (asname.as_str().to_string(), full.clone())
                        } else {
                            let first = full.split('.').next().unwrap_or(&full).to_string();
                            (first.clone(), first)
                        };
                        self.add_module(Import {
                            target: full,
                            passed_through,
                            range: import.range(),
                            relative: false,
                        });
                        self.names.insert(
                            local,
                            Import {
                                target,
                                passed_through,
                                range: import.range(),
                                relative: false,
                            },
                        );
                    }
                }
                Stmt::ImportFrom(import) => {
                    let Some(base) = resolve_from(module, is_package, import) else {
                        continue;
                    };
                    let relative = import.level > 0;
                    self.add_module(Import {
                        target: base.clone(),
                        passed_through,
                        range: import.range(),
                        relative,
                    });
                    for alias in &import.names {
                        let name = alias.name.as_str();
                        if name == "*" {
                            self.star_modules.push(Import {
                                target: base.clone(),
                                passed_through,
                                range: import.range(),
                                relative,
                            });
                            continue;
                        }
                        let local = alias.asname.as_ref().map_or(name, |asname| asname.as_str());
                        let target = if base.is_empty() {
                            name.to_string()
                        } else {
                            format!("{base}.{name}")
                        };
                        self.add_module(Import {
                            target: target.clone(),
                            passed_through,
                            range: import.range(),
                            relative,
                        });
                        self.names.insert(
                            local.to_string(),
                            Import {
                                target,
                                passed_through,
                                range: import.range(),
                                relative,
                            },
                        );
                    }
                }
                Stmt::With(with) => {
                    let passes = passed_through
                        || with
                            .items
                            .iter()
                            .any(|item| self.is_imports_passed_through(&item.context_expr));
                    self.visit_body(module, is_package, &with.body, passes);
                }
                Stmt::If(if_stmt) => {
                    let type_only = self.type_only;
                    self.type_only |= self.is_type_checking(&if_stmt.test);
                    self.visit_body(module, is_package, &if_stmt.body, passed_through);
                    self.type_only = type_only;
                    for clause in &if_stmt.elif_else_clauses {
                        self.visit_body(module, is_package, &clause.body, passed_through);
                    }
                }
                Stmt::Try(try_stmt) => {
                    self.visit_body(module, is_package, &try_stmt.body, passed_through);
                    // `try: from .act_dev import voice` / `except ImportError: from .act import
                    // voice`: the handler runs only when the first import fails, and the name
                    // stands for what the `try` imports whenever that exists.
                    let body = TextRange::new(
                        try_stmt.start(),
                        try_stmt.body.last().map_or(try_stmt.start(), Ranged::end),
                    );
                    let imported_first: Vec<(String, Import)> = self
                        .names
                        .iter()
                        .filter(|(_, import)| body.contains_range(import.range))
                        .map(|(local, import)| (local.clone(), import.clone()))
                        .collect();
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        self.visit_body(module, is_package, &handler.body, passed_through);
                    }
                    self.names.extend(imported_first);
                    self.visit_body(module, is_package, &try_stmt.orelse, passed_through);
                    self.visit_body(module, is_package, &try_stmt.finalbody, passed_through);
                }
                _ => {}
            }
        }
    }

    fn add_module(&mut self, import: Import) {
        if !self.type_only {
            self.modules.push(import);
        }
    }

    /// Whether `test` is `TYPE_CHECKING` (`typing`'s, `typing_extensions`', or a module's own
    /// flag of that name), true only for type checkers.
    fn is_type_checking(&self, test: &Expr) -> bool {
        match test {
            Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
            Expr::Attribute(attribute) => {
                attribute.attr.as_str() == "TYPE_CHECKING"
                    && dotted_name(test)
                        .and_then(|name| self.expand(&name))
                        .is_some_and(|name| {
                            name == "typing.TYPE_CHECKING"
                                || name == "typing_extensions.TYPE_CHECKING"
                        })
            }
            _ => false,
        }
    }

    /// Whether `expr` is a call of `temporalio.workflow.unsafe.imports_passed_through`,
    /// resolved through the imports seen so far.
    fn is_imports_passed_through(&self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else {
            return false;
        };
        let Some(name) = dotted_name(&call.func) else {
            return false;
        };
        self.expand(&name).as_deref() == Some("temporalio.workflow.unsafe.imports_passed_through")
    }

    /// Replaces the first segment of a dotted name by what the import table binds it to.
    pub(crate) fn expand(&self, dotted: &str) -> Option<String> {
        let (first, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
        let import = self.names.get(first)?;
        Some(if rest.is_empty() {
            import.target.clone()
        } else {
            format!("{}.{rest}", import.target)
        })
    }
}

/// The absolute module a `from … import` statement imports from.
pub(crate) fn resolve_from(
    module: &str,
    is_package: bool,
    import: &ast::StmtImportFrom,
) -> Option<String> {
    let named = import.module.as_ref().map(|id| id.as_str().to_string());
    if import.level == 0 {
        return named;
    }
    let mut base = package_of(module, is_package).to_string();
    for _ in 1..import.level {
        base = base
            .rsplit_once('.')
            .map(|(parent, _)| parent.to_string())?;
    }
    Some(match named {
        Some(named) if base.is_empty() => named,
        Some(named) => format!("{base}.{named}"),
        None => base,
    })
}

/// `a.b.c` for a chain of attribute accesses on a name.
pub(crate) fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str().to_string()),
        Expr::Attribute(attribute) => {
            let mut base = dotted_name(&attribute.value)?;
            base.push('.');
            base.push_str(attribute.attr.as_str());
            Some(base)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempolint_python::ParsedSource;

    fn table(module: &str, source: &str) -> ImportTable {
        let parsed = ParsedSource::parse(source.to_string());
        ImportTable::collect(module, false, &parsed.module().body)
    }

    #[test]
    fn binds_aliases_and_relative_imports() {
        let table = table(
            "pkg.flows.orders",
            "import time as t\nimport os.path\nfrom datetime import datetime as dt\nfrom ..helpers import stamp\nfrom . import sibling\n",
        );
        assert_eq!(table.names["t"].target, "time");
        assert_eq!(table.names["os"].target, "os");
        assert_eq!(table.names["dt"].target, "datetime.datetime");
        assert_eq!(table.names["stamp"].target, "pkg.helpers.stamp");
        assert_eq!(table.names["sibling"].target, "pkg.flows.sibling");
    }

    #[test]
    fn marks_imports_passed_through() {
        let table = table(
            "wf",
            "from temporalio import workflow\nwith workflow.unsafe.imports_passed_through():\n    import requests\nimport json\n",
        );
        assert!(table.names["requests"].passed_through);
        assert!(!table.names["json"].passed_through);
    }
}
