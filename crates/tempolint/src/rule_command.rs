//! `tempolint rule CODE | --all`: the rules' documentation, from their doc comments.

use std::io::Write;
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
    let default = if rule.is_default() {
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
        let default = if rule.is_default() { "yes" } else { "opt-in" };
        let _ = writeln!(
            table,
            "| {} | {} | {summary} | {} | {fix} | {default} |",
            rule.code(),
            rule.name(),
            rule.default_severity().as_str(),
        );
    }
    table
}

pub(crate) fn print_table() -> ExitCode {
    let _ = std::io::stdout().write_all(table().as_bytes());
    ExitCode::SUCCESS
}
