use std::path::PathBuf;

use tempolint_python::TextRange;

use crate::registry::Rule;
use crate::rules::Violation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// Keeps the program's meaning; applied by `--fix`.
    Safe,
    /// Changes behaviour or needs a human choice (a timeout value); applied only with
    /// `--unsafe-fixes`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace `range` by `content` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

/// One step of the call chain that leads from the reported call site to the offending
/// operation: the function entered, and where in it the chain goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStep {
    pub name: String,
    pub file: PathBuf,
    pub range: TextRange,
}

/// A finding: plain data with byte ranges; line/column conversion happens in the printers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub message: String,
    pub severity: Severity,
    pub range: TextRange,
    pub chain: Vec<ChainStep>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding of `violation` at `range`, with the rule's default severity, no chain and no
    /// fix.
    pub(crate) fn of<V: Violation>(violation: &V, range: TextRange) -> Self {
        Self {
            rule: V::RULE,
            message: violation.message(),
            severity: V::RULE.default_severity(),
            range,
            chain: Vec::new(),
            fix: None,
        }
    }
}
