//! `workflow.in_workflow()` guards. Library code shared by workflows and ordinary code often
//! asks where it runs (`if workflow.in_workflow(): return workflow.now()` then
//! `return datetime.now()`); the branch that runs only outside workflows is not workflow code.

use tempolint_python::ast::visitor::Visitor;
use tempolint_python::ast::{self, Expr, Stmt, UnaryOp};
use tempolint_semantic::{LocalScope, Resolver};

use super::{Checker, Context};
use crate::registry::Rule;

const IN_WORKFLOW: &str = "temporalio.workflow.in_workflow";
/// The prefix of `workflow.logger`'s methods.
pub(super) const WORKFLOW_LOGGER: &str = "temporalio.workflow.logger.";

/// Workflow APIs that raise outside a workflow ("not in workflow event loop").
pub(crate) const WORKFLOW_ONLY: &[&str] = &[
    "temporalio.workflow.info",
    "temporalio.workflow.instance",
    "temporalio.workflow.memo",
    "temporalio.workflow.now",
    "temporalio.workflow.random",
    "temporalio.workflow.time",
    "temporalio.workflow.time_ns",
    "temporalio.workflow.uuid4",
    "temporalio.workflow.uuid7",
];

impl<'a> Checker<'_, '_, 'a> {
    /// `Some(true)` when `test` is true exactly in a workflow (`workflow.in_workflow()`, or a
    /// project helper whose body is `return workflow.in_workflow()`), `Some(false)` when it is
    /// true exactly outside one (`not …`).
    pub(super) fn workflow_guard(&self, test: &Expr) -> Option<bool> {
        match test {
            Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => {
                self.workflow_guard(&unary.operand).map(|inside| !inside)
            }
            Expr::Call(call) if call.arguments.is_empty() => {
                let callee = self.resolve(&call.func);
                if callee.symbol() == Some(IN_WORKFLOW) {
                    return Some(true);
                }
                let helper = self.resolver.called_function(&callee)?;
                helper_guard(&self.resolver, helper)
            }
            _ => None,
        }
    }

    /// Whether a `try` body can only fail outside a workflow: it imports, and calls workflow APIs
    /// that raise there (`try: now = workflow.now()` / `except Exception: now =
    /// datetime.now()`), so its handlers never run in a workflow. `workflow.logger` raises
    /// nowhere, so a handler for it (`except Exception: logger.info(…)`) does not run in one
    /// either.
    pub(super) fn fails_only_outside_workflow(&self, body: &[Stmt]) -> bool {
        !body.is_empty()
            && body.iter().all(|stmt| match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => true,
                Stmt::Expr(expr) if self.is_workflow_logging(&expr.value) => true,
                Stmt::Assign(assign) => self.is_workflow_only_call(&assign.value),
                Stmt::AnnAssign(assign) => assign
                    .value
                    .as_deref()
                    .is_some_and(|value| self.is_workflow_only_call(value)),
                Stmt::Expr(expr) => self.is_workflow_only_call(&expr.value),
                Stmt::Return(returned) => returned
                    .value
                    .as_deref()
                    .is_some_and(|value| self.is_workflow_only_call(value)),
                _ => false,
            })
    }

    /// `workflow.logger.info(…)` and the logger's other methods.
    fn is_workflow_logging(&self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else {
            return false;
        };
        self.resolve(&call.func)
            .symbol()
            .and_then(|symbol| symbol.strip_prefix(WORKFLOW_LOGGER))
            .is_some_and(|method| !method.contains('.'))
    }

    /// `workflow.now()`, `workflow.now().isoformat()`, `workflow.info().workflow_id`.
    fn is_workflow_only_call(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Attribute(attribute) => self.is_workflow_only_call(&attribute.value),
            Expr::Call(call) => {
                let callee = self.resolve(&call.func);
                if callee
                    .symbol()
                    .is_some_and(|symbol| WORKFLOW_ONLY.contains(&symbol))
                {
                    return true;
                }
                // A method of a workflow-only value (`workflow.now().isoformat()`).
                matches!(&*call.func, Expr::Attribute(attribute)
                    if matches!(&*attribute.value, Expr::Call(_))
                        && self.is_workflow_only_call(&attribute.value))
            }
            _ => false,
        }
    }

    /// The effects found since `start` came from code that runs only in a workflow (the body of
    /// `if workflow.in_workflow():`, or of a `try` probing for one): what they would do in an
    /// activity is moot.
    pub(super) fn only_in_workflow(&mut self, start: usize) {
        for effect in &mut self.facts.effects[start..] {
            if effect.rule == Rule::WrongContextCall && effect.context == Context::ActivityBody {
                effect.context = Context::Nowhere;
            }
        }
    }

    /// Visits code that runs only outside workflows: what it would do in a workflow is moot.
    pub(super) fn visit_outside_workflow(&mut self, body: &'a [Stmt]) {
        let start = self.facts.effects.len();
        self.outside_workflow += 1;
        self.visit_body(body);
        self.outside_workflow -= 1;
        self.not_in_workflow(start);
    }

    /// [`Self::visit_outside_workflow`] for an expression (a branch of `a if test else b`).
    pub(super) fn visit_expr_outside_workflow(&mut self, expr: &'a Expr) {
        let start = self.facts.effects.len();
        self.outside_workflow += 1;
        self.visit_expr(expr);
        self.outside_workflow -= 1;
        self.not_in_workflow(start);
    }

    /// `workflow.now() if workflow.in_workflow() else datetime.now(UTC)`: each branch as the
    /// `if` statement's.
    pub(super) fn visit_guarded_conditional(&mut self, conditional: &'a ast::ExprIf) -> bool {
        let Some(inside) = self.workflow_guard(&conditional.test) else {
            return false;
        };
        self.visit_expr(&conditional.test);
        let (in_workflow, outside) = if inside {
            (&conditional.body, &conditional.orelse)
        } else {
            (&conditional.orelse, &conditional.body)
        };
        let start = self.facts.effects.len();
        self.visit_expr(in_workflow);
        self.only_in_workflow(start);
        self.visit_expr_outside_workflow(outside);
        true
    }

    /// The findings made since `start` about workflow code do not hold: it runs elsewhere.
    fn not_in_workflow(&mut self, start: usize) {
        for effect in &mut self.facts.effects[start..] {
            if matches!(effect.context, Context::Workflow | Context::WorkflowBody) {
                effect.context = Context::Nowhere;
            }
        }
    }
}

