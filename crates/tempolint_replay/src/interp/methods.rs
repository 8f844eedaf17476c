//! Methods of the builtin types (`str`, `list`, `dict`, `set`, `tuple`) and item access.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use super::expr::Args;
use super::ops::as_int;
use super::value::{Dict, Value};
use super::{Interp, PyResult};

const STR_METHODS: &[&str] = &[
    "upper",
    "lower",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "rsplit",
    "join",
    "replace",
    "startswith",
    "endswith",
    "format",
    "find",
    "rfind",
    "index",
    "count",
    "title",
    "capitalize",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "zfill",
    "ljust",
    "rjust",
    "center",
    "splitlines",
    "encode",
    "casefold",
    "swapcase",
    "partition",
    "rpartition",
    "removeprefix",
    "removesuffix",
    "isidentifier",
    "isnumeric",
    "isdecimal",
];
const LIST_METHODS: &[&str] = &[
    "append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "clear",
    "copy",
];
const DICT_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "setdefault",
    "update",
    "copy",
    "clear",
    "popitem",
];
const SET_METHODS: &[&str] = &[
    "add",
    "discard",
    "remove",
    "pop",
    "update",
    "union",
    "intersection",
    "difference",
    "issubset",
    "issuperset",
    "copy",
    "clear",
    "isdisjoint",
    "symmetric_difference",
];

impl Interp {
    /// Attribute lookup on builtin-typed values: bound methods.
    pub(crate) fn builtin_method(&self, object: &Value, name: &str) -> PyResult<Value> {
        let table: &[&str] = match object {
            Value::Str(_) => STR_METHODS,
            Value::List(_) => LIST_METHODS,
            Value::Dict(_) => DICT_METHODS,
            Value::Set(_) => SET_METHODS,
            Value::Tuple(_) => &["index", "count"],
            Value::Bytes(_) => &["decode", "hex"],
            Value::Int(_) | Value::Bool(_) => &["bit_length", "to_bytes"],
            Value::Float(_) => &["is_integer"],
            Value::Builtin(builtin) if builtin.name.starts_with("stdlib:") => {
                return Ok(Value::builtin(&format!("{}.{name}", builtin.name)));
            }
            Value::Builtin(builtin) if name == "__name__" => {
                return Ok(Value::Str(
                    builtin.name.rsplit('.').next().unwrap_or_default().into(),
                ));
            }
            // Members of library callables (`SearchAttributeKey.for_keyword`): resolved when called.
            Value::Builtin(builtin) if builtin.receiver.is_none() && builtin.name.contains('.') => {
                return Ok(Value::builtin(&format!("{}.{name}", builtin.name)));
            }
            _ => &[],
        };
        if table.contains(&name) {
            let kind = match object {
                Value::Str(_) => "str",
                Value::List(_) => "list",
                Value::Dict(_) => "dict",
                Value::Set(_) => "set",
                Value::Tuple(_) => "tuple",
                Value::Bytes(_) => "bytes",
                Value::Float(_) => "float",
                _ => "int",
            };
            return Ok(Value::bound_builtin(
                &format!("{kind}.{name}"),
                object.clone(),
            ));
        }
        if let Value::Float(number) = object
            && name == "real"
        {
            return Ok(Value::Float(*number));
        }
        if matches!(object, Value::Builtin(_)) {
            return self.attribute_error(object, name);
        }
        // Python has more methods than the runtime models; a miss is not an AttributeError.
        Err(self.unsupported(format!("`{}.{name}`", object.type_name())))
    }

