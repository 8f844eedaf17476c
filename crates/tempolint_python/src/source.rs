use ruff_python_ast::ModModule;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_parser::{Mode, ParseOptions};
use ruff_source_file::{LineIndex, OneIndexed, PositionEncoding};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::nesting::{self, MAX_NESTING};

/// A 1-based row and a 1-based column counted in characters (or UTF-16 code units for the LSP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourcePosition {
    pub row: usize,
    pub column: usize,
}

/// A syntax error reported by the parser, with the range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// One Python file: its text, its parsed module (recovered even when it has errors) and a line
/// index for converting byte offsets at the edges.
pub struct ParsedSource {
    text: String,
    module: ModModule,
    errors: Vec<SyntaxError>,
    /// Comment ranges, from the tokens (which are dropped after parsing to save memory).
    comments: Vec<TextRange>,
    tree_dropped: bool,
    parsed: bool,
    line_index: LineIndex,
}

impl ParsedSource {
    pub fn parse(text: String) -> Self {
        let parsed = ruff_python_parser::parse_unchecked(&text, ParseOptions::from(Mode::Module))
            .try_into_module()
            .expect("Mode::Module always yields a module");
        let too_deep = nesting::too_deep(parsed.tokens());
        let line_index = LineIndex::from_source_text(&text);
        let comments = parsed
            .tokens()
            .iter()
            .filter(|token: &&Token| token.kind() == TokenKind::Comment)
            .map(Ranged::range)
            .collect();
        let mut errors: Vec<SyntaxError> = parsed
            .errors()
            .iter()
            .map(|error| SyntaxError {
                message: error.error.to_string(),
                range: error.location,
            })
            .collect();
        let mut module = parsed.into_syntax();
        if let Some(too_deep) = too_deep {
            errors.push(SyntaxError {
                message: format!(
                    "nested too deeply to analyse: an estimated {} levels of brackets, operators \
                     and indentation, over tempolint's limit of {MAX_NESTING} (CPython stops at \
                     200 nested brackets); this file is not analysed",
                    too_deep.deepest
                ),
                range: too_deep.at,
            });
            let body = std::mem::take(&mut module.body);
            // Dropping the tree recurses once per level: give it room (about 100 bytes a level
            // are used; 256 leave a margin).
            stacker::grow(too_deep.deepest * 256 + (1 << 20), move || drop(body));
        }
        Self {
            text,
            module,
            errors,
            comments,
            tree_dropped: false,
            parsed: true,
            line_index,
        }
    }

    /// A source whose parse is put off: only the text is known (no tree, errors, comments or
    /// lines yet) until [`Self::restore_tree`] parses it. Lets a loader decide from the import
    /// graph which trees to keep, and parse each file once.
    pub fn unparsed(text: String) -> Self {
        Self {
            text,
            module: ModModule {
                node_index: ruff_python_ast::AtomicNodeIndex::default(),
                range: TextRange::default(),
                body: thin_vec::ThinVec::new(),
            },
            errors: Vec::new(),
            comments: Vec::new(),
            tree_dropped: true,
            parsed: false,
            line_index: LineIndex::from_source_text(""),
        }
    }

    /// The text and its line index alone: no tree, syntax errors or comments. For printing
    /// findings that a cache already holds; [`Self::restore_tree`] parses it when needed.
    pub fn text_only(text: String) -> Self {
        let mut source = Self::unparsed(text);
        source.line_index = LineIndex::from_source_text(&source.text);
        source
    }

