//! `str` methods.

use std::rc::Rc;

use super::expr::Args;
use super::ops::as_int;
use super::value::Value;
use super::{Interp, PyResult};

impl Interp {
    pub(crate) fn str_method(&self, method: &str, text: &Rc<str>, args: &Args) -> PyResult<Value> {
        let arg = |index: usize| args.positional.get(index);
        let arg_str = |index: usize| -> PyResult<Option<String>> {
            match arg(index) {
                Some(Value::Str(s)) => Ok(Some(s.to_string())),
                Some(Value::None) | None => Ok(None),
                Some(other) => self.type_error(format!("must be str, not {}", other.type_name())),
            }
        };
        let string = |s: String| Ok(Value::Str(s.into()));
        match method {
            "upper" => string(text.to_uppercase()),
            "lower" | "casefold" => string(text.to_lowercase()),
            "swapcase" => string(
                text.chars()
                    .map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<String>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    })
                    .collect(),
            ),
            "strip" | "lstrip" | "rstrip" => {
                let chars = arg_str(0)?;
                let matcher = |c: char| {
                    chars
                        .as_ref()
                        .map_or(c.is_whitespace(), |set| set.contains(c))
                };
                string(match method {
                    "strip" => text.trim_matches(matcher).to_string(),
                    "lstrip" => text.trim_start_matches(matcher).to_string(),
                    _ => text.trim_end_matches(matcher).to_string(),
                })
            }
            "split" | "rsplit" => {
                let separator = arg_str(0)?.or(args.keyword("sep").and_then(|v| {
                    if let Value::Str(s) = v {
                        Some(s.to_string())
                    } else {
                        None
                    }
                }));
                let limit = args.get(1, "maxsplit").and_then(as_int).unwrap_or(-1);
                let parts: Vec<String> = match (&separator, limit < 0) {
                    (None, true) => text.split_whitespace().map(str::to_string).collect(),
                    (Some(sep), true) => text.split(sep.as_str()).map(str::to_string).collect(),
                    (Some(sep), false) if method == "split" => text
                        .splitn(limit as usize + 1, sep.as_str())
                        .map(str::to_string)
                        .collect(),
                    (Some(sep), false) => {
                        let mut parts: Vec<String> = text
                            .rsplitn(limit as usize + 1, sep.as_str())
                            .map(str::to_string)
                            .collect();
                        parts.reverse();
                        parts
                    }
                    (None, false) => {
                        let mut parts: Vec<String> = Vec::new();
                        let mut rest = text.trim_start();
                        while !rest.is_empty() {
                            if parts.len() as i64 == limit {
                                parts.push(rest.to_string());
                                break;
                            }
                            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                            parts.push(rest[..end].to_string());
                            rest = rest[end..].trim_start();
                        }
                        parts
                    }
                };
                Ok(Value::list(
                    parts.into_iter().map(|p| Value::Str(p.into())).collect(),
                ))
            }
            "splitlines" => Ok(Value::list(text.lines().map(Value::str).collect())),
            "join" => {
                let items = self.iterate_sync(arg(0).unwrap_or(&Value::None))?;
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::Str(s) => parts.push(s.to_string()),
                        other => {
                            return self.type_error(format!(
                                "sequence item: expected str instance, {} found",
                                other.type_name()
                            ));
                        }
                    }
                }
                string(parts.join(text))
            }
            "replace" => {
                let (Some(old), Some(new)) = (arg_str(0)?, arg_str(1)?) else {
                    return self.type_error("replace() arguments must be str");
                };
                match arg(2).and_then(as_int) {
                    Some(count) if count >= 0 => string(text.replacen(&old, &new, count as usize)),
                    _ => string(text.replace(&old, &new)),
                }
            }
            "startswith" | "endswith" => {
                let prefixes = match arg(0) {
                    Some(Value::Tuple(items)) => items
                        .iter()
                        .filter_map(|i| {
                            if let Value::Str(s) = i {
                                Some(s.to_string())
                            } else {
                                None
                            }
                        })
                        .collect(),
                    Some(Value::Str(s)) => vec![s.to_string()],
                    _ => {
                        return self.type_error(format!(
                            "{method} first arg must be str or a tuple of str"
                        ));
                    }
                };
                Ok(Value::Bool(prefixes.iter().any(|p| {
                    if method == "startswith" {
                        text.starts_with(p.as_str())
                    } else {
                        text.ends_with(p.as_str())
                    }
                })))
            }
            "format" => string(self.str_format(text, &args.positional, &args.keywords)?),
            "find" | "rfind" | "index" => {
                let needle = arg_str(0)?.unwrap_or_default();
                let found = if method == "rfind" {
                    text.rfind(&needle)
                } else {
                    text.find(&needle)
                };
                match found {
                    Some(byte) => Ok(Value::Int(text[..byte].chars().count() as i64)),
                    None if method == "index" => self.value_error("substring not found"),
                    None => Ok(Value::Int(-1)),
                }
            }
            "count" => Ok(Value::Int(
                text.matches(arg_str(0)?.unwrap_or_default().as_str())
                    .count() as i64,
            )),
            "title" => string(title_case(text)),
            "capitalize" => {
                let mut chars = text.chars();
                string(
                    chars
                        .next()
                        .map(|f| {
                            f.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase()
                        })
                        .unwrap_or_default(),
                )
            }
            "isdigit" | "isnumeric" | "isdecimal" => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()),
            )),
            "isalpha" => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(char::is_alphabetic),
            )),
            "isalnum" => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(char::is_alphanumeric),
            )),
            "isspace" => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(char::is_whitespace),
            )),
            "isupper" => Ok(Value::Bool(
                text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
            )),
            "islower" => Ok(Value::Bool(
                text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
            )),
            "isidentifier" => Ok(Value::Bool(
                text.chars()
                    .next()
                    .is_some_and(|c| c == '_' || c.is_alphabetic())
                    && text.chars().all(|c| c == '_' || c.is_alphanumeric()),
            )),
            "zfill" | "ljust" | "rjust" | "center" => {
                let width = usize::try_from(arg(0).and_then(as_int).unwrap_or(0)).unwrap_or(0);
                let fill = arg_str(1)?
                    .and_then(|f| f.chars().next())
                    .unwrap_or(if method == "zfill" { '0' } else { ' ' });
                let length = text.chars().count();
                if length >= width {
                    return string(text.to_string());
                }
                let pad = width - length;
                string(match method {
                    "ljust" => format!("{text}{}", fill.to_string().repeat(pad)),
                    "center" => format!(
                        "{}{text}{}",
                        fill.to_string().repeat(pad / 2),
                        fill.to_string().repeat(pad - pad / 2)
                    ),
                    "zfill" if text.starts_with(['-', '+']) => {
                        format!("{}{}{}", &text[..1], "0".repeat(pad), &text[1..])
                    }
                    _ => format!("{}{text}", fill.to_string().repeat(pad)),
                })
            }
            "encode" => Ok(Value::Bytes(text.as_bytes().into())),
            "partition" | "rpartition" => {
                let separator = arg_str(0)?.unwrap_or_default();
                let found = if method == "partition" {
                    text.find(&separator)
                } else {
                    text.rfind(&separator)
                };
                Ok(match found {
                    Some(at) => Value::tuple(vec![
                        Value::str(&text[..at]),
                        Value::str(&separator),
                        Value::str(&text[at + separator.len()..]),
                    ]),
                    None if method == "partition" => Value::tuple(vec![
                        Value::Str(text.clone()),
                        Value::str(""),
                        Value::str(""),
                    ]),
                    None => Value::tuple(vec![
                        Value::str(""),
                        Value::str(""),
                        Value::Str(text.clone()),
                    ]),
                })
            }
            "removeprefix" => string(
                text.strip_prefix(arg_str(0)?.unwrap_or_default().as_str())
                    .unwrap_or(text)
                    .to_string(),
            ),
            "removesuffix" => string(
                text.strip_suffix(arg_str(0)?.unwrap_or_default().as_str())
                    .unwrap_or(text)
                    .to_string(),
            ),
            _ => Err(self.unsupported(format!("str.{method}"))),
        }
    }
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_cased = false;
    for ch in text.chars() {
        if previous_cased {
            out.extend(ch.to_lowercase());
        } else {
            out.extend(ch.to_uppercase());
        }
        previous_cased = ch.is_alphabetic();
    }
    out
}
