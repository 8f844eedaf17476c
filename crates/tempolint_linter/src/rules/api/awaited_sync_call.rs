use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::api::short_name;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `await` on SDK functions that return no awaitable:
    /// `workflow.upsert_search_attributes()`, `upsert_memo()`, the `set_*_handler()`
    /// functions, `get_external_workflow_handle()`, `workflow.now()`, `activity.heartbeat()`,
    /// `Client.get_workflow_handle()`, ….
    ///
    /// ## Why is this bad?
    /// The call runs, then `await` raises `TypeError` ("object NoneType can't be used in
    /// 'await' expression"). In a workflow that fails the workflow task, which the worker
    /// retries until the code changes: the workflow is stuck. In an activity, every attempt
    /// fails.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    /// from temporalio.common import SearchAttributeKey
    ///
    /// STATUS = SearchAttributeKey.for_keyword("Status")
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.upsert_search_attributes([STATUS.value_set("open")])
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    /// from temporalio.common import SearchAttributeKey
    ///
    /// STATUS = SearchAttributeKey.for_keyword("Status")
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         workflow.upsert_search_attributes([STATUS.value_set("open")])
    /// ```
    ///
    /// ## Fix safety
    /// Removing `await` is unsafe: the code no longer raises where it did, so what followed
    /// the failure (an `except` clause, a retry) no longer runs.
    AwaitedSyncCall => AwaitedSyncCall { function: String, returns: &'static str }
}

impl AwaitedSyncCall {
    fn describe(&self) -> String {
        format!(
            "`{}()` returns {}, which cannot be awaited: the call runs, then `await` raises `TypeError`. Remove `await`",
            self.function, self.returns
        )
    }
}

/// Synchronous SDK functions and methods, with what they return (never an awaitable, in any
/// SDK release that has them). `continue_as_new()` and `raise_complete_async()` raise before
/// an `await` could, and `start_activity()` returns an awaitable handle: none is listed.
const SYNC_FUNCTIONS: &[(&str, &str)] = &[
    ("temporalio.workflow.all_handlers_finished", "a `bool`"),
    ("temporalio.workflow.deprecate_patch", "`None`"),
    (
        "temporalio.workflow.get_external_workflow_handle",
        "a handle",
    ),
    (
        "temporalio.workflow.get_external_workflow_handle_for",
        "a handle",
    ),
    ("temporalio.workflow.get_current_details", "a `str`"),
    ("temporalio.workflow.has_last_completion_result", "a `bool`"),
    ("temporalio.workflow.in_workflow", "a `bool`"),
    ("temporalio.workflow.info", "an `Info`"),
    ("temporalio.workflow.memo", "a mapping"),
    ("temporalio.workflow.new_random", "a `Random`"),
    ("temporalio.workflow.now", "a `datetime`"),
    ("temporalio.workflow.patched", "a `bool`"),
    ("temporalio.workflow.random", "a `Random`"),
    ("temporalio.workflow.set_current_details", "`None`"),
    ("temporalio.workflow.set_dynamic_query_handler", "`None`"),
    ("temporalio.workflow.set_dynamic_signal_handler", "`None`"),
    ("temporalio.workflow.set_dynamic_update_handler", "`None`"),
    ("temporalio.workflow.set_query_handler", "`None`"),
    ("temporalio.workflow.set_signal_handler", "`None`"),
    ("temporalio.workflow.set_update_handler", "`None`"),
    ("temporalio.workflow.time", "a `float`"),
    ("temporalio.workflow.time_ns", "an `int`"),
    ("temporalio.workflow.upsert_memo", "`None`"),
    ("temporalio.workflow.upsert_search_attributes", "`None`"),
    ("temporalio.workflow.uuid4", "a `UUID`"),
    ("temporalio.workflow.uuid7", "a `UUID`"),
    ("temporalio.workflow.unsafe.is_replaying", "a `bool`"),
    ("temporalio.activity.heartbeat", "`None`"),
    ("temporalio.activity.info", "an `Info`"),
    ("temporalio.activity.in_activity", "a `bool`"),
    ("temporalio.activity.is_cancelled", "a `bool`"),
    ("temporalio.activity.is_worker_shutdown", "a `bool`"),
    ("temporalio.activity.wait_for_cancelled_sync", "`None`"),
    (
        "temporalio.activity.wait_for_worker_shutdown_sync",
        "`None`",
    ),
    ("temporalio.client.Client.get_workflow_handle", "a handle"),
    (
        "temporalio.client.Client.get_workflow_handle_for",
        "a handle",
    ),
    ("temporalio.client.Client.get_schedule_handle", "a handle"),
    (
        "temporalio.client.Client.get_async_activity_handle",
        "a handle",
    ),
];

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some((_, await_start)) = checker
        .awaited_call
        .filter(|_| checker.is_awaited(info.call))
    else {
        return;
    };
    let Some(&(symbol, returns)) = info
        .symbol
        .and_then(|symbol| SYNC_FUNCTIONS.iter().find(|(name, _)| *name == symbol))
    else {
        return;
    };
    // `await f()` with nothing but blanks between the keyword and the call.
    let keyword = TextRange::new(await_start, info.call.start());
    let fix = checker
        .source()
        .slice(keyword)
        .strip_prefix("await")
        .is_some_and(|gap| !gap.is_empty() && gap.trim().is_empty())
        .then(|| Fix {
            applicability: Applicability::Unsafe,
            message: "Remove `await`".to_string(),
            edits: vec![Edit {
                range: keyword,
                content: String::new(),
            }],
        });
    let violation = AwaitedSyncCall {
        function: short_name(symbol).to_string(),
        returns,
    };
    checker
        .report(&violation, info.call.func.range(), Context::Anywhere)
        .fix = fix;
}
