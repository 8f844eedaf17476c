//! Payloads to Python values, the way the SDK's JSON converter does with type hints:
//! dataclasses, enums, lists/dicts/tuples/optionals of them; anything else stays plain JSON.

use std::rc::Rc;

use tempolint_python::ast::{self, Expr};

use super::expr::Args;
use super::native::Native;
use super::scope::{Lookup, Scope};
use super::value::{Dict, Function, Value};
use super::workflow_instance::TypeHint;
use super::{Interp, ModuleRef, PyResult};
use crate::history::Payload;

impl Interp {
    pub(crate) fn payload_to_value(&self, payload: &Payload, hint: TypeHint) -> PyResult<Value> {
        let json = payload
            .json()
            .map_err(|message| self.unsupported(format!("a payload: {message}")))?;
        self.json_to_value(&json, hint.as_ref().map(|(expr, module)| (*expr, module)))
    }

    /// An activity or child workflow result. Where `value_to_type` certainly raises on it (a
    /// `str`, `bool`, `int` or `float` hint and a JSON value of another type), the SDK fails
    /// the activation with `RuntimeError("Failed decoding arguments")`, and so does this.
    /// Mismatches deeper inside the value stay unknown.
    pub(crate) fn result_to_value(&self, payload: &Payload, hint: TypeHint) -> PyResult<Value> {
        if let Some((expr, module)) = hint.as_ref()
            && let Ok(json) = payload.json()
            && let Some(Value::Class(class)) = self.resolve_annotation(expr, module)
            && class
                .native
                .is_some_and(|native| scalar_rejects(native, &json))
        {
            return Err(self.raise(
                &self.exc.runtime_error,
                "Failed decoding arguments".to_string(),
            ));
        }
        self.payload_to_value(payload, hint)
    }

