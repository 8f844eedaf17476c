use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::blocking::{classified_as, report_call};
use crate::rules::{is_zero_literal, violation};

violation! {
    /// ## What it does
    /// Checks for synchronous database and cloud SDK clients used in `async def` activities and
    /// their helpers: `sqlite3`, `psycopg2`, `pymysql`, `redis.Redis`, `boto3`, `pymongo`,
    /// `pinecone.Index`, the Docker SDK (`docker.from_env()`), SQLAlchemy (also from a
    /// `sessionmaker`) and SQLModel sessions and connections, Snowflake's and Databricks' SQL
    /// connectors, Trino's DB-API client, DuckDB, `dlt` pipeline runs, …. Calls that only compute locally (`generate_presigned_url`,
    /// `storage_client.bucket(name)`) are not reported.
    ///
    /// ## Why is this bad?
    /// Every query blocks the worker's event loop until the server answers.
    ///
    /// ## Example
    /// ```python
    /// import sqlite3
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def count_users(db: str) -> int:
    ///     conn = sqlite3.connect(db)
    ///     return conn.execute("SELECT count(*) FROM users").fetchone()[0]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import sqlite3
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// def count_users(db: str) -> int:
    ///     conn = sqlite3.connect(db)
    ///     return conn.execute("SELECT count(*) FROM users").fetchone()[0]
    /// ```
    SyncClient => SyncClient { symbol: String }
}

impl SyncClient {
    fn describe(&self) -> String {
        format!(
            "`{}()` is a synchronous client call inside an `async def` activity; it blocks the event loop. Use an async driver or a sync (`def`) activity",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::SyncClient) else {
        return;
    };
    // The asyncio API of an SDK the table files by package (`firestore.AsyncClient`,
    // `create_async_connector`, `connect_async`).
    if symbol
        .split('.')
        .any(|segment| segment.contains("Async") || segment.contains("async"))
    {
        return;
    }
    // Kafka's `producer.poll(0)` serves delivery callbacks and returns at once.
    if symbol.starts_with("confluent_kafka.")
        && matches!(symbol.rsplit('.').next(), Some("poll" | "flush"))
        && info
            .call
            .arguments
            .find_argument_value("timeout", 0)
            .is_some_and(is_zero_literal)
    {
        return;
    }
    report_call(
        checker,
        info,
        &SyncClient {
            symbol: symbol.to_string(),
        },
    );
}
