//! `--fix`, `--unsafe-fixes` and `--diff` round trips over every fixable rule's fixture
//! (`fixtures/rules/<CODE>.py`), on a copy in a temporary folder:
//!
//! * `--diff` writes nothing and exits 1 exactly when a fix applies;
//! * after `--fix` every applicable fix's finding is gone and the others remain, the file still
//!   parses (ours and CPython's `compile`), and a second `--fix` changes nothing;
//! * only lines a fix edits change (plus added import lines), and every comment survives.

#![allow(
    clippy::print_stderr,
    reason = "skips and the per-rule fix counts are said loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

use common::{repo_root, tempolint};

struct Finding {
    applicable: bool,
    /// Rows (1-based) the fix edits.
    rows: Vec<u64>,
}

fn findings(dir: &Path, file: &str, code: &str, unsafe_fixes: bool) -> Vec<Finding> {
    let output = tempolint(
        dir,
        &["check", file, "--select", code, "--output-format", "json"],
    );
    let array: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON findings");
    array
        .iter()
        .map(|finding| {
            let fix = &finding["fix"];
            let edits = fix["edits"].as_array().cloned().unwrap_or_default();
            Finding {
                applicable: fix["applicability"] == "safe"
                    || (unsafe_fixes && fix["applicability"] == "unsafe"),
                rows: edits
                    .iter()
                    .flat_map(|edit| {
                        let start = edit["location"]["row"].as_u64().expect("row");
                        let end = edit["end_location"]["row"].as_u64().expect("row");
                        start..=end
                    })
                    .collect(),
            }
        })
        .collect()
}

fn fixable_codes() -> Vec<String> {
    let output = tempolint(&repo_root(), &["rule", "--all"]);
    let docs = String::from_utf8(output.stdout).expect("UTF-8 docs");
    docs.split("\n# ")
        .filter(|page| page.contains("Fix is sometimes available."))
        .filter_map(|page| {
            let heading = page.lines().next()?;
            Some(heading.rsplit_once('(')?.1.strip_suffix(')')?.to_string())
        })
        .collect()
}

/// CPython's verdict on the file (it also rejects what our parser tolerates, such as `await`
/// outside `async def`); `None` when there is no `python3`.
fn cpython_compiles(path: &Path) -> Option<Result<(), String>> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1], 'exec')",
        ])
        .arg(path)
        .output()
        .ok()?;
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

fn temporary_copy(code: &str, mode: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "tempolint-fix-{code}-{mode}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let file = format!("{code}.py");
    std::fs::copy(
        repo_root().join("fixtures/rules").join(&file),
        dir.join(&file),
    )
    .expect("copy fixture");
    (dir, file)
}

