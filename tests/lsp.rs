//! End-to-end tests of `tempolint server`: the real binary over stdio, driven as an editor
//! drives it (see `common/lsp_client.rs`).

mod common;
#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use lsp_client::{LspClient, temp_project, uri, write};
use serde_json::{Value, json};

/// Cross-file re-diagnosis, watched files, config reload, workspace folders.
#[path = "lsp/workspace.rs"]
mod workspace;

const HELPER_CLEAN: &str = "def stamp() -> float:\n    return 0.0\n";
const HELPER_CLOCK: &str = "import time\n\n\ndef stamp() -> float:\n    return time.time()\n";

/// A finding on a line that holds `é` and `🙂` before it (line 12, 0-based).
const WORKFLOW: &str = r#"from datetime import datetime

from temporalio import workflow

from pkg.helpers import stamp


@workflow.defn
class Greeting:
    @workflow.run
    async def run(self, name: str) -> str:
        label = "é🙂"; now = datetime.now()
        return f"{name} {label} {stamp()} {now}"
"#;

const RACE: &str = "import asyncio\n\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass Race:\n    @workflow.run\n    async def run(self, tasks: list) -> None:\n        await asyncio.wait(tasks)\n";

fn project() -> std::path::PathBuf {
    let root = temp_project("project");
    write(&root, "pkg/__init__.py", "");
    write(&root, "pkg/helpers.py", HELPER_CLEAN);
    write(&root, "pkg/wf.py", WORKFLOW);
    root
}

/// The server started in `root` and initialized with `capabilities`.
fn serve(root: &std::path::Path, capabilities: Value) -> LspClient {
    let mut client = LspClient::start(root, &[]);
    client.initialize(root, capabilities);
    client
}

fn utf8_capabilities() -> Value {
    json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn has_code(code: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |items| items.iter().any(|d| d["code"] == code)
}

#[test]
fn initialize_negotiates_utf8_when_offered_else_utf16() {
    let root = project();
    let mut client = LspClient::start(&root, &[]);
    let result = client.initialize(&root, utf8_capabilities());
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        result["capabilities"]["textDocumentSync"]["change"], 2,
        "incremental sync"
    );
    assert_eq!(result["capabilities"]["hoverProvider"], true);
    assert!(
        result["capabilities"].get("diagnosticProvider").is_none(),
        "push unless pull is offered"
    );
    assert!(client.shutdown().success());

    let mut client = LspClient::start(&root, &[]);
    let result = client.initialize(&root, json!({}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert!(client.shutdown().success());
}

/// The finding after `é🙂` on line 12: columns in both encodings, code, link, severity.
#[test]
fn diagnostics_have_codes_links_and_ranges_in_the_negotiated_encoding() {
    for (capabilities, start, end) in [(utf8_capabilities(), 32, 44), (json!({}), 29, 41)] {
        let root = project();
        let wf = root.join("pkg/wf.py");
        let mut client = serve(&root, capabilities);
        client.open(&wf);
        let diagnostics = client.diagnostics(&uri(&wf), has_code("DET101"));
        let clock = diagnostics
            .iter()
            .find(|d| d["code"] == "DET101" && d["range"]["start"]["line"] == 11)
            .expect("DET101 on the datetime.now() line");
        assert_eq!(clock["range"]["start"]["character"], start, "{clock}");
        assert_eq!(clock["range"]["end"]["character"], end, "{clock}");
        assert_eq!(clock["severity"], 1);
        assert_eq!(clock["source"], "tempolint");
        assert_eq!(
            clock["codeDescription"]["href"],
            "https://tempolint.dev/rules/DET101"
        );
        assert!(client.shutdown().success());
    }
}

#[test]
fn quick_fix_suppression_and_fix_all_edits() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let race = write(&root, "pkg/race.py", RACE);
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    client.open(&race);
    client.diagnostics(&uri(&wf), has_code("DET101"));
    client.diagnostics(&uri(&race), has_code("DET201"));

    let line =
        json!({"start": {"line": 11, "character": 30}, "end": {"line": 11, "character": 30}});
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&wf)}, "range": line, "context": {"diagnostics": []}}),
    );
    let actions = response["result"].as_array().cloned().unwrap_or_default();
    let edit_of = |title: &str| -> Value {
        let action = actions
            .iter()
            .find(|a| a["title"].as_str().is_some_and(|t| t.contains(title)))
            .unwrap_or_else(|| panic!("no action {title:?} in {actions:#?}"));
        assert_eq!(action["kind"], "quickfix");
        action["edit"]["changes"][uri(&wf)][0].clone()
    };
    let fix = edit_of("Replace with `workflow.now()`");
    assert_eq!(fix["newText"], "workflow.now()");
    assert_eq!(fix["range"]["start"], json!({"line": 11, "character": 29}));
    let suppress = edit_of("Suppress DET101 on this line");
    assert_eq!(suppress["newText"], "  # tempolint: ignore[DET101]");
    assert_eq!(
        suppress["range"]["start"],
        json!({"line": 11, "character": 43})
    );

    // fix-all: only safe fixes (DET201's), and only when asked for source actions.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&race)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = response["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.tempolint");
    let edits = &actions[0]["edit"]["changes"][uri(&race)];
    assert_eq!(edits[0]["newText"], "workflow.wait");
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&wf)}, "range": line, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    assert_eq!(
        response["result"],
        json!([]),
        "DET101's fix is unsafe: no fix-all"
    );

    // The command form applies the same edit through workspace/applyEdit.
    client.request(
        "workspace/executeCommand",
        json!({"command": "tempolint.applyAutofix", "arguments": [uri(&race)]}),
    );
    let applied = client
        .wait_for(lsp_client::DEADLINE, |m| {
            m["method"] == "workspace/applyEdit"
        })
        .expect("applyEdit sent");
    assert_eq!(
        applied["params"]["edit"]["changes"][uri(&race)][0]["newText"],
        "workflow.wait"
    );
    assert!(client.shutdown().success());
}