    fn json_to_value(
        &self,
        json: &serde_json::Value,
        hint: Option<(&'static Expr, &ModuleRef)>,
    ) -> PyResult<Value> {
        if let Some((expr, module)) = hint
            && let Some(value) = self.convert_with_hint(json, expr, module)?
        {
            return Ok(value);
        }
        Ok(plain_json(json))
    }

    /// Conversion guided by an annotation, as `value_to_type` does it; `None` when the hint
    /// leaves the JSON value as it is. A hint the runtime does not convert exactly (a
    /// `datetime`, a union of several types, a class it does not model, a value of the wrong
    /// JSON type, on which the SDK raises) gives an unknown value: using it is inconclusive.
    fn convert_with_hint(
        &self,
        json: &serde_json::Value,
        hint: &'static Expr,
        module: &ModuleRef,
    ) -> PyResult<Option<Value>> {
        let unknown = || {
            Ok(Some(Value::unknown(
                format!(
                    "a value the data converter builds for the type hint `{}`",
                    hint_text(hint)
                ),
                self.here(),
            )))
        };
        match hint {
            Expr::StringLiteral(text) => match ruff_expression(text.value.to_str()) {
                Ok(parsed) => self.convert_with_hint(json, parsed, module),
                Err(()) => unknown(),
            },
            Expr::NoneLiteral(_) if json.is_null() => Ok(Some(Value::None)),
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                let mut members = Vec::new();
                flatten_union(hint, &mut members);
                self.convert_union(json, &members, module, unknown)
            }
            Expr::Subscript(subscript) => {
                let origin = annotation_name(&subscript.value);
                let arguments: Vec<&'static Expr> = match subscript.slice.as_ref() {
                    Expr::Tuple(tuple) => tuple.elts.iter().collect(),
                    other => vec![other],
                };
                match (origin.as_deref(), json) {
                    (Some("Optional"), serde_json::Value::Null) => Ok(Some(Value::None)),
                    (Some("Optional" | "Union"), _) => {
                        self.convert_union(json, &arguments, module, unknown)
                    }
                    (Some("Literal"), _) => Ok(None),
                    (
                        Some(
                            "list" | "List" | "Sequence" | "MutableSequence" | "Iterable" | "set"
                            | "Set" | "frozenset",
                        ),
                        serde_json::Value::Array(items),
                    ) => {
                        let mut values = Vec::with_capacity(items.len());
                        for item in items {
                            values.push(
                                self.json_to_value(item, arguments.first().map(|a| (*a, module)))?,
                            );
                        }
                        if matches!(origin.as_deref(), Some("set" | "Set" | "frozenset")) {
                            let mut dict = Dict::default();
                            for value in values {
                                self.dict_insert(&mut dict, value, Value::None)?;
                            }
                            return Ok(Some(Value::Set(Rc::new(std::cell::RefCell::new(dict)))));
                        }
                        Ok(Some(Value::list(values)))
                    }
                    (Some("tuple" | "Tuple"), serde_json::Value::Array(items)) => {
                        let variadic = arguments.len() == 2
                            && matches!(arguments[1], Expr::EllipsisLiteral(_));
                        let mut values = Vec::with_capacity(items.len());
                        for (index, item) in items.iter().enumerate() {
                            let hint = if variadic {
                                arguments.first()
                            } else {
                                arguments.get(index)
                            };
                            values.push(self.json_to_value(item, hint.map(|a| (*a, module)))?);
                        }
                        Ok(Some(Value::tuple(values)))
                    }
                    (
                        Some("dict" | "Dict" | "Mapping" | "MutableMapping"),
                        serde_json::Value::Object(map),
                    ) => {
                        let key_hint = arguments.first().and_then(|k| annotation_name(k));
                        if !matches!(key_hint.as_deref(), None | Some("str" | "int" | "Any")) {
                            return unknown();
                        }
                        let mut dict = Dict::default();
                        for (key, item) in map {
                            let value =
                                self.json_to_value(item, arguments.get(1).map(|a| (*a, module)))?;
                            let key = match key_hint.as_deref() {
                                Some("int") => match key.parse::<i64>() {
                                    Ok(number) => Value::Int(number),
                                    Err(_) => return unknown(),
                                },
                                _ => Value::str(key),
                            };
                            dict.insert(key, value);
                        }
                        Ok(Some(Value::dict(dict)))
                    }
                    _ => unknown(),
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                let Some(resolved) = self.resolve_annotation(hint, module) else {
                    return unknown();
                };
                match (&resolved, json) {
                    (Value::Class(class), serde_json::Value::Object(map))
                        if class.dataclass.borrow().is_some() =>
                    {
                        let info = class.dataclass.borrow().clone();
                        let mut keywords = Vec::new();
                        if let Some(info) = info {
                            for field in &info.fields {
                                if let Some(item) = map.get(field.name.as_ref()) {
                                    let value = self.json_to_value(
                                        item,
                                        field
                                            .annotation
                                            .as_ref()
                                            .map(|(expr, module)| (*expr, module)),
                                    )?;
                                    keywords.push((field.name.clone(), value));
                                }
                            }
                        }
                        let value = self.block_on(self.call(
                            &resolved,
                            Args {
                                positional: Vec::new(),
                                keywords,
                            },
                        ))?;
                        Ok(Some(value))
                    }
                    (Value::Class(class), _) if class.enum_members.borrow().is_some() => {
                        Ok(Some(self.enum_lookup(class, &plain_json(json))?))
                    }
                    (Value::Class(class), _) if class.native.is_some() => {
                        match scalar(class.native.unwrap_or_default(), json) {
                            Scalar::Unchanged => Ok(None),
                            Scalar::Converted(value) => Ok(Some(value)),
                            Scalar::NotModelled => unknown(),
                        }
                    }
                    (Value::Native(native), _) if matches!(native.as_ref(), Native::TypingForm(name) if name.ends_with(".Any") || name == "Any") => {
                        Ok(None)
                    }
                    _ => unknown(),
                }
            }
            _ => unknown(),
        }
    }

