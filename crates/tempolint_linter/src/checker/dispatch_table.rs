//! Calls through handler-dispatch tables: `HANDLERS[kind](…)`, `HANDLERS.get(kind)(…)`,
//! `handler = HANDLERS[kind]; await handler(…)`, and factories whose `if` chain returns one of
//! several functions (`pick(kind)(…)`). The call may run any of the functions in the table,
//! so each becomes a call edge: blocking and determinism findings follow them. An awaited
//! call runs the `async def` entries only; a call that is not awaited runs the plain `def`
//! entries only (calling an `async def` just makes a coroutine), which keeps the usual
//! `if iscoroutinefunction(handler): await handler(…) else: handler(…)` exact.

use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_semantic::{FunctionId, LocalScope, Resolver};

use super::Checker;

/// Bounds the chase through names bound to tables or to lookups in them.
const MAX_DEPTH: u8 = 4;

impl<'a> Checker<'_, '_, 'a> {
    /// The project functions a call of `callee` may run through a table or a factory.
    pub(super) fn dispatched_functions(&self, callee: &'a Expr, awaited: bool) -> Vec<FunctionId> {
        let mut targets = Vec::new();
        self.collect_dispatched(callee, &mut targets, 0);
        let project = self.resolver.project();
        targets.retain(|target| project.function(*target).def.is_async == awaited);
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    fn collect_dispatched(&self, callee: &'a Expr, targets: &mut Vec<FunctionId>, depth: u8) {
        if depth > MAX_DEPTH {
            return;
        }
        match callee {
            Expr::Subscript(subscript) => self.table_functions(&subscript.value, targets),
            Expr::Call(call) => match &*call.func {
                Expr::Attribute(attribute) if attribute.attr.as_str() == "get" => {
                    self.table_functions(&attribute.value, targets);
                }
                factory => self.factory_functions(factory, targets),
            },
            Expr::Name(name) => {
                // Only a name bound to a lookup or a factory call: a plain function name is an
                // ordinary call edge already.
                if let Some(value @ (Expr::Subscript(_) | Expr::Call(_))) =
                    self.value_of(name.id.as_str())
                {
                    self.collect_dispatched(value, targets, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// The project functions among the values of a dict literal, written there or named.
    fn table_functions(&self, table: &'a Expr, targets: &mut Vec<FunctionId>) {
        let (dict, defined_here) = match table {
            Expr::Dict(dict) => (dict, true),
            Expr::Name(name) => match self.value_of(name.id.as_str()) {
                Some(Expr::Dict(dict)) => (dict, self.scope.is_local(name.id.as_str())),
                _ => return,
            },
            _ => return,
        };
        let resolver = self.resolver;
        for item in &dict.items {
            // A module-level table's values are names of its module, whatever the caller's
            // local scope holds.
            let binding = if defined_here {
                self.resolve(&item.value)
            } else {
                resolver.resolve(&item.value, &LocalScope::default())
            };
            if let Some(function) = resolver.called_function(&binding) {
                targets.push(function);
            }
        }
    }

    /// The project functions a factory returns (`return handle_a` in each branch).
    fn factory_functions(&self, factory: &Expr, targets: &mut Vec<FunctionId>) {
        let project = self.resolver.project();
        let Some(function) = self.resolver.called_function(&self.resolve(factory)) else {
            return;
        };
        let data = project.function(function);
        let resolver = Resolver::new(project, data.module);
        let mut returned = Vec::new();
        returned_values(&data.def.body, &mut returned);
        for value in returned {
            let binding = resolver.resolve(value, &LocalScope::default());
            if let Some(target) = resolver.called_function(&binding)
                && project.function(target).def.name.as_str() != "__init__"
            {
                targets.push(target);
            }
        }
    }
}

/// The values of the `return` statements of a body, outside nested functions.
fn returned_values<'a>(body: &'a [Stmt], values: &mut Vec<&'a Expr>) {
    for stmt in body {
        match stmt {
            Stmt::Return(ast::StmtReturn {
                value: Some(value), ..
            }) => values.push(value),
            Stmt::If(if_stmt) => {
                returned_values(&if_stmt.body, values);
                for clause in &if_stmt.elif_else_clauses {
                    returned_values(&clause.body, values);
                }
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    returned_values(&case.body, values);
                }
            }
            Stmt::With(with) => returned_values(&with.body, values),
            Stmt::Try(try_stmt) => {
                returned_values(&try_stmt.body, values);
                returned_values(&try_stmt.orelse, values);
            }
            _ => {}
        }
    }
}