/// What the round trip of `code` in one mode found wrong; the number of fixes it applied.
fn round_trip(code: &str, unsafe_fixes: bool) -> (usize, Vec<String>) {
    let mode = if unsafe_fixes { "unsafe" } else { "safe" };
    let (dir, file) = temporary_copy(code, mode);
    let path = dir.join(&file);
    let original = std::fs::read_to_string(&path).expect("read fixture");
    let before = findings(&dir, &file, code, unsafe_fixes);
    let applicable = before.iter().filter(|f| f.applicable).count();
    let mut problems = Vec::new();
    let mut flags = vec!["check", &file, "--select", code];
    if unsafe_fixes {
        flags.push("--unsafe-fixes");
    }

    let diff = tempolint(&dir, &[flags.as_slice(), &["--diff"]].concat());
    if std::fs::read_to_string(&path).expect("read") != original {
        problems.push("--diff changed the file".to_string());
    }
    let want = i32::from(applicable > 0);
    if diff.status.code() != Some(want) {
        problems.push(format!(
            "--diff exited {:?}, want {want} ({applicable} applicable fixes)",
            diff.status.code()
        ));
    }

    let fixed_run = tempolint(&dir, &[flags.as_slice(), &["--fix"]].concat());
    if !matches!(fixed_run.status.code(), Some(0 | 1)) {
        problems.push(format!(
            "--fix exited {:?}: {}",
            fixed_run.status.code(),
            String::from_utf8_lossy(&fixed_run.stderr)
        ));
    }
    let fixed = std::fs::read_to_string(&path).expect("read");
    let after = findings(&dir, &file, code, unsafe_fixes);
    if after.iter().any(|f| f.applicable) {
        problems.push("a finding with an applicable fix remains after --fix".to_string());
    }
    if after.len() != before.len() - applicable {
        problems.push(format!(
            "{} findings before, {applicable} fixed, but {} remain",
            before.len(),
            after.len()
        ));
    }
    let syntax = tempolint(&dir, &["check", &file, "--select", "SYN001"]);
    if syntax.status.code() != Some(0) {
        problems.push(format!(
            "the fixed file does not parse:\n{}",
            String::from_utf8_lossy(&syntax.stdout)
        ));
    }
    match cpython_compiles(&path) {
        Some(Err(message)) => problems.push(format!("CPython rejects the fixed file: {message}")),
        Some(Ok(())) => {}
        None => eprintln!("SKIPPED: CPython compile check of {code}: no python3 on PATH"),
    }

    let again = tempolint(&dir, &[flags.as_slice(), &["--fix"]].concat());
    if std::fs::read_to_string(&path).expect("read") != fixed {
        problems.push(format!(
            "a second --fix changed the file again: {}",
            String::from_utf8_lossy(&again.stdout)
        ));
    }

    let touched: Vec<u64> = before
        .iter()
        .filter(|f| f.applicable)
        .flat_map(|f| f.rows.iter().copied())
        .collect();
    problems.extend(unrelated_changes(&original, &fixed, &touched));
    let _ = std::fs::remove_dir_all(&dir);
    (applicable, problems)
}

/// Lines the diff changes that no applicable fix edits, and comments that disappeared.
fn unrelated_changes(original: &str, fixed: &str, touched: &[u64]) -> Vec<String> {
    let mut problems = Vec::new();
    let old: Vec<&str> = original.lines().collect();
    let new: Vec<&str> = fixed.lines().collect();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        if op.tag() == similar::DiffTag::Equal {
            continue;
        }
        let removed = op.old_range();
        for index in removed.clone() {
            if !touched.contains(&(index as u64 + 1)) {
                problems.push(format!(
                    "line {} changed but no fix edits it: {}",
                    index + 1,
                    old[index]
                ));
            }
        }
        if removed.is_empty() {
            for line in &new[op.new_range()] {
                if !(line.starts_with("from ") || line.starts_with("import ")) {
                    problems.push(format!("a line that is no import was added: {line}"));
                }
            }
        }
    }
    for line in &old {
        if let Some((_, comment)) = line.split_once('#')
            && !fixed.contains(&format!("#{comment}"))
        {
            problems.push(format!("the comment `#{comment}` is gone"));
        }
    }
    problems
}

