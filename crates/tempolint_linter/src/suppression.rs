//! Suppression comments, read from the comment tokens: `# tempolint: ignore[CODE, …]`,
//! bare `# tempolint: ignore`, `# noqa: CODE` and `# tempolint: ignore-file`.

use std::cell::Cell;

use tempolint_python::{ParsedSource, TextRange};

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

struct LineSuppression {
    row: usize,
    comment: TextRange,
    /// `None`: every code. Codes that are not tempolint's (`# noqa: E501`) are dropped.
    codes: Option<Vec<String>>,
    /// A bare `# noqa` may be meant for another tool: never reported as unused.
    bare_noqa: bool,
    used: Cell<bool>,
}

pub(crate) struct Suppressions {
    file_level: bool,
    lines: Vec<LineSuppression>,
}

fn parse_codes(list: &str) -> Vec<String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The codes of a `# noqa: …` list, read as ruff reads them: codes (letters then digits)
/// separated by commas or spaces, up to the first word that is no code. What follows is the
/// author's explanation (`# noqa: N802 - stdlib handler API`), not codes.
fn parse_noqa_codes(list: &str) -> Vec<String> {
    list.split([',', ' ', '\t'])
        .filter(|word| !word.is_empty())
        .take_while(|word| {
            let digits = word.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            digits.len() < word.len()
                && !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
        })
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Whether `comment` can hold a directive: it mentions `tempolint` or `noqa` in any case.
fn mentions_directive(comment: &str) -> bool {
    let contains = |word: &[u8]| {
        comment
            .as_bytes()
            .windows(word.len())
            .any(|window| window.eq_ignore_ascii_case(word))
    };
    contains(b"noqa") || contains(b"tempolint")
}

impl Suppressions {
    pub(crate) fn parse(source: &ParsedSource) -> Self {
        let mut suppressions = Suppressions {
            file_level: false,
            lines: Vec::new(),
        };
        for (range, text) in source.comments() {
            // Most comments are prose: settle them without locating or lowering them.
            if !mentions_directive(text) {
                continue;
            }
            let row = source.position(range.start()).row;
            for directive in text.split('#').map(str::trim).filter(|d| !d.is_empty()) {
                let lowered = directive.to_ascii_lowercase();
                if let Some(rest) = lowered.strip_prefix("tempolint:") {
                    let rest = rest.trim();
                    if rest == "ignore-file" {
                        suppressions.file_level = true;
                    } else if let Some(after) = rest.strip_prefix("ignore") {
                        let codes = after
                            .trim()
                            .strip_prefix('[')
                            .and_then(|inner| inner.split_once(']'))
                            .map(|(inner, _)| parse_codes(inner));
                        suppressions.push(row, range, codes, false);
                    }
                } else if let Some(rest) = lowered.strip_prefix("noqa") {
                    match rest.trim_start().strip_prefix(':') {
                        Some(list) => {
                            let ours: Vec<String> = parse_noqa_codes(list)
                                .into_iter()
                                .filter(|code| crate::settings::rules_for_selector(code).is_some())
                                .collect();
                            if !ours.is_empty() {
                                suppressions.push(row, range, Some(ours), false);
                            }
                        }
                        None if rest.trim().is_empty() => suppressions.push(row, range, None, true),
                        None => {}
                    }
                }
            }
        }
        suppressions
    }

    fn push(
        &mut self,
        row: usize,
        comment: TextRange,
        codes: Option<Vec<String>>,
        bare_noqa: bool,
    ) {
        self.lines.push(LineSuppression {
            row,
            comment,
            codes,
            bare_noqa,
            used: Cell::new(false),
        });
    }

    pub(crate) fn is_file_suppressed(&self) -> bool {
        self.file_level
    }

    /// Whether a suppression on `row` covers `rule` (and marks it used). Syntax errors cannot
    /// be suppressed.
    pub(crate) fn suppresses(&self, row: usize, rule: Rule) -> bool {
        if rule == Rule::SyntaxError {
            return false;
        }
        let mut hit = false;
        for line in self.lines.iter().filter(|line| line.row == row) {
            let covers = line.codes.as_ref().is_none_or(|codes| {
                codes
                    .iter()
                    .any(|code| rule.code().starts_with(code.as_str()))
            });
            if covers {
                line.used.set(true);
                hit = true;
            }
        }
        hit
    }

    /// SUP001 findings for suppressions that matched nothing.
    pub(crate) fn unused(&self) -> Vec<Diagnostic> {
        use crate::rules::Violation;
        use crate::rules::unused_suppression::UnusedSuppression;
        self.lines
            .iter()
            .filter(|line| !line.used.get() && !line.bare_noqa)
            .map(|line| {
                let codes = line
                    .codes
                    .as_ref()
                    .map_or_else(|| "all codes".to_string(), |codes| codes.join(", "));
                Diagnostic {
                    rule: Rule::UnusedSuppression,
                    message: UnusedSuppression { codes }.message(),
                    severity: Rule::UnusedSuppression.default_severity(),
                    range: line.comment,
                    chain: Vec::new(),
                    fix: None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_directives_from_comments_only() {
        let source = ParsedSource::parse(
            "a = '# noqa: DET101'\nb = 1  # tempolint: ignore[DET101, BLK]\nc = 2  # type: ignore  # noqa: DET102, E501\nd = 3  # noqa\n"
                .to_string(),
        );
        let suppressions = Suppressions::parse(&source);
        assert!(!suppressions.suppresses(1, Rule::WallClock));
        assert!(suppressions.suppresses(2, Rule::WallClock));
        assert!(suppressions.suppresses(2, Rule::BlockingNetwork));
        assert!(!suppressions.suppresses(2, Rule::Randomness));
        assert!(suppressions.suppresses(3, Rule::Randomness));
        assert!(suppressions.suppresses(4, Rule::HashOrId));
        assert!(!suppressions.suppresses(4, Rule::SyntaxError));
        assert!(suppressions.unused().is_empty());
    }

    #[test]
    fn noqa_codes_end_at_the_first_word_that_is_no_code() {
        let source = ParsedSource::parse(
            "def do_GET(self):  # noqa: N802 - stdlib handler API\nx = 1  # noqa: DET101,DET102 wall clock\n"
                .to_string(),
        );
        let suppressions = Suppressions::parse(&source);
        assert!(!suppressions.suppresses(1, Rule::UnawaitedCall));
        assert!(suppressions.suppresses(2, Rule::WallClock));
        assert!(suppressions.suppresses(2, Rule::Randomness));
        assert!(!suppressions.suppresses(2, Rule::UuidGeneration));
        assert!(suppressions.unused().is_empty());
    }

    #[test]
    fn directives_are_found_in_any_case_and_prose_is_not_one() {
        let source = ParsedSource::parse(
            "a = 1  # TempoLint: IGNORE[det101]\nb = 2  # NOQA: DET101\nc = 3  # no qa: tempo lint\n"
                .to_string(),
        );
        let suppressions = Suppressions::parse(&source);
        assert!(suppressions.suppresses(1, Rule::WallClock));
        assert!(suppressions.suppresses(2, Rule::WallClock));
        assert!(!suppressions.suppresses(3, Rule::WallClock));
        assert!(mentions_directive("# nOqA"));
        assert!(!mentions_directive("# no directive here, only prose"));
    }

    #[test]
    fn reports_unused_and_file_level() {
        let source = ParsedSource::parse(
            "# tempolint: ignore-file\nx = 1  # tempolint: ignore[DET101]\n".to_string(),
        );
        let suppressions = Suppressions::parse(&source);
        assert!(suppressions.is_file_suppressed());
        assert_eq!(suppressions.unused().len(), 1);
    }
}