/// The guard a one-line helper returns: `def running_in_workflow() -> bool: return
/// workflow.in_workflow()` (a docstring may precede it), also when it answers `False` on an
/// error (`try: return workflow.in_workflow()` / `except RuntimeError: return False`): outside
/// a workflow that is the answer anyway, and inside one the call does not raise. The helper may
/// first import what it uses (`from temporalio import workflow`), also in a `try` whose
/// handlers answer `False`.
fn helper_guard(resolver: &Resolver, helper: tempolint_semantic::FunctionId) -> Option<bool> {
    let project = resolver.project();
    let function = project.function(helper);
    let mut body = match function.def.body.as_slice() {
        [Stmt::Expr(docstring), rest @ ..] if docstring.value.is_string_literal_expr() => rest,
        body => body,
    };
    let mut imports: Vec<&Stmt> = Vec::new();
    loop {
        match body {
            [import @ (Stmt::Import(_) | Stmt::ImportFrom(_)), rest @ ..] => {
                imports.push(import);
                body = rest;
            }
            [Stmt::Try(attempt), rest @ ..]
                if attempt
                    .body
                    .iter()
                    .all(|stmt| matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)))
                    && answers(attempt, false) =>
            {
                imports.extend(&attempt.body);
                body = rest;
            }
            _ => break,
        }
    }
    let helper_resolver = Resolver::new(project, function.module);
    let scope = imported_names(project, function.module, &imports);
    let returned_guard = |body: &[Stmt]| {
        let [Stmt::Return(returned)] = body else {
            return None;
        };
        guard_value(&helper_resolver, &scope, returned.value.as_deref()?)
    };
    let inside = match body {
        [Stmt::Try(attempt)] if attempt.orelse.is_empty() && attempt.finalbody.is_empty() => {
            let inside = returned_guard(&attempt.body)?;
            answers(attempt, !inside).then_some(inside)?
        }
        body => returned_guard(body)?,
    };
    // A failed import answers `False`: right only for a guard that is true inside workflows.
    (imports.is_empty() || inside).then_some(inside)
}

/// Whether every handler of `attempt` returns the literal `answer`.
fn answers(attempt: &ast::StmtTry, answer: bool) -> bool {
    !attempt.handlers.is_empty()
        && attempt.handlers.iter().all(|handler| {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            matches!(handler.body.as_slice(), [Stmt::Return(returned)]
                if matches!(returned.value.as_deref(),
                    Some(Expr::BooleanLiteral(literal)) if literal.value == answer))
        })
}

/// A scope binding the names `imports` (statements of a function of `module`) bind.
fn imported_names<'a>(
    project: &tempolint_semantic::Project<'a>,
    module: tempolint_semantic::ModuleId,
    imports: &[&'a Stmt],
) -> LocalScope<'a> {
    let bound: Vec<(&'a str, String)> = imports
        .iter()
        .flat_map(|stmt| project.local_import_bindings(module, stmt))
        .collect();
    let mut scope = LocalScope::default();
    scope.push_names(bound.iter().map(|(local, _)| *local));
    for (local, target) in bound {
        scope.set(
            local,
            tempolint_semantic::LocalValue {
                binding: tempolint_semantic::Binding::Symbol(target),
                expr: None,
            },
        );
    }
    scope
}

/// `Some(true)` for `workflow.in_workflow()`, `Some(false)` for `not workflow.in_workflow()`.
fn guard_value(resolver: &Resolver, scope: &LocalScope, mut value: &Expr) -> Option<bool> {
    let mut inside = true;
    while let Expr::UnaryOp(unary) = value
        && unary.op == UnaryOp::Not
    {
        inside = !inside;
        value = &unary.operand;
    }
    let Expr::Call(call) = value else {
        return None;
    };
    (call.arguments.is_empty() && resolver.resolve(&call.func, scope).symbol() == Some(IN_WORKFLOW))
        .then_some(inside)
}

/// Whether a block always leaves (its last statement returns or raises).
pub(super) fn leaves(body: &[Stmt]) -> bool {
    matches!(body.last(), Some(Stmt::Return(_) | Stmt::Raise(_)))
}