    /// Whether the text has been parsed (see [`Self::unparsed`]).
    pub fn is_parsed(&self) -> bool {
        self.parsed
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn module(&self) -> &ModModule {
        &self.module
    }

    /// Drops the syntax tree, keeping the text, syntax errors, comments and line index: for
    /// files the analysis turns out not to need. [`Self::restore_tree`] parses again.
    pub fn drop_tree(&mut self) {
        self.module.body = thin_vec::ThinVec::new();
        self.tree_dropped = true;
    }

    /// Whether the syntax tree is kept (not dropped by [`Self::drop_tree`]).
    pub fn has_tree(&self) -> bool {
        !self.tree_dropped
    }

    pub fn restore_tree(&mut self) {
        if self.tree_dropped {
            *self = Self::parse(std::mem::take(&mut self.text));
        }
    }

    /// Every name segment the file's import statements mention, at any depth
    /// (`from .storage import copy` gives `storage` and `copy`).
    pub fn imported_segments(&self) -> Vec<&str> {
        use ruff_python_ast::visitor::{Visitor, walk_stmt};
        struct Imports<'a>(Vec<&'a str>);
        impl<'a> Visitor<'a> for Imports<'a> {
            fn visit_stmt(&mut self, stmt: &'a ruff_python_ast::Stmt) {
                match stmt {
                    ruff_python_ast::Stmt::Import(import) => {
                        for alias in &import.names {
                            self.0.extend(alias.name.as_str().split('.'));
                        }
                    }
                    ruff_python_ast::Stmt::ImportFrom(import) => {
                        if let Some(module) = &import.module {
                            self.0.extend(module.as_str().split('.'));
                        }
                        self.0
                            .extend(import.names.iter().map(|alias| alias.name.as_str()));
                    }
                    _ => walk_stmt(self, stmt),
                }
            }
            fn visit_expr(&mut self, _: &'a ruff_python_ast::Expr) {}
        }
        let mut imports = Imports(Vec::new());
        for stmt in &self.module.body {
            imports.visit_stmt(stmt);
        }
        imports.0
    }

    /// The syntax errors (the parser recovers, so the module is still usable).
    pub fn syntax_errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// Comments, in source order: the ground truth for suppressions.
    pub fn comments(&self) -> impl Iterator<Item = (TextRange, &str)> {
        self.comments
            .iter()
            .map(|range| (*range, &self.text[*range]))
    }

    pub fn slice(&self, range: TextRange) -> &str {
        &self.text[range]
    }

    /// 1-based row and character column of a byte offset.
    pub fn position(&self, offset: TextSize) -> SourcePosition {
        let location = self.line_index.line_column(offset, &self.text);
        SourcePosition {
            row: location.line.get(),
            column: location.column.get(),
        }
    }

    /// 0-based line and UTF-16 column, as the LSP counts by default.
    pub fn utf16_position(&self, offset: TextSize) -> (u32, u32) {
        let location = self
            .line_index
            .source_location(offset, &self.text, PositionEncoding::Utf16);
        (
            (location.line.get() - 1) as u32,
            (location.character_offset.get() - 1) as u32,
        )
    }

    /// The byte offset of a 0-based line and UTF-16 column (clamped to the text).
    pub fn offset_of_utf16(&self, line: u32, character: u32) -> TextSize {
        let location = ruff_source_file::SourceLocation {
            line: OneIndexed::from_zero_indexed(line as usize),
            character_offset: OneIndexed::from_zero_indexed(character as usize),
        };
        self.line_index
            .offset(location, &self.text, PositionEncoding::Utf16)
    }

    /// The full text of the 1-based line `row`, without its line ending.
    pub fn line_text(&self, row: usize) -> &str {
        let line = OneIndexed::new(row).unwrap_or(OneIndexed::MIN);
        let range = self.line_index.line_range(line, &self.text);
        self.text[range].trim_end_matches(['\n', '\r'])
    }

    pub fn line_start(&self, offset: TextSize) -> TextSize {
        let line = self.line_index.line_index(offset);
        self.line_index.line_start(line, &self.text)
    }

    pub fn line_end(&self, offset: TextSize) -> TextSize {
        let line = self.line_index.line_index(offset);
        self.line_index.line_end(line, &self.text)
    }

    pub fn line_count(&self) -> usize {
        self.line_index.line_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let source = ParsedSource::parse("s = '𝄞é'; x = now()\n".to_string());
        let offset = TextSize::try_from(source.text().find("now").unwrap()).unwrap();
        assert_eq!(
            source.position(offset),
            SourcePosition { row: 1, column: 15 }
        );
        assert_eq!(source.utf16_position(offset), (0, 15));
        assert_eq!(source.offset_of_utf16(0, 15), offset);
    }

    #[test]
    fn recovers_from_syntax_errors() {
        let source = ParsedSource::parse("def f(:\n    pass\nx = 1\n".to_string());
        assert!(!source.syntax_errors().is_empty());
        assert!(!source.module().body.is_empty());
    }
}