    pub(crate) fn call_method(&self, name: &str, receiver: Value, args: Args) -> PyResult<Value> {
        let (kind, method) = name.split_once('.').unwrap_or((name, ""));
        match (kind, &receiver) {
            ("str", Value::Str(text)) => self.str_method(method, text, &args),
            ("list", Value::List(list)) => self.list_method(method, list, args),
            ("dict", Value::Dict(dict)) => self.dict_method(method, dict, args),
            ("set", Value::Set(set)) => self.set_method(method, set, args),
            ("tuple", Value::Tuple(items)) => match method {
                "index" => self
                    .position(items, args.positional.first())
                    .map(|i| Value::Int(i as i64)),
                "count" => Ok(Value::Int(
                    self.count(items, args.positional.first())? as i64
                )),
                _ => Err(self.unsupported(format!("tuple.{method}"))),
            },
            ("bytes", Value::Bytes(bytes)) => match method {
                "decode" => Ok(Value::Str(
                    String::from_utf8_lossy(bytes).into_owned().into(),
                )),
                "hex" => Ok(Value::Str(
                    bytes
                        .iter()
                        .fold(String::new(), |mut out, b| {
                            let _ = write!(out, "{b:02x}");
                            out
                        })
                        .into(),
                )),
                _ => Err(self.unsupported(format!("bytes.{method}"))),
            },
            ("int", Value::Int(n)) if method == "bit_length" => {
                Ok(Value::Int(i64::from(64 - n.unsigned_abs().leading_zeros())))
            }
            ("float", Value::Float(f)) if method == "is_integer" => {
                Ok(Value::Bool(f.fract() == 0.0))
            }
            _ => self.call_library_method(name, receiver, args),
        }
    }

    fn list_method(
        &self,
        method: &str,
        list: &Rc<RefCell<Vec<Value>>>,
        args: Args,
    ) -> PyResult<Value> {
        let arg = args.positional.first().cloned();
        match method {
            "append" => list.borrow_mut().push(arg.unwrap_or(Value::None)),
            "extend" => {
                let items = self.iterate(&arg.unwrap_or(Value::None))?;
                list.borrow_mut().extend(items);
            }
            "pop" => {
                let length = list.borrow().len() as i64;
                let index = arg.as_ref().and_then(as_int).unwrap_or(-1);
                let index = if index < 0 { index + length } else { index };
                if length == 0 || index < 0 || index >= length {
                    return self.index_error(if length == 0 {
                        "pop from empty list"
                    } else {
                        "pop index out of range"
                    });
                }
                return Ok(list.borrow_mut().remove(index as usize));
            }
            "insert" => {
                let length = list.borrow().len() as i64;
                let index = arg.as_ref().and_then(as_int).unwrap_or(0);
                let index = if index < 0 {
                    (index + length).max(0)
                } else {
                    index.min(length)
                };
                list.borrow_mut().insert(
                    index as usize,
                    args.positional.get(1).cloned().unwrap_or(Value::None),
                );
            }
            "remove" => {
                let items = list.borrow().clone();
                let position = self.position(&items, arg.as_ref())?;
                list.borrow_mut().remove(position);
            }
            "index" => {
                let items = list.borrow().clone();
                return self
                    .position(&items, arg.as_ref())
                    .map(|i| Value::Int(i as i64));
            }
            "count" => {
                let items = list.borrow().clone();
                return Ok(Value::Int(self.count(&items, arg.as_ref())? as i64));
            }
            "sort" => {
                let mut items = list.borrow().clone();
                let reverse = args
                    .keyword("reverse")
                    .map(|v| self.truthy_sync(v))
                    .transpose()?
                    .unwrap_or(false);
                self.sort_values(&mut items, args.keyword("key"), reverse)?;
                *list.borrow_mut() = items;
            }
            "reverse" => list.borrow_mut().reverse(),
            "clear" => list.borrow_mut().clear(),
            "copy" => return Ok(Value::list(list.borrow().clone())),
            _ => return Err(self.unsupported(format!("list.{method}"))),
        }
        Ok(Value::None)
    }

