//! `parameter or fallback`: the fallback runs only when the caller passed a false value. A
//! call that fills the parameter with a value that is always true (`workflow.now()`,
//! `workflow.uuid4()`, a non-empty literal) never runs it, so what the fallback does
//! (`datetime.now(UTC)`, `uuid4()`) is not reported through that call.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Number, Stmt};
use tempolint_semantic::{ClassId, FunctionId, ModuleId, Project};

use super::{Checker, PassedArguments};

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
    stored_parameter(checker, name, false)
}

/// The index of `name` when it is a parameter of the checked function that its body never
/// rebinds at all: it holds exactly what the caller passed.
pub(super) fn exact_parameter_index(checker: &Checker, name: &str) -> Option<u32> {
    stored_parameter(checker, name, true)
}

fn stored_parameter(checker: &Checker, name: &str, exact: bool) -> Option<u32> {
    let index = checker
        .parameters
        .iter()
        .position(|parameter| *parameter == name)?;
    let mut stores = Stores {
        name,
        exact,
        found: false,
    };
    stores.visit_body(checker.body);
    (index < 64 && !stores.found).then_some(index as u32)
}

/// The parameter `test` compares with `None` (see [`parameter_index`]), and whether the test
/// holds when it is `None` (`is None`) or when it is not (`is not None`).
pub(super) fn none_test(checker: &Checker, test: &Expr) -> Option<(u32, bool)> {
    let (name, is_none) = tested_for_none(test)?;
    Some((parameter_index(checker, name)?, is_none))
}

/// `name` in `name is None` (true) or `name is not None` (false).
pub(crate) fn tested_for_none(test: &Expr) -> Option<(&str, bool)> {
    let Expr::Compare(compare) = test else {
        return None;
    };
    match (&*compare.left, &*compare.ops, &*compare.comparators) {
        (Expr::Name(name), [ast::CmpOp::Is], [Expr::NoneLiteral(_)]) => {
            Some((name.id.as_str(), true))
        }
        (Expr::Name(name), [ast::CmpOp::IsNot], [Expr::NoneLiteral(_)]) => {
            Some((name.id.as_str(), false))
        }
        _ => None,
    }
}

struct Stores<'n> {
    name: &'n str,
    /// Every store counts, also those that keep a non-`None` value (`name = name or …`).
    exact: bool,
    found: bool,
}

impl<'a> Stores<'_> {
    /// Visits a branch; where the name is `None` (`defaulting`), assigning it is allowed.
    fn visit_defaulting(&mut self, body: &'a [Stmt], defaulting: bool) {
        for stmt in body {
            match stmt {
                Stmt::Assign(assign)
                    if defaulting
                        && matches!(assign.targets.as_slice(), [Expr::Name(target)]
                            if target.id.as_str() == self.name) =>
                {
                    self.visit_expr(&assign.value);
                }
                other => self.visit_stmt(other),
            }
        }
    }
}

impl<'a> Visitor<'a> for Stores<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(_) | Stmt::Nonlocal(_) | Stmt::Delete(_) => self.found = true,
            _ if self.exact => {}
            // `if name is None: name = default()` (or `if name is not None: … else: name = …`):
            // still what the caller passed, unless None.
            Stmt::If(if_stmt)
                if tested_for_none(&if_stmt.test).is_some_and(|(name, _)| name == self.name) =>
            {
                let is_none = tested_for_none(&if_stmt.test).is_some_and(|(_, is_none)| is_none);
                self.visit_defaulting(&if_stmt.body, is_none);
                for clause in &if_stmt.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    self.visit_defaulting(&clause.body, !is_none);
                }
                return;
            }
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

/// What `call` passes to the parameters of `target` (see [`PassedArguments`]). A method's
/// `self` takes the first position (see [`Checker::bound_arguments`]).
pub(super) fn arguments(
    checker: &Checker,
    call: &ast::ExprCall,
    target: FunctionId,
) -> PassedArguments {
    let mut passed_arguments = PassedArguments::default();
    let Some(offset) = checker.bound_arguments(call, target) else {
        return passed_arguments;
    };
    let data = checker.resolver.project().function(target);
    let names = parameter_names(data.def);
    let positional = data.def.parameters.posonlyargs.len() + data.def.parameters.args.len();
    let passed = call
        .arguments
        .args
        .iter()
        .take_while(|argument| !argument.is_starred_expr())
        .take(positional.saturating_sub(offset))
        .enumerate()
        .map(|(index, argument)| (index + offset, argument))
        .chain(call.arguments.keywords.iter().filter_map(|keyword| {
            let name = keyword.arg.as_ref()?;
            let index = names
                .iter()
                .position(|parameter| *parameter == name.as_str())?;
            Some((index, &keyword.value))
        }));
    // A decorator may fill or replace arguments on the way in (`kwargs.setdefault(…)`).
    let plain = plainly_called(data.def);
    let mut filled = 0_u64;
    for (index, argument) in passed {
        if index >= 64 {
            continue;
        }
        let bit = 1 << index;
        filled |= bit;
        if is_workflow_logger(checker, argument) {
            passed_arguments.workflow_loggers |= bit;
        }
        if argument.is_none_literal_expr() {
            passed_arguments.none |= u64::from(plain) << index;
        } else if always_true(checker, argument) {
            passed_arguments.truthy |= bit;
        } else if let Expr::Name(name) = argument
            && checker.deferred == 0
            && let Some(own) = parameter_index(checker, name.id.as_str())
        {
            passed_arguments.forwarded.push((index as u32, own));
            if plain && exact_parameter_index(checker, name.id.as_str()).is_some() {
                passed_arguments.forwarded_exactly |= bit;
            }
        }
    }
    // A parameter the call leaves to its default: `tz: str = DEFAULT_TIMEZONE` ("UTC"), or
    // `timeout: timedelta | None = None` (unless a `*`/`**` splat may fill it).
    let unpacks = call.arguments.args.iter().any(Expr::is_starred_expr)
        || call
            .arguments
            .keywords
            .iter()
            .any(|keyword| keyword.arg.is_none());
    let project = checker.resolver.project();
    let with_defaults = data
        .def
        .parameters
        .posonlyargs
        .iter()
        .chain(&data.def.parameters.args)
        .chain(&data.def.parameters.kwonlyargs);
    for (index, parameter) in with_defaults.enumerate().take(64) {
        let bit = 1 << index;
        let Some(default) = parameter.default.as_deref() else {
            continue;
        };
        if filled & bit != 0 {
            continue;
        }
        if default_always_true(project, data.module, default) {
            passed_arguments.truthy |= bit;
        } else if default.is_none_literal_expr() && plain && !unpacks {
            passed_arguments.none |= bit;
        }
    }
    // `**kwargs` gets nothing: every keyword names a parameter it may be given by name.
    let keyword_names = &names[data.def.parameters.posonlyargs.len()..];
    let extra_keywords = call.arguments.keywords.iter().any(|keyword| {
        keyword
            .arg
            .as_ref()
            .is_none_or(|name| !keyword_names.contains(&name.as_str()))
    });
    if data.def.parameters.kwarg.is_some() && names.len() < 64 && plain && !extra_keywords {
        passed_arguments.none |= 1 << names.len();
    }
    passed_arguments
}

