use rustc_hash::FxHashMap;
use tempolint_semantic::{FunctionId, FunctionKind};

use crate::checker::ProjectChecker;
use crate::rules::timeouts::{ActivityNames, Callbacks, reaches_heartbeat_where};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activities that heartbeat inside a loop while none of the calls that schedule them
    /// in the project sets `heartbeat_timeout`.
    ///
    /// ## Why is this bad?
    /// Without a heartbeat timeout the server never notices a stuck or crashed worker until the
    /// whole start-to-close timeout passes; the heartbeats are sent for nothing.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def crawl(pages: int) -> None:
    ///     for page in range(pages):
    ///         activity.heartbeat(page)
    ///
    /// @workflow.defn
    /// class Crawl:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(crawl, 10, start_to_close_timeout=timedelta(hours=1))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def crawl(pages: int) -> None:
    ///     for page in range(pages):
    ///         activity.heartbeat(page)
    ///
    /// @workflow.defn
    /// class Crawl:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             crawl,
    ///             10,
    ///             start_to_close_timeout=timedelta(hours=1),
    ///             heartbeat_timeout=timedelta(seconds=30),
    ///         )
    /// ```
    HeartbeatWithoutTimeout => HeartbeatWithoutTimeout { activity: String }
}

impl HeartbeatWithoutTimeout {
    fn describe(&self) -> String {
        format!(
            "Activity `{}` heartbeats in a loop but no call that schedules it sets `heartbeat_timeout`, so a stuck attempt is only noticed at its start-to-close timeout",
            self.activity
        )
    }
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    // Whether some call that schedules the activity sets `heartbeat_timeout` (or may: a
    // `**config` whose keys cannot be known).
    let mut scheduled: FxHashMap<FunctionId, bool> = FxHashMap::default();
    let names = ActivityNames::new(checker);
    for (_, facts) in checker.bodies() {
        for call in &facts.activity_calls {
            let sets_timeout = call.heartbeat_timeout.is_some() || call.opaque_options;
            match names.candidates(&call.activity) {
                Some(activities) => {
                    for activity in activities {
                        *scheduled.entry(activity).or_default() |= sets_timeout;
                    }
                }
                // A start by a name that may be any of the project's activities.
                None if sets_timeout => return,
                None => {}
            }
        }
    }
    for (index, facts) in checker.functions.iter().enumerate() {
        let id = FunctionId(index as u32);
        let function = checker.project.function(id);
        if !matches!(function.kind, FunctionKind::Activity { .. })
            || scheduled.get(&id) != Some(&false)
        {
            continue;
        }
        // Its own loop, or the call of a helper that loops (a heartbeat task it starts).
        let range = facts
            .heartbeats
            .iter()
            .find(|(_, in_loop)| *in_loop)
            .map(|(range, _)| *range)
            .or_else(|| {
                facts
                    .edges
                    .iter()
                    .find(|edge| {
                        reaches_heartbeat_where(
                            checker,
                            edge.target,
                            Callbacks::Skipped,
                            |in_loop| in_loop,
                        )
                    })
                    .map(|edge| edge.range)
            });
        if let Some(range) = range {
            let violation = HeartbeatWithoutTimeout {
                activity: function.def.name.to_string(),
            };
            checker.report(function.module, &violation, range);
        }
    }
}