    fn dict_method(&self, method: &str, dict: &Rc<RefCell<Dict>>, args: Args) -> PyResult<Value> {
        let key = args.positional.first().cloned().unwrap_or(Value::None);
        let default = args.positional.get(1).cloned();
        match method {
            "get" => Ok(dict.borrow().get(&key).or(default).unwrap_or(Value::None)),
            "keys" => Ok(Value::list(dict.borrow().keys())),
            "values" => Ok(Value::list(dict.borrow().values())),
            "items" => Ok(Value::list(
                dict.borrow()
                    .items()
                    .into_iter()
                    .map(|(k, v)| Value::tuple(vec![k, v]))
                    .collect(),
            )),
            "pop" => match dict.borrow_mut().remove(&key) {
                Some(value) => Ok(value),
                None => match default {
                    Some(default) => Ok(default),
                    None => self.key_error(key),
                },
            },
            "popitem" => match dict.borrow_mut().pop_last() {
                Some((k, v)) => Ok(Value::tuple(vec![k, v])),
                None => self.key_error(Value::str("popitem(): dictionary is empty")),
            },
            "setdefault" => {
                if let Some(value) = dict.borrow().get(&key) {
                    return Ok(value);
                }
                let value = default.unwrap_or(Value::None);
                self.dict_insert(&mut dict.borrow_mut(), key, value.clone())?;
                Ok(value)
            }
            "update" => {
                if let Some(other) = args.positional.first() {
                    let pairs = match other {
                        Value::Dict(other) => other.borrow().items(),
                        other => self.dict_from_pairs(self.iterate(other)?)?.items(),
                    };
                    for (k, v) in pairs {
                        self.dict_insert(&mut dict.borrow_mut(), k, v)?;
                    }
                }
                for (k, v) in args.keywords {
                    dict.borrow_mut().insert(Value::Str(k), v);
                }
                Ok(Value::None)
            }
            "copy" => Ok(Value::dict(dict.borrow().clone())),
            "clear" => {
                dict.borrow_mut().clear();
                Ok(Value::None)
            }
            _ => Err(self.unsupported(format!("dict.{method}"))),
        }
    }

    fn set_method(&self, method: &str, set: &Rc<RefCell<Dict>>, args: Args) -> PyResult<Value> {
        let arg = args.positional.first().cloned().unwrap_or(Value::None);
        let new_set = |dict: Dict| Value::Set(Rc::new(RefCell::new(dict)));
        match method {
            "add" => {
                self.dict_insert(&mut set.borrow_mut(), arg, Value::None)?;
                Ok(Value::None)
            }
            "discard" => {
                set.borrow_mut().remove(&arg);
                Ok(Value::None)
            }
            "remove" => match set.borrow_mut().remove(&arg) {
                Some(_) => Ok(Value::None),
                None => self.key_error(arg),
            },
            "pop" => match set.borrow_mut().pop_first() {
                Some((key, _)) => Ok(key),
                None => self.key_error(Value::str("pop from an empty set")),
            },
            "update" => {
                for item in self.iterate_sync(&arg)? {
                    self.dict_insert(&mut set.borrow_mut(), item, Value::None)?;
                }
                Ok(Value::None)
            }
            "copy" => Ok(new_set(set.borrow().clone())),
            "clear" => {
                set.borrow_mut().clear();
                Ok(Value::None)
            }
            "union"
            | "intersection"
            | "difference"
            | "symmetric_difference"
            | "issubset"
            | "issuperset"
            | "isdisjoint" => {
                let mut other = Dict::default();
                for item in self.iterate_sync(&arg)? {
                    self.dict_insert(&mut other, item, Value::None)?;
                }
                let mine = set.borrow().clone();
                let mut out = Dict::default();
                match method {
                    "union" => {
                        for key in mine.keys().into_iter().chain(other.keys()) {
                            out.insert(key, Value::None);
                        }
                    }
                    "intersection" => mine
                        .keys()
                        .into_iter()
                        .filter(|k| other.contains(k))
                        .for_each(|k| {
                            out.insert(k, Value::None);
                        }),
                    "difference" => mine
                        .keys()
                        .into_iter()
                        .filter(|k| !other.contains(k))
                        .for_each(|k| {
                            out.insert(k, Value::None);
                        }),
                    "symmetric_difference" => mine
                        .keys()
                        .into_iter()
                        .filter(|k| !other.contains(k))
                        .chain(other.keys().into_iter().filter(|k| !mine.contains(k)))
                        .for_each(|k| {
                            out.insert(k, Value::None);
                        }),
                    "issubset" => {
                        return Ok(Value::Bool(mine.keys().iter().all(|k| other.contains(k))));
                    }
                    "issuperset" => {
                        return Ok(Value::Bool(other.keys().iter().all(|k| mine.contains(k))));
                    }
                    _ => return Ok(Value::Bool(!mine.keys().iter().any(|k| other.contains(k)))),
                }
                Ok(new_set(out))
            }
            _ => Err(self.unsupported(format!("set.{method}"))),
        }
    }

