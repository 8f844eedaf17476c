//! Callables a project helper hands to a thread: `run_blocking(fn)` whose body does
//! `loop.run_in_executor(None, fn)`. A lambda or nested function passed to it there runs off
//! the event loop, as it would passed to `run_in_executor` itself.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{FunctionId, Project};

use super::Checker;
use crate::tables::{Offload, TABLES};

/// Calls that run their callable arguments in a thread or process (by method name, as the
/// walk recognises them when the receiver's type is not known).
pub(super) fn offloads_by_name(func: &Expr) -> bool {
    offload_by_name(func).is_some()
}

/// How a call runs its callable arguments in a thread or process: by the table, else by
/// method name (`to_thread` and anyio's `run_sync` copy the caller's context variables).
pub(super) fn offload_kind(symbol: Option<&str>, func: &Expr) -> Option<Offload> {
    symbol
        .and_then(|symbol| TABLES.offloading.get(symbol).copied())
        .or_else(|| offload_by_name(func))
}

fn offload_by_name(func: &Expr) -> Option<Offload> {
    let Expr::Attribute(attribute) = func else {
        return None;
    };
    match attribute.attr.as_str() {
        "run_in_executor" | "submit" => Some(Offload::Bare),
        "to_thread" | "run_sync" => Some(Offload::WithContext),
        _ => None,
    }
}

/// The parameters of `target` its body hands, as they came, to a call that runs them in a
/// thread; the positions of the call's arguments that fill them (`positional`, for a call
/// that binds no `self`) and their names (for keyword arguments).
pub(super) struct OffloadedParameters<'a> {
    pub(super) positions: Vec<usize>,
    pub(super) names: Vec<&'a str>,
}

pub(super) fn offloaded_parameters<'a>(
    project: &Project<'a>,
    target: FunctionId,
    bound_method: bool,
) -> OffloadedParameters<'a> {
    let def = project.function(target).def;
    let parameters: Vec<&'a str> = def
        .parameters
        .posonlyargs
        .iter()
        .chain(&def.parameters.args)
        .map(|parameter| parameter.parameter.name.as_str())
        .collect();
    let mut finder = Finder {
        parameters: &parameters,
        kw_only: def
            .parameters
            .kwonlyargs
            .iter()
            .map(|parameter| parameter.parameter.name.as_str())
            .collect(),
        found: Vec::new(),
    };
    for stmt in &def.body {
        finder.visit_stmt(stmt);
    }
    let shift = usize::from(bound_method);
    let positions = parameters
        .iter()
        .enumerate()
        .filter(|(_, name)| finder.found.contains(name))
        .filter_map(|(index, _)| index.checked_sub(shift))
        .collect();
    OffloadedParameters {
        positions,
        names: finder.found,
    }
}

struct Finder<'p, 'a> {
    parameters: &'p [&'a str],
    kw_only: Vec<&'a str>,
    found: Vec<&'a str>,
}

impl<'a> Visitor<'a> for Finder<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(ast::ExprCall {
            func, arguments, ..
        }) = expr
            && offloads_by_name(func)
        {
            for argument in &arguments.args {
                // As it came, or wrapped on the way (`carry_context(fn)`, `partial(fn, x)`).
                let handed: &[Expr] = match argument {
                    Expr::Call(wrapper) => &wrapper.arguments.args,
                    other => std::slice::from_ref(other),
                };
                for expr in handed {
                    if let Expr::Name(name) = expr {
                        let name = name.id.as_str();
                        if self.parameters.contains(&name) || self.kw_only.contains(&name) {
                            self.found.push(name);
                        }
                    }
                }
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// Whether `body` hands a callable held in a variable (`to_thread(call)`, `submit(jobs[0])`)
/// to a call that runs it in a thread: a lambda the body stores may be what runs there.
pub(super) fn hands_stored_callable(checker: &Checker, body: &[ast::Stmt]) -> bool {
    struct Finder<'k, 'c, 'p, 'a> {
        checker: &'k Checker<'c, 'p, 'a>,
        found: bool,
    }
    impl<'e> Visitor<'e> for Finder<'_, '_, '_, '_> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            if let Expr::Call(call) = expr
                && call
                    .arguments
                    .args
                    .iter()
                    .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
                    .any(|argument| matches!(argument, Expr::Name(_) | Expr::Subscript(_)))
                && offload_kind(self.checker.resolve(&call.func).symbol(), &call.func).is_some()
            {
                self.found = true;
            }
            if !self.found {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder {
        checker,
        found: false,
    };
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.found
}
