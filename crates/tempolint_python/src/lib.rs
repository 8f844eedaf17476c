//! Python source text for tempolint: reading, parsing (with error recovery), line/column
//! conversion at the edges, and module names derived from source roots.

mod module_name;
mod nesting;
mod source;

pub use module_name::{is_identifier, module_name_for, package_of, trailing_module_name};
pub use nesting::MAX_NESTING;
pub use source::{ParsedSource, SourcePosition, SyntaxError};

pub use ruff_python_ast as ast;
pub use ruff_text_size::{Ranged, TextLen, TextRange, TextSize};

/// Longest string annotation parsed, in bytes: a type names a class, perhaps with a few
/// parameters; a long string is no annotation worth the parse (or the parser's recursion).
const MAX_ANNOTATION_LEN: usize = 200;

/// The expression a string annotation (`-> "ApplicationContext"`) stands for, when it is a
/// short one that parses.
pub fn parse_string_annotation(text: &str) -> Option<ast::Expr> {
    if text.len() > MAX_ANNOTATION_LEN {
        return None;
    }
    let parsed = ruff_python_parser::parse_expression(text.trim()).ok()?;
    Some(parsed.into_expr())
}
