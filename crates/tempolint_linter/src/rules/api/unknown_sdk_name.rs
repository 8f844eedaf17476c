use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use tempolint_python::Ranged;
use tempolint_python::ast::Expr;

use crate::checker::{CallInfo, Checker, Context};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for names read from a module of the Temporal SDK that the module does not have,
    /// where another module of the SDK defines the name: `workflow.ApplicationError` (it is
    /// `temporalio.exceptions.ApplicationError`), `workflow.RetryPolicy`
    /// (`temporalio.common.RetryPolicy`), `workflow.CancelledError`; and the standard-library
    /// names `temporalio.workflow` had by accident before 1.28 (`workflow.timedelta`,
    /// `workflow.datetime`). The names each module has are those of temporalio 1.35.0
    /// (`scripts/generate_sdk_names.py`); any other name no module of the SDK defines is not
    /// judged (a later release may add it).
    ///
    /// ## Why is this bad?
    /// Reading the name raises `AttributeError` when the line runs. In workflow code that fails
    /// the workflow task, which is retried until the code changes: the workflow hangs. In an
    /// `except workflow.ApplicationError:` clause it only runs when an exception reaches the
    /// clause, and replaces that exception; in an activity, every attempt fails.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Charge:
    ///     @workflow.run
    ///     async def run(self, cents: int) -> None:
    ///         if cents <= 0:
    ///             raise workflow.ApplicationError("nothing to charge", non_retryable=True)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    /// from temporalio.exceptions import ApplicationError
    ///
    /// @workflow.defn
    /// class Charge:
    ///     @workflow.run
    ///     async def run(self, cents: int) -> None:
    ///         if cents <= 0:
    ///             raise ApplicationError("nothing to charge", non_retryable=True)
    /// ```
    UnknownSdkName => UnknownSdkName { module: String, name: String, homes: Vec<String>, former: bool }
}

impl UnknownSdkName {
    fn describe(&self) -> String {
        // `activity.sleep` is not `workflow.sleep`: each works only in its own kind of code.
        let other_side = |home: &str| {
            matches!(
                (self.module.as_str(), home),
                ("temporalio.activity", "temporalio.workflow")
                    | ("temporalio.workflow", "temporalio.activity")
            )
        };
        let (usable, elsewhere): (Vec<&String>, Vec<&String>) =
            self.homes.iter().partition(|home| !other_side(home));
        let quoted = |homes: &[&String]| {
            homes
                .iter()
                .map(|home| format!("`{home}.{}`", self.name))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let advice = match (usable.is_empty(), elsewhere.first()) {
            _ if let Some(advice) = self.asyncio_twin() => advice.to_string(),
            (false, _) => format!("Use {}", quoted(&usable)),
            (true, Some(home)) => format!(
                "`{home}.{}` exists, but only for {} code",
                self.name,
                home.rsplit('.').next().unwrap_or_default()
            ),
            (true, None) => String::new(),
        };
        let since = if self.former {
            " since temporalio 1.28 (older releases imported it by accident)"
        } else {
            ""
        };
        format!(
            "`{}` has no `{}`{since}: reading it raises `AttributeError` when this runs (in workflow code the task fails and is retried until the code changes). {advice}",
            self.module, self.name,
        )
    }
}

impl UnknownSdkName {
    /// For a name the SDK's exceptions module shares with asyncio, the exception the code
    /// meets: `workflow.wait_condition(timeout=…)` raises the builtin `TimeoutError`, a
    /// cancelled workflow or `async def` activity gets `asyncio.CancelledError`, and the SDK's
    /// own classes only arrive as the `cause` of an `ActivityError` or `ChildWorkflowError`
    /// (or, for `CancelledError`, in a thread activity).
    fn asyncio_twin(&self) -> Option<&'static str> {
        Some(match (self.module.as_str(), self.name.as_str()) {
            ("temporalio.workflow" | "temporalio.activity", "TimeoutError") => {
                "Catch the builtin `TimeoutError` (`asyncio.TimeoutError`), which `workflow.wait_condition(timeout=…)` raises; `temporalio.exceptions.TimeoutError` only arrives as the `cause` of an `ActivityError` or `ChildWorkflowError`"
            }
            ("temporalio.workflow", "CancelledError") => {
                "Catch `asyncio.CancelledError`, which workflow code gets when the workflow is cancelled; `temporalio.exceptions.CancelledError` only arrives as the `cause` of an `ActivityError` or `ChildWorkflowError`"
            }
            ("temporalio.activity", "CancelledError") => {
                "Catch `asyncio.CancelledError` in an `async def` activity; a thread activity gets `temporalio.exceptions.CancelledError`"
            }
            _ => return None,
        })
    }
}

/// `data/sdk_names.json`: what each module of the SDK has, and what each defines itself.
#[derive(Deserialize)]
struct SdkNames {
    modules: FxHashMap<String, FxHashSet<String>>,
    defined: FxHashMap<String, Vec<String>>,
    former: FxHashMap<String, FxHashMap<String, String>>,
}

struct Sdk {
    modules: FxHashMap<String, FxHashSet<String>>,
    /// Each public name -> the modules that define it.
    homes: FxHashMap<String, Vec<String>>,
    /// Per module, the names older releases had by accident (`workflow.timedelta`) -> the
    /// standard module they come from.
    former: FxHashMap<String, FxHashMap<String, String>>,
}

static SDK: LazyLock<Sdk> = LazyLock::new(|| {
    let names: SdkNames = serde_json::from_str(include_str!("../../../data/sdk_names.json"))
        .expect("data/sdk_names.json is valid (scripts/generate_sdk_names.py writes it)");
    let mut homes: FxHashMap<String, Vec<String>> = FxHashMap::default();
    for (module, defined) in names.defined {
        for name in defined {
            homes.entry(name).or_default().push(module.clone());
        }
    }
    for modules in homes.values_mut() {
        modules.sort();
    }
    Sdk {
        modules: names.modules,
        homes,
        former: names.former,
    }
});

/// A call of `module.Name(…)`.
pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    check_reference(checker, &info.call.func);
}

/// `module.Name` read as a value (`except workflow.ApplicationError:`), or called.
pub(crate) fn check_reference(checker: &mut Checker, expr: &Expr) {
    let Expr::Attribute(attribute) = expr else {
        return;
    };
    // The innermost step first: in `workflow.ApplicationError.x` it is the one that raises.
    if matches!(&*attribute.value, Expr::Attribute(_)) {
        check_reference(checker, &attribute.value);
    }
    let sdk = &*SDK;
    let name = attribute.attr.as_str();
    let homes = sdk.homes.get(name);
    if homes.is_none() && !sdk.former.values().any(|names| names.contains_key(name)) {
        return;
    }
    let resolved = checker.resolve(&attribute.value);
    let Some(module) = resolved.symbol() else {
        return;
    };
    let Some(names) = sdk.modules.get(module) else {
        return;
    };
    if names.contains(name) {
        return;
    }
    let former = sdk.former.get(module).and_then(|former| former.get(name));
    let homes = match (former, homes) {
        (Some(home), _) => vec![home.clone()],
        (None, Some(homes)) => homes.clone(),
        (None, None) => return,
    };
    let violation = UnknownSdkName {
        module: module.to_string(),
        name: name.to_string(),
        homes,
        former: former.is_some(),
    };
    checker.report(&violation, attribute.range(), Context::Anywhere);
}
