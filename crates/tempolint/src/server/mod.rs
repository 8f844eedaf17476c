//! `tempolint server`: the language server over stdio, on `tower-lsp-server`.
//!
//! Every text change is applied at once (in message order) and owes an analysis; a job on a
//! blocking thread then runs what is owed, unless a newer change has arrived meanwhile (the
//! newer change's job does the work instead: no debounce timer, and older work is dropped).
//! Results are published only while they still describe the document's current version and no
//! newer analysis is owed, under one lock, so stale diagnostics never overwrite newer ones.
//! Logs go to stderr and `window/logMessage`; stdout is the protocol channel.

mod capabilities;
mod convert;
mod jobs;
mod position;
mod state;
mod transport;
mod workspace;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    self as lsp, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    ExecuteCommandParams, FileChangeType, FileSystemWatcher, FullDocumentDiagnosticReport,
    GlobPattern, Hover, HoverContents, HoverParams, InitializeParams, InitializeResult,
    InitializedParams, MarkupContent, MarkupKind, MessageType, PositionEncodingKind, Registration,
    RelatedFullDocumentDiagnosticReport, ServerInfo, Uri, WorkspaceDiagnosticParams,
    WorkspaceDiagnosticReport, WorkspaceDiagnosticReportResult, WorkspaceDocumentDiagnosticReport,
    WorkspaceEdit, WorkspaceFullDocumentDiagnosticReport,
};
use tower_lsp_server::{Client, LanguageServer, LspService, Server as Transport};

use jobs::Work;
use position::Encoding;
use state::{OpenDocument, State};
use workspace::Root;

use capabilities::APPLY_AUTOFIX;

pub(crate) fn run() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Blocking jobs parse and check documents: they need the analysis stack.
        .thread_stack_size(crate::ANALYSIS_STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "tempolint server: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    let (service, socket) = LspService::new({
        let shutdown = Arc::clone(&shutdown);
        move |client| Backend::new(client, shutdown)
    });
    runtime.block_on(async {
        let (input, filtered) = tokio::io::duplex(1 << 16);
        tokio::spawn(transport::forward_valid_frames(
            tokio::io::stdin(),
            filtered,
        ));
        Transport::new(input, tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    // The protocol: exit code 0 after a `shutdown` request, 1 when `exit` came without one.
    if shutdown.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Bumped by every change; a job that finds a newer value leaves the work to a newer job.
    generation: Arc<AtomicU64>,
    /// Held while deciding whether to publish and publishing, so publications stay in order.
    publishing: Arc<tokio::sync::Mutex<()>>,
    shutdown: Arc<AtomicBool>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock is caught inside the analysis; the state stays usable.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(std::borrow::Cow::into_owned)
}

fn is_config(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == "pyproject.toml" || name == "tempolint.toml")
}

fn is_python(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "py" || ext == "pyi")
}

impl Backend {
    fn new(client: Client, shutdown: Arc<AtomicBool>) -> Self {
        Backend {
            client,
            state: Arc::new(Mutex::new(State::new())),
            generation: Arc::new(AtomicU64::new(0)),
            publishing: Arc::new(tokio::sync::Mutex::new(())),
            shutdown,
        }
    }

    async fn log(&self, kind: MessageType, message: String) {
        let _ = writeln!(std::io::stderr(), "tempolint server: {message}");
        self.client.log_message(kind, message).await;
    }

    /// Starts a job for the analyses owed. It runs them unless a newer change came first.
    fn schedule(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let latest = Arc::clone(&self.generation);
        let work = self.work();
        tokio::spawn(async move {
            work.run(move || latest.load(Ordering::SeqCst) == generation, None)
                .await;
        });
    }

    /// Runs what is owed now, before a request that reads findings (`except`: the document the
    /// request itself answers for, which needs no refresh).
    async fn settle(&self, except: Option<PathBuf>) {
        self.work().run(|| true, except).await;
    }

    fn work(&self) -> Work {
        Work {
            state: Arc::clone(&self.state),
            client: self.client.clone(),
            publishing: Arc::clone(&self.publishing),
        }
    }

