//! The rules, one file each, and the explicit dispatch from the checker's node kinds to each
//! enabled rule's check.

pub(crate) mod api;
pub(crate) mod blocking;
pub(crate) mod determinism;
pub(crate) mod imports;
pub(crate) mod payload;
#[allow(
    dead_code,
    reason = "`tempolint replay` reports these; `check` never builds them"
)]
pub(crate) mod replay;
pub(crate) mod syntax_error;
pub(crate) mod timeouts;
pub(crate) mod unused_suppression;

use tempolint_python::ast::{self, Expr};

use crate::checker::{CallInfo, Checker, IterationKind, ProjectChecker};
use crate::registry::Rule;

/// A rule's finding: the data its message needs.
pub(crate) trait Violation {
    const RULE: Rule;
    /// What is wrong, why, and what to do instead.
    fn message(&self) -> String;
}

/// Declares a violation struct whose doc comment is the rule's documentation, and exposes that
/// documentation as `DOC`.
macro_rules! violation {
    ($(#[doc = $doc:literal])* $rule:ident => $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[doc = $doc])*
        pub(crate) struct $name { $(pub(crate) $field: $ty),* }

        pub(crate) const DOC: &str = concat!($($doc, "\n"),*);

        impl $crate::rules::Violation for $name {
            const RULE: $crate::registry::Rule = $crate::registry::Rule::$rule;
            fn message(&self) -> String {
                self.describe()
            }
        }
    };
}
pub(crate) use violation;

/// A literal `0` or `0.0` (a zero timeout, "no limit" in `maximum_attempts=0`).
pub(crate) fn is_zero_literal(expr: &Expr) -> bool {
    let Expr::NumberLiteral(number) = expr else {
        return false;
    };
    match &number.value {
        ast::Number::Int(int) => int.as_u8() == Some(0),
        ast::Number::Float(float) => *float == 0.0,
        ast::Number::Complex { .. } => false,
    }
}

/// Every call, once resolved.
pub(crate) fn dispatch_call(checker: &mut Checker, info: &CallInfo) {
    use determinism::{
        asyncio_wait, file_system_access, global_mutation, hash_or_id, host_environment,
        import_time_restricted, network_access, randomness, sandbox_restricted, set_iteration,
        threads_and_processes, uuid_generation, wall_clock, workflow_logging, workflow_time_sleep,
    };
    if checker.enabled(Rule::WallClock) {
        wall_clock::check(checker, info);
    }
    if checker.enabled(Rule::Randomness) {
        randomness::check(checker, info);
    }
    if checker.enabled(Rule::UuidGeneration) {
        uuid_generation::check(checker, info);
    }
    if checker.enabled(Rule::FileSystemAccess) {
        file_system_access::check(checker, info);
    }
    if checker.enabled(Rule::NetworkAccess) {
        network_access::check(checker, info);
    }
    if checker.enabled(Rule::ThreadsAndProcesses) {
        threads_and_processes::check(checker, info);
    }
    if checker.enabled(Rule::HostEnvironment) {
        host_environment::check_call(checker, info);
    }
    if checker.enabled(Rule::WorkflowTimeSleep) {
        workflow_time_sleep::check(checker, info);
    }
    if checker.enabled(Rule::SandboxRestricted) {
        sandbox_restricted::check(checker, info);
    }
    if checker.enabled(Rule::AsyncioWait) {
        asyncio_wait::check(checker, info);
    }
    if checker.enabled(Rule::HashOrId) {
        hash_or_id::check(checker, info);
    }
    if checker.enabled(Rule::GlobalMutation) {
        global_mutation::check_call(checker, info);
    }
    if checker.enabled(Rule::ImportTimeRestricted) {
        import_time_restricted::check(checker, info);
    }
    if checker.enabled(Rule::WorkflowLogging) {
        workflow_logging::check(checker, info);
    }
    if checker.enabled(Rule::SetIteration) {
        set_iteration::check_call(checker, info);
    }
    if checker.enabled(Rule::WrongContextCall) {
        api::wrong_context_call::check(checker, info);
    }
    if checker.enabled(Rule::UnknownSdkName) {
        api::unknown_sdk_name::check(checker, info);
    }
    if checker.enabled(Rule::AwaitedSyncCall) {
        api::awaited_sync_call::check(checker, info);
    }
    if checker.enabled(Rule::WaitConditionResult) {
        api::wait_condition_result::check(checker, info);
    }
    timeouts::record_activity_call(checker, info);
    if checker.enabled(Rule::MissingActivityTimeout) {
        timeouts::missing_activity_timeout::check(checker, info);
    }
    if checker.enabled(Rule::UnboundedRetries) {
        timeouts::unbounded_retries::check(checker, info);
    }
    timeouts::record_heartbeat(checker, info);
    if checker.enabled(Rule::AsyncSleep) {
        blocking::async_activity_sleep::check(checker, info);
    }
    if checker.enabled(Rule::BlockingNetwork) {
        blocking::blocking_network::check(checker, info);
    }
    if checker.enabled(Rule::BlockingFileIo) {
        blocking::blocking_file_io::check(checker, info);
    }
    if checker.enabled(Rule::BlockingWait) {
        blocking::blocking_wait::check(checker, info);
    }
    if checker.enabled(Rule::SyncClient) {
        blocking::sync_client::check(checker, info);
    }
    if checker.enabled(Rule::OversizedPayload) {
        payload::oversized_payload::check_call(checker, info);
    }
    payload::unbounded_history::record_continue_as_new(checker, info);
    if checker.enabled(Rule::ExtraPositionalArguments) {
        api::extra_positional_arguments::check(checker, info);
    }
    if checker.enabled(Rule::NonTimedeltaDuration) {
        api::non_timedelta_duration::check(checker, info);
    }
    if checker.enabled(Rule::ArgumentMismatch) {
        api::argument_mismatch::check(checker, info);
    }
    if checker.enabled(Rule::UndecoratedActivity) {
        api::undecorated_activity::record(checker, info);
    }
    if checker.enabled(Rule::UnregisteredName) {
        api::unregistered_name::record(checker, info);
    }
    if checker.enabled(Rule::WorkflowTaskException) {
        api::workflow_task_exception::record_worker(checker, info);
        api::workflow_task_exception::record_call(checker, info);
    }
    if checker.enabled(Rule::InvalidWorkflowDefinition) {
        api::invalid_workflow_definition::record_worker(checker, info);
    }
    // The workers' sandboxes decide which imports DET302 reports, which modules' top-level
    // code runs in a sandbox (DET301), which workflows run in none (DET109) and whose module
    // state runs share (DET204).
    if checker.enabled(Rule::UnpassedImport)
        || checker.enabled(Rule::ImportTimeRestricted)
        || checker.enabled(Rule::SandboxRestricted)
        || checker.enabled(Rule::GlobalMutation)
    {
        crate::sandbox_config::record_call(checker, info);
    }
}

/// Every positional argument of a call, with the call.
pub(crate) fn dispatch_call_argument(checker: &mut Checker, info: &CallInfo, argument: &Expr) {
    if checker.enabled(Rule::SetIteration) {
        determinism::set_iteration::check_argument(checker, info, argument);
    }
}

/// Every name or attribute chain read as a value (not called).
pub(crate) fn dispatch_reference(checker: &mut Checker, expr: &Expr) {
    if checker.enabled(Rule::HostEnvironment) {
        determinism::host_environment::check_reference(checker, expr);
    }
    if checker.enabled(Rule::UnknownSdkName) {
        api::unknown_sdk_name::check_reference(checker, expr);
    }
}

/// Every iterated expression (`for` loops, comprehensions).
pub(crate) fn dispatch_iteration(checker: &mut Checker, iter: &Expr, kind: IterationKind) {
    if checker.enabled(Rule::SetIteration) {
        determinism::set_iteration::check_iteration(checker, iter, kind);
    }
}

/// Every assignment target.
pub(crate) fn dispatch_assignment_target(checker: &mut Checker, target: &Expr) {
    if checker.enabled(Rule::GlobalMutation) {
        determinism::global_mutation::check_target(checker, target);
    }
}

/// Every `return value`.
pub(crate) fn dispatch_return(checker: &mut Checker, ret: &ast::StmtReturn, value: &Expr) {
    if checker.enabled(Rule::OversizedPayload) {
        payload::oversized_payload::check_return(checker, ret, value);
    }
    if checker.enabled(Rule::WholeContentReturn) {
        payload::whole_content_return::check(checker, value);
    }
}

/// Every expression written as a statement of its own.
pub(crate) fn dispatch_expression_statement(checker: &mut Checker, statement: &ast::StmtExpr) {
    if checker.enabled(Rule::UnawaitedCall) {
        api::unawaited_call::check(checker, statement);
    }
}

/// Every `target = value` statement.
pub(crate) fn dispatch_assignment(checker: &mut Checker, assign: &ast::StmtAssign) {
    if checker.enabled(Rule::UnawaitedCall) {
        api::unawaited_call::check_assignment(checker, assign);
    }
}

/// Every `raise` statement.
pub(crate) fn dispatch_raise(checker: &mut Checker, raise: &ast::StmtRaise) {
    if checker.enabled(Rule::WorkflowTaskException) {
        api::workflow_task_exception::check_raise(checker, raise);
    }
}

/// Every `assert` statement.
pub(crate) fn dispatch_assert(checker: &mut Checker, assert: &ast::StmtAssert) {
    if checker.enabled(Rule::WorkflowTaskException) {
        api::workflow_task_exception::check_assert(checker, assert);
    }
}

/// Every `while` loop.
pub(crate) fn dispatch_while(checker: &mut Checker, while_stmt: &ast::StmtWhile) {
    payload::unbounded_history::record_loop(checker, while_stmt);
}

pub(crate) fn dispatch_for(checker: &mut Checker, for_stmt: &ast::StmtFor) {
    if checker.enabled(Rule::SetIteration) {
        determinism::set_iteration::check_for_loop(checker, for_stmt);
    }
    payload::unbounded_history::record_counted_loop(checker, for_stmt);
}

/// A function or class defined inside a function body (not a project definition of its own).
pub(crate) fn dispatch_nested_definition(
    checker: &mut Checker,
    name: &str,
    decorators: &[ast::Decorator],
) {
    if checker.enabled(Rule::UnregisteredName) {
        api::unregistered_name::record_nested_definition(checker, name, decorators);
    }
}

/// Once, after every body is checked: the rules that compare facts across bodies.
pub(crate) fn dispatch_project(checker: &mut ProjectChecker) {
    if checker.enabled(Rule::HeartbeatTimeoutWithoutHeartbeat) {
        timeouts::heartbeat_timeout_without_heartbeat::check_project(checker);
    }
    if checker.enabled(Rule::HeartbeatWithoutTimeout) {
        timeouts::heartbeat_without_timeout::check_project(checker);
    }
    if checker.enabled(Rule::UnboundedHistory) {
        payload::unbounded_history::check_project(checker);
    }
    if checker.enabled(Rule::UnregisteredName) {
        api::unregistered_name::check_project(checker);
    }
    if checker.enabled(Rule::InvalidWorkflowDefinition) {
        api::invalid_workflow_definition::check_project(checker);
    }
    if checker.enabled(Rule::UndecoratedActivity) {
        api::undecorated_activity::check_project(checker);
    }
    if checker.enabled(Rule::WorkflowTaskException) {
        api::workflow_task_exception::check_project(checker);
    }
}
