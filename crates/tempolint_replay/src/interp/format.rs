//! `str()`, `repr()`, f-strings, `format()` specs, `%` formatting and `str.format`.

use std::fmt::Write as _;
use std::rc::Rc;

use tempolint_python::ast;

use super::scope::Scope;
use super::value::{Value, float_repr};
use super::{Interp, PyResult};

impl Interp {
    pub(crate) async fn eval_fstring(
        &self,
        fstring: &'static ast::ExprFString,
        scope: &Rc<Scope>,
    ) -> PyResult<Value> {
        let mut out = String::new();
        let mut unknown = None;
        for part in &fstring.value {
            match part {
                ast::FStringPart::Literal(literal) => out.push_str(&literal.value),
                ast::FStringPart::FString(fstring) => {
                    self.format_elements(&fstring.elements, scope, &mut out, &mut unknown)
                        .await?;
                }
            }
        }
        match unknown {
            Some(what) => Ok(Value::inert_unknown(
                format!("a string formatted from {what}"),
                self.here(),
            )),
            None => Ok(Value::Str(out.into())),
        }
    }

    async fn format_elements(
        &self,
        elements: &'static ast::InterpolatedStringElements,
        scope: &Rc<Scope>,
        out: &mut String,
        unknown: &mut Option<String>,
    ) -> PyResult<()> {
        for element in elements {
            match element {
                ast::InterpolatedStringElement::Literal(literal) => out.push_str(&literal.value),
                ast::InterpolatedStringElement::Interpolation(interpolation) => {
                    let value = self.eval(&interpolation.expression, scope).await?;
                    if let Value::Unknown(inert) = &value
                        && inert.inert
                    {
                        unknown.get_or_insert_with(|| inert.what.clone());
                        continue;
                    }
                    if let Some(debug) = &interpolation.debug_text {
                        out.push_str(debug.leading());
                        out.push_str(debug.expression());
                        out.push_str(debug.trailing());
                    }
                    let value = match interpolation.conversion {
                        ast::ConversionFlag::Str => Value::Str(self.py_str(&value)?.into()),
                        ast::ConversionFlag::Repr | ast::ConversionFlag::Ascii => {
                            Value::Str(self.py_repr(&value)?.into())
                        }
                        ast::ConversionFlag::None
                            if interpolation.debug_text.is_some()
                                && interpolation.format_spec.is_none() =>
                        {
                            Value::Str(self.py_repr(&value)?.into())
                        }
                        ast::ConversionFlag::None => value,
                    };
                    let mut spec = String::new();
                    if let Some(format_spec) = &interpolation.format_spec {
                        Box::pin(self.format_elements(
                            &format_spec.elements,
                            scope,
                            &mut spec,
                            unknown,
                        ))
                        .await?;
                    }
                    out.push_str(&self.format_value(&value, &spec)?);
                }
            }
        }
        Ok(())
    }

    /// `str(value)`.
    pub(crate) fn py_str(&self, value: &Value) -> PyResult<String> {
        Ok(match value {
            Value::Str(text) => text.to_string(),
            Value::Instance(instance) => {
                if let Some(method) = self.user_dunder(value, "__str__") {
                    return self.call_sync_string(&method);
                }
                if instance.class.is_subclass_of(&self.exc.base_exception) {
                    return self.exception_str(value);
                }
                if let Some(text) = self.enum_str(value)? {
                    return Ok(text);
                }
                return self.py_repr(value);
            }
            Value::Native(native) => native.to_str(),
            _ => return self.py_repr(value),
        })
    }

