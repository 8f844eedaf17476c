//! A small LSP client for the end-to-end tests: runs the real `tempolint server` over stdio,
//! frames JSON-RPC as an editor does, answers the server's own requests, and waits (with a
//! deadline) for responses and notifications. Every byte the server writes to stdout must be
//! a well-formed message; anything else fails the test.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait may take before the test fails (generous: CI machines are busy).
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

pub(crate) struct LspClient {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications received but not yet consumed by a wait.
    pub(crate) notifications: Vec<Value>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
}

/// A fresh, empty folder under the system's temporary folder.
pub(crate) fn temp_project(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let folder = std::env::temp_dir().join(format!(
        "tempolint-lsp-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("create the test project");
    // Canonical, so the URIs the server derives from walking it match the test's.
    folder.canonicalize().expect("canonical test folder")
}

pub(crate) fn write(folder: &Path, relative: &str, text: &str) -> PathBuf {
    let path = folder.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(&path, text).expect("write a test file");
    path
}

pub(crate) fn uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

fn read_message(reader: &mut impl BufRead) -> Option<Result<Value, String>> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        match line.split_once(": ") {
            Some(("Content-Length", value)) => length = value.parse::<usize>().ok(),
            Some(("Content-Type", _)) => {}
            _ => return Some(Err(format!("not an LSP header on stdout: {line:?}"))),
        }
    }
    let Some(length) = length else {
        return Some(Err("a message without Content-Length".to_string()));
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).map_err(|error| format!("bad JSON on stdout: {error}")))
}

impl LspClient {
    /// Starts `tempolint server` in `cwd` with extra environment variables.
    pub(crate) fn start(cwd: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tempolint"))
            .arg("server")
            .current_dir(cwd)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tempolint server");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                match message {
                    Ok(value) => {
                        if sender.send(value).is_err() {
                            return;
                        }
                    }
                    Err(problem) => {
                        let _ = sender.send(json!({"stdout_violation": problem}));
                        return;
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = pipe.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .expect("stderr sink")
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        let stdin = child.stdin.take();
        LspClient {
            child,
            stdin,
            incoming,
            notifications: Vec::new(),
            stderr,
            next_id: 0,
        }
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr sink").clone()
    }

    /// Writes raw bytes to the server (for malformed-input tests).
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("server stdin open");
        stdin.write_all(bytes).expect("write to the server");
        stdin.flush().expect("flush");
    }

    pub(crate) fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("serialise");
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.send_raw(&frame);
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn receive(&mut self, until: Instant) -> Option<Value> {
        let left = until.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(message) => {
                assert!(
                    message.get("stdout_violation").is_none(),
                    "the server wrote something that is not LSP to stdout: {message}"
                );
                Some(message)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Answers a request the server sent (registerCapability, applyEdit, refresh…) with null,
    /// or an applied edit, and keeps it among the notifications so tests can look at it.
    fn answer_server_request(&mut self, message: &Value) {
        let result = if message["method"] == "workspace/applyEdit" {
            json!({"applied": true})
        } else {
            Value::Null
        };
        let id = message["id"].clone();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    /// Sends a request and waits for its response (the whole message: `result` or `error`).
    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let until = Instant::now() + DEADLINE;
        loop {
            let Some(message) = self.receive(until) else {
                panic!(
                    "no response to {method} within {DEADLINE:?}; stderr:\n{}",
                    self.stderr()
                );
            };
            if message.get("method").is_some() {
                if message.get("id").is_some() {
                    self.answer_server_request(&message);
                }
                self.notifications.push(message);
            } else if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Waits for a message from the server that `wanted` accepts (buffered ones first) and
    /// takes it; `None` after `timeout`.
    pub(crate) fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(index) = self.notifications.iter().position(&wanted) {
            return Some(self.notifications.remove(index));
        }
        let until = Instant::now() + timeout;
        while let Some(message) = self.receive(until) {
            if message.get("method").is_some() && message.get("id").is_some() {
                self.answer_server_request(&message);
            }
            if wanted(&message) {
                return Some(message);
            }
            self.notifications.push(message);
        }
        None
    }

    /// The next diagnostics published for `uri` that `accept` takes; earlier publications
    /// for it are skipped. Fails the test on timeout, showing what was published.
    pub(crate) fn diagnostics(
        &mut self,
        uri: &str,
        accept: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let found = self.wait_for(DEADLINE, |message| {
            message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
                && message["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|items| accept(items))
        });
        match found {
            Some(message) => message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            None => panic!(
                "no accepted diagnostics for {uri}; received: {:#?}\nstderr:\n{}",
                self.notifications
                    .iter()
                    .filter(|message| message["params"]["uri"] == uri)
                    .collect::<Vec<_>>(),
                self.stderr()
            ),
        }
    }

    /// `initialize` + `initialized` with `root` as the one workspace folder.
    pub(crate) fn initialize(&mut self, root: &Path, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "test"}],
                "capabilities": capabilities,
            }),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    pub(crate) fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).expect("read the file to open");
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "python", "version": 1, "text": text}}),
        );
    }

    /// A full-text `didChange` (the whole document replaced).
    pub(crate) fn replace(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// `workspace/didChangeWatchedFiles` for one file (1 created, 2 changed, 3 deleted).
    pub(crate) fn watched(&mut self, path: &Path, kind: u8) {
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri(path), "type": kind}]}),
        );
    }

    /// The hover's result (null when there is nothing to show).
    pub(crate) fn hover(&mut self, path: &Path, position: Value) -> Value {
        self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(path)}, "position": position}),
        )["result"]
            .clone()
    }

    /// `shutdown` then `exit`; the server's exit status.
    pub(crate) fn shutdown(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert!(
            response.get("error").is_none(),
            "shutdown failed: {response}"
        );
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    pub(crate) fn wait_exit(&mut self) -> ExitStatus {
        self.stdin.take();
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return status;
            }
            assert!(Instant::now() < until, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