/// The index the checked function's `**kwargs` parameter has in [`PassedArguments`] (after
/// the named parameters), when `expr` names it and the body uses it only to pass it on as
/// `**kwargs`: it holds exactly the keywords the caller passed beyond the named ones.
pub(super) fn own_kwargs(checker: &Checker, expr: &Expr) -> Option<u32> {
    let Expr::Name(name) = expr else {
        return None;
    };
    let kwarg = checker.def?.parameters.kwarg.as_deref()?;
    if checker.deferred > 0 || kwarg.name.as_str() != name.id.as_str() {
        return None;
    }
    let mut uses = KwargsUses {
        name: name.id.as_str(),
        other: false,
    };
    uses.visit_body(checker.body);
    let index = checker.parameters.len();
    (!uses.other && index < 64).then_some(index as u32)
}

/// Whether a body uses `name` other than as a `**name` argument.
struct KwargsUses<'n> {
    name: &'n str,
    other: bool,
}

impl<'a> Visitor<'a> for KwargsUses<'_> {
    fn visit_keyword(&mut self, keyword: &'a ast::Keyword) {
        if keyword.arg.is_none()
            && matches!(&keyword.value, Expr::Name(name) if name.id.as_str() == self.name)
        {
            return;
        }
        visitor::walk_keyword(self, keyword);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if matches!(stmt, Stmt::Global(_) | Stmt::Nonlocal(_)) {
            self.other = true;
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if matches!(expr, Expr::Name(name) if name.id.as_str() == self.name) {
            self.other = true;
        }
        visitor::walk_expr(self, expr);
    }
}

/// Whether calls reach `def` as written: no decorator but `staticmethod` or `classmethod`.
fn plainly_called(def: &ast::StmtFunctionDef) -> bool {
    def.decorator_list.iter().all(|decorator| {
        matches!(&decorator.expression, Expr::Name(name)
            if matches!(name.id.as_str(), "staticmethod" | "classmethod"))
    })
}

/// `workflow.logger`, or a name for it; other shapes are not resolved (this runs for every
/// argument of every project call).
fn is_workflow_logger(checker: &Checker, argument: &Expr) -> bool {
    let candidate = match argument {
        Expr::Attribute(attribute) => attribute.attr.as_str() == "logger",
        Expr::Name(_) => true,
        _ => false,
    };
    candidate && checker.resolve(argument).symbol() == Some("temporalio.workflow.logger")
}

/// Whether a parameter's default, written in `module`, is a true literal or a module constant
/// (there or imported) holding one.
fn default_always_true(project: &Project, module: ModuleId, default: &Expr) -> bool {
    let Expr::Name(name) = default else {
        return true_literal(default);
    };
    project
        .constant(module, name.id.as_str())
        .is_some_and(|(_, value)| true_literal(value))
}

/// A literal that is always true: a non-empty string, `True`, a non-zero integer.
fn true_literal(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(literal) => !literal.value.is_empty(),
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(number) => {
            matches!(&number.value, Number::Int(value) if value.as_u64() != Some(0))
        }
        _ => false,
    }
}

/// An expression that is always true, or a local name last given one.
fn always_true(checker: &Checker, expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => checker
            .value_of(name.id.as_str())
            .is_some_and(|value| !matches!(value, Expr::Name(_)) && always_true(checker, value)),
        Expr::Call(call) => checker.resolve(&call.func).symbol().is_some_and(|symbol| {
            ALWAYS_TRUE.contains(&symbol)
                || checker
                    .resolver
                    .project()
                    .class_by_name(symbol)
                    .is_some_and(|class| instances_always_true(checker.resolver.project(), class))
        }),
        other => true_literal(other),
    }
}

/// Whether every instance of the project class `class` is true: neither it nor a base
/// defines `__bool__` or `__len__`, and every base is a project class (or `object`).
fn instances_always_true(project: &Project, class: ClassId) -> bool {
    let ancestry = project.ancestry(class);
    ancestry.classes.iter().all(|class| {
        let methods = &project.class(*class).methods;
        !methods.contains_key("__bool__") && !methods.contains_key("__len__")
    }) && ancestry
        .outside
        .iter()
        .all(|base| *base == "builtins.object")
}
