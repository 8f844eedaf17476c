//! Running the owed analyses off the protocol thread and publishing what they found.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;

use super::state::State;
use super::{file_path, lock};

/// What a job needs to run the owed analyses and publish their results.
pub(crate) struct Work {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) client: Client,
    pub(crate) publishing: Arc<tokio::sync::Mutex<()>>,
}

impl Work {
    /// Runs the owed analyses on a blocking thread if `still_wanted` (checked there), then
    /// publishes what changed, or, to a pulling client, asks it to pull again.
    pub(crate) async fn run(
        self,
        still_wanted: impl FnOnce() -> bool + Send + 'static,
        except: Option<PathBuf>,
    ) {
        let state = Arc::clone(&self.state);
        let job = tokio::task::spawn_blocking(move || {
            if !still_wanted() {
                return None;
            }
            let mut state = lock(&state);
            if !state.has_pending() {
                return None;
            }
            let pull = state.pull;
            let (publications, logs) = state.run_pending();
            Some((publications, logs, pull))
        });
        let Ok(Some((publications, logs, pull))) = job.await else {
            return;
        };
        for line in logs {
            let _ = writeln!(std::io::stderr(), "tempolint server: {line}");
            self.client.log_message(MessageType::ERROR, line).await;
        }
        if pull {
            // Asked to pull again only when another open document's findings changed.
            let others = publications
                .iter()
                .any(|publication| file_path(&publication.uri).as_ref() != except.as_ref());
            if others {
                let _ = self.client.workspace_diagnostic_refresh().await;
            }
            return;
        }
        let _guard = self.publishing.lock().await;
        for publication in publications {
            if !lock(&self.state).still_current(&publication) {
                continue;
            }
            self.client
                .publish_diagnostics(
                    publication.uri,
                    publication.diagnostics,
                    Some(publication.version),
                )
                .await;
        }
    }
}
