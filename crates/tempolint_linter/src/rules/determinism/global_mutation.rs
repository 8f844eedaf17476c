use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{Binding, Global, ModuleId, Resolver};

use crate::checker::{CallInfo, Checker, Context, Role, tested_for_none};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for workflow code that mutates module-level state that runs share: assigning a
    /// `global`, setting items or attributes of a module-level object (of its own module or
    /// another project module) or of a class-level one (`cls._counts[key] = …`), or calling
    /// mutating methods on it (`append`, `update`, `add`, `pop`, …). The sandbox imports the
    /// workflow's modules anew for each run and each replay, so only the state of modules it
    /// passes through, or of any module when the workflow runs without a sandbox, is shared.
    /// A lazy singleton (`global _config; if _config is None: _config = Config.from_env()`,
    /// a call with literal arguments at most, not the SDK's) is not reported: whichever run
    /// sets it, it holds the same value.
    ///
    /// ## Why is this bad?
    /// Shared module state is seen by every workflow running on the worker and survives
    /// across replays, so one workflow's run changes what another (or its own replay) sees.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// SEEN: list[str] = []
    ///
    /// @workflow.defn(sandboxed=False)
    /// class Dedup:
    ///     @workflow.run
    ///     async def run(self, key: str) -> bool:
    ///         SEEN.append(key)
    ///         return len(SEEN) > 1
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn(sandboxed=False)
    /// class Dedup:
    ///     def __init__(self) -> None:
    ///         self.seen: list[str] = []
    ///
    ///     @workflow.run
    ///     async def run(self, key: str) -> bool:
    ///         self.seen.append(key)
    ///         return len(self.seen) > 1
    /// ```
    GlobalMutation => GlobalMutation { name: String }
}

impl GlobalMutation {
    fn describe(&self) -> String {
        format!(
            "Workflow code mutates `{}`, module-level state that every workflow on the worker shares and that outlives replays. Keep state on the workflow instance",
            self.name
        )
    }
}

const MUTATORS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "update",
    "add",
    "discard",
    "setdefault",
    "sort",
    "reverse",
];

/// The module-level variable an expression's root name refers to, if it is one: of this
/// module, imported from another project module (`from app.state import SEEN`), read from
/// one (`state.COUNTS`), or a class-level variable of a project class (`cls._counts`).
fn module_variable(checker: &Checker, expr: &Expr) -> Option<(String, ModuleId)> {
    let root = match expr {
        Expr::Name(name) => name,
        Expr::Attribute(attribute) => {
            if let Some(variable) =
                imported_module_variable(checker, &attribute.value, &attribute.attr)
            {
                return Some(variable);
            }
            if let Some(variable) = class_variable(checker, &attribute.value, &attribute.attr) {
                return Some(variable);
            }
            return module_variable(checker, &attribute.value);
        }
        Expr::Subscript(subscript) => return module_variable(checker, &subscript.value),
        _ => return None,
    };
    let name = root.id.as_str();
    if checker.scope.is_local(name) {
        return None;
    }
    let project = checker.resolver.project();
    let (holder, _) = project.constant(checker.resolver.module(), name)?;
    Some((name.to_string(), holder))
}

/// `Class.NAME`, `cls.NAME` or `self.NAME` where `NAME` is assigned in the body of the
/// project class (and, read through an instance, never on `self`): one object for every
/// instance.
fn class_variable(
    checker: &Checker,
    owner: &Expr,
    attribute: &ast::Identifier,
) -> Option<(String, ModuleId)> {
    let project = checker.resolver.project();
    let (class, through_instance) = match checker.resolve(owner) {
        Binding::Symbol(name) => (project.class_by_name(&name)?, false),
        Binding::Instance(name) => (project.class_by_name(&name)?, true),
        Binding::Unknown => return None,
    };
    let data = project.class(class);
    if through_instance && data.attributes.contains_key(attribute.as_str()) {
        return None;
    }
    let named = |target: &Expr| matches!(target, Expr::Name(name) if name.id.as_str() == attribute.as_str());
    let assigned = data.def.body.iter().any(|stmt| match stmt {
        ast::Stmt::Assign(assign) => assign.targets.iter().any(named),
        // An annotated one is a field of each instance in a dataclass or a pydantic model:
        // a class variable only when it says so, or in a plain class.
        ast::Stmt::AnnAssign(assign) => {
            assign.value.is_some()
                && named(&assign.target)
                && (checker.resolver.annotation_qualifier(&assign.annotation)
                    == Some("typing.ClassVar")
                    || is_plain(project, class))
        }
        _ => false,
    });
    assigned.then(|| (format!("{}.{attribute}", data.def.name), data.module))
}