    /// Asks the client to watch Python and config files. Spawned, not awaited: an `exit` may
    /// come before the client answers, and the transport waits for every handler to finish.
    fn register_watchers(&self) {
        let watchers = [
            "**/*.py",
            "**/*.pyi",
            "**/pyproject.toml",
            "**/tempolint.toml",
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "tempolint-watchers".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Err(error) = client.register_capability(vec![registration]).await {
                let message = format!("could not register file watchers: {error}");
                let _ = writeln!(std::io::stderr(), "tempolint server: {message}");
                client.log_message(MessageType::WARNING, message).await;
            }
        });
    }

    fn fix_all_edit(&self, uri: &Uri) -> Option<WorkspaceEdit> {
        let path = file_path(uri)?;
        let mut state = lock(&self.state);
        let encoding = state.encoding;
        let (root, source) = state.file(&path)?;
        let edits = convert::fix_all_edits(source, root.findings(&path), encoding);
        convert::fix_all_action(uri, edits).edit
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_ref());
        let encoding = if offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8)) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let pull = params
            .capabilities
            .text_document
            .as_ref()
            .is_some_and(|text| text.diagnostic.is_some());
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .unwrap_or_default()
            .iter()
            .filter_map(|folder| file_path(&folder.uri))
            .collect();
        #[allow(
            deprecated,
            reason = "clients without workspace folders send rootUri only"
        )]
        if folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(file_path)
        {
            folders.push(root);
        }
        let roots = tokio::task::spawn_blocking(move || {
            folders.into_iter().map(Root::load).collect::<Vec<_>>()
        })
        .await
        .map_err(|_| Error::internal_error())?;
        {
            let mut state = lock(&self.state);
            state.encoding = encoding;
            state.pull = pull;
            state.roots = roots;
        }
        Ok(InitializeResult {
            capabilities: capabilities::server(pull, encoding),
            server_info: Some(ServerInfo {
                name: "tempolint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let summary: Vec<String> = {
            let state = lock(&self.state);
            state
                .roots
                .iter()
                .map(|root| {
                    let mut line = format!(
                        "{}: {} Python files",
                        root.folder.display(),
                        root.file_count()
                    );
                    if let Some(error) = &root.config_error {
                        line = format!("{line} (config error, using defaults: {error})");
                    }
                    line
                })
                .collect()
        };
        for line in summary {
            self.log(MessageType::INFO, line).await;
        }
        self.register_watchers();
    }

    async fn shutdown(&self) -> Result<()> {
        self.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = file_path(&document.uri) else {
            return;
        };
        {
            let mut state = lock(&self.state);
            state.set_text(&path, document.text.clone());
            state.forget_published(&path);
            state.open.insert(
                path,
                OpenDocument {
                    uri: document.uri,
                    version: document.version,
                    text: document.text,
                },
            );
        }
        self.schedule();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = file_path(&params.text_document.uri) else {
            return;
        };
        {
            let mut state = lock(&self.state);
            let encoding = state.encoding;
            let Some(document) = state.open.get_mut(&path) else {
                return;
            };
            position::apply_changes(&mut document.text, params.content_changes, encoding);
            document.version = params.text_document.version;
            let text = document.text.clone();
            state.set_text(&path, text);
        }
        self.schedule();
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        lock(&self.state).reanalyse_all();
        self.schedule();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(path) = file_path(&uri) else {
            return;
        };
        {
            let mut state = lock(&self.state);
            state.open.remove(&path);
            state.forget_published(&path);
            // The file is the disk's again (or gone, when it was never saved).
            state.reload_file(&path);
        }
        if !lock(&self.state).pull {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
        self.schedule();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut messages = Vec::new();
        {
            let mut state = lock(&self.state);
            for change in params.changes {
                let Some(path) = file_path(&change.uri) else {
                    continue;
                };
                if is_config(&path) {
                    messages.extend(state.reload_config(&path));
                } else if is_python(&path) && !state.open.contains_key(&path) {
                    // An open document's text is the editor's, whatever the disk says.
                    if change.typ == FileChangeType::DELETED {
                        state.remove_file(&path);
                    } else {
                        state.watched_file_changed(&path);
                    }
                }
            }
        }
        for message in messages {
            self.client
                .show_message(MessageType::ERROR, format!("tempolint: {message}"))
                .await;
            self.log(MessageType::ERROR, message).await;
        }
        self.schedule();
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let paths = |folders: &[lsp::WorkspaceFolder]| -> Vec<PathBuf> {
            folders
                .iter()
                .filter_map(|folder| file_path(&folder.uri))
                .collect()
        };
        let added = paths(&params.event.added);
        let removed = paths(&params.event.removed);
        let roots = tokio::task::spawn_blocking(move || {
            added.into_iter().map(Root::load).collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        {
            let mut state = lock(&self.state);
            state.change_folders(roots, &removed);
        }
        self.schedule();
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        self.settle(file_path(&params.text_document.uri)).await;
        let items = file_path(&params.text_document.uri)
            .map(|path| {
                let mut state = lock(&self.state);
                let folder = state.root_for(&path).folder.clone();
                let items = state.diagnostics(&folder, &path);
                state.pulled(path, items.clone());
                items
            })
            .unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn workspace_diagnostic(
        &self,
        _: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        self.settle(None).await;
        let mut state = lock(&self.state);
        let open: Vec<(PathBuf, Uri, i32)> = state
            .open
            .iter()
            .map(|(path, document)| (path.clone(), document.uri.clone(), document.version))
            .collect();
        let items = open
            .into_iter()
            .map(|(path, uri, version)| {
                let folder = state.root_for(&path).folder.clone();
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version: Some(i64::from(version)),
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: None,
                        items: state.diagnostics(&folder, &path),
                    },
                })
            })
            .collect();
        Ok(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items },
        ))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        // Findings must describe the current text before their ranges become edits.
        self.settle(None).await;
        let uri = params.text_document.uri;
        let Some(path) = file_path(&uri) else {
            return Ok(None);
        };
        let only = params.context.only.unwrap_or_default();
        let wants = |kind: &str| {
            only.is_empty()
                || only.iter().any(|asked| {
                    kind == asked.as_str() || kind.starts_with(&format!("{}.", asked.as_str()))
                })
        };
        let mut state = lock(&self.state);
        let encoding = state.encoding;
        let Some((root, source)) = state.file(&path) else {
            return Ok(None);
        };
        let requested = position::text_range(source.text(), params.range, encoding);
        let findings = root.findings(&path);
        let mut actions: Vec<CodeActionOrCommand> = Vec::new();
        if wants(CodeActionKind::QUICKFIX.as_str()) {
            for found in findings.iter().filter(|found| {
                found.range.start() <= requested.end() && requested.start() <= found.range.end()
            }) {
                let shown = convert::diagnostic(source, found, encoding, &root.sources());
                actions.extend(
                    convert::quick_fixes(&uri, source, found, &shown, encoding)
                        .into_iter()
                        .map(CodeActionOrCommand::CodeAction),
                );
            }
        }
        if wants(convert::FIX_ALL) {
            let edits = convert::fix_all_edits(source, findings, encoding);
            if !edits.is_empty() {
                actions.push(CodeActionOrCommand::CodeAction(convert::fix_all_action(
                    &uri, edits,
                )));
            }
        }
        Ok(Some(actions))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.settle(None).await;
        let at = params.text_document_position_params;
        let Some(path) = file_path(&at.text_document.uri) else {
            return Ok(None);
        };
        let mut state = lock(&self.state);
        let encoding = state.encoding;
        let Some((root, source)) = state.file(&path) else {
            return Ok(None);
        };
        let offset = position::offset(source.text(), at.position, encoding);
        let offset = tempolint_python::TextSize::new(offset as u32);
        let under: Vec<_> = root
            .findings(&path)
            .iter()
            .filter(|found| found.range.start() <= offset && offset <= found.range.end())
            .collect();
        if under.is_empty() {
            return Ok(None);
        }
        let range = position::range(source, under[0].range, encoding);
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: convert::hover_text(&under),
            }),
            range: Some(range),
        }))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != APPLY_AUTOFIX {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let uri = params
            .arguments
            .first()
            .and_then(|argument| {
                argument
                    .as_str()
                    .or_else(|| argument.get("uri").and_then(Value::as_str))
            })
            .and_then(|text| text.parse::<Uri>().ok())
            .ok_or_else(|| Error::invalid_params("expected the document's URI as argument"))?;
        self.settle(None).await;
        let Some(edit) = self.fix_all_edit(&uri) else {
            return Ok(None);
        };
        if let Err(error) = self.client.apply_edit(edit).await {
            self.log(
                MessageType::ERROR,
                format!("applying fixes failed: {error}"),
            )
            .await;
        }
        Ok(None)
    }
}
