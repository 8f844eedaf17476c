//! Static estimates of the JSON size of payload values: literals, constants, repetitions,
//! `range` comprehensions, dataclass construction, and whole-file/whole-response reads
//! (unbounded).

use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr, Number, Operator};
use tempolint_semantic::Global;

use crate::checker::Checker;

/// A lower bound on an encoded value's size, and whether it may grow without bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) bytes: u64,
    /// Holds the whole content of a file or HTTP response.
    pub(crate) unbounded: bool,
}

impl Size {
    fn bytes(bytes: u64) -> Self {
        Size {
            bytes,
            unbounded: false,
        }
    }

    fn plus(self, other: Size) -> Size {
        Size {
            bytes: self.bytes.saturating_add(other.bytes),
            unbounded: self.unbounded || other.unbounded,
        }
    }
}

const MAX_DEPTH: u8 = 16;

/// Methods that keep the size of the string or bytes they are called on.
const SIZE_PRESERVING: &[&str] = &[
    "decode",
    "encode",
    "strip",
    "lstrip",
    "rstrip",
    "upper",
    "lower",
    "splitlines",
    "split",
];

/// Calls and attributes that hold a whole file or response.
const WHOLE_CONTENT: &[&str] = &[
    "pathlib.Path.read_text",
    "pathlib.Path.read_bytes",
    "io.TextIOWrapper.read",
    "io.TextIOWrapper.readlines",
    "http.client.HTTPResponse.read",
    "requests.Response.content",
    "requests.Response.text",
    "httpx.Response.content",
    "httpx.Response.text",
    "httpx.Response.read",
    "aiohttp.ClientResponse.read",
    "aiohttp.ClientResponse.text",
    "urllib3.response.HTTPResponse.data",
    "urllib3.response.HTTPResponse.read",
    "google.cloud.storage.Blob.download_as_bytes",
    "google.cloud.storage.Blob.download_as_string",
    "google.cloud.storage.Blob.download_as_text",
];

pub(crate) fn estimate(checker: &Checker, expr: &Expr) -> Size {
    estimate_at(checker, expr, 0)
}

fn estimate_at(checker: &Checker, expr: &Expr, depth: u8) -> Size {
    if depth > MAX_DEPTH {
        return Size::default();
    }
    let next = depth + 1;
    match expr {
        Expr::NumberLiteral(number) => Size::bytes(match &number.value {
            Number::Int(int) => int.to_string().len() as u64,
            _ => 8,
        }),
        Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) => Size::bytes(4),
        Expr::StringLiteral(string) => Size::bytes(json_string_len(string.value.to_str())),
        Expr::BytesLiteral(bytes) => Size::bytes(bytes.value.bytes().count() as u64),
        Expr::FString(fstring) => {
            let mut size = Size::bytes(2);
            for element in fstring.value.elements() {
                if let ast::InterpolatedStringElement::Interpolation(interpolation) = element {
                    let inner = estimate_at(checker, &interpolation.expression, next);
                    size = size.plus(Size {
                        bytes: inner.bytes.saturating_sub(2),
                        unbounded: inner.unbounded,
                    });
                } else {
                    size = size.plus(Size::bytes(element.range().len().to_u32().into()));
                }
            }
            size
        }
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().fold(
            Size::bytes(2 + elts.len().saturating_sub(1) as u64),
            |size, elt| size.plus(estimate_at(checker, elt, next)),
        ),
        Expr::Dict(dict) => dict.items.iter().fold(Size::bytes(2), |size, item| {
            let key = item
                .key
                .as_ref()
                .map_or(Size::default(), |key| estimate_at(checker, key, next));
            size.plus(key)
                .plus(estimate_at(checker, &item.value, next))
                .plus(Size::bytes(2))
        }),
        Expr::BinOp(binop) if binop.op == Operator::Mult => {
            let (sequence, count) = match (
                int_value(checker, &binop.right, next),
                int_value(checker, &binop.left, next),
            ) {
                (Some(count), _) => (&*binop.left, count),
                (None, Some(count)) => (&*binop.right, count),
                (None, None) => return Size::default(),
            };
            let count = count.max(0) as u64;
            match sequence {
                Expr::List(list) => {
                    let one = list.elts.iter().fold(Size::default(), |s, e| {
                        s.plus(estimate_at(checker, e, next))
                    });
                    Size {
                        bytes: (one.bytes + list.elts.len() as u64).saturating_mul(count) + 1,
                        unbounded: one.unbounded,
                    }
                }
                Expr::BytesLiteral(bytes) => {
                    Size::bytes((bytes.value.bytes().count() as u64).saturating_mul(count))
                }
                Expr::StringLiteral(string) => Size::bytes(
                    (json_string_len(string.value.to_str()) - 2).saturating_mul(count) + 2,
                ),
                _ => Size::default(),
            }
        }
        Expr::BinOp(binop) if binop.op == Operator::Add => {
            estimate_at(checker, &binop.left, next).plus(estimate_at(checker, &binop.right, next))
        }
        Expr::ListComp(comp) => comprehension_size(checker, &comp.generators, &comp.elt, next),
        Expr::Name(name) => checker
            .value_of(name.id.as_str())
            .map_or(Size::default(), |value| estimate_at(checker, value, next)),
        Expr::Attribute(attribute) => {
            let binding = checker.resolve(expr);
            if binding
                .symbol()
                .is_some_and(|symbol| WHOLE_CONTENT.contains(&symbol))
            {
                return Size {
                    bytes: 0,
                    unbounded: true,
                };
            }
            if let Expr::Name(name) = &*attribute.value
                && let Some(module) = checker.resolver.project().module_by_name(name.id.as_str())
                && let Some(Global::Variable(value)) = checker
                    .resolver
                    .project()
                    .module(module)
                    .globals
                    .get(attribute.attr.as_str())
            {
                return estimate_at(checker, value, next);
            }
            Size::default()
        }
        Expr::Call(call) => call_size(checker, call, next),
        Expr::Await(await_expr) => estimate_at(checker, &await_expr.value, next),
        _ => Size::default(),
    }
}