    /// `Optional[X]`, `Union[...]`, `X | None`: `None` for null; the one other member exactly;
    /// with several members the SDK tries each in turn, which is not modelled.
    fn convert_union(
        &self,
        json: &serde_json::Value,
        members: &[&'static Expr],
        module: &ModuleRef,
        unknown: impl Fn() -> PyResult<Option<Value>>,
    ) -> PyResult<Option<Value>> {
        let others: Vec<&'static Expr> = members
            .iter()
            .copied()
            .filter(|member| !matches!(member, Expr::NoneLiteral(_)))
            .collect();
        if json.is_null() && others.len() < members.len() {
            return Ok(Some(Value::None));
        }
        match others.as_slice() {
            [only] => self.convert_with_hint(json, only, module),
            _ => unknown(),
        }
    }

    fn resolve_annotation(&self, hint: &'static Expr, module: &ModuleRef) -> Option<Value> {
        let scope = Scope::module(module.clone());
        match hint {
            Expr::Name(name) => match scope.lookup(name.id.as_str()) {
                Lookup::Found(value) => Some(value),
                Lookup::Missing => self.builtins.get(name.id.as_str()),
            },
            Expr::Attribute(attribute) => {
                let base = self.resolve_annotation(&attribute.value, module)?;
                self.get_attr(&base, attribute.attr.as_str()).ok()
            }
            _ => None,
        }
    }

    /// Annotations of a function's parameters (without `self` for methods).
    pub(crate) fn parameter_hints(
        &self,
        function: &Rc<Function>,
        skip_self: bool,
    ) -> Vec<TypeHint> {
        let Some(parameters) = function.parameters() else {
            return Vec::new();
        };
        parameters
            .posonlyargs
            .iter()
            .chain(parameters.args.iter())
            .skip(usize::from(skip_self))
            .map(|parameter| {
                parameter
                    .parameter
                    .annotation
                    .as_deref()
                    .map(|expr| (expr, function.module.clone()))
            })
            .collect()
    }

    /// The return annotation of a function.
    pub(crate) fn return_hint(function: &Rc<Function>) -> TypeHint {
        match function.body {
            super::value::FunctionBody::Def(def) => def
                .returns
                .as_deref()
                .map(|expr| (expr, function.module.clone())),
            super::value::FunctionBody::Lambda(_) => None,
        }
    }
}

/// A string annotation parsed as an expression (once per process: annotations live as long as
/// the run).
fn ruff_expression(text: &str) -> Result<&'static Expr, ()> {
    let parsed = super::parse_once("<annotation>", format!("_: {text}\n"));
    if !parsed.syntax_errors().is_empty() {
        return Err(());
    }
    match parsed.module().body.first() {
        Some(ast::Stmt::AnnAssign(assign)) => Ok(&assign.annotation),
        _ => Err(()),
    }
}

/// A builtin class as hint (`str`, `int`, a bare `dict`): the JSON value as `value_to_type`
/// returns it (`Some(None)`: unchanged), `None` where it raises or is not modelled.
fn scalar(native: &str, json: &serde_json::Value) -> Scalar {
    match (native, json) {
        ("str", serde_json::Value::String(_))
        | ("bool", serde_json::Value::Bool(_))
        | ("dict", serde_json::Value::Object(_))
        | ("list", serde_json::Value::Array(_)) => Scalar::Unchanged,
        ("tuple", serde_json::Value::Array(items)) => {
            Scalar::Converted(Value::tuple(items.iter().map(plain_json).collect()))
        }
        ("int", serde_json::Value::Number(number)) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|f| f.trunc() as i64))
            .map_or(Scalar::NotModelled, |n| Scalar::Converted(Value::Int(n))),
        ("float", serde_json::Value::Number(number)) => {
            Scalar::Converted(Value::Float(number.as_f64().unwrap_or(0.0)))
        }
        _ => Scalar::NotModelled,
    }
}

/// Whether `value_to_type` raises `TypeError` for this builtin scalar hint and JSON value
/// (`bool` is an `int` in Python, so it passes as `int` and `float`).
fn scalar_rejects(native: &str, json: &serde_json::Value) -> bool {
    match native {
        "str" => !json.is_string(),
        "bool" => !json.is_boolean(),
        "int" | "float" => !(json.is_number() || json.is_boolean()),
        _ => false,
    }
}

/// What `value_to_type` does with a builtin class hint.
enum Scalar {
    Unchanged,
    Converted(Value),
    /// It raises (wrong JSON type) or the runtime does not model it.
    NotModelled,
}

/// The members of `A | B | None`.
fn flatten_union(expr: &'static Expr, members: &mut Vec<&'static Expr>) {
    match expr {
        Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
            flatten_union(&binop.left, members);
            flatten_union(&binop.right, members);
        }
        other => members.push(other),
    }
}

/// A short rendering of a hint for messages.
fn hint_text(expr: &Expr) -> String {
    match expr {
        Expr::Subscript(subscript) => format!(
            "{}[…]",
            annotation_name(&subscript.value).unwrap_or_else(|| "…".into())
        ),
        Expr::StringLiteral(text) => text.value.to_str().to_string(),
        other => annotation_name(other).unwrap_or_else(|| "…".into()),
    }
}

fn annotation_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str().to_string()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str().to_string()),
        _ => None,
    }
}

/// JSON as plain Python values (`dict`, `list`, `int`/`float`, `str`, `bool`, `None`).
pub(crate) fn plain_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(flag) => Value::Bool(*flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(integer) => Value::Int(integer),
            None => Value::Float(number.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(text) => Value::str(text),
        serde_json::Value::Array(items) => Value::list(items.iter().map(plain_json).collect()),
        serde_json::Value::Object(map) => {
            let mut dict = Dict::default();
            for (key, value) in map {
                dict.insert(Value::str(key), plain_json(value));
            }
            Value::dict(dict)
        }
    }
}
