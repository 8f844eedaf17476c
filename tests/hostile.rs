//! End-to-end: hostile inputs on the real binary. Each gives a clear message naming the file
//! (and line, where there is one) while the rest of the run completes; none makes the binary
//! panic (exit 101, "panicked") or die of a signal (a stack overflow aborts with SIGABRT).

use std::fmt::Write as _;

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
#[path = "common/lsp_client.rs"]
#[allow(
    dead_code,
    reason = "the hostile suite opens documents and reads diagnostics only"
)]
mod lsp_client;

use common::{repo_root, tempolint};
use lsp_client::LspClient;

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tempolint-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A workflow module whose `run` reads the wall clock (one DET101), with `body` inserted into
/// `run` before it.
fn workflow(body: &str) -> String {
    format!(
        "import time\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass W:\n    \
         @workflow.run\n    async def run(self) -> float:\n{body}        return time.time()\n"
    )
}

/// The exit code, after checking the process ended by itself without a panic.
fn exit_code(output: &Output) -> i32 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "panicked:\n{stderr}");
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal ({:?}):\n{stderr}", output.status));
    assert_ne!(code, 101, "exit 101:\n{stderr}");
    code
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn concise(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["check", "--output-format", "concise"];
    all.extend_from_slice(args);
    tempolint(dir, &all)
}

#[test]
fn invalid_utf8_and_nul_bytes_name_file_and_line() {
    let dir = scratch("encoding");
    std::fs::write(dir.join("latin1.py"), b"x = 1\ny = '\xe9t\xe9'\n").unwrap();
    std::fs::write(dir.join("nul.py"), b"x = 1\ny = 2\x00\nz = 3\n").unwrap();
    std::fs::write(dir.join("wf.py"), workflow("")).unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1);
    let out = stdout(&output);
    assert!(
        out.contains("latin1.py:1:1: SYN001 Syntax error: file is not valid UTF-8: invalid byte 0xE9 at line 2, column 6"),
        "{out}"
    );
    assert!(out.contains("nul.py:2:6: SYN001"), "{out}");
    assert!(out.contains("wf.py:9:16: DET101"), "{out}");
}

#[test]
fn a_ten_megabyte_file_is_checked() {
    let dir = scratch("big");
    let mut text = workflow("");
    let mut index = 0;
    while text.len() < 10 * 1024 * 1024 {
        let _ = write!(
            text,
            "\n\ndef helper_{index}(values: list[int]) -> int:\n    \
             total = sum(value * {index} for value in values if value % 7)\n    \
             return total + len(str(values))\n"
        );
        index += 1;
    }
    std::fs::write(dir.join("big.py"), &text).unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stdout(&output).matches("DET101").count(),
        1,
        "{}",
        stdout(&output)
    );
}

/// `levels` of nested lists, indentation and `not` around the wall-clock call.
fn nested(levels: usize) -> String {
    let mut body = String::new();
    for level in 0..levels {
        body.push_str(&" ".repeat(8 + level));
        body.push_str("if self:\n");
    }
    let _ = writeln!(
        body,
        "{}x = {}{}time.time(){}",
        " ".repeat(8 + levels),
        "not ".repeat(levels),
        "[".repeat(levels),
        "]".repeat(levels)
    );
    workflow(&body)
}

#[test]
fn ten_thousand_deep_nesting_is_analysed_and_deeper_is_a_clear_error() {
    let dir = scratch("deep");
    // 3,000 levels each of indentation, `not` and brackets (~10,000 deep in the tree).
    std::fs::write(dir.join("deep.py"), nested(3_000)).unwrap();
    std::fs::write(
        dir.join("brackets.py"),
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)),
    )
    .unwrap();
    // 100,000 levels: past tempolint's limit, reported and skipped.
    std::fs::write(
        dir.join("deeper.py"),
        workflow(&format!("        x = {}1\n", "-".repeat(100_000))),
    )
    .unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.matches("deep.py:").count(), 2, "{out}"); // both time.time() calls
    assert!(out.contains("deeper.py:9:20010: SYN001 Syntax error: nested too deeply to analyse: an estimated 100003 levels"), "{out}");
    assert!(!out.contains("brackets.py"), "{out}");
    // `--fix` rewrites the deep file (the clock calls become `workflow.time()`), and what it
    // writes parses: only the too-deep file's error remains.
    let fixed = concise(&dir, &["--fix", "--unsafe-fixes", "."]);
    assert_eq!(exit_code(&fixed), 1, "{}", stderr(&fixed));
    assert!(
        std::fs::read_to_string(dir.join("deep.py"))
            .unwrap()
            .contains("workflow.time()")
    );
    let again = concise(&dir, &["."]);
    assert_eq!(
        stdout(&again)
            .lines()
            .filter(|line| line.contains(".py:"))
            .count(),
        1,
        "{}",
        stdout(&again)
    );
    // The same through standard input (the editor path).
    let mut child = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args([
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            "deep.py",
            "-",
        ])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), nested(3_000).as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(exit_code(&output), 1);
    assert_eq!(stdout(&output).matches("DET101").count(), 2);
}

