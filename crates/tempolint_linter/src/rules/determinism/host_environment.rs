use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{ClassId, Project};

use crate::checker::{CallInfo, Checker, Context};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for workflow code that reads the host it runs on: `os.environ`, `os.getenv`,
    /// `platform.*`, `sys.argv`, `input()`, `socket.gethostname()`, `os.getpid()`,
    /// `astimezone()` and `datetime.fromtimestamp()` with no zone and `date.fromtimestamp()`
    /// (the host's local time zone), and making a pydantic
    /// `BaseSettings` (which reads environment variables and `.env`).
    ///
    /// ## Why is this bad?
    /// Workers differ in environment and a replay may run on another host (or the same host
    /// after a deploy), so values read from it differ and the workflow diverges.
    ///
    /// ## Example
    /// ```python
    /// import os
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Router:
    ///     @workflow.run
    ///     async def run(self) -> str:
    ///         return os.getenv("REGION", "eu")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Router:
    ///     @workflow.run
    ///     async def run(self, region: str) -> str:
    ///         return region
    /// ```
    HostEnvironment => HostEnvironment { symbol: String }
}

impl HostEnvironment {
    fn describe(&self) -> String {
        if self.symbol == LOCAL_ZONE {
            return format!(
                "`{LOCAL_ZONE}` with no zone converts to the worker host's time zone, which differs between workers and replays. Pass the zone: `astimezone(ZoneInfo(\"…\"))`"
            );
        }
        if self.symbol == LOCAL_TIMESTAMP {
            return format!(
                "`{LOCAL_TIMESTAMP}` with no `tz` gives the time in the worker host's time zone, which differs between workers and replays. Pass the zone: `fromtimestamp(ts, tz=timezone.utc)`"
            );
        }
        if self.symbol == LOCAL_DATE {
            return format!(
                "`{LOCAL_DATE}` gives the date in the worker host's time zone, which differs between workers and replays. Use `datetime.fromtimestamp(ts, tz=timezone.utc).date()`"
            );
        }
        format!(
            "`{}` reads the worker's host environment, which differs between workers and replays. Pass the value in as workflow input",
            self.symbol
        )
    }
}

/// `datetime.astimezone()` with no argument: the host's local zone.
const LOCAL_ZONE: &str = "datetime.datetime.astimezone()";
/// `datetime.fromtimestamp(ts)` with no `tz` (or `tz=None`): a naive time in the host's zone.
const LOCAL_TIMESTAMP: &str = "datetime.datetime.fromtimestamp()";
/// `date.fromtimestamp(ts)`: the day in the host's zone, always.
const LOCAL_DATE: &str = "datetime.date.fromtimestamp()";

pub(crate) fn check_call(checker: &mut Checker, info: &CallInfo) {
    // `workflow.now().astimezone()`: with no zone, the one of the host it runs on.
    if info.symbol == Some("datetime.datetime.astimezone")
        && info.call.arguments.is_empty()
        && !checker
            .settings
            .is_known_deterministic("datetime.datetime.astimezone")
    {
        report_call(
            checker,
            info,
            &HostEnvironment {
                symbol: LOCAL_ZONE.into(),
            },
        );
        return;
    }
    let local = match info.symbol {
        Some(symbol @ "datetime.datetime.fromtimestamp") if !sets_zone(info.call) => {
            Some((symbol, LOCAL_TIMESTAMP))
        }
        Some(symbol @ "datetime.date.fromtimestamp") => Some((symbol, LOCAL_DATE)),
        _ => None,
    };
    if let Some((symbol, shown)) = local
        && !checker.settings.is_known_deterministic(symbol)
    {
        report_call(
            checker,
            info,
            &HostEnvironment {
                symbol: shown.into(),
            },
        );
        return;
    }
    // A pydantic `BaseSettings` reads the environment (and `.env`) when it is made.
    if let Some(class) = info.symbol
        && !checker.settings.is_known_deterministic(class)
        && checker
            .resolver
            .project()
            .class_by_name(class)
            .is_some_and(|class| reads_environment(checker.resolver.project(), class))
    {
        report_call(
            checker,
            info,
            &HostEnvironment {
                symbol: format!("{class}()"),
            },
        );
        return;
    }
    let Some(symbol) = classified_as(info, Rule::HostEnvironment) else {
        return;
    };
    // `os.environ.get(…)` is reported here; the `os.environ` inside it is not a reference.
    report_call(
        checker,
        info,
        &HostEnvironment {
            symbol: format!("{symbol}()"),
        },
    );
}

/// `os.environ["X"]`, `"X" in os.environ`, `sys.argv[1]`: reading without a call.
pub(crate) fn check_reference(checker: &mut Checker, expr: &Expr) {
    // Only names that end like a table entry can resolve to one: skip resolving the rest.
    let last = match expr {
        Expr::Attribute(attribute) => attribute.attr.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => return,
    };
    if !checker.tables.is_reference_leaf(last) {
        return;
    }
    let binding = checker.resolve(expr);
    let Some(symbol) = binding.symbol() else {
        return;
    };
    if checker.tables.references.get(symbol) != Some(&Rule::HostEnvironment)
        || checker.settings.is_known_deterministic(symbol)
    {
        return;
    }
    let violation = HostEnvironment {
        symbol: shown(symbol),
    };
    checker.report(&violation, expr.range(), Context::Workflow);
}

/// Whether the project class `class` is a pydantic `BaseSettings`, whose instances read
/// environment variables when they are made.
fn reads_environment(project: &Project, class: ClassId) -> bool {
    project.ancestry(class).outside.iter().any(|base| {
        matches!(
            *base,
            "pydantic_settings.BaseSettings"
                | "pydantic_settings.main.BaseSettings"
                | "pydantic.BaseSettings"
                | "pydantic.v1.BaseSettings"
        )
    })
}

/// Whether `datetime.fromtimestamp(ts, tz)` is given a zone: a second positional argument or
/// `tz=` that is not `None` (unpacked arguments may hold one).
fn sets_zone(call: &ast::ExprCall) -> bool {
    let arguments = &call.arguments;
    arguments
        .args
        .get(1)
        .is_some_and(|zone| !zone.is_none_literal_expr())
        || arguments.args.iter().any(Expr::is_starred_expr)
        || arguments.keywords.iter().any(|keyword| {
            keyword
                .arg
                .as_ref()
                .is_none_or(|name| name.as_str() == "tz")
                && !keyword.value.is_none_literal_expr()
        })
}
