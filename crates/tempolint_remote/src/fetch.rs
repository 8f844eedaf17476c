//! Connect, list, fetch. The client runs on its own small tokio runtime; histories are fetched
//! page by page, at most `concurrency` at a time, and handed over through a bounded channel as
//! soon as each is complete, so memory holds a few histories, never the fleet.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use temporalio_client::errors::ClientConnectError;
use temporalio_client::tonic::IntoRequest;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, RetryOptions, RpcOptions,
    WorkflowListOptions,
};
use temporalio_protos::temporal::api::common::v1::WorkflowExecution;
use temporalio_protos::temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

use crate::{RemoteError, Selection, Settings, json};

/// One workflow run the server listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub workflow_id: String,
    pub run_id: String,
    pub workflow_type: String,
}

impl fmt::Display for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.workflow_id, self.run_id)
    }
}

/// A fetched history, as proto3 JSON (`{"events": […]}`).
pub struct FetchedHistory {
    pub execution: Execution,
    pub json: String,
}

/// A connection to a Temporal server, bound to one namespace.
pub struct Remote {
    runtime: Arc<Runtime>,
    client: Client,
    namespace: String,
    timeout: Duration,
}

impl Remote {
    /// Connects (bounded by the settings' timeout) and checks the server answers.
    pub fn connect(settings: &Settings) -> Result<Self, RemoteError> {
        let server = settings.describe();
        let connect_error = |message: String| RemoteError::Connect {
            server: server.clone(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tempolint-remote")
            .enable_all()
            .build()
            .map_err(|error| connect_error(format!("cannot start the client runtime: {error}")))?;
        let mut options =
            ConnectionOptions::try_from(settings.profile.clone()).map_err(|error| {
                RemoteError::Config(format!("invalid connection settings for {server}: {error}"))
            })?;
        options.identity = "tempolint".to_string();
        options.connect_timeout = Some(settings.timeout);
        // Transient errors are retried, but never for longer than the timeout.
        options.retry_options = RetryOptions::builder()
            .max_elapsed_time(Some(settings.timeout))
            .max_retries(3)
            .build();
        let timeout = settings.timeout;
        let connection = runtime
            .block_on(async { tokio::time::timeout(timeout, Connection::connect(options)).await })
            .map_err(|_| connect_error(format!("no answer within {}s", timeout.as_secs_f64())))?
            .map_err(|error| {
                connect_error(match &error {
                    ClientConnectError::SystemInfoCallError(status) => format!(
                        "the server did not answer its first call ({:?}: {})",
                        status.code(),
                        status.message()
                    ),
                    other => causes(other),
                })
            })?;
        let client = Client::new(
            connection,
            ClientOptions::new(settings.namespace.clone()).build(),
        )
        .map_err(|error| connect_error(causes(&error)))?;
        Ok(Self {
            runtime: Arc::new(runtime),
            client,
            namespace: settings.namespace.clone(),
            timeout,
        })
    }

    /// The executions `selection` picks: per workflow type, the most recent `limit`, open and
    /// closed, in the server's order (newest first).
    pub fn list(&self, selection: &Selection) -> Result<Vec<Execution>, RemoteError> {
        self.runtime.block_on(async {
            let mut executions = Vec::new();
            for (workflow_type, query) in selection.queries() {
                let options = WorkflowListOptions::builder()
                    .limit(selection.limit)
                    .rpc_options(RpcOptions::builder().timeout(self.timeout).build())
                    .build();
                let mut stream = self.client.list_workflows(query.clone(), options);
                while let Some(listed) = stream.next().await {
                    let listed = listed.map_err(|error| RemoteError::Call {
                        call: format!(
                            "listing `{workflow_type}` executions in namespace {} (query `{query}`)",
                            self.namespace
                        ),
                        message: causes(&error),
                    })?;
                    executions.push(Execution {
                        workflow_id: listed.id().to_string(),
                        run_id: listed.run_id().to_string(),
                        workflow_type: listed.workflow_type().to_string(),
                    });
                }
            }
            Ok(executions)
        })
    }

    /// Fetches the histories of `executions`, at most `concurrency` at a time, yielding each
    /// as soon as it is complete (in completion order). Dropping the iterator stops the rest.
    pub fn fetch(
        &self,
        executions: Vec<Execution>,
        concurrency: usize,
    ) -> impl Iterator<Item = Result<FetchedHistory, RemoteError>> + Send + use<> {
        let concurrency = concurrency.max(1);
        let (sender, mut receiver) = tokio::sync::mpsc::channel(concurrency);
        let slots = Arc::new(Semaphore::new(concurrency));
        let client = self.client.clone();
        let namespace = self.namespace.clone();
        let timeout = self.timeout;
        self.runtime.spawn(async move {
            for execution in executions {
                // A slot is held until the history is handed over: bounded memory.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                if sender.is_closed() {
                    return;
                }
                let sender = sender.clone();
                let client = client.clone();
                let namespace = namespace.clone();
                tokio::spawn(async move {
                    let fetched = fetch_history(&client, &namespace, execution, timeout).await;
                    let _ = sender.send(fetched).await;
                    drop(slot);
                });
            }
        });
        let runtime = self.runtime.clone();
        std::iter::from_fn(move || {
            // The runtime lives as long as the iterator that drains it.
            let _running = &runtime;
            receiver.blocking_recv()
        })
    }
}

async fn fetch_history(
    client: &Client,
    namespace: &str,
    execution: Execution,
    timeout: Duration,
) -> Result<FetchedHistory, RemoteError> {
    let call = || {
        format!(
            "fetching the history of {execution} ({})",
            execution.workflow_type
        )
    };
    let mut service = client.connection().workflow_service();
    let mut out = Vec::with_capacity(16 * 1024);
    out.extend_from_slice(b"{\"events\":[");
    let mut first = true;
    let mut page_token = Vec::new();
    loop {
        let mut request = GetWorkflowExecutionHistoryRequest {
            namespace: namespace.to_string(),
            execution: Some(WorkflowExecution {
                workflow_id: execution.workflow_id.clone(),
                run_id: execution.run_id.clone(),
            }),
            next_page_token: page_token,
            ..GetWorkflowExecutionHistoryRequest::default()
        }
        .into_request();
        request.set_timeout(timeout);
        let page = service
            .get_workflow_execution_history(request)
            .await
            .map_err(|status| RemoteError::Call {
                call: call(),
                message: format!("{:?}: {}", status.code(), status.message()),
            })?
            .into_inner();
        for event in page
            .history
            .map(|history| history.events)
            .unwrap_or_default()
        {
            if !first {
                out.push(b',');
            }
            first = false;
            json::write_event(&event, &mut out).map_err(|message| RemoteError::Call {
                call: call(),
                message,
            })?;
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    out.extend_from_slice(b"]}");
    let json = String::from_utf8(out).map_err(|error| RemoteError::Call {
        call: call(),
        message: error.to_string(),
    })?;
    Ok(FetchedHistory { execution, json })
}

/// An error and its causes, `outer: inner: …`, without repeats.
fn causes(error: &dyn Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
