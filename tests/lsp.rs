//! End-to-end tests of `tempolint server`: the real binary over stdio, driven as an editor
//! drives it (see `common/lsp_client.rs`).

mod common;
#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use lsp_client::{LspClient, temp_project, uri, write};
use serde_json::{Value, json};

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
            "https://tempolint.dev/rules/wall-clock"
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

/// A helper that is not open changes on disk, then is deleted: the workflow follows.
#[test]
fn editing_and_deleting_a_helper_that_is_not_open_rediagnoses_the_workflow() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let helper = root.join("pkg/helpers.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    let first = client.diagnostics(&uri(&wf), has_code("DET101"));
    assert_eq!(
        codes(&first),
        ["DET101"],
        "only the direct finding at first"
    );

    std::fs::write(&helper, HELPER_CLOCK).expect("edit the helper");
    client.watched(&helper, 2);
    client.diagnostics(&uri(&wf), |items| items.len() == 2);

    std::fs::remove_file(&helper).expect("delete the helper");
    client.watched(&helper, 3);
    client.diagnostics(&uri(&wf), |items| items.len() == 1);
    assert!(client.shutdown().success());
}

/// An open helper edited with incremental and full changes; the fix clears the finding.
#[test]
fn editing_an_open_helper_rediagnoses_the_workflow_and_a_fix_clears_it() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let helper = root.join("pkg/helpers.py");
    let mut client = serve(&root, utf8_capabilities());
    client.open(&wf);
    client.open(&helper);
    client.diagnostics(&uri(&wf), |items| items.len() == 1);

    // Incremental: two edits in one message, then another message.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&helper), "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 14}}, "text": "time.time()"},
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "import time\n"},
        ]}),
    );
    client.diagnostics(&uri(&wf), |items| items.len() == 2);

    // Full sync: the whole text replaced with a clean helper.
    client.replace(&helper, 3, HELPER_CLEAN);
    client.diagnostics(&uri(&wf), |items| items.len() == 1);

    // Fixing the workflow's own finding clears its diagnostics.
    let fixed = WORKFLOW.replace("datetime.now()", "workflow.now()");
    client.replace(&wf, 2, &fixed);
    client.diagnostics(&uri(&wf), <[Value]>::is_empty);

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&wf)}}),
    );
    client.diagnostics(&uri(&wf), <[Value]>::is_empty);
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
fn config_changes_reload_the_settings() {
    let root = project();
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    client.diagnostics(&uri(&wf), has_code("DET101"));

    let config = write(
        &root,
        "pyproject.toml",
        "[tool.tempolint]\nignore = [\"DET101\"]\n",
    );
    client.watched(&config, 1);
    client.diagnostics(&uri(&wf), <[Value]>::is_empty);

    let config = write(&root, "tempolint.toml", "select = [\"NOPE\"]\n");
    client.watched(&config, 1);
    let shown = client
        .wait_for(lsp_client::DEADLINE, |m| {
            m["method"] == "window/showMessage"
        })
        .expect("a bad config is reported");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("tempolint.toml"),
        "{shown}"
    );
    // The defaults apply meanwhile: the finding is back.
    client.diagnostics(&uri(&wf), has_code("DET101"));
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

/// A module nothing imported (outside the analysed slice) joins when a workflow starts to
/// import it, and its findings reach the workflow.
#[test]
fn a_newly_imported_module_joins_the_analysis() {
    let root = project();
    write(
        &root,
        "pkg/util.py",
        "import time\n\n\ndef read_clock():\n    return time.time()\n",
    );
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    client.open(&wf);
    client.diagnostics(&uri(&wf), |items| items.len() == 1);
    let text = WORKFLOW
        .replace(
            "from pkg.helpers import stamp",
            "from pkg.helpers import stamp\nfrom pkg.util import read_clock",
        )
        .replace("{stamp()}", "{read_clock()}");
    client.replace(&wf, 2, &text);
    let diagnostics = client.diagnostics(&uri(&wf), |items| items.len() == 2);
    assert!(diagnostics.iter().any(|d| {
        d["relatedInformation"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("pkg.util.read_clock"))
    }));
    assert!(client.shutdown().success());
}

