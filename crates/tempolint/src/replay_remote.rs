//! `tempolint replay` without `--history`: list the executions of the workflow types the
//! source defines on a Temporal server, fetch their histories (bounded concurrency, streamed)
//! and replay them in parallel through the same loader and runtime as history files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rayon::iter::{ParallelBridge, ParallelIterator};
use tempolint_remote::{ConnectionFlags, Execution, FetchedHistory, Remote, Selection, Settings};
use tempolint_replay::{ReplayError, ReplayResult};

use crate::check_command::warning;
use crate::progress::Progress;
use crate::replay_command::{ReplayContext, exit_code, print_report, usage_error};

/// Histories fetched at once; each waits in memory at most until a replay thread takes it.
const FETCH_CONCURRENCY: usize = 8;

#[derive(clap::Args)]
#[command(next_help_heading = "Server (without --history)")]
pub(crate) struct RemoteArgs {
    /// The Temporal frontend, `HOST:PORT` or a URL [env: TEMPORAL_ADDRESS; default: the config
    /// profile's, else localhost:7233].
    #[arg(long, value_name = "HOST:PORT")]
    address: Option<String>,
    /// The namespace [env: TEMPORAL_NAMESPACE; default: the profile's, else `default`].
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// A visibility query each workflow type's listing must also match, e.g.
    /// `TaskQueue = 'orders' AND ExecutionStatus = 'Running'`.
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// Replay the N most recent executions (open and closed) of each workflow type the source
    /// defines.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = at_least_one)]
    limit: usize,
    /// Only executions started since then: a duration back from now (`30m`, `24h`, `7d`) or an
    /// RFC 3339 timestamp.
    #[arg(long, value_name = "DURATION|TIMESTAMP")]
    since: Option<String>,
    /// Write every fetched history to DIR as `temporal workflow show --output json` does, to
    /// replay it offline with `--history DIR`.
    #[arg(long, value_name = "DIR")]
    save_histories: Option<PathBuf>,
    /// An API key (Temporal Cloud); prefer the TEMPORAL_API_KEY variable, which no process
    /// listing shows. Never printed. Turns TLS on.
    #[arg(long, value_name = "KEY", hide_default_value = true)]
    api_key: Option<String>,
    /// Connect with TLS (server certificates checked against the system roots or --tls-ca)
    /// [env: TEMPORAL_TLS].
    #[arg(long)]
    tls: bool,
    /// Client certificate (PEM) for mTLS, with --tls-key [env: TEMPORAL_TLS_CLIENT_CERT_PATH].
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// Client private key (PEM) for mTLS [env: TEMPORAL_TLS_CLIENT_KEY_PATH].
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// CA certificate (PEM) that signed the server's [env: TEMPORAL_TLS_SERVER_CA_CERT_PATH].
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// The name the server's certificate must carry, when not the address's host
    /// [env: TEMPORAL_TLS_SERVER_NAME].
    #[arg(long, value_name = "NAME")]
    tls_server_name: Option<String>,
    /// A `temporal` CLI config profile [env: TEMPORAL_PROFILE; default: `default`].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The `temporal` CLI config file [env: TEMPORAL_CONFIG_FILE; default:
    /// ~/.config/temporalio/temporal.toml].
    #[arg(long, value_name = "FILE")]
    config_file: Option<PathBuf>,
    /// Seconds to wait for the connection and for each call.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
}

/// `--limit`: a count of executions, 0 excluded (a gate that replays nothing passes silently).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(error) => Err(error.to_string()),
    }
}

impl RemoteArgs {
    fn flags(&self) -> ConnectionFlags {
        ConnectionFlags {
            address: self.address.clone(),
            namespace: self.namespace.clone(),
            api_key: self.api_key.clone(),
            tls: self.tls,
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            tls_ca: self.tls_ca.clone(),
            tls_server_name: self.tls_server_name.clone(),
            profile: self.profile.clone(),
            config_file: self.config_file.clone(),
            timeout: Duration::from_secs(self.timeout.max(1)),
        }
    }
}

