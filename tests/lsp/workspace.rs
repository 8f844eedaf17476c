//! The workspace side of `tempolint server`: helpers edited open or on disk, deleted and
//! created files, config reload, workspace folders, modules joining the analysis.

use std::time::Duration;

use serde_json::{Value, json};

use super::lsp_client::{self, LspClient, temp_project, uri, write};
use super::{
    HELPER_CLEAN, HELPER_CLOCK, WORKFLOW, codes, common, has_code, project, serve,
    utf8_capabilities,
};

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

/// The server finds what `tempolint check` finds, file by file, on the demo project, with
/// every file opened at once as an editor restoring a session does: each one, clean or not,
/// gets its diagnostics, though each open makes the analysis owed for the one before it stale.
#[test]
fn the_server_agrees_with_check_on_the_demo_project() {
    let demo = common::repo_root()
        .join("fixtures/demo")
        .canonicalize()
        .expect("demo");
    let output = common::tempolint(&demo, &["check", "--output-format", "json", "."]);
    let expected: Vec<Value> = serde_json::from_slice(&output.stdout).expect("check's JSON");
    let mut files = python_files(&demo, &demo);
    files.sort();
    let with_findings = files
        .iter()
        .filter(|file| expected.iter().any(|f| f["filename"] == file.as_str()))
        .count();
    assert!(with_findings >= 2, "the demo has findings in several files");
    assert!(files.len() > with_findings, "and clean files");
    let mut client = serve(&demo, json!({}));
    for file in &files {
        client.open(&demo.join(file));
    }
    for file in &files {
        let path = demo.join(file);
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

/// Hundreds of files opened in one burst: every one gets its diagnostics, also those whose
/// publication was held back because the next open made newer work owed (about 1% of
/// samples-python's 785 files were never published before that was fixed).
#[test]
fn every_file_of_a_burst_of_opens_is_published() {
    let root = temp_project("burst");
    let files: Vec<_> = (0..400)
        .map(|i| {
            let text = if i % 2 == 0 { HELPER_CLEAN } else { WORKFLOW };
            write(&root, &format!("pkg/m{i:03}.py"), text)
        })
        .collect();
    write(&root, "pkg/__init__.py", "");
    write(&root, "pkg/helpers.py", HELPER_CLEAN);
    let mut client = serve(&root, json!({}));
    for path in &files {
        client.open(path);
    }
    for (i, path) in files.iter().enumerate() {
        let want = i % 2; // the workflows (odd) have one finding, the helpers none
        let got = client.diagnostics(&uri(path), |items| items.len() == want);
        assert_eq!(codes(&got).len(), want, "{}", path.display());
    }
    assert!(client.shutdown().success());
}

/// The `.py` files under `folder`, relative to `root`, with `/` separators.
fn python_files(root: &std::path::Path, folder: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).expect("read the folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            found.extend(python_files(root, &path));
        } else if path.extension().is_some_and(|ext| ext == "py") {
            let relative = path.strip_prefix(root).expect("under the root");
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    found
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