/// A code action asked for right after an edit sees the edited text's findings, not the
/// previous analysis's ranges laid over the new text.
#[test]
fn code_actions_right_after_an_edit_describe_the_new_text() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    client.diagnostics(&uri(&wf), has_code("DET101"));
    client.replace(&wf, 2, &format!("# a new first line\n{WORKFLOW}"));
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&wf)}, "range": {"start": {"line": 12, "character": 30}, "end": {"line": 12, "character": 30}}, "context": {"diagnostics": []}}),
    );
    let fix = response["result"]
        .as_array()
        .and_then(|actions| {
            actions.iter().find(|a| {
                a["isPreferred"] == false
                    && a["edit"]["changes"][uri(&wf)][0]["newText"] == "workflow.now()"
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("no fix on the moved line: {response:#}"));
    assert_eq!(
        fix["edit"]["changes"][uri(&wf)][0]["range"]["start"],
        json!({"line": 12, "character": 29})
    );
    assert!(client.shutdown().success());
}

#[test]
fn hover_shows_rule_doc_and_chain() {
    let root = project();
    write(&root, "pkg/helpers.py", HELPER_CLOCK);
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    let diagnostics = client.diagnostics(&uri(&wf), |items| {
        items
            .iter()
            .any(|d| d["code"] == "DET101" && d["range"]["start"]["line"] == 12)
    });
    let chained = diagnostics
        .iter()
        .find(|d| d["range"]["start"]["line"] == 12)
        .expect("the finding at the helper call");
    let related = &chained["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        uri(&root.join("pkg/helpers.py"))
    );
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": 4, "character": 11})
    );
    assert!(
        related["message"]
            .as_str()
            .unwrap_or_default()
            .contains("pkg.helpers.stamp")
    );

    let hover = client.hover(&wf, chained["range"]["start"].clone());
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("**DET101**"), "{text}");
    assert!(text.contains("pkg.helpers.stamp"), "chain in hover: {text}");
    assert!(
        text.contains("## What it does"),
        "rule doc in hover: {text}"
    );
    let nothing = client.hover(&wf, json!({"line": 0, "character": 0}));
    assert_eq!(nothing, Value::Null);
    assert!(client.shutdown().success());
}

#[test]
fn rapid_edits_publish_the_latest_state_last() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    client.diagnostics(&uri(&wf), has_code("DET101"));
    for version in 2..=40 {
        // Odd versions hold the clock call, even versions do not; the last (40) is clean.
        let text = if version % 2 == 1 {
            WORKFLOW.to_string()
        } else {
            WORKFLOW.replace("datetime.now()", "workflow.now()")
        };
        client.replace(&wf, version, &text);
    }
    // Whatever was published in between, the last publication describes version 40.
    let mut published = vec![];
    while let Some(message) = client.wait_for(Duration::from_secs(1), |m| {
        m["method"] == "textDocument/publishDiagnostics"
    }) {
        published.push(message);
    }
    let last = published.last().expect("the clean version is published");
    assert_eq!(last["params"]["diagnostics"], json!([]), "{published:#?}");
    assert_eq!(
        last["params"]["version"].as_i64().unwrap_or(1) % 2,
        0,
        "{published:#?}"
    );
    let hover = client.hover(&wf, json!({"line": 11, "character": 30}));
    assert_eq!(
        hover["result"],
        Value::Null,
        "the clean text has nothing to hover"
    );
    assert!(client.shutdown().success());
}