pub(crate) fn run(args: &RemoteArgs, context: &ReplayContext) -> ExitCode {
    let settings = match Settings::resolve(&args.flags(), None) {
        Ok(settings) => settings,
        Err(error) => return usage_error(&error.to_string()),
    };
    let since = match args
        .since
        .as_deref()
        .map(|text| tempolint_remote::parse_since(text, SystemTime::now()))
    {
        Some(Err(error)) => return usage_error(&error.to_string()),
        Some(Ok(since)) => Some(since),
        None => None,
    };
    let mut workflow_types =
        match tempolint_replay::workflow_types(&context.paths, &context.options) {
            Ok(types) => types,
            Err(error) => return usage_error(&error.to_string()),
        };
    if let Some(only) = &context.workflow_type {
        workflow_types.retain(|t| t == only);
        if workflow_types.is_empty() {
            workflow_types.push(only.clone());
        }
    }
    if workflow_types.is_empty() {
        return usage_error(&format!(
            "no named `@workflow.defn` class under {}: nothing to list on the server (name the type with --workflow-type)",
            display_paths(&context.paths)
        ));
    }
    if let Some(dir) = &args.save_histories
        && let Err(error) = std::fs::create_dir_all(dir)
    {
        return usage_error(&format!("--save-histories {}: {error}", dir.display()));
    }
    let selection = Selection {
        workflow_types,
        query: args.query.clone(),
        since,
        limit: args.limit,
    };
    let remote = match Remote::connect(&settings) {
        Ok(remote) => remote,
        Err(error) => return usage_error(&error.to_string()),
    };
    let executions = match remote.list(&selection) {
        Ok(executions) => executions,
        Err(error) => return usage_error(&error.to_string()),
    };
    if executions.is_empty() {
        // Not an error (no workflow ran in the window), but a gate that replays nothing must
        // not pass silently: a misspelt query or task queue looks just like this.
        warning(format_args!(
            "no execution of {} in {} matched{}: nothing to replay",
            match selection.workflow_types.as_slice() {
                [one] => one.clone(),
                types => format!("the {} workflow types defined", types.len()),
            },
            settings.describe(),
            args.query
                .as_deref()
                .map(|query| format!(" the query `{query}`"))
                .unwrap_or_default()
        ));
    }
    let (mut results, failure) =
        replay_all(&remote, executions, args.save_histories.as_deref(), context);
    results.sort_by(|a, b| (&a.workflow_type, &a.history).cmp(&(&b.workflow_type, &b.history)));
    print_report(&results, context.output_format, true);
    if let Some(failure) = failure {
        return usage_error(&format!(
            "{failure}\n(stopped: {} replayed before it, reported above)",
            results.len()
        ));
    }
    exit_code(&results, context.fail_on_inconclusive)
}

/// Fetches and replays every execution; on the first failure (the server, a history that
/// cannot be read, a usage error) stops taking more and returns what was replayed with it.
fn replay_all(
    remote: &Remote,
    executions: Vec<Execution>,
    save: Option<&Path>,
    context: &ReplayContext,
) -> (Vec<ReplayResult>, Option<String>) {
    let progress = Mutex::new(Progress::new(executions.len()));
    let results = Mutex::new(Vec::with_capacity(executions.len()));
    let outcome = remote
        .fetch(executions, FETCH_CONCURRENCY)
        .par_bridge()
        .try_for_each(|fetched| {
            let fetched = fetched.map_err(|error| error.to_string())?;
            if let Ok(mut progress) = progress.lock() {
                progress.start(&fetched.execution.to_string());
            }
            let result = replay_one(&fetched, save, context)?;
            if let Ok(mut results) = results.lock() {
                results.push(result);
            }
            Ok::<(), String>(())
        });
    if let Ok(progress) = progress.lock() {
        progress.finish();
    }
    let results = results.into_inner().unwrap_or_default();
    (results, outcome.err())
}

fn replay_one(
    fetched: &FetchedHistory,
    save: Option<&Path>,
    context: &ReplayContext,
) -> Result<ReplayResult, String> {
    let execution = &fetched.execution;
    let name = match save {
        Some(dir) => {
            let path = dir.join(history_file_name(execution));
            std::fs::write(&path, &fetched.json)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            path.display().to_string()
        }
        None => execution.to_string(),
    };
    tempolint_replay::replay_history_json(
        &fetched.json,
        &name,
        None,
        &context.paths,
        &context.options,
    )
    .map_err(|error| match error {
        ReplayError::History(error) => error.to_string(),
        ReplayError::Usage(message) => message,
    })
}

/// `<workflow id>__<run id>.json`, with characters no file name may hold replaced.
fn history_file_name(execution: &Execution) -> String {
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}__{}.json",
        safe(&execution.workflow_id),
        safe(&execution.run_id)
    )
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_history_names_are_file_safe() {
        let execution = Execution {
            workflow_id: "order/42 räd".to_string(),
            run_id: "0199-ab".to_string(),
            workflow_type: "Order".to_string(),
        };
        assert_eq!(history_file_name(&execution), "order_42_r_d__0199-ab.json");
    }
}
