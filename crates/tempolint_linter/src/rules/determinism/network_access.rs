use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for network and database access in workflow code: `socket`, `http.client`,
    /// `urllib.request`, `requests`, `httpx`, `aiohttp`, `urllib3`, database or cloud
    /// clients (`psycopg2`, `sqlite3`, `redis`, `boto3`, …), and the clients whose calls
    /// BLK102 and BLK105 report in async activities (OpenAI, Anthropic, Slack, Gmail's
    /// `execute()`, Stripe, SQLAlchemy sessions, Neo4j, …). Not the AI frameworks Temporal's
    /// plugins run in workflows (LangGraph, LangChain models, Strands, Google GenAI,
    /// Haystack), nor DuckDB, which may hold its database in memory.
    ///
    /// ## Why is this bad?
    /// A response is not part of the workflow history: on replay the call is made again and may
    /// answer differently, and it blocks the workflow task. Network calls belong in activities.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Geo:
    ///     @workflow.run
    ///     async def run(self, ip: str) -> str:
    ///         return requests.get(f"https://geo.example/{ip}").text
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// def locate(ip: str) -> str:
    ///     return ip
    ///
    /// @workflow.defn
    /// class Geo:
    ///     @workflow.run
    ///     async def run(self, ip: str) -> str:
    ///         return await workflow.execute_activity(
    ///             locate, ip, start_to_close_timeout=timedelta(seconds=10)
    ///         )
    /// ```
    NetworkAccess => NetworkAccess { symbol: String }
}

impl NetworkAccess {
    fn describe(&self) -> String {
        format!(
            "`{}()` does network or database I/O from workflow code; a replay calls out again and may get another answer. Call it from an activity",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::NetworkAccess) else {
        return;
    };
    // A SQLite database held in memory is a data structure of the process.
    if checker
        .resolver
        .opens_memory_sqlite(symbol, info.call, &checker.scope)
    {
        return;
    }
    report_call(
        checker,
        info,
        &NetworkAccess {
            symbol: shown(symbol),
        },
    );
}
