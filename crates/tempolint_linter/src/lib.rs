//! tempolint's rule layer: the rules, the checker that walks each body once and dispatches to
//! them, the propagation of findings along the call graph, suppressions and configuration.

mod checker;
mod diagnostic;
mod handler_helpers;
mod import_order;
mod lint;
mod payload;
mod propagate;
mod registry;
mod rules;
mod sandbox_config;
mod settings;
mod suppression;
mod tables;

pub use diagnostic::{Applicability, ChainStep, Diagnostic, Edit, Fix, Severity};
pub use lint::{FileReport, LintOutput, lint_project};
pub use registry::{DOCS_URL, FixAvailability, Rule};
pub use settings::{ConfigError, RuleSelection, Settings, find_config, load_config};
