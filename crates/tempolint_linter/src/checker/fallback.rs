//! `parameter or fallback`: the fallback runs only when the caller passed a false value. A
//! call that fills the parameter with a value that is always true (`workflow.now()`,
//! `workflow.uuid4()`, a non-empty literal) never runs it, so what the fallback does
//! (`datetime.now(UTC)`, `uuid4()`) is not reported through that call.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Number, Stmt};
use tempolint_semantic::FunctionId;

use super::Checker;

/// Values that are always true in a boolean test.
const ALWAYS_TRUE: &[&str] = &[
    "temporalio.workflow.now",
    "temporalio.workflow.uuid4",
    "temporalio.workflow.uuid7",
];

/// A function's parameter names: positional (`self` included), then keyword-only.
pub(super) fn parameter_names(def: &ast::StmtFunctionDef) -> Vec<&str> {
    let parameters = &def.parameters;
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .chain(&parameters.kwonlyargs)
        .map(|parameter| parameter.parameter.name.as_str())
        .collect()
}

/// The index of `name` when it is a parameter of the checked function that its body never
/// rebinds but as `name = name or …` (so `name or …` tests what the caller passed).
pub(super) fn parameter_index(checker: &Checker, name: &str) -> Option<u32> {
    let index = checker
        .parameters
        .iter()
        .position(|parameter| *parameter == name)?;
    let mut stores = Stores { name, found: false };
    stores.visit_body(checker.body);
    (index < 64 && !stores.found).then_some(index as u32)
}

struct Stores<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> Visitor<'a> for Stores<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(_) | Stmt::Nonlocal(_) | Stmt::Delete(_) => self.found = true,
            // `name = name or default()`: still true whenever the caller's value was.
            Stmt::Assign(assign)
                if matches!(assign.targets.as_slice(), [Expr::Name(target)]
                    if target.id.as_str() == self.name)
                    && matches!(&*assign.value, Expr::BoolOp(bool_op)
                        if bool_op.op == ast::BoolOp::Or
                            && matches!(bool_op.values.first(), Some(Expr::Name(first))
                                if first.id.as_str() == self.name)) =>
            {
                self.visit_expr(&assign.value);
                return;
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr
            && name.id.as_str() == self.name
            && name.ctx != ExprContext::Load
        {
            self.found = true;
        }
        visitor::walk_expr(self, expr);
    }
}

/// What `call` passes to the parameters of `target` (see [`super::CallEdge`]): a bit for
/// each one it fills with an always-true value, and the caller's own parameters it passes on
/// as they came (`target param`, `caller param`). Methods get none: a bound `self` shifts
/// positions.
pub(super) fn arguments(
    checker: &Checker,
    call: &ast::ExprCall,
    target: FunctionId,
) -> (u64, Vec<(u32, u32)>) {
    let mut mask = 0;
    let mut forwarded = Vec::new();
    let data = checker.resolver.project().function(target);
    if data.class.is_some() {
        return (mask, forwarded);
    }
    let names = parameter_names(data.def);
    let positional = data.def.parameters.posonlyargs.len() + data.def.parameters.args.len();
    let passed = call
        .arguments
        .args
        .iter()
        .take_while(|argument| !argument.is_starred_expr())
        .take(positional)
        .enumerate()
        .chain(call.arguments.keywords.iter().filter_map(|keyword| {
            let name = keyword.arg.as_ref()?;
            let index = names
                .iter()
                .position(|parameter| *parameter == name.as_str())?;
            Some((index, &keyword.value))
        }));
    for (index, argument) in passed {
        if index >= 64 {
            continue;
        }
        if always_true(checker, argument) {
            mask |= 1 << index;
        } else if let Expr::Name(name) = argument
            && checker.deferred == 0
            && let Some(own) = parameter_index(checker, name.id.as_str())
        {
            forwarded.push((index as u32, own));
        }
    }
    (mask, forwarded)
}

/// An expression that is always true, or a local name last given one.
fn always_true(checker: &Checker, expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => checker
            .value_of(name.id.as_str())
            .is_some_and(|value| !matches!(value, Expr::Name(_)) && always_true(checker, value)),
        Expr::Call(call) => checker
            .resolve(&call.func)
            .symbol()
            .is_some_and(|symbol| ALWAYS_TRUE.contains(&symbol)),
        Expr::StringLiteral(literal) => !literal.value.is_empty(),
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(number) => {
            matches!(&number.value, Number::Int(value) if value.as_u64() != Some(0))
        }
        _ => false,
    }
}