/// The server finds what `tempolint check` finds, file by file, on the demo project.
#[test]
fn the_server_agrees_with_check_on_the_demo_project() {
    let demo = common::repo_root()
        .join("fixtures/demo")
        .canonicalize()
        .expect("demo");
    let output = common::tempolint(&demo, &["check", "--output-format", "json", "."]);
    let expected: Vec<Value> = serde_json::from_slice(&output.stdout).expect("check's JSON");
    let mut files: Vec<String> = expected
        .iter()
        .map(|f| f["filename"].as_str().unwrap_or_default().to_string())
        .collect();
    files.dedup();
    assert!(files.len() >= 2, "the demo has findings in several files");
    let mut client = serve(&demo, json!({}));
    for file in &files {
        let path = demo.join(file);
        client.open(&path);
        let want: Vec<(String, u64)> = expected
            .iter()
            .filter(|f| f["filename"] == file.as_str())
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    f["location"]["row"].as_u64().unwrap_or(0) - 1,
                )
            })
            .collect();
        let got = client.diagnostics(&uri(&path), |items| items.len() == want.len());
        let got: Vec<(String, u64)> = got
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(got, want, "{file}");
    }
    assert!(client.shutdown().success());
}

/// Each workspace folder is its own project with its own config; folders can be added later.
#[test]
fn workspace_folders_are_separate_projects() {
    let clock = "from datetime import datetime\n\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass Clock:\n    @workflow.run\n    async def run(self) -> str:\n        return str(datetime.now())\n";
    let quiet = temp_project("quiet");
    write(
        &quiet,
        "pyproject.toml",
        "[tool.tempolint]\nignore = [\"DET101\"]\n",
    );
    let quiet_wf = write(&quiet, "wf.py", clock);
    let loud = temp_project("loud");
    let loud_wf = write(&loud, "wf.py", &clock.replace("str(", "print(), str("));
    // A workflow opened before its folder is a workspace folder: checked alone at first (its
    // helper is not known), then as part of the folder's project once the folder is added.
    let later = temp_project("later");
    write(&later, "pkg/__init__.py", "");
    write(&later, "pkg/helpers.py", HELPER_CLOCK);
    let later_wf = write(&later, "pkg/wf.py", WORKFLOW);

    let mut client = LspClient::start(&quiet, &[]);
    client.request(
        "initialize",
        json!({"processId": null, "capabilities": {}, "workspaceFolders": [
            {"uri": uri(&quiet), "name": "quiet"}, {"uri": uri(&loud), "name": "loud"}]}),
    );
    client.notify("initialized", json!({}));
    client.open(&quiet_wf);
    client.open(&loud_wf);
    assert_eq!(
        codes(&client.diagnostics(&uri(&loud_wf), |items| items.len() == 2)),
        ["DET401", "DET101"]
    );
    client.diagnostics(&uri(&quiet_wf), <[Value]>::is_empty);

    client.open(&later_wf);
    let alone = client.diagnostics(&uri(&later_wf), |items| !items.is_empty());
    assert_eq!(
        codes(&alone),
        ["DET302", "DET101"],
        "`pkg` is unknown to a lone file"
    );
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&later), "name": "later"}], "removed": []}}),
    );
    let together = client.diagnostics(&uri(&later_wf), |items| {
        items.iter().any(|d| d["relatedInformation"].is_array())
    });
    assert_eq!(codes(&together), ["DET101", "DET101"]);
    assert!(client.shutdown().success());
}

/// Files that appear on disk join the project unless excluded; none outside it is adopted.
#[test]
fn created_files_join_the_project_unless_excluded() {
    let root = project();
    write(
        &root,
        "pyproject.toml",
        "[tool.tempolint]\nextend-exclude = [\"legacy.py\"]\n",
    );
    let wf = root.join("pkg/wf.py");
    let mut client = serve(&root, json!({}));
    let text = WORKFLOW
        .replace(
            "from pkg.helpers import stamp",
            "from legacy import old_stamp\nfrom pkg.clock import stamp",
        )
        .replace("{stamp()}", "{stamp()} {old_stamp()}");
    client.open(&wf);
    client.replace(&wf, 2, &text);
    // `legacy` is outside the project (DET302: a third-party import in a workflow module).
    assert_eq!(
        codes(&client.diagnostics(&uri(&wf), |items| items.len() == 2)),
        ["DET302", "DET101"]
    );
    let excluded = write(
        &root,
        "legacy.py",
        &HELPER_CLOCK.replace("stamp", "old_stamp"),
    );
    client.watched(&excluded, 1);
    let created = write(&root, "pkg/clock.py", HELPER_CLOCK);
    client.watched(&created, 1);
    let found = client.diagnostics(&uri(&wf), |items| {
        items.iter().any(|d| d["relatedInformation"].is_array())
    });
    let related: Vec<&str> = found
        .iter()
        .filter_map(|d| d["relatedInformation"][0]["location"]["uri"].as_str())
        .collect();
    assert_eq!(related, [uri(&created).as_str()], "{found:#?}");
    // Anything published from now on would be newer than the accepted publication.
    client.notifications.clear();
    let later = client.wait_for(Duration::from_millis(500), |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(&wf)
    });
    assert!(
        later.is_none(),
        "the excluded module never joins: {later:#?}"
    );
    assert!(client.shutdown().success());
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