    fn position(&self, items: &[Value], needle: Option<&Value>) -> PyResult<usize> {
        let needle = needle.cloned().unwrap_or(Value::None);
        for (index, item) in items.iter().enumerate() {
            if self.py_eq(item, &needle)? {
                return Ok(index);
            }
        }
        self.value_error(format!("{} is not in list", self.py_repr(&needle)?))
    }

    fn count(&self, items: &[Value], needle: Option<&Value>) -> PyResult<usize> {
        let needle = needle.cloned().unwrap_or(Value::None);
        let mut count = 0;
        for item in items {
            if self.py_eq(item, &needle)? {
                count += 1;
            }
        }
        Ok(count)
    }

    pub(crate) fn get_item(&self, object: &Value, key: &Value) -> PyResult<Value> {
        self.get_item_sync(object, key)
    }

    /// `object[key]`.
    pub(crate) fn get_item_sync(&self, object: &Value, key: &Value) -> PyResult<Value> {
        match (object, key) {
            (Value::List(list), Value::Slice(slice)) => {
                Ok(Value::list(self.slice(&list.borrow(), slice)?))
            }
            (Value::Tuple(items), Value::Slice(slice)) => {
                Ok(Value::tuple(self.slice(items, slice)?))
            }
            (Value::Str(text), Value::Slice(slice)) => {
                let chars: Vec<Value> = text
                    .chars()
                    .map(|c| Value::Str(c.to_string().into()))
                    .collect();
                let picked = self.slice(&chars, slice)?;
                Ok(Value::Str(
                    picked
                        .iter()
                        .map(|c| {
                            if let Value::Str(s) = c {
                                s.to_string()
                            } else {
                                String::new()
                            }
                        })
                        .collect::<String>()
                        .into(),
                ))
            }
            (Value::List(list), index) => {
                let list = list.borrow();
                let at = self.index(list.len(), index, "list")?;
                Ok(list[at].clone())
            }
            (Value::Tuple(items), index) => {
                Ok(items[self.index(items.len(), index, "tuple")?].clone())
            }
            (Value::Str(text), index) => {
                let chars: Vec<char> = text.chars().collect();
                Ok(Value::Str(
                    chars[self.index(chars.len(), index, "string")?]
                        .to_string()
                        .into(),
                ))
            }
            (Value::Range(start, _, step), index) => {
                let length = self.len_of(object)?;
                Ok(Value::Int(
                    start + step * self.index(length, index, "range object")? as i64,
                ))
            }
            (Value::Dict(dict), key) => {
                if key.hash_key().is_none() {
                    return self.type_error(format!("unhashable type: '{}'", key.type_name()));
                }
                match dict.borrow().get(key) {
                    Some(value) => Ok(value),
                    None => self.key_error(key.clone()),
                }
            }
            (Value::Class(class), _) => Ok(Value::Native(Rc::new(
                super::native::Native::TypingForm(format!("{}[...]", class.name)),
            ))),
            (Value::Native(native), _)
                if matches!(native.as_ref(), super::native::Native::TypingForm(_)) =>
            {
                Ok(object.clone())
            }
            (Value::Instance(_), _) if self.user_dunder(object, "__getitem__").is_some() => {
                let method = self
                    .user_dunder(object, "__getitem__")
                    .unwrap_or(Value::None);
                self.call_sync(&method, vec![key.clone()])
            }
            (Value::Unknown(unknown), _) if unknown.inert => Ok(Value::inert_unknown(
                format!("an item of {}", unknown.what),
                self.here(),
            )),
            (Value::Unknown(unknown), _) => {
                Err(self.unsupported(format!("indexing {}", unknown.what)))
            }
            (other, _) => self.type_error(format!(
                "'{}' object is not subscriptable",
                other.type_name()
            )),
        }
    }

