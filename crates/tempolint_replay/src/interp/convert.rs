//! Payloads to Python values, the way the SDK's JSON converter does with type hints:
//! dataclasses, enums, lists/dicts/tuples/optionals of them; anything else stays plain JSON.

use std::rc::Rc;

use tempolint_python::ast::{self, Expr};

use super::expr::Args;
use super::scope::{Lookup, Scope};
use super::temporal::TypeHint;
use super::value::{Dict, Function, Value};
use super::{Interp, ModuleRef, PyResult};
use crate::history::Payload;

impl Interp {
    pub(crate) fn payload_to_value(&self, payload: &Payload, hint: TypeHint) -> PyResult<Value> {
        let json = payload
            .json()
            .map_err(|message| self.unsupported(format!("a payload: {message}")))?;
        self.json_to_value(&json, hint.as_ref().map(|(expr, module)| (*expr, module)))
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

    /// Conversion guided by an annotation; `None` when the hint does not change anything.
    fn convert_with_hint(
        &self,
        json: &serde_json::Value,
        hint: &'static Expr,
        module: &ModuleRef,
    ) -> PyResult<Option<Value>> {
        if json.is_null() {
            return Ok(Some(Value::None));
        }
        match hint {
            Expr::StringLiteral(text) => {
                let Ok(parsed) = ruff_expression(text.value.to_str()) else {
                    return Ok(None);
                };
                self.convert_with_hint(json, parsed, module)
            }
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                for side in [&binop.left, &binop.right] {
                    if matches!(side.as_ref(), Expr::NoneLiteral(_)) {
                        continue;
                    }
                    if let Some(value) = self.convert_with_hint(json, side, module)? {
                        return Ok(Some(value));
                    }
                }
                Ok(None)
            }
            Expr::Subscript(subscript) => {
                let origin = annotation_name(&subscript.value);
                let arguments: Vec<&'static Expr> = match subscript.slice.as_ref() {
                    Expr::Tuple(tuple) => tuple.elts.iter().collect(),
                    other => vec![other],
                };
                match (origin.as_deref(), json) {
                    (Some("Optional" | "Union"), _) => {
                        for argument in arguments {
                            if matches!(argument, Expr::NoneLiteral(_)) {
                                continue;
                            }
                            if let Some(value) = self.convert_with_hint(json, argument, module)? {
                                return Ok(Some(value));
                            }
                        }
                        Ok(None)
                    }
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
                        let mut dict = Dict::default();
                        for (key, item) in map {
                            let value =
                                self.json_to_value(item, arguments.get(1).map(|a| (*a, module)))?;
                            let key = match arguments
                                .first()
                                .and_then(|k| annotation_name(k))
                                .as_deref()
                            {
                                Some("int") => key
                                    .parse::<i64>()
                                    .map_or_else(|_| Value::str(key), Value::Int),
                                _ => Value::str(key),
                            };
                            dict.insert(key, value);
                        }
                        Ok(Some(Value::dict(dict)))
                    }
                    _ => Ok(None),
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                let Some(resolved) = self.resolve_annotation(hint, module) else {
                    return Ok(None);
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
                    (Value::Class(class), serde_json::Value::Number(number))
                        if class.native == Some("float") =>
                    {
                        Ok(Some(Value::Float(number.as_f64().unwrap_or(0.0))))
                    }
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
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

/// A string annotation parsed as an expression (leaked: annotations live as long as the run).
fn ruff_expression(text: &str) -> Result<&'static Expr, ()> {
    let parsed = tempolint_python::ParsedSource::parse(format!("_: {text}\n"));
    if !parsed.syntax_errors().is_empty() {
        return Err(());
    }
    let parsed: &'static tempolint_python::ParsedSource = Box::leak(Box::new(parsed));
    match parsed.module().body.first() {
        Some(ast::Stmt::AnnAssign(assign)) => Ok(&assign.annotation),
        _ => Err(()),
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
