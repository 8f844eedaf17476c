//! A bound on how deep a file's syntax tree nests, read from its tokens without recursion.
//!
//! The parser grows its own stack, but every walker after it (the checker, the semantic model,
//! the replay interpreter, even `Drop` of the tree) recurses once per level of nesting. Files
//! nested deeper than [`MAX_NESTING`] are reported as a syntax error and not analysed, so no
//! input can overflow the stack. CPython itself rejects far less: 200 nested brackets, 100
//! indentation levels.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::{Ranged, TextRange};

/// The deepest nesting tempolint analyses. The binary's analysis threads have stacks sized so
/// that every walker handles this depth.
pub const MAX_NESTING: usize = 20_000;

/// Where a file first nests deeper than [`MAX_NESTING`], and the deepest estimate in the file.
pub(crate) struct TooDeep {
    pub(crate) at: TextRange,
    pub(crate) deepest: usize,
}

/// An upper estimate of the tree depth at each token: indentation levels, plus for every open
/// bracket (or f-string) one level and one per operator, keyword or trailer (a call or
/// subscript bracket after an atom) since the last comma at that level (`a.b.c`, `not not x`, `f()()`, `1 + 1 + 1` each nest one node per
/// token; elements separated by commas are siblings). `None` when it never passes the limit.
pub(crate) fn too_deep(tokens: &Tokens) -> Option<TooDeep> {
    // No token adds more than two levels, so a file this short cannot pass the limit: the scan
    // is only paid by files that could.
    if tokens.len() <= MAX_NESTING / 2 {
        return None;
    }
    let mut indentation = 0usize;
    // Operators since the last comma, per open bracket; index 0 is the logical line itself.
    let mut levels: Vec<usize> = vec![0];
    let mut depth = 0usize; // indentation + levels.len() - 1 + sum(levels), kept incrementally
    let mut found: Option<TooDeep> = None;
    let mut after_atom = false;
    for token in tokens {
        let kind = token.kind();
        match kind {
            TokenKind::Indent => {
                indentation += 1;
                depth += 1;
            }
            TokenKind::Dedent => {
                indentation = indentation.saturating_sub(1);
                depth = depth.saturating_sub(1);
            }
            TokenKind::Newline => {
                levels.clear();
                levels.push(0);
                depth = indentation;
            }
            TokenKind::Comma => {
                let current = levels.last_mut().expect("levels always holds the line");
                depth -= *current;
                *current = 0;
            }
            TokenKind::Lpar
            | TokenKind::Lsqb
            | TokenKind::Lbrace
            | TokenKind::FStringStart
            | TokenKind::TStringStart => {
                // After an atom the bracket is a trailer (`f(…)`, `a[…]`, one more node around
                // what precedes it); either way it opens a level.
                if after_atom {
                    *levels.last_mut().expect("levels always holds the line") += 1;
                    depth += 1;
                }
                levels.push(0);
                depth += 1;
            }
            TokenKind::Rpar
            | TokenKind::Rsqb
            | TokenKind::Rbrace
            | TokenKind::FStringEnd
            | TokenKind::TStringEnd => {
                if levels.len() > 1 {
                    depth -= levels.pop().expect("more than one level") + 1;
                }
            }
            TokenKind::Name
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::Complex
            | TokenKind::String
            | TokenKind::FStringMiddle
            | TokenKind::TStringMiddle
            | TokenKind::Comment
            | TokenKind::NonLogicalNewline
            | TokenKind::EndOfFile => {}
            _ => {
                *levels.last_mut().expect("levels always holds the line") += 1;
                depth += 1;
            }
        }
        after_atom = matches!(
            kind,
            TokenKind::Name
                | TokenKind::Int
                | TokenKind::Float
                | TokenKind::Complex
                | TokenKind::String
                | TokenKind::FStringEnd
                | TokenKind::TStringEnd
                | TokenKind::Rpar
                | TokenKind::Rsqb
                | TokenKind::Rbrace
                | TokenKind::None
                | TokenKind::True
                | TokenKind::False
                | TokenKind::Ellipsis
        );
        if depth > MAX_NESTING {
            match &mut found {
                None => {
                    found = Some(TooDeep {
                        at: token.range(),
                        deepest: depth,
                    });
                }
                Some(found) => found.deepest = found.deepest.max(depth),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};

    fn estimate(source: &str) -> Option<usize> {
        let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
        too_deep(parsed.tokens()).map(|found| found.deepest)
    }

    #[test]
    fn long_flat_data_and_grouping_brackets_are_not_deep() {
        let grouped = format!("x = {}1{}\n", "(".repeat(19_000), ")".repeat(19_000));
        assert_eq!(estimate(&grouped), None);
        let items = vec!["(1, 2)"; 50_000].join(", ");
        assert_eq!(estimate(&format!("x = [{items}]\n")), None);
        let lines = "x = 1 + 2\n".repeat(50_000);
        assert_eq!(estimate(&lines), None);
    }

    #[test]
    fn brackets_operators_and_trailers_nest() {
        for deep in [
            format!("x = {}1{}\n", "[".repeat(20_001), "]".repeat(20_001)),
            format!("x = {}1\n", "not ".repeat(20_001)),
            format!("x = f{}\n", "()".repeat(20_001)),
            format!("x = a{}\n", ".b".repeat(20_001)),
            format!("x = {}1\n", "1 + ".repeat(20_001)),
        ] {
            assert!(estimate(&deep).is_some_and(|depth| depth > MAX_NESTING));
        }
    }
}