    fn index(&self, length: usize, index: &Value, what: &str) -> PyResult<usize> {
        let Some(index) = as_int(index) else {
            return self.type_error(format!(
                "{what} indices must be integers, not {}",
                index.type_name()
            ));
        };
        let length = length as i64;
        let at = if index < 0 { index + length } else { index };
        if at < 0 || at >= length {
            return self.index_error(&format!("{what} index out of range"));
        }
        Ok(at as usize)
    }

    fn slice(&self, items: &[Value], slice: &[Value; 3]) -> PyResult<Vec<Value>> {
        let length = items.len() as i64;
        let step = if slice[2].is_none() {
            1
        } else {
            as_int(&slice[2])
                .ok_or_else(|| self.raise(&self.exc.type_error, "slice indices must be integers"))?
        };
        if step == 0 {
            return self.value_error("slice step cannot be zero");
        }
        let bound = |value: &Value, default: i64| -> PyResult<i64> {
            if value.is_none() {
                return Ok(default);
            }
            let n = as_int(value).ok_or_else(|| {
                self.raise(&self.exc.type_error, "slice indices must be integers")
            })?;
            let n = if n < 0 { n + length } else { n };
            Ok(if step > 0 {
                n.clamp(0, length)
            } else {
                n.clamp(-1, length - 1)
            })
        };
        let (start, stop) = if step > 0 {
            (bound(&slice[0], 0)?, bound(&slice[1], length)?)
        } else {
            (bound(&slice[0], length - 1)?, bound(&slice[1], -1)?)
        };
        let mut out = Vec::new();
        let mut index = start;
        while (step > 0 && index < stop) || (step < 0 && index > stop) {
            out.push(items[index as usize].clone());
            index += step;
        }
        Ok(out)
    }

    /// `object[key] = value`.
    pub(crate) async fn set_item(&self, object: &Value, key: Value, value: Value) -> PyResult<()> {
        match object {
            Value::Dict(dict) => self.dict_insert(&mut dict.borrow_mut(), key, value),
            Value::List(list) => {
                if let Value::Slice(_) = key {
                    return Err(self.unsupported("slice assignment"));
                }
                let length = list.borrow().len();
                let at = self.index(length, &key, "list assignment")?;
                list.borrow_mut()[at] = value;
                Ok(())
            }
            Value::Instance(_) if self.user_dunder(object, "__setitem__").is_some() => {
                let method = self
                    .user_dunder(object, "__setitem__")
                    .unwrap_or(Value::None);
                self.call(&method, Args::positional(vec![key, value]))
                    .await
                    .map(|_| ())
            }
            Value::Unknown(unknown) => {
                Err(self.unsupported(format!("assigning into {}", unknown.what)))
            }
            other => self.type_error(format!(
                "'{}' object does not support item assignment",
                other.type_name()
            )),
        }
    }

    pub(crate) fn del_item(&self, object: &Value, key: &Value) -> PyResult<()> {
        match object {
            Value::Dict(dict) => match dict.borrow_mut().remove(key) {
                Some(_) => Ok(()),
                None => self.key_error(key.clone()),
            },
            Value::List(list) => {
                let length = list.borrow().len();
                let at = self.index(length, key, "list assignment")?;
                list.borrow_mut().remove(at);
                Ok(())
            }
            other => self.type_error(format!(
                "'{}' object does not support item deletion",
                other.type_name()
            )),
        }
    }
}