    /// `repr(value)`.
    pub(crate) fn py_repr(&self, value: &Value) -> PyResult<String> {
        let _guard = self.enter()?;
        Ok(match value {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(number) => number.to_string(),
            Value::Float(number) => float_repr(*number),
            Value::Str(text) => repr_str(text),
            Value::Bytes(bytes) => {
                let mut out = String::from("b'");
                for &byte in bytes.iter() {
                    match byte {
                        b'\'' => out.push_str("\\'"),
                        b'\\' => out.push_str("\\\\"),
                        b'\n' => out.push_str("\\n"),
                        b'\t' => out.push_str("\\t"),
                        b'\r' => out.push_str("\\r"),
                        32..=126 => out.push(byte as char),
                        _ => {
                            let _ = write!(out, "\\x{byte:02x}");
                        }
                    }
                }
                out.push('\'');
                out
            }
            Value::List(items) => {
                let items = items.borrow().clone();
                format!("[{}]", self.join_reprs(&items)?)
            }
            Value::Tuple(items) => {
                if items.len() == 1 {
                    format!("({},)", self.py_repr(&items[0])?)
                } else {
                    format!("({})", self.join_reprs(items)?)
                }
            }
            Value::Dict(dict) => {
                let items = dict.borrow().items();
                let mut parts = Vec::with_capacity(items.len());
                for (key, value) in items {
                    parts.push(format!(
                        "{}: {}",
                        self.py_repr(&key)?,
                        self.py_repr(&value)?
                    ));
                }
                format!("{{{}}}", parts.join(", "))
            }
            Value::Set(set) => {
                let keys = set.borrow().keys();
                if keys.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.join_reprs(&keys)?)
                }
            }
            Value::Range(start, stop, step) => {
                if *step == 1 {
                    format!("range({start}, {stop})")
                } else {
                    format!("range({start}, {stop}, {step})")
                }
            }
            Value::Instance(instance) => {
                if let Some(method) = self.user_dunder(value, "__repr__") {
                    return self.call_sync_string(&method);
                }
                if instance.class.is_subclass_of(&self.exc.base_exception) {
                    let args = match instance.get("args") {
                        Some(Value::Tuple(args)) => args.to_vec(),
                        _ => Vec::new(),
                    };
                    return Ok(if args.len() == 1 {
                        format!("{}({})", instance.class.name, self.py_repr(&args[0])?)
                    } else {
                        format!("{}({})", instance.class.name, self.join_reprs(&args)?)
                    });
                }
                if let Some(text) = self.enum_repr(value)? {
                    return Ok(text);
                }
                if let Some(info) = instance.class.dataclass.borrow().clone() {
                    let mut parts = Vec::new();
                    for field in &info.fields {
                        let field_value = instance.get(&field.name).unwrap_or(Value::None);
                        parts.push(format!("{}={}", field.name, self.py_repr(&field_value)?));
                    }
                    return Ok(format!("{}({})", instance.class.name, parts.join(", ")));
                }
                format!("<{}.{} object>", instance.class.module, instance.class.name)
            }
            Value::Class(class) => format!("<class '{}.{}'>", class.module, class.name),
            Value::Function(function) => format!("<function {}>", function.qualname),
            Value::Builtin(builtin) => format!("<built-in function {}>", builtin.name),
            Value::BoundMethod(_) => "<bound method>".into(),
            Value::Module(module) => format!("<module '{}'>", module.name),
            Value::Coroutine(coroutine) => format!("<coroutine object {}>", coroutine.name),
            Value::Future(future) => format!("<{}>", future.type_name()),
            Value::Native(native) => native.repr(),
            Value::Slice(parts) => format!(
                "slice({}, {}, {})",
                self.py_repr(&parts[0])?,
                self.py_repr(&parts[1])?,
                self.py_repr(&parts[2])?
            ),
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("the value of {}", unknown.what)));
            }
        })
    }

    fn join_reprs(&self, items: &[Value]) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            parts.push(self.py_repr(item)?);
        }
        Ok(parts.join(", "))
    }

    fn call_sync_string(&self, method: &Value) -> PyResult<String> {
        match self.call_sync(method, Vec::new())? {
            Value::Str(text) => Ok(text.to_string()),
            other => self.type_error(format!(
                "__str__ returned non-string (type {})",
                other.type_name()
            )),
        }
    }

    /// `str(exception)`.
    pub(crate) fn exception_str(&self, value: &Value) -> PyResult<String> {
        let Value::Instance(instance) = value else {
            return self.py_str(value);
        };
        if instance.class.is_subclass_of(&self.exc.failure_error)
            && let Some(Value::Str(message)) = instance.get("message")
        {
            return Ok(message.to_string());
        }
        let args = match instance.get("args") {
            Some(Value::Tuple(args)) => args.to_vec(),
            _ => Vec::new(),
        };
        match args.as_slice() {
            [] => Ok(String::new()),
            [single] if instance.class.is_subclass_of(&self.exc.key_error) => self.py_repr(single),
            [single] => self.py_str(single),
            _ => self.py_repr(&Value::tuple(args)),
        }
    }

    /// `format(value, spec)`.
    pub(crate) fn format_value(&self, value: &Value, spec: &str) -> PyResult<String> {
        if spec.is_empty() {
            return self.py_str(value);
        }
        let spec = FormatSpec::parse(spec).ok_or_else(|| {
            self.raise(
                &self.exc.value_error,
                format!("Invalid format specifier '{spec}'"),
            )
        })?;
        let body = match value {
            Value::Int(number)
                if !matches!(spec.kind, Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%')) =>
            {
                let digits = match spec.kind {
                    Some('x') => format!("{:x}", number.unsigned_abs()),
                    Some('X') => format!("{:X}", number.unsigned_abs()),
                    Some('o') => format!("{:o}", number.unsigned_abs()),
                    Some('b') => format!("{:b}", number.unsigned_abs()),
                    Some('c') => char::from_u32(u32::try_from(*number).unwrap_or(0xFFFD))
                        .unwrap_or('\u{fffd}')
                        .to_string(),
                    _ => group(&number.unsigned_abs().to_string(), spec.grouping),
                };
                sign(*number < 0, spec.sign) + &digits
            }
            Value::Bool(flag) if spec.kind.is_none() => {
                return Ok(pad(if *flag { "True" } else { "False" }, &spec, '<'));
            }
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let number = match value {
                    Value::Int(n) => *n as f64,
                    Value::Bool(b) => f64::from(u8::from(*b)),
                    Value::Float(f) => *f,
                    _ => 0.0,
                };
                format_float(number, &spec)
            }
            Value::Str(text) => {
                let text: String = match spec.precision {
                    Some(precision) => text.chars().take(precision).collect(),
                    None => text.to_string(),
                };
                return Ok(pad(&text, &spec, '<'));
            }
            Value::Native(native) => {
                if let Some(text) = native.format(&spec.raw) {
                    return Ok(text);
                }
                return Ok(pad(&self.py_str(value)?, &spec, '<'));
            }
            other => return Ok(pad(&self.py_str(other)?, &spec, '<')),
        };
        Ok(pad(&body, &spec, '>'))
    }

    /// `"fmt" % args`.
    pub(crate) fn percent_format(&self, format: &str, args: &Value) -> PyResult<String> {
        let (positional, mapping) = match args {
            Value::Tuple(items) => (items.to_vec(), None),
            Value::Dict(_) => (Vec::new(), Some(args.clone())),
            other => (vec![other.clone()], None),
        };
        let mut out = String::new();
        let mut next = 0;
        let mut chars = format.chars().peekable();
        while let Some(ch) = chars.next() {
            if ch != '%' {
                out.push(ch);
                continue;
            }
            let mut spec = String::new();
            let mut key = None;
            if chars.peek() == Some(&'(') {
                chars.next();
                let name: String = chars.by_ref().take_while(|&c| c != ')').collect();
                key = Some(name);
            }
            let kind = loop {
                match chars.next() {
                    Some(c) if "-+ #0123456789.".contains(c) => spec.push(c),
                    Some(c) => break c,
                    None => return self.value_error("incomplete format"),
                }
            };
            if kind == '%' {
                out.push('%');
                continue;
            }
            let value = if let (Some(name), Some(mapping)) = (&key, &mapping) {
                self.get_item_sync(mapping, &Value::str(name))?
            } else {
                let value = positional.get(next).cloned().ok_or_else(|| {
                    self.raise(
                        &self.exc.type_error,
                        "not enough arguments for format string",
                    )
                })?;
                next += 1;
                value
            };
            let converted = match kind {
                's' => self.py_str(&value)?,
                'r' | 'a' => self.py_repr(&value)?,
                'd' | 'i' | 'u' => match value {
                    Value::Float(f) => (f.trunc() as i64).to_string(),
                    Value::Bool(b) => i64::from(b).to_string(),
                    other => self.py_str(&other)?,
                },
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' => {
                    let precision = spec.split('.').nth(1).map_or_else(
                        || {
                            if "fFeE".contains(kind) {
                                ".6".into()
                            } else {
                                String::new()
                            }
                        },
                        |p| format!(".{p}"),
                    );
                    return_if_err(self.format_value(&value, &format!("{precision}{kind}")))?
                }
                'c' => self.py_str(&value)?,
                other => {
                    return self.value_error(format!("unsupported format character '{other}'"));
                }
            };
            let width: usize = spec
                .trim_start_matches(['-', '+', ' ', '#', '0'])
                .split('.')
                .next()
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            let padding = width.saturating_sub(converted.chars().count());
            if spec.starts_with('-') {
                out.push_str(&converted);
                out.extend(std::iter::repeat_n(' ', padding));
            } else {
                let fill = if spec.starts_with('0') && kind != 's' {
                    '0'
                } else {
                    ' '
                };
                out.extend(std::iter::repeat_n(fill, padding));
                out.push_str(&converted);
            }
        }
        if next < positional.len()
            && mapping.is_none()
            && !matches!(args, Value::Tuple(_) if positional.is_empty())
        {
            return self.type_error("not all arguments converted during string formatting");
        }
        Ok(out)
    }

    /// `"...{}...".format(*args, **kwargs)`.
    pub(crate) fn str_format(
        &self,
        format: &str,
        args: &[Value],
        kwargs: &[(Rc<str>, Value)],
    ) -> PyResult<String> {
        let mut out = String::new();
        let mut auto = 0;
        let mut chars = format.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '{' => {
                    let mut field = String::new();
                    let mut depth = 1;
                    for c in chars.by_ref() {
                        if c == '{' {
                            depth += 1;
                        } else if c == '}' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        field.push(c);
                    }
                    let (field, spec) = field
                        .split_once(':')
                        .map_or((field.as_str(), ""), |(f, s)| (f, s));
                    let (field, conversion) = field
                        .split_once('!')
                        .map_or((field, None), |(f, c)| (f, Some(c)));
                    let (head, rest) = split_field(field);
                    let mut value = if head.is_empty() {
                        let value = args.get(auto).cloned().ok_or_else(|| {
                            self.raise(&self.exc.index_error, "Replacement index out of range")
                        })?;
                        auto += 1;
                        value
                    } else if let Ok(index) = head.parse::<usize>() {
                        args.get(index).cloned().ok_or_else(|| {
                            self.raise(&self.exc.index_error, "Replacement index out of range")
                        })?
                    } else {
                        kwargs
                            .iter()
                            .find(|(k, _)| k.as_ref() == head)
                            .map(|(_, v)| v.clone())
                            .ok_or_else(|| self.raise(&self.exc.key_error, head.to_string()))?
                    };
                    for accessor in rest {
                        value = match accessor {
                            Accessor::Attr(name) => self.get_attr(&value, &name)?,
                            Accessor::Item(key) => {
                                let key = key
                                    .parse::<i64>()
                                    .map_or_else(|_| Value::str(&key), Value::Int);
                                self.get_item_sync(&value, &key)?
                            }
                        };
                    }
                    let value = match conversion {
                        Some("r" | "a") => Value::Str(self.py_repr(&value)?.into()),
                        Some("s") => Value::Str(self.py_str(&value)?.into()),
                        _ => value,
                    };
                    out.push_str(&self.format_value(&value, spec)?);
                }
                other => out.push(other),
            }
        }
        Ok(out)
    }
}

