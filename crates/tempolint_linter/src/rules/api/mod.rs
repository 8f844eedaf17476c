//! SDK-misuse rules (API): calls and definitions the Temporal SDK rejects when they run or
//! when the worker starts.

pub(crate) mod argument_mismatch;
pub(crate) mod awaited_sync_call;
pub(crate) mod extra_positional_arguments;
pub(crate) mod invalid_workflow_definition;
pub(crate) mod non_timedelta_duration;
pub(crate) mod unawaited_call;
pub(crate) mod undecorated_activity;
pub(crate) mod unknown_sdk_name;
pub(crate) mod unregistered_name;
pub(crate) mod wait_condition_result;
pub(crate) mod workflow_task_exception;
pub(crate) mod wrong_context_call;

use tempolint_python::ast::{self, Expr};

use crate::checker::{CallInfo, Checker};

use crate::rules::timeouts::ACTIVITY_ENTRY_POINTS;

/// What an SDK call that carries workflow or activity arguments starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Activity,
    ChildWorkflow,
    ContinueAsNew,
    /// `Client.start_workflow` / `execute_workflow`.
    ClientWorkflow,
    /// A handle's `signal`, `query`, `execute_update`, `start_update`.
    Handler,
}

/// An SDK call that takes its target first and one positional `arg` (or `args=[…]`).
pub(crate) struct ArgumentCall {
    pub(crate) target: Target,
    /// Positional arguments the signature accepts: the target (if any) and `arg`.
    pub(crate) positional: usize,
}

const CHILD_WORKFLOW: &[&str] = &[
    "temporalio.workflow.start_child_workflow",
    "temporalio.workflow.execute_child_workflow",
];

const CLIENT_WORKFLOW: &[&str] = &[
    "temporalio.client.Client.start_workflow",
    "temporalio.client.Client.execute_workflow",
];

const HANDLER: &[&str] = &[
    "temporalio.client.WorkflowHandle.signal",
    "temporalio.client.WorkflowHandle.query",
    "temporalio.client.WorkflowHandle.execute_update",
    "temporalio.client.WorkflowHandle.start_update",
    "temporalio.workflow.ExternalWorkflowHandle.signal",
    "temporalio.workflow.ChildWorkflowHandle.signal",
];

/// The SDK call `symbol` names, if it takes workflow or activity arguments.
pub(crate) fn argument_call(symbol: Option<&str>) -> Option<ArgumentCall> {
    let symbol = symbol?;
    let (target, positional) = if ACTIVITY_ENTRY_POINTS.contains(&symbol) {
        (Target::Activity, 2)
    } else if CHILD_WORKFLOW.contains(&symbol) {
        (Target::ChildWorkflow, 2)
    } else if CLIENT_WORKFLOW.contains(&symbol) {
        (Target::ClientWorkflow, 2)
    } else if HANDLER.contains(&symbol) {
        (Target::Handler, 2)
    } else if symbol == "temporalio.workflow.continue_as_new" {
        (Target::ContinueAsNew, 1)
    } else {
        return None;
    };
    Some(ArgumentCall { target, positional })
}

/// Whether a call applies `activity.defn` / `workflow.defn` to a function itself
/// (`activity.defn(fetch)`, `activity.defn(name="x")(fetch)`), as a registering decorator of
/// the project's own does it.
pub(crate) fn applies_defn(checker: &Checker, info: &CallInfo) -> bool {
    let is_defn = |symbol: Option<&str>| {
        matches!(
            symbol,
            Some("temporalio.activity.defn" | "temporalio.workflow.defn")
        )
    };
    is_defn(info.symbol) && !info.call.arguments.args.is_empty()
        || matches!(&*info.call.func, Expr::Call(inner) if is_defn(checker.resolve(&inner.func).symbol()))
}

/// The callee's last segment, as users write it (`execute_activity`).
pub(crate) fn short_name(symbol: &str) -> &str {
    symbol.rsplit('.').next().unwrap_or(symbol)
}

/// Whether a call passes `*iterable` positionally (its count is unknown).
pub(crate) fn has_starred(call: &ast::ExprCall) -> bool {
    call.arguments.args.iter().any(Expr::is_starred_expr)
}

/// The target argument of an SDK call: the first positional, or its keyword form.
pub(crate) fn target_argument<'e>(call: &'e ast::ExprCall, keyword: &str) -> Option<&'e Expr> {
    call.arguments
        .args
        .first()
        .or_else(|| call.arguments.find_keyword(keyword).map(|k| &k.value))
}

/// The keyword naming the target of each kind of call (`execute_activity(activity=…)`).
pub(crate) fn target_keyword(target: Target) -> &'static str {
    match target {
        Target::Activity => "activity",
        Target::ChildWorkflow | Target::ClientWorkflow | Target::ContinueAsNew => "workflow",
        Target::Handler => "",
    }
}

/// The name a `@activity.defn` / `@workflow.defn` definition registers under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Registration {
    Named(String),
    /// `dynamic=True`: it serves any name.
    Dynamic,
    /// `name=` is not a literal, or a project wrapper of the decorator decides it.
    Unknown,
}

/// How a definition called `own_name` with these decorators registers.
pub(crate) fn registration(own_name: &str, decorators: &[ast::Decorator]) -> Registration {
    // A definition the SDK decorator reaches through a project wrapper (`@activity_defn`):
    // the wrapper decides the name.
    if !decorators.iter().any(|decorator| {
        is_defn_callee(match &decorator.expression {
            Expr::Call(call) => &call.func,
            other => other,
        })
    }) {
        return Registration::Unknown;
    }
    let defn = decorators
        .iter()
        .find_map(|decorator| match &decorator.expression {
            Expr::Call(call) if is_defn_callee(&call.func) => Some(call),
            _ => None,
        });
    let Some(defn) = defn else {
        return Registration::Named(own_name.to_string());
    };
    let dynamic = defn
        .arguments
        .find_keyword("dynamic")
        .is_some_and(|keyword| !matches!(&keyword.value, Expr::BooleanLiteral(b) if !b.value));
    if dynamic {
        return Registration::Dynamic;
    }
    match defn
        .arguments
        .find_keyword("name")
        .map(|keyword| &keyword.value)
    {
        Some(Expr::StringLiteral(name)) => Registration::Named(name.value.to_str().to_string()),
        Some(_) => Registration::Unknown,
        None => Registration::Named(own_name.to_string()),
    }
}

fn is_defn_callee(callee: &Expr) -> bool {
    match callee {
        Expr::Attribute(attribute) => attribute.attr.as_str() == "defn",
        Expr::Name(name) => name.id.as_str() == "defn",
        _ => false,
    }
}