/// A class no decorator and no library base turns into something else (a dataclass, a
/// pydantic model, an enum), whose annotated class-body names are class variables. A project
/// decorator that returns the class it is given changes nothing.
fn is_plain(project: &tempolint_semantic::Project, class: tempolint_semantic::ClassId) -> bool {
    let ancestry = project.ancestry(class);
    !ancestry.unresolved
        && ancestry.classes.iter().all(|class| {
            let data = project.class(*class);
            let resolver = Resolver::new(project, data.module);
            data.def
                .decorator_list
                .iter()
                .all(|decorator| resolver.is_identity_decorator(&decorator.expression))
        })
        && ancestry
            .outside
            .iter()
            .all(|base| *base == "builtins.object")
}

/// `module.NAME` where `module` names a project module and `NAME` a variable of it.
fn imported_module_variable(
    checker: &Checker,
    module: &Expr,
    attribute: &ast::Identifier,
) -> Option<(String, ModuleId)> {
    let Expr::Name(name) = module else {
        return None;
    };
    if checker.scope.is_local(name.id.as_str()) {
        return None;
    }
    let project = checker.resolver.project();
    let imported = project.module_by_name(checker.resolve(module).symbol()?)?;
    matches!(
        project.module(imported).globals.get(attribute.as_str()),
        Some(Global::Variable(_) | Global::Alternatives(_) | Global::Unpacked { .. })
    )
    .then(|| (format!("{}.{attribute}", name.id), imported))
}

pub(crate) fn check_target(checker: &mut Checker, target: &Expr) {
    if checker.role == Role::ModuleLevel {
        return;
    }
    let variable = match target {
        Expr::Name(name)
            if checker.scope.is_declared_global(name.id.as_str())
                && !lazily_initialised(checker, checker.body, name) =>
        {
            Some((name.id.to_string(), checker.resolver.module()))
        }
        // `self.count = …` sets the instance's own attribute, whatever the class holds.
        Expr::Attribute(attribute)
            if matches!(checker.resolve(&attribute.value), Binding::Instance(_)) =>
        {
            module_variable(checker, &attribute.value)
        }
        Expr::Subscript(_) | Expr::Attribute(_) => module_variable(checker, target),
        _ => None,
    };
    if let Some((name, holder)) = variable {
        let violation = GlobalMutation { name };
        checker
            .report(&violation, target.range(), Context::Workflow)
            .state_of = Some(holder);
    }
}

/// Whether `target` is set as a lazy singleton in `body`: `if _config is None: _config =
/// Config.from_env()`. Whichever run sets it, it holds the same value (what the call reads is
/// judged on its own: the environment, a file), and no run sees it change after.
fn lazily_initialised(checker: &Checker, body: &[ast::Stmt], target: &ast::ExprName) -> bool {
    let name = target.id.as_str();
    body.iter().any(|stmt| match stmt {
        ast::Stmt::If(if_stmt) => {
            let unset = match &*if_stmt.test {
                Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
                    matches!(&*unary.operand, Expr::Name(tested) if tested.id.as_str() == name)
                }
                test => tested_for_none(test) == Some((name, true)),
            };
            (unset
                && if_stmt.body.iter().any(|inner| {
                    matches!(inner, ast::Stmt::Assign(assign)
                        if matches!(assign.targets.as_slice(), [Expr::Name(assigned)]
                            if assigned.range == target.range)
                            && fixed_value(checker, &assign.value))
                }))
                || lazily_initialised(checker, &if_stmt.body, target)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|clause| lazily_initialised(checker, &clause.body, target))
        }
        ast::Stmt::With(with) => lazily_initialised(checker, &with.body, target),
        ast::Stmt::Try(try_stmt) => lazily_initialised(checker, &try_stmt.body, target),
        _ => false,
    })
}

/// A call that computes the same value in every run: no arguments but literals, and not the
/// SDK's (`workflow.now()` is the run's own).
fn fixed_value(checker: &Checker, value: &Expr) -> bool {
    let Expr::Call(call) = value else {
        return false;
    };
    call.arguments.args.iter().all(Expr::is_literal_expr)
        && call
            .arguments
            .keywords
            .iter()
            .all(|keyword| keyword.arg.is_some() && keyword.value.is_literal_expr())
        && checker
            .resolve(&call.func)
            .symbol()
            .is_some_and(|symbol| !symbol.starts_with("temporalio"))
}

pub(crate) fn check_call(checker: &mut Checker, info: &CallInfo) {
    if checker.role == Role::ModuleLevel {
        return;
    }
    let Expr::Attribute(attribute) = &*info.call.func else {
        return;
    };
    if !MUTATORS.contains(&attribute.attr.as_str()) {
        return;
    }
    if let Some((name, holder)) = module_variable(checker, &attribute.value) {
        let violation = GlobalMutation { name };
        checker
            .report(&violation, info.call.func.range(), Context::Workflow)
            .state_of = Some(holder);
    }
}
