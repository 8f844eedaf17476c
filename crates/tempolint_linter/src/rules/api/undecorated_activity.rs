use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{FunctionId, FunctionKind};

use crate::checker::{CallInfo, Checker, ProjectChecker};
use crate::rules::api::{applies_defn, short_name, target_argument};
use crate::rules::timeouts::ACTIVITY_ENTRY_POINTS;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for project functions used as activities without `@activity.defn`: given to
    /// `Worker(activities=[…])`, or started with `workflow.execute_activity` and the other
    /// activity calls. Only a module-level function with no decorator at all is judged, and
    /// not one that code gives its definition by calling `activity.defn` on it
    /// (`activity.defn(name="x")(fetch)`); nothing is reported when some code applies
    /// `activity.defn` to a function not known (a registering helper of the project's own).
    ///
    /// ## Why is this bad?
    /// The SDK looks the activity's definition up on the function and raises
    /// `TypeError("Activity … missing attributes, was it decorated with @activity.defn?")`: the
    /// worker fails to start, and a workflow that starts it fails its workflow task, which is
    /// retried until the code changes (the workflow hangs).
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import workflow
    ///
    /// async def fetch(url: str) -> str: ...
    ///
    /// @workflow.defn
    /// class Crawl:
    ///     @workflow.run
    ///     async def run(self, url: str) -> str:
    ///         return await workflow.execute_activity(
    ///             fetch, url, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def fetch(url: str) -> str: ...
    /// ```
    UndecoratedActivity => UndecoratedActivity { function: String, site: &'static str }
}

impl UndecoratedActivity {
    fn describe(&self) -> String {
        let when = if self.site == "Worker" {
            "`Worker` raises `TypeError` when it is built".to_string()
        } else {
            format!(
                "`{}` raises `TypeError` (the workflow task fails and is retried until the code changes)",
                self.site
            )
        };
        format!(
            "`{}` has no `@activity.defn`, so it is no activity: {when}. Decorate it with `@activity.defn`",
            self.function
        )
    }
}

/// A project function used as an activity, where, and by what (`execute_activity`,
/// `Worker`), when it has no decorator at all.
#[derive(Debug)]
pub(crate) struct UndecoratedUse {
    function: FunctionId,
    range: TextRange,
    site: &'static str,
}

/// Records activity calls and `Worker(activities=[…])` entries that name an undecorated
/// project function, and applications of `activity.defn` by call.
pub(crate) fn record(checker: &mut Checker, info: &CallInfo) {
    if applies_defn(checker, info) {
        // `activity.defn(fetch)` / `activity.defn(name="x")(fetch)`: `fetch` has its
        // definition now; when what gets one is not known, any function may.
        let project = checker.resolver.project();
        let defined = info.call.arguments.args.first().and_then(|argument| {
            let symbol = checker.resolve(argument).symbol()?.to_string();
            project.function_by_name(&symbol)
        });
        match defined {
            Some(function) => checker.facts.defined_by_call.push(function),
            None => checker.facts.defines_unknown = true,
        }
        return;
    }
    if info.symbol == Some("temporalio.worker.Worker") {
        let Some(keyword) = info.call.arguments.find_keyword("activities") else {
            return;
        };
        let Some(elts) = crate::sandbox_config::elements(checker, &keyword.value) else {
            return;
        };
        for elt in elts {
            note(checker, elt, "Worker");
        }
        return;
    }
    let Some(&symbol) = ACTIVITY_ENTRY_POINTS
        .iter()
        .find(|entry| info.symbol == Some(**entry))
    else {
        return;
    };
    if let Some(target) = target_argument(info.call, "activity") {
        note(checker, target, short_name(symbol));
    }
}

fn note(checker: &mut Checker, expr: &tempolint_python::ast::Expr, site: &'static str) {
    let project = checker.resolver.project();
    let Some(function) = checker
        .resolve(expr)
        .symbol()
        .and_then(|symbol| project.function_by_name(symbol))
    else {
        return;
    };
    let data = project.function(function);
    let undecorated = data.class.is_none()
        && data.enclosing.is_none()
        && data.def.decorator_list.is_empty()
        && !matches!(data.kind, FunctionKind::Activity { .. });
    if undecorated {
        checker.facts.undecorated_activities.push(UndecoratedUse {
            function,
            range: expr.range(),
            site,
        });
    }
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    let bodies = || checker.functions.iter().chain(checker.modules);
    if bodies().any(|facts| facts.defines_unknown) {
        return;
    }
    let defined: Vec<FunctionId> = bodies()
        .flat_map(|facts| facts.defined_by_call.iter().copied())
        .collect();
    let mut findings = Vec::new();
    for (module, facts) in checker.bodies() {
        for used in &facts.undecorated_activities {
            if defined.contains(&used.function) {
                continue;
            }
            let violation = UndecoratedActivity {
                function: checker.project.function(used.function).def.name.to_string(),
                site: used.site,
            };
            findings.push((module, violation, used.range));
        }
    }
    for (module, violation, range) in findings {
        checker.report(module, &violation, range);
    }
}