fn call_size(checker: &Checker, call: &ast::ExprCall, depth: u8) -> Size {
    let callee = checker.resolve(&call.func);
    let symbol = callee.symbol().unwrap_or_default();
    // `read(n)` / `readlines(hint)` are bounded by their argument.
    let method = symbol.rsplit('.').next().unwrap_or_default();
    let bounded_read = matches!(method, "read" | "readlines") && !call.arguments.is_empty();
    if WHOLE_CONTENT.contains(&symbol) && !bounded_read {
        return Size {
            bytes: 0,
            unbounded: true,
        };
    }
    if let Expr::Attribute(attribute) = &*call.func
        && SIZE_PRESERVING.contains(&attribute.attr.as_str())
    {
        return estimate_at(checker, &attribute.value, depth);
    }
    let arguments = || {
        call.arguments
            .args
            .iter()
            .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
            .fold(Size::bytes(2), |size, value| {
                size.plus(estimate_at(checker, value, depth))
            })
    };
    if checker.resolver.project().class_by_name(symbol).is_some() || symbol == "builtins.dict" {
        return arguments();
    }
    match symbol {
        "builtins.list" | "builtins.tuple" => {
            let Some(argument) = call.arguments.args.first() else {
                return Size::bytes(2);
            };
            if let Expr::Call(inner) = argument
                && checker.resolve(&inner.func).symbol() == Some("builtins.range")
            {
                return range_size(checker, inner, depth)
                    .map_or(Size::default(), |(count, digits)| {
                        Size::bytes(count.saturating_mul(digits + 1) + 1)
                    });
            }
            estimate_at(checker, argument, depth)
        }
        "builtins.bytes" | "builtins.bytearray" => call
            .arguments
            .args
            .first()
            .and_then(|argument| int_value(checker, argument, depth))
            .map_or(Size::default(), |count| Size::bytes(count.max(0) as u64)),
        "base64.b64encode" | "json.dumps" | "json.loads" | "builtins.str" => call
            .arguments
            .args
            .first()
            .map_or(Size::default(), |argument| {
                estimate_at(checker, argument, depth)
            }),
        _ => Size::default(),
    }
}

/// `[elt for x in range(n)]`: n copies of the element.
fn comprehension_size(
    checker: &Checker,
    generators: &[ast::Comprehension],
    elt: &Expr,
    depth: u8,
) -> Size {
    let [generator] = generators else {
        return Size::default();
    };
    let Expr::Call(call) = &generator.iter else {
        return Size::default();
    };
    if checker.resolve(&call.func).symbol() != Some("builtins.range") || !generator.ifs.is_empty() {
        return Size::default();
    }
    let Some((count, digits)) = range_size(checker, call, depth) else {
        return Size::default();
    };
    let element = match (elt, &generator.target) {
        (Expr::Name(used), Expr::Name(target)) if used.id == target.id => Size::bytes(digits),
        _ => estimate_at(checker, elt, depth),
    };
    Size {
        bytes: (element.bytes + 1).saturating_mul(count) + 1,
        unbounded: element.unbounded,
    }
}

/// The element count of `range(…)` and the digits of its largest element.
fn range_size(checker: &Checker, call: &ast::ExprCall, depth: u8) -> Option<(u64, u64)> {
    let values: Option<Vec<i64>> = call
        .arguments
        .args
        .iter()
        .map(|arg| int_value(checker, arg, depth))
        .collect();
    let (start, stop, step) = match values?.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] if *step != 0 => (*start, *stop, *step),
        _ => return None,
    };
    let count = ((stop - start) / step).max(0) as u64;
    let largest = start.abs().max(stop.abs());
    Some((count, largest.to_string().len() as u64))
}

/// The value of a constant integer expression.
pub(crate) fn int_value(checker: &Checker, expr: &Expr, depth: u8) -> Option<i64> {
    if depth > MAX_DEPTH {
        return None;
    }
    match expr {
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: Number::Int(int),
            ..
        }) => int.as_i64(),
        Expr::BinOp(binop) => {
            let left = int_value(checker, &binop.left, depth + 1)?;
            let right = int_value(checker, &binop.right, depth + 1)?;
            match binop.op {
                Operator::Add => left.checked_add(right),
                Operator::Sub => left.checked_sub(right),
                Operator::Mult => left.checked_mul(right),
                Operator::FloorDiv if right != 0 => Some(left.div_euclid(right)),
                Operator::Pow => u32::try_from(right)
                    .ok()
                    .and_then(|exp| left.checked_pow(exp)),
                Operator::LShift => u32::try_from(right)
                    .ok()
                    .and_then(|shift| left.checked_shl(shift)),
                _ => None,
            }
        }
        Expr::Name(name) => checker
            .value_of(name.id.as_str())
            .and_then(|value| int_value(checker, value, depth + 1)),
        _ => None,
    }
}

/// JSON length of a string: quotes plus escapes for control and non-ASCII characters.
fn json_string_len(value: &str) -> u64 {
    2 + value
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\t' | '\r' => 2,
            c if c.is_ascii_control() => 6,
            c if c.is_ascii() => 1,
            c if c.len_utf16() == 2 => 12,
            _ => 6,
        })
        .sum::<u64>()
}
