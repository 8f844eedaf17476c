//! Source text → parse and lint a two-module project (the input, and what follows its first
//! `# ----` line as `helpers.py`).
use std::path::PathBuf;

use tempolint_linter::{Settings, lint_project};
use tempolint_python::ParsedSource;
use tempolint_semantic::SourceInput;

fn input(name: &str, bytes: &[u8]) -> SourceInput {
    SourceInput {
        path: PathBuf::from(format!("{name}.py")),
        module_name: name.to_string(),
        is_package: false,
        alias: None,
        source: ParsedSource::parse(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn main() {
    let settings = Settings::default();
    afl::fuzz!(|data: &[u8]| {
        let split = data
            .windows(7)
            .position(|window| window == b"\n# ----")
            .map_or(data.len() / 2, |at| at + 1);
        let inputs = [input("wf", data), input("helpers", &data[split..])];
        let _ = lint_project(&inputs, &settings);
    });
}
