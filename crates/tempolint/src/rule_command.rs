//! `tempolint rule CODE | --all`: the rules' documentation, from their doc comments.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tempolint_linter::Rule;

#[derive(clap::Args)]
pub(crate) struct RuleArgs {
    /// The rule code (`DET101`).
    code: Option<String>,
    /// Print every rule.
    #[arg(long, conflicts_with = "code")]
    all: bool,
}

/// The Markdown page of one rule.
pub(crate) fn render(rule: Rule) -> String {
    let doc: String = rule
        .doc()
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let fix = match rule.fix_availability() {
        tempolint_linter::FixAvailability::Sometimes => "Fix is sometimes available.\n\n",
        tempolint_linter::FixAvailability::None => "",
    };
    let default = if rule.is_replay() {
        "Reported by `tempolint replay` (not by `check`).\n\n"
    } else if rule.is_default() {
        ""
    } else {
        "This rule is opt-in (not enabled by default).\n\n"
    };
    format!(
        "# {} ({})\n\nDefault severity: {}.\n\n{fix}{default}{}\n",
        rule.name(),
        rule.code(),
        rule.default_severity().as_str(),
        doc.trim()
    )
}

pub(crate) fn run(args: &RuleArgs) -> ExitCode {
    let rules: Vec<Rule> = if args.all {
        Rule::ALL.to_vec()
    } else if let Some(code) = &args.code {
        let Some(rule) = Rule::from_code(code) else {
            let _ = writeln!(std::io::stderr(), "error: unknown rule code `{code}`");
            return ExitCode::from(2);
        };
        vec![rule]
    } else {
        let _ = writeln!(std::io::stderr(), "error: give a rule code or --all");
        return ExitCode::from(2);
    };
    let text = rules.into_iter().map(render).collect::<Vec<_>>().join("\n");
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// The rules as a Markdown table: code, name, what it finds, severity, fix, default.
pub(crate) fn table() -> String {
    use std::fmt::Write as _;
    let mut table = String::from(
        "| code | name | finds | severity | fix | default |\n|---|---|---|---|---|---|\n",
    );
    for rule in Rule::ALL {
        let summary = rule.summary();
        let fix = match rule.fix_availability() {
            tempolint_linter::FixAvailability::Sometimes => "sometimes",
            tempolint_linter::FixAvailability::None => "",
        };
        let default = if rule.is_replay() {
            "replay"
        } else if rule.is_default() {
            "yes"
        } else {
            "opt-in"
        };
        let _ = writeln!(
            table,
            "| [{code}](docs/rules/{code}.md) | {} | {summary} | {} | {fix} | {default} |",
            rule.name(),
            rule.default_severity().as_str(),
            code = rule.code(),
        );
    }
    table
}

pub(crate) fn print_table() -> ExitCode {
    let _ = std::io::stdout().write_all(table().as_bytes());
    ExitCode::SUCCESS
}

const README_START: &str = "<!-- rules-table -->\n";
const README_END: &str = "<!-- /rules-table -->";

/// Every generated documentation file under `root`: `docs/rules/<CODE>.md` and the README with
/// its rules table, as (path, wanted content).
fn generated_files(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files: Vec<(PathBuf, String)> = Rule::ALL
        .iter()
        .map(|rule| {
            (
                root.join("docs/rules").join(format!("{}.md", rule.code())),
                render(*rule),
            )
        })
        .collect();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("{}: {e}", readme_path.display()))?;
    let (before, rest) = readme.split_once(README_START).ok_or_else(|| {
        format!(
            "{}: no `{}` marker",
            readme_path.display(),
            README_START.trim()
        )
    })?;
    let (_, after) = rest
        .split_once(README_END)
        .ok_or_else(|| format!("{}: no `{README_END}` marker", readme_path.display()))?;
    files.push((
        readme_path,
        format!("{before}{README_START}{}{README_END}{after}", table()),
    ));
    Ok(files)
}

/// `tempolint debug generate-docs [--check] [ROOT]`: writes the rule pages and the README's
/// rules table from the rule doc comments; with `--check`, writes nothing and exits 1 naming
/// every stale or extra file.
pub(crate) fn generate_docs(root: &Path, check: bool) -> ExitCode {
    let files = match generated_files(root) {
        Ok(files) => files,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut stale = Vec::new();
    for (path, content) in &files {
        if std::fs::read_to_string(path).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        stale.push(path.display().to_string());
        if !check {
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(path, content));
            if let Err(e) = written {
                let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let pages = root.join("docs/rules");
    for entry in std::fs::read_dir(&pages).into_iter().flatten().flatten() {
        let path = entry.path();
        if !files.iter().any(|(wanted, _)| *wanted == path) {
            stale.push(format!("{} (no such rule)", path.display()));
            if !check {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let mut stderr = std::io::stderr();
    if check && !stale.is_empty() {
        let _ = writeln!(
            stderr,
            "stale documentation (regenerate with scripts/generate-docs):\n  {}",
            stale.join("\n  ")
        );
        return ExitCode::from(1);
    }
    let verb = if check { "up to date" } else { "written" };
    let _ = writeln!(
        stderr,
        "{} files {verb}, {} changed",
        files.len(),
        stale.len()
    );
    ExitCode::SUCCESS
}