#[test]
fn fixes_round_trip_over_every_fixable_rule() {
    let codes = fixable_codes();
    assert!(codes.len() >= 10, "fixable rules: {codes:?}");
    let mut problems = Vec::new();
    let mut counts = Vec::new();
    for code in &codes {
        let (safe, safe_problems) = round_trip(code, false);
        let (all, unsafe_problems) = round_trip(code, true);
        counts.push(format!("{code}: {safe} safe, {all} with --unsafe-fixes"));
        for (mode, found) in [
            ("--fix", safe_problems),
            ("--unsafe-fixes", unsafe_problems),
        ] {
            problems.extend(found.into_iter().map(|p| format!("{code} {mode}: {p}")));
        }
        if all == 0 {
            problems.push(format!("{code}: its fixture has no finding with a fix"));
        }
    }
    eprintln!("fix round trips:\n  {}", counts.join("\n  "));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_file_that_does_not_parse_is_not_fixed() {
    // `datetime.now()` has a fix, but the file already has a syntax error (an unclosed call):
    // fixes are never applied to a file that does not parse. (A fix whose result would not
    // parse is refused as well: the unit tests of `fix.rs` cover that.)
    let dir = std::env::temp_dir().join(format!("tempolint-fix-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let source = "from datetime import datetime\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self) -> str:\n        return datetime.now().isoformat(\n";
    std::fs::write(dir.join("wf.py"), source).expect("write");
    let output = tempolint(&dir, &["check", "wf.py", "--fix", "--unsafe-fixes"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("wf.py")).expect("read"),
        source
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_summary_counts_fixed_and_remaining_and_show_fixes_lists_them() {
    let (dir, file) = temporary_copy("DET101", "summary");
    let output = tempolint(
        &dir,
        &[
            "check",
            &file,
            "--select",
            "DET101",
            "--fix",
            "--unsafe-fixes",
            "--show-fixes",
            "--output-format",
            "concise",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("× DET101 (wall-clock)"), "{stdout}");
    assert!(
        stdout.contains("7 fixed, 18 remaining"),
        "the summary says how many were fixed and remain: {stdout}"
    );
    assert_eq!(output.status.code(), Some(1));
    let only = tempolint(&dir, &["check", &file, "--select", "DET101", "--fix-only"]);
    assert_eq!(only.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&only.stdout), "Fixed 0 problems.\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stdin_fix_prints_the_fixed_source() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tempolint"))
        .args([
            "check",
            "--stdin-filename",
            "wf.py",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DET101",
        ])
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run tempolint");
    let source = "import time\nfrom temporalio import workflow\n\n\n@workflow.defn\nclass W:\n    @workflow.run\n    async def run(self) -> float:\n        return time.time()  # keep\n";
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(source.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        source.replace("time.time()", "workflow.time()")
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn fixes_import_what_they_need_once() {
    // No `workflow` in the module: the fixes import it, once for both, before the first
    // import; `timedelta` likewise for TMO101.
    let dir = std::env::temp_dir().join(format!("tempolint-fix-imports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let source = "\
\"\"\"Docstring.\"\"\"

from __future__ import annotations

import time
from temporalio.workflow import defn, execute_activity, run


@defn
class W:
    @run
    async def run(self) -> float:
        await execute_activity(\"work\")
        return time.time() + time.time()
";
    std::fs::write(dir.join("wf.py"), source).expect("write");
    let output = tempolint(
        &dir,
        &[
            "check",
            "wf.py",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DET101,TMO101",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let fixed = std::fs::read_to_string(dir.join("wf.py")).expect("read");
    assert_eq!(
        fixed,
        source
            .replace(
                "import time\n",
                "from temporalio import workflow\nfrom datetime import timedelta\nimport time\n"
            )
            .replace(
                "\"work\")",
                "\"work\", start_to_close_timeout=timedelta(minutes=5))"
            )
            .replace(
                "time.time() + time.time()",
                "workflow.time() + workflow.time()"
            ),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn fix_writes_through_a_symlink_and_keeps_the_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, file) = temporary_copy("DET201", "symlink");
    let real = dir.join(&file);
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    std::os::unix::fs::symlink(&real, dir.join("link.py")).expect("symlink");
    let output = tempolint(&dir, &["check", "link.py", "--select", "DET201", "--fix"]);
    assert!(matches!(output.status.code(), Some(0 | 1)));
    assert!(
        std::fs::symlink_metadata(dir.join("link.py"))
            .expect("link")
            .file_type()
            .is_symlink()
    );
    let fixed = std::fs::read_to_string(&real).expect("read");
    assert!(fixed.contains("await workflow.wait("), "{fixed}");
    let mode = std::fs::metadata(&real)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    let _ = std::fs::remove_dir_all(&dir);
}
