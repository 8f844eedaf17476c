//! The generated documentation is fresh: `docs/rules/<CODE>.md` for every rule (REP and SUP
//! included) and the README's rules table match what the rule doc comments generate
//! (`scripts/generate-docs` rewrites them).

mod common;

use common::{repo_root, tempolint};

#[test]
fn rule_pages_and_readme_table_are_generated_from_the_doc_comments() {
    let root = repo_root();
    let output = tempolint(
        &root,
        &[
            "debug",
            "generate-docs",
            "--check",
            root.to_str().expect("UTF-8 path"),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_code_has_a_page_with_its_rule_command_text() {
    let root = repo_root();
    for code in ["DET101", "REP101", "REP102", "REP103", "SUP001", "SYN001"] {
        let page = std::fs::read_to_string(root.join(format!("docs/rules/{code}.md")))
            .unwrap_or_else(|e| panic!("docs/rules/{code}.md: {e}"));
        let printed = tempolint(&root, &["rule", code]);
        assert!(printed.status.success(), "tempolint rule {code}");
        assert_eq!(String::from_utf8_lossy(&printed.stdout), page, "{code}");
    }
}

#[test]
fn a_stale_page_is_caught() {
    let copy = std::env::temp_dir().join(format!("tempolint-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(copy.join("docs/rules")).expect("temporary docs");
    std::fs::copy(repo_root().join("README.md"), copy.join("README.md")).expect("copy README");
    let root = copy.to_str().expect("UTF-8 path");
    let stale = tempolint(&copy, &["debug", "generate-docs", "--check", root]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("DET101.md"));
    let written = tempolint(&copy, &["debug", "generate-docs", root]);
    assert!(written.status.success());
    let fresh = tempolint(&copy, &["debug", "generate-docs", "--check", root]);
    assert!(fresh.status.success());
    let _ = std::fs::remove_dir_all(&copy);
}
