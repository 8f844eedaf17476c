//! Python source text for tempolint: reading, parsing (with error recovery), line/column
//! conversion at the edges, and module names derived from source roots.

mod module_name;
mod nesting;
mod source;

pub use module_name::{module_name_for, package_of, trailing_module_name};
pub use nesting::MAX_NESTING;
pub use source::{ParsedSource, SourcePosition, SyntaxError};

pub use ruff_python_ast as ast;
pub use ruff_text_size::{Ranged, TextLen, TextRange, TextSize};