fn return_if_err<T>(result: PyResult<T>) -> PyResult<T> {
    result
}

enum Accessor {
    Attr(String),
    Item(String),
}

fn split_field(field: &str) -> (&str, Vec<Accessor>) {
    let end = field.find(['.', '[']).unwrap_or(field.len());
    let (head, mut rest) = field.split_at(end);
    let mut accessors = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            accessors.push(Accessor::Attr(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            accessors.push(Accessor::Item(after[..end].to_string()));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    (head, accessors)
}

/// Python's `repr` of a string: single quotes unless the text has them and no double quotes.
pub(crate) fn repr_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The format-spec mini-language: `[[fill]align][sign][#][0][width][grouping][.precision][type]`.
pub(crate) struct FormatSpec {
    raw: String,
    fill: char,
    align: Option<char>,
    sign: Option<char>,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

impl FormatSpec {
    fn parse(spec: &str) -> Option<FormatSpec> {
        let chars: Vec<char> = spec.chars().collect();
        let mut index = 0;
        let mut fill = ' ';
        let mut align = None;
        if chars.len() >= 2 && "<>^=".contains(chars[1]) {
            fill = chars[0];
            align = Some(chars[1]);
            index = 2;
        } else if !chars.is_empty() && "<>^=".contains(chars[0]) {
            align = Some(chars[0]);
            index = 1;
        }
        let mut sign = None;
        if index < chars.len() && "+- ".contains(chars[index]) {
            sign = Some(chars[index]);
            index += 1;
        }
        if index < chars.len() && chars[index] == '#' {
            index += 1;
        }
        let mut zero = false;
        if index < chars.len() && chars[index] == '0' {
            zero = true;
            index += 1;
        }
        let start = index;
        while index < chars.len() && chars[index].is_ascii_digit() {
            index += 1;
        }
        let width = chars[start..index]
            .iter()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        let mut grouping = None;
        if index < chars.len() && (chars[index] == ',' || chars[index] == '_') {
            grouping = Some(chars[index]);
            index += 1;
        }
        let mut precision = None;
        if index < chars.len() && chars[index] == '.' {
            index += 1;
            let start = index;
            while index < chars.len() && chars[index].is_ascii_digit() {
                index += 1;
            }
            precision = Some(
                chars[start..index]
                    .iter()
                    .collect::<String>()
                    .parse()
                    .ok()?,
            );
        }
        let kind = chars.get(index).copied();
        if index + usize::from(kind.is_some()) != chars.len() {
            return None;
        }
        Some(FormatSpec {
            raw: spec.to_string(),
            fill,
            align,
            sign,
            zero,
            width,
            grouping,
            precision,
            kind,
        })
    }
}

fn sign(negative: bool, sign: Option<char>) -> String {
    match (negative, sign) {
        (true, _) => "-".into(),
        (false, Some('+')) => "+".into(),
        (false, Some(' ')) => " ".into(),
        _ => String::new(),
    }
}

fn group(digits: &str, grouping: Option<char>) -> String {
    let Some(separator) = grouping else {
        return digits.to_string();
    };
    let mut out = String::new();
    for (index, ch) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    out
}

fn format_float(number: f64, spec: &FormatSpec) -> String {
    let negative = number.is_sign_negative() && number != 0.0;
    let abs = number.abs();
    let body = match spec.kind {
        Some('f' | 'F') => {
            let text = format!("{:.*}", spec.precision.unwrap_or(6), abs);
            let (int, frac) = text
                .split_once('.')
                .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
            let int = group(int, spec.grouping);
            frac.map_or(int.clone(), |frac| format!("{int}.{frac}"))
        }
        Some('%') => format!("{:.*}%", spec.precision.unwrap_or(6), abs * 100.0),
        Some('e' | 'E') => {
            let text = format!("{:.*e}", spec.precision.unwrap_or(6), abs);
            let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let out = format!(
                "{mantissa}e{}{:02}",
                if exponent < 0 { '-' } else { '+' },
                exponent.abs()
            );
            if spec.kind == Some('E') {
                out.to_uppercase()
            } else {
                out
            }
        }
        Some('g' | 'G') | None => {
            if spec.kind.is_none() && spec.precision.is_none() {
                float_repr(abs)
            } else {
                let precision = spec.precision.unwrap_or(6).max(1);
                let exponent = if abs == 0.0 {
                    0
                } else {
                    abs.log10().floor() as i32
                };
                if exponent < -4 || exponent >= precision as i32 {
                    let text = format!("{:.*e}", precision - 1, abs);
                    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
                    let mantissa = if mantissa.contains('.') {
                        mantissa.trim_end_matches('0').trim_end_matches('.')
                    } else {
                        mantissa
                    };
                    let exp: i32 = exp.parse().unwrap_or(0);
                    format!(
                        "{mantissa}e{}{:02}",
                        if exp < 0 { '-' } else { '+' },
                        exp.abs()
                    )
                } else {
                    let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
                    let text = format!("{abs:.decimals$}");
                    if text.contains('.') {
                        text.trim_end_matches('0').trim_end_matches('.').to_string()
                    } else {
                        text
                    }
                }
            }
        }
        _ => float_repr(abs),
    };
    sign(negative, spec.sign) + &body
}

fn pad(text: &str, spec: &FormatSpec, default_align: char) -> String {
    let length = text.chars().count();
    if length >= spec.width {
        return text.to_string();
    }
    let padding = spec.width - length;
    let (fill, align) = if spec.zero && spec.align.is_none() {
        ('0', '=')
    } else {
        (spec.fill, spec.align.unwrap_or(default_align))
    };
    match align {
        '<' => format!("{text}{}", fill.to_string().repeat(padding)),
        '^' => {
            let left = padding / 2;
            format!(
                "{}{text}{}",
                fill.to_string().repeat(left),
                fill.to_string().repeat(padding - left)
            )
        }
        '=' => {
            let (sign, rest) = if text.starts_with(['-', '+', ' ']) {
                text.split_at(1)
            } else {
                ("", text)
            };
            format!("{sign}{}{rest}", fill.to_string().repeat(padding))
        }
        _ => format!("{}{text}", fill.to_string().repeat(padding)),
    }
}
