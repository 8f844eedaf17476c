//! Byte offsets ⇄ LSP positions in the negotiated encoding (UTF-8 when the client offers it,
//! else UTF-16), and applying a client's text edits. The analysis speaks byte ranges only.

use tempolint_python::{ParsedSource, TextRange, TextSize};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn width(self, character: char) -> usize {
        match self {
            Encoding::Utf8 => character.len_utf8(),
            Encoding::Utf16 => character.len_utf16(),
        }
    }
}

/// The byte offset where 0-based `line` starts, or `None` past the last line.
fn line_start(text: &str, line: u32) -> Option<usize> {
    if line == 0 {
        return Some(0);
    }
    let mut seen = 0;
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'\n' || byte == b'\r' {
            if byte == b'\r' && bytes.get(index + 1) == Some(&b'\n') {
                index += 1;
            }
            seen += 1;
            if seen == line {
                return Some(index + 1);
            }
        }
        index += 1;
    }
    None
}

/// The byte offset of `position` in `text`, clamped to the line's end and the text's end (a
/// position inside a multi-unit character lands on that character's start).
pub(crate) fn offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let Some(start) = line_start(text, position.line) else {
        return text.len();
    };
    let mut units = 0usize;
    for (index, character) in text[start..].char_indices() {
        if character == '\n' || character == '\r' {
            return start + index;
        }
        let width = encoding.width(character);
        if units + width > position.character as usize {
            return start + index;
        }
        units += width;
    }
    text.len()
}

/// The LSP position of byte `offset` (clamped to the text, and back to a character boundary):
/// the reference `source_position` is tested against.
#[cfg(test)]
fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |index| index + 1);
    let line = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    let character: usize = before[line_start..]
        .chars()
        .map(|c| encoding.width(c))
        .sum();
    Position::new(line as u32, character as u32)
}

/// The LSP position of byte `offset` in a parsed file: the line from its line index (no scan
/// of the text before it), the column counted along that line only.
pub(crate) fn source_position(
    source: &ParsedSource,
    offset: TextSize,
    encoding: Encoding,
) -> Position {
    let text = source.text();
    let mut offset = offset.to_usize().min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let offset = TextSize::new(offset as u32);
    let line = source.position(offset).row.saturating_sub(1);
    let start = source.line_start(offset).to_usize();
    let character: usize = text[start..offset.to_usize()]
        .chars()
        .map(|c| encoding.width(c))
        .sum();
    Position::new(line as u32, character as u32)
}

pub(crate) fn range(source: &ParsedSource, range: TextRange, encoding: Encoding) -> Range {
    Range::new(
        source_position(source, range.start(), encoding),
        source_position(source, range.end(), encoding),
    )
}

/// The byte range of an LSP range (ends before starts are swapped).
pub(crate) fn text_range(text: &str, range: Range, encoding: Encoding) -> TextRange {
    let start = offset(text, range.start, encoding);
    let end = offset(text, range.end, encoding);
    let (start, end) = (start.min(end), start.max(end));
    TextRange::new(TextSize::new(start as u32), TextSize::new(end as u32))
}

/// Applies `didChange` events in order: a whole-text replacement or a ranged edit.
pub(crate) fn apply_changes(
    text: &mut String,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: Encoding,
) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let range = text_range(text, range, encoding);
                text.replace_range(
                    range.start().to_usize()..range.end().to_usize(),
                    &change.text,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "x = 'é🙂'\r\ny = 1\nz";

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let z = TEXT.find('z').unwrap();
        assert_eq!(position(TEXT, z, Encoding::Utf16), Position::new(2, 0));
        let closing = TEXT.rfind('\'').unwrap();
        // x = 'é🙂' : é is 1 UTF-16 unit (2 bytes), 🙂 is 2 units (4 bytes).
        assert_eq!(
            position(TEXT, closing, Encoding::Utf16),
            Position::new(0, 8)
        );
        assert_eq!(
            position(TEXT, closing, Encoding::Utf8),
            Position::new(0, 11)
        );
        assert_eq!(offset(TEXT, Position::new(0, 8), Encoding::Utf16), closing);
        assert_eq!(offset(TEXT, Position::new(0, 11), Encoding::Utf8), closing);
        assert_eq!(
            offset(TEXT, Position::new(1, 0), Encoding::Utf8),
            TEXT.find('y').unwrap()
        );
    }

    #[test]
    fn parsed_sources_give_the_same_positions() {
        let source = ParsedSource::parse(TEXT.to_string());
        for offset in 0..=TEXT.len() {
            // Between `\r` and `\n` is no position a finding can have.
            if !TEXT.is_char_boundary(offset) || TEXT[..offset].ends_with('\r') {
                continue;
            }
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                assert_eq!(
                    source_position(&source, TextSize::new(offset as u32), encoding),
                    position(TEXT, offset, encoding),
                    "offset {offset}"
                );
            }
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        assert_eq!(
            offset(TEXT, Position::new(9, 9), Encoding::Utf16),
            TEXT.len()
        );
        assert_eq!(
            offset(TEXT, Position::new(1, 99), Encoding::Utf16),
            TEXT.find("\nz").unwrap()
        );
        // Inside the surrogate pair of 🙂: the character's start.
        assert_eq!(
            offset(TEXT, Position::new(0, 7), Encoding::Utf16),
            TEXT.find('🙂').unwrap()
        );
        assert_eq!(position(TEXT, 10_000, Encoding::Utf8), Position::new(2, 1));
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut text = String::from("ab\ncd\n");
        apply_changes(
            &mut text,
            vec![
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(Position::new(1, 0), Position::new(1, 1))),
                    range_length: None,
                    text: "X".into(),
                },
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(Position::new(0, 2), Position::new(0, 2))),
                    range_length: None,
                    text: "!".into(),
                },
            ],
            Encoding::Utf16,
        );
        assert_eq!(text, "ab!\nXd\n");
    }
}