#[test]
fn a_five_thousand_deep_call_chain_across_modules_is_followed() {
    let dir = scratch("chain");
    let depth = 5_000;
    for index in 0..depth {
        let body = if index + 1 == depth {
            "import time\n\n\ndef step():\n    return time.time()\n".to_string()
        } else {
            format!(
                "from chain import m{}\n\n\ndef step():\n    return m{}.step()\n",
                index + 1,
                index + 1
            )
        };
        std::fs::write(dir.join(format!("m{index}.py")), body).unwrap();
    }
    std::fs::write(
        dir.join("wf.py"),
        "from temporalio import workflow\n\nfrom chain import m0\n\n\n@workflow.defn\nclass W:\n    \
         @workflow.run\n    async def run(self) -> float:\n        return m0.step()\n",
    )
    .unwrap();
    std::fs::write(dir.join("__init__.py"), "").unwrap();
    let project = dir
        .parent()
        .unwrap()
        .join(format!("chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(&project).unwrap();
    std::fs::rename(&dir, project.join("chain")).unwrap();
    let output = tempolint(&project, &["check", "--output-format", "json", "chain"]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(findings[0]["code"], "DET101");
    assert_eq!(findings[0]["chain"].as_array().unwrap().len(), depth);
}

#[test]
fn import_cycles_terminate_and_findings_cross_them() {
    let dir = scratch("cycle");
    std::fs::write(
        dir.join("a.py"),
        "import b\n\n\ndef f():\n    return b.g()\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.py"),
        "import a\nimport time\n\n\ndef g():\n    return time.time() if a else a.f()\n",
    )
    .unwrap();
    std::fs::write(dir.join("c.py"), "from c import *\nimport c\n").unwrap();
    std::fs::write(
        dir.join("wf.py"),
        "from temporalio import workflow\n\nimport a\n\n\n@workflow.defn\nclass W:\n    \
         @workflow.run\n    async def run(self) -> float:\n        return a.f()\n",
    )
    .unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("wf.py:10:16: DET101"),
        "{}",
        stdout(&output)
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed_and_do_not_change_the_exit_code() {
    let dir = scratch("loops");
    std::fs::create_dir_all(dir.join("pkg/inner")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("pkg/up")).unwrap();
    std::os::unix::fs::symlink("self.py", dir.join("pkg/self.py")).unwrap();
    std::os::unix::fs::symlink("../inner", dir.join("pkg/inner/again")).unwrap();
    std::fs::write(dir.join("pkg/clean.py"), "x = 1\n").unwrap();
    let clean = concise(&dir, &["pkg"]);
    assert_eq!(exit_code(&clean), 0, "{}", stderr(&clean));
    let notes = stderr(&clean);
    assert!(
        notes.contains("note: File system loop found: pkg/up points to an ancestor"),
        "{notes}"
    );
    assert!(
        notes.contains("pkg/inner/again points to an ancestor pkg/inner: not followed"),
        "{notes}"
    );
    assert!(
        notes.contains("note: pkg/self.py: Too many levels of symbolic links"),
        "{notes}"
    );
    std::fs::write(dir.join("pkg/wf.py"), workflow("")).unwrap();
    let findings = concise(&dir, &["pkg"]);
    assert_eq!(exit_code(&findings), 1, "{}", stderr(&findings));
    assert_eq!(
        stdout(&findings).matches("pkg/wf.py:9:16: DET101").count(),
        1
    );
}

#[cfg(unix)]
#[test]
fn fifos_named_py_are_skipped_not_read() {
    let dir = scratch("fifo");
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.py"))
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::write(dir.join("wf.py"), workflow("")).unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1);
    assert!(
        stderr(&output)
            .contains("note: pipe.py: not a regular file (a FIFO, socket or device), skipped"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("wf.py:9:16: DET101"));
}

/// temporalio/ai-cookbook commits `node_modules -> ./agents/…/node_modules`, a link to a folder
/// that exists only after `npm install`: no Python file, so nothing to report; a dangling
/// `.py` link is still a source that cannot be read.
#[cfg(unix)]
#[test]
fn dangling_links_to_no_python_file_are_ignored() {
    let dir = scratch("dangling");
    std::os::unix::fs::symlink("./web/node_modules", dir.join("node_modules")).unwrap();
    std::fs::write(dir.join("wf.py"), workflow("")).unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "{}", stderr(&output));
    assert!(stdout(&output).contains("wf.py:9:16: DET101"));
    std::os::unix::fs::symlink("gone.py", dir.join("helper.py")).unwrap();
    let missing = concise(&dir, &["."]);
    assert_eq!(exit_code(&missing), 2, "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("helper.py"),
        "{}",
        stderr(&missing)
    );
}

/// Runs `tempolint ARGS` in `dir` as a user the file modes apply to: as root (CI), through
/// `setpriv` as `nobody`; `None`, after saying so, when root has no `setpriv`.
#[cfg(unix)]
fn as_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0");
    if !is_root {
        return Some(tempolint(dir, args));
    }
    let setpriv = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_tempolint"))
        .args(args)
        .current_dir(dir)
        .output();
    if setpriv.is_err() {
        #[allow(clippy::print_stderr, reason = "a skipped test must say so loudly")]
        {
            eprintln!(
                "SKIPPED: unreadable files: running as root and no setpriv to drop privileges"
            );
        }
    }
    setpriv.ok()
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_named_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unreadable");
    std::fs::create_dir_all(dir.join("locked")).unwrap();
    std::fs::write(dir.join("locked/inside.py"), "x = 1\n").unwrap();
    std::fs::write(dir.join("secret.py"), "x = 1\n").unwrap();
    std::fs::write(dir.join("wf.py"), workflow("")).unwrap();
    // The scratch folder's parents are world-readable; `nobody` must also reach the folder.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        dir.join("secret.py"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let output = as_unprivileged(&dir, &["check", "--output-format", "concise", "."]);
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(output) = output else { return };
    assert_eq!(exit_code(&output), 2, "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains("error: failed to read secret.py: Permission denied"),
        "{errors}"
    );
    assert!(
        errors.contains("locked: Permission denied (os error 13)"),
        "{errors}"
    );
    assert!(
        stdout(&output).contains("wf.py:9:16: DET101"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn files_vanishing_mid_run_are_named_and_the_run_completes() {
    let dir = scratch("vanish");
    for index in 0..2_000 {
        std::fs::write(dir.join(format!("m{index}.py")), "x = 1\n".repeat(200)).unwrap();
    }
    std::fs::write(dir.join("wf.py"), workflow("")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(["check", "--output-format", "concise", "."])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for index in (0..2_000).rev() {
        let _ = std::fs::remove_file(dir.join(format!("m{index}.py")));
    }
    let output = child.wait_with_output().unwrap();
    let code = exit_code(&output);
    assert!(code == 1 || code == 2, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("wf.py:9:16: DET101"),
        "{}",
        stdout(&output)
    );
    for line in stderr(&output).lines() {
        assert!(
            line.starts_with("tempolint: error: failed to read m")
                && line.ends_with("No such file or directory (os error 2)")
                || line.starts_with("tempolint: error: ./m")
                || line.starts_with("tempolint: error: m"),
            "{line}"
        );
    }
}

#[test]
fn an_empty_tree_and_non_python_files_say_so() {
    let dir = scratch("empty");
    let empty = concise(&dir, &["."]);
    assert_eq!(exit_code(&empty), 0);
    assert!(
        stderr(&empty).contains("warning: no Python files found under ."),
        "{}",
        stderr(&empty)
    );
    std::fs::write(dir.join("image.png"), b"\x89PNG\r\n\x1a\n\x00\x00").unwrap();
    std::fs::write(dir.join("notes.txt"), "import time\ntime.time()\n").unwrap();
    std::fs::write(dir.join("blob.py"), b"\x00\x01\xff\xfe").unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 1);
    assert_eq!(
        stdout(&output).trim(),
        "blob.py:1:1: SYN001 Syntax error: file is not valid UTF-8: invalid byte 0xFF at line 1, column 3 (byte offset 2); save it as UTF-8 (PEP 3120)\nFound 1 problem (1 error).",
    );
}

#[test]
fn malformed_configs_name_the_file_and_the_problem() {
    let dir = scratch("config");
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    for (config, expected) in [
        (
            "[tool.tempolint\n",
            "pyproject.toml: 1:16: invalid table header",
        ),
        (
            "[tool.tempolint]\nselect = 5\n",
            "pyproject.toml: 2:10: invalid type: integer `5`, expected a sequence",
        ),
        (
            "[tool.tempolint]\nselect = [\"NOPE\"]\n",
            "unknown rule selector `NOPE`",
        ),
        (
            "[tool.tempolint]\nexclude = [\"[[\"]\n",
            "`tool.tempolint.exclude`: bad pattern `[[`",
        ),
        (
            "[tool.tempolint.payload]\nwarn-bytes = -1\n",
            "pyproject.toml: 2:14: invalid value: integer `-1`",
        ),
        (
            "[tool.tempolint.payload]\nwarn-bytes = 99999999999999999999\n",
            "pyproject.toml: 2:14: number too large",
        ),
        (
            "[tool.tempolint]\nper-file-ignores = {\"[\" = [\"DET\"]}\n",
            "bad pattern `[`",
        ),
        ("[tool.tempolint]\nsrc = \"\u{0}\"\n", "pyproject.toml: 2:"),
    ] {
        std::fs::write(dir.join("pyproject.toml"), config).unwrap();
        let output = concise(&dir, &["."]);
        assert_eq!(exit_code(&output), 2, "{config}");
        assert!(
            stderr(&output).contains(expected),
            "{config}: {}",
            stderr(&output)
        );
    }
    std::fs::write(
        dir.join("pyproject.toml"),
        b"[tool.tempolint]\nselect = ['\xff']\n",
    )
    .unwrap();
    let output = concise(&dir, &["."]);
    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("pyproject.toml: cannot read: stream did not contain valid UTF-8")
    );
}

/// The project's recorded `approval` history (a workflow that runs two activities and waits
/// for a signal), as JSON.
fn approval_history() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("fixtures/replay/histories/approval.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn replay(dir: &Path, history: &str) -> Output {
    let workflow = repo_root().join("fixtures/replay/workflows/approval.py");
    Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args(["replay", "--history", history])
        .arg(workflow)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn malformed_histories_are_bad_input_naming_file_and_event() {
    let dir = scratch("histories");
    let history = approval_history();
    let text = serde_json::to_string(&history).unwrap();
    let edited = |edit: &dyn Fn(&mut Vec<serde_json::Value>)| {
        let mut copy = history.clone();
        edit(copy["events"].as_array_mut().unwrap());
        serde_json::to_string(&copy).unwrap()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated",
            text[..text.len() / 2].to_string(),
            "truncated.json: not a workflow history: EOF while parsing",
        ),
        (
            "empty",
            String::new(),
            "empty.json: not a workflow history: EOF while parsing a value at line 1 column 0",
        ),
        (
            "array",
            "[1, 2]".to_string(),
            "array.json: event #0: field `(value)`: invalid type: integer `1`",
        ),
        (
            "no-events",
            r#"{"events": []}"#.to_string(),
            "no-events.json: not a workflow history: the `events` array is empty",
        ),
        (
            "wrong-type",
            edited(&|events| events[0]["eventId"] = serde_json::json!([1])),
            "wrong-type.json: event #0: field `eventId`: expected an int64, got [1]",
        ),
        (
            "missing-start",
            edited(&|events| {
                events.remove(0);
            }),
            "missing-start.json: event #0 (eventId 2): field `eventId`: the first event must have eventId 1",
        ),
        (
            "missing-events",
            edited(&|events| {
                events.drain(5..8);
            }),
            "missing-events.json: event #5 (eventId 9): field `eventId`: event ids must be consecutive, but 9 follows 5",
        ),
        (
            "unknown-type",
            edited(&|events| events[4]["eventType"] = "EVENT_TYPE_BOGUS".into()),
            "unknown-type.json: event #4 (eventId 5): field `eventType`: unknown event type `EVENT_TYPE_BOGUS`",
        ),
        (
            "deep",
            format!(
                "{{\"events\": {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            "deep.json: event #0: field `(value)`: invalid type: sequence",
        ),
    ];
    for (name, content, expected) in cases {
        let file = format!("{name}.json");
        std::fs::write(dir.join(&file), content).unwrap();
        let output = replay(&dir, &file);
        assert_eq!(exit_code(&output), 2, "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(expected),
            "{name}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn huge_payloads_and_a_million_events_are_reported_not_fatal() {
    let dir = scratch("huge-histories");
    let history = approval_history();
    let mut huge = history.clone();
    let payload = format!("\"{}\"", "a".repeat(3 * 1024 * 1024));
    huge["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["data"] =
        base64::engine::general_purpose::STANDARD
            .encode(payload)
            .into();
    std::fs::write(dir.join("huge.json"), serde_json::to_string(&huge).unwrap()).unwrap();
    let output = replay(&dir, "huge.json");
    let _ = exit_code(&output);
    assert!(
        stdout(&output).contains("carries a 3072 KiB payload"),
        "{}",
        stdout(&output)
    );
    // One million events: the start, then the same task-scheduled event over and over. No task
    // ever starts, so nothing is replayed: the SDK's `Replayer` reports no failure on this file
    // (checked by hand: 69 s in the SDK), and the load must complete.
    let events = history["events"].as_array().unwrap();
    let mut text = format!("{{\"events\": [{}", events[0]);
    let scheduled = serde_json::to_string(&events[1]).unwrap();
    for id in 2..=1_000_000 {
        text.push(',');
        text.push_str(&scheduled.replacen(
            "\"eventId\":\"2\"",
            &format!("\"eventId\":\"{id}\""),
            1,
        ));
    }
    text.push_str("]}");
    std::fs::write(dir.join("million.json"), text).unwrap();
    let output = replay(&dir, "million.json");
    let _ = exit_code(&output);
    assert!(
        stdout(&output).contains("the history has 1000000 events")
            && stdout(&output).contains("1 replayed: 1 ok"),
        "{}",
        stdout(&output)
    );
}

/// The inputs that crashed the binary once (kept in `fuzz/regressions/source`, replayed by
/// `scripts/fuzz.sh` too): 50,000 nested lists and 25,000 nested lambdas overflowed the stack
/// while the syntax tree was dropped.
#[test]
fn inputs_that_once_overflowed_the_stack_are_clean_errors() {
    let regressions = repo_root().join("fuzz/regressions/source");
    for name in ["deep_lists.py", "deep_lambdas.py"] {
        let output = concise(&regressions, &[name]);
        assert_eq!(exit_code(&output), 1, "{name}: {}", stderr(&output));
        assert!(
            stdout(&output).contains(&format!("{name}:9:"))
                && stdout(&output).contains("SYN001 Syntax error: nested too deeply to analyse"),
            "{name}: {}",
            stdout(&output)
        );
    }
}

/// The server's jobs run on their own threads: deep nesting there is analysed, or reported, and
/// the server goes on serving.
#[test]
fn the_server_handles_deep_nesting_and_keeps_serving() {
    let root = lsp_client::temp_project("hostile-server");
    let deep = lsp_client::write(&root, "deep.py", &nested(3_000));
    let deeper = lsp_client::write(
        &root,
        "deeper.py",
        &workflow(&format!(
            "        x = {}1{}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        )),
    );
    let mut client = LspClient::start(&root, &[]);
    client.initialize(&root, serde_json::json!({}));
    client.open(&deep);
    let found = client.diagnostics(&lsp_client::uri(&deep), |items| {
        items.iter().filter(|d| d["code"] == "DET101").count() == 2
    });
    assert_eq!(found.len(), 2);
    client.open(&deeper);
    let found = client.diagnostics(&lsp_client::uri(&deeper), |items| {
        items.iter().any(|d| d["code"] == "SYN001")
    });
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deeply to analyse")
    );
    assert!(client.shutdown().success());
}

/// A long line with many findings (2,000 `time.time()` calls in a workflow on one 30 KB line):
/// each excerpt shows a window of the line, not all of it (which made 60 MB of text).
#[test]
fn excerpts_of_long_lines_are_windows() {
    let dir = scratch("long-line");
    std::fs::write(
        dir.join("wf.py"),
        workflow(&format!(
            "        x = [{}1]\n",
            "time.time(), ".repeat(2_000)
        )),
    )
    .unwrap();
    let output = tempolint(&dir, &["check", "wf.py"]);
    assert_eq!(exit_code(&output), 1);
    let out = stdout(&output);
    assert_eq!(out.matches("wf.py:9:").count(), 2_000);
    let longest = out.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(longest < 200, "an excerpt line of {longest} characters");
    assert!(out.len() < 5_000_000, "{} bytes of output", out.len());
    assert!(
        out.contains("9 | … time.time(), time.time(), "),
        "{}",
        &out[..2_000]
    );
}