#[test]
fn pull_diagnostics_when_the_client_offers_them() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let mut client = LspClient::start(&root, &[]);
    let result = client.initialize(&root, json!({"textDocument": {"diagnostic": {}}}));
    assert_eq!(
        result["capabilities"]["diagnosticProvider"]["interFileDependencies"],
        true
    );
    client.open(&wf);
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&wf)}}),
    );
    assert_eq!(report["result"]["kind"], "full");
    assert_eq!(
        codes(report["result"]["items"].as_array().unwrap()),
        ["DET101"]
    );
    // A helper changes on disk: the client is asked to pull again, and gets the new finding.
    std::fs::write(root.join("pkg/helpers.py"), HELPER_CLOCK).expect("edit the helper");
    client.watched(&root.join("pkg/helpers.py"), 2);
    client
        .wait_for(lsp_client::DEADLINE, |m| {
            m["method"] == "workspace/diagnostic/refresh"
        })
        .expect("a refresh request");
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&wf)}}),
    );
    assert_eq!(
        codes(report["result"]["items"].as_array().unwrap()),
        ["DET101", "DET101"]
    );
    let workspace = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    assert_eq!(workspace["result"]["items"][0]["uri"], uri(&wf));
    assert!(
        client
            .wait_for(Duration::from_millis(300), |m| m["method"]
                == "textDocument/publishDiagnostics")
            .is_none(),
        "nothing is pushed to a pulling client"
    );
    assert!(client.shutdown().success());
}

#[test]
fn a_panic_in_one_files_analysis_is_logged_and_the_server_goes_on() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let bad = write(
        &root,
        "pkg/bad.py",
        "from temporalio import workflow\n# PANIC-HERE\n",
    );
    let mut client = LspClient::start(&root, &[("TEMPOLINT_LSP_PANIC_MARKER", "PANIC-HERE")]);
    client.initialize(&root, json!({}));
    client.open(&bad);
    client.open(&wf);
    client.diagnostics(&uri(&wf), has_code("DET101"));
    let logged = client
        .wait_for(lsp_client::DEADLINE, |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("bad.py") && t.contains("panicked"))
        })
        .expect("the panic is logged to the client");
    assert_eq!(logged["params"]["type"], 1);
    assert!(client.stderr().contains("panicked"), "and to stderr");
    assert!(
        !client
            .notifications
            .iter()
            .any(|m| m["params"]["uri"] == uri(&bad)
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())),
        "nothing published for the file whose analysis panicked"
    );
    assert!(client.shutdown().success());
}

#[test]
fn malformed_input_unknown_methods_and_odd_documents_do_not_stop_the_server() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let mut client = LspClient::start(&root, &[]);
    let early = client.request("textDocument/hover", json!({}));
    assert!(
        early.get("error").is_some(),
        "requests before initialize are refused"
    );
    client.initialize(&root, json!({}));
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let unknown = client.request("tempolint/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_params = client.request("textDocument/hover", json!({"nonsense": true}));
    assert!(bad_params.get("error").is_some());
    // A change for a document never opened, and positions past the end.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&root.join("nope.py")), "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    let broken = write(
        &root,
        "pkg/broken.py",
        "from temporalio import workflow\ndef (:\n",
    );
    client.open(&broken);
    client.diagnostics(&uri(&broken), has_code("SYN001"));
    client.open(&wf);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&wf), "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 999, "character": 5}, "end": {"line": 1000, "character": 0}}, "text": "\n"}]}),
    );
    // A file deleted while open keeps the editor's text.
    std::fs::remove_file(&wf).expect("delete");
    client.watched(&wf, 3);
    client.diagnostics(&uri(&wf), has_code("DET101"));
    let hover = client.hover(&wf, json!({"line": 11, "character": 30}));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .contains("DET101")
    );
    assert!(client.shutdown().success());
}

#[test]
fn exit_without_shutdown_exits_with_one() {
    let root = project();
    let mut client = serve(&root, json!({}));
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit().code(), Some(1));
}

/// A 40,000-line workflow (about 1.5 MB) is analysed like any other, and edits to it too.
#[test]
fn a_huge_document_is_analysed() {
    let root = project();
    let mut text = String::from(
        "import time\n\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass Huge:\n    @workflow.run\n    async def run(self, x: int) -> int:\n        total = 0\n",
    );
    text.extend((0..40_000).map(|step| format!("        total += {step} * x  # step {step}\n")));
    text.push_str("        return total + int(time.time())\n");
    let huge = write(&root, "pkg/huge.py", &text);
    let mut client = serve(&root, json!({}));
    client.open(&huge);
    let found = client.diagnostics(&uri(&huge), has_code("DET101"));
    assert_eq!(found[0]["range"]["start"]["line"], 40_010);
    client.replace(&huge, 2, &text.replace("time.time()", "workflow.time()"));
    client.diagnostics(&uri(&huge), <[Value]>::is_empty);
    assert!(client.shutdown().success());
}
