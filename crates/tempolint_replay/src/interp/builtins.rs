//! Python builtins (`len`, `range`, `sorted`, `isinstance`, ...) and the dispatch of every
//! native callable by name.

use std::cell::RefCell;
use std::rc::Rc;

use super::expr::Args;
use super::native::Native;
use super::ops::{as_float, as_int};
use super::value::{Builtin, Dict, Value};
use super::{Interp, LocalFuture, PyResult};

const FUNCTIONS: &[&str] = &[
    "len",
    "range",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "abs",
    "round",
    "isinstance",
    "issubclass",
    "print",
    "repr",
    "getattr",
    "setattr",
    "hasattr",
    "callable",
    "map",
    "filter",
    "iter",
    "next",
    "hash",
    "id",
    "divmod",
    "pow",
    "ord",
    "chr",
    "format",
    "super",
    "staticmethod",
    "classmethod",
    "property",
    "vars",
    "open",
    "input",
    "breakpoint",
    "NotImplemented",
];

pub(crate) fn install(interp: &Interp) {
    for name in FUNCTIONS {
        interp.builtins.set(name, Value::builtin(name));
    }
    for (name, class) in &interp.natives.types {
        interp.builtins.set(name, Value::Class(class.clone()));
    }
    interp
        .builtins
        .set("object", Value::Class(interp.natives.object.clone()));
    for (name, module, class) in interp.exc.all() {
        if module == "builtins" {
            interp.builtins.set(name, Value::Class(class));
        }
    }
    interp.builtins.set("__name__", Value::str("__main__"));
}

impl Interp {
    pub(crate) fn call_builtin(
        &self,
        builtin: Rc<Builtin>,
        args: Args,
    ) -> LocalFuture<'_, PyResult<Value>> {
        Box::pin(async move {
            let name = builtin.name.as_ref();
            if let Some(qualified) = name.strip_prefix("stdlib:") {
                return self.call_stdlib(qualified, builtin.receiver.as_ref(), args);
            }
            if let Some(receiver) = &builtin.receiver {
                return self.call_method(name, receiver.clone(), args);
            }
            if name.contains('.') {
                return self.call_library(name, args).await;
            }
            self.call_global(name, args).await
        })
    }

    async fn call_global(&self, name: &str, args: Args) -> PyResult<Value> {
        let first = args.positional.first().cloned();
        let arg = |index: usize| args.positional.get(index).cloned();
        match name {
            "len" => Ok(Value::Int(
                self.len_of(&first.unwrap_or(Value::None))? as i64
            )),
            "range" => {
                let numbers: Vec<i64> = args
                    .positional
                    .iter()
                    .map(|v| as_int(v).ok_or(()))
                    .collect::<Result<_, _>>()
                    .map_err(|()| {
                        self.raise(&self.exc.type_error, "range() integer arguments expected")
                    })?;
                let (start, stop, step) = match numbers.as_slice() {
                    [stop] => (0, *stop, 1),
                    [start, stop] => (*start, *stop, 1),
                    [start, stop, step] => (*start, *stop, *step),
                    _ => return self.type_error("range expected 1 to 3 arguments"),
                };
                if step == 0 {
                    return self.value_error("range() arg 3 must not be zero");
                }
                Ok(Value::Range(start, stop, step))
            }
            "sorted" => {
                let mut items = self.iterate(&first.unwrap_or(Value::None))?;
                self.sort_values(
                    &mut items,
                    args.keyword("key"),
                    args.keyword("reverse")
                        .map(|v| self.truthy_sync(v))
                        .transpose()?
                        .unwrap_or(false),
                )?;
                Ok(Value::list(items))
            }
            "reversed" => {
                let mut items = self.iterate(&first.unwrap_or(Value::None))?;
                items.reverse();
                Ok(Value::list(items))
            }
            "enumerate" => {
                let start = args.get(1, "start").and_then(as_int).unwrap_or(0);
                let items = self.iterate(&first.unwrap_or(Value::None))?;
                Ok(Value::list(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| Value::tuple(vec![Value::Int(start + i as i64), v]))
                        .collect(),
                ))
            }
            "zip" => {
                let mut columns = Vec::new();
                for iterable in &args.positional {
                    columns.push(self.iterate(iterable)?);
                }
                let length = columns.iter().map(Vec::len).min().unwrap_or(0);
                Ok(Value::list(
                    (0..length)
                        .map(|i| Value::tuple(columns.iter().map(|c| c[i].clone()).collect()))
                        .collect(),
                ))
            }
            "min" | "max" => {
                let items = if args.positional.len() == 1 {
                    self.iterate(&args.positional[0])?
                } else {
                    args.positional.clone()
                };
                if items.is_empty() {
                    if let Some(default) = args.keyword("default") {
                        return Ok(default.clone());
                    }
                    return self.value_error(format!("{name}() arg is an empty sequence"));
                }
                let key = args.keyword("key").cloned();
                let mut best = items[0].clone();
                let mut best_key = match &key {
                    Some(key) => self.call_sync(key, vec![best.clone()])?,
                    None => best.clone(),
                };
                for item in &items[1..] {
                    let item_key = match &key {
                        Some(key) => self.call_sync(key, vec![item.clone()])?,
                        None => item.clone(),
                    };
                    let better = if name == "min" {
                        self.py_lt(&item_key, &best_key)?
                    } else {
                        self.py_lt(&best_key, &item_key)?
                    };
                    if better {
                        best = item.clone();
                        best_key = item_key;
                    }
                }
                Ok(best)
            }
            "sum" => {
                let mut total = args.get(1, "start").cloned().unwrap_or(Value::Int(0));
                for item in self.iterate(&first.unwrap_or(Value::None))? {
                    total =
                        self.binary_op_sync(tempolint_python::ast::Operator::Add, &total, &item)?;
                }
                Ok(total)
            }
            "any" | "all" => {
                for item in self.iterate(&first.unwrap_or(Value::None))? {
                    let truthy = self.truthy_sync(&item)?;
                    if name == "any" && truthy {
                        return Ok(Value::Bool(true));
                    }
                    if name == "all" && !truthy {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(name == "all"))
            }
            "abs" => match first {
                Some(Value::Int(n)) => Ok(Value::Int(n.abs())),
                Some(Value::Float(f)) => Ok(Value::Float(f.abs())),
                Some(Value::Bool(b)) => Ok(Value::Int(i64::from(b))),
                Some(Value::Native(native)) => Ok(match native.as_ref() {
                    Native::TimeDelta { micros } => Native::timedelta(micros.abs()),
                    _ => return self.type_error("bad operand type for abs()"),
                }),
                _ => self.type_error("bad operand type for abs()"),
            },
            "round" => {
                let number = as_float(&first.clone().unwrap_or(Value::None))
                    .ok_or_else(|| self.raise(&self.exc.type_error, "round() needs a number"))?;
                match arg(1).filter(|v| !v.is_none()) {
                    None => Ok(Value::Int(round_half_even(number) as i64)),
                    Some(digits) => {
                        let digits = as_int(&digits).unwrap_or(0);
                        // Python rounds the exact binary value (2.675 is 2.67499...): so does
                        // Rust's float formatting, unlike scaling by a power of ten.
                        let rounded = if (0..=17).contains(&digits) {
                            format!("{number:.prec$}", prec = digits as usize)
                                .parse::<f64>()
                                .unwrap_or(number)
                        } else {
                            let factor = 10_f64.powi(digits as i32);
                            round_half_even(number * factor) / factor
                        };
                        Ok(if matches!(first, Some(Value::Int(_))) {
                            Value::Int(rounded as i64)
                        } else {
                            Value::Float(rounded)
                        })
                    }
                }
            }
            "isinstance" => Ok(Value::Bool(self.isinstance(
                &first.unwrap_or(Value::None),
                &arg(1).unwrap_or(Value::None),
            )?)),
            "issubclass" => match (first, arg(1)) {
                (Some(Value::Class(a)), Some(Value::Class(b))) => {
                    Ok(Value::Bool(a.is_subclass_of(&b)))
                }
                (Some(Value::Class(a)), Some(Value::Tuple(classes))) => {
                    Ok(Value::Bool(classes.iter().any(
                        |c| matches!(c, Value::Class(b) if a.is_subclass_of(b)),
                    )))
                }
                _ => self.type_error("issubclass() arg 1 must be a class"),
            },
            "print" => Ok(Value::None),
            "repr" => Ok(Value::Str(
                self.py_repr(&first.unwrap_or(Value::None))?.into(),
            )),
            "getattr" => {
                let object = first.unwrap_or(Value::None);
                let Some(Value::Str(attribute)) = arg(1) else {
                    return self.type_error("attribute name must be string");
                };
                match self.get_attr(&object, &attribute) {
                    Err(super::Unwind::Exception(error))
                        if Self::is_instance_of(&error, &self.exc.attribute_error) =>
                    {
                        match arg(2) {
                            Some(default) => Ok(default),
                            None => Err(super::Unwind::Exception(error)),
                        }
                    }
                    other => other,
                }
            }
            "hasattr" => {
                let Some(Value::Str(attribute)) = arg(1) else {
                    return self.type_error("attribute name must be string");
                };
                match self.get_attr(&first.unwrap_or(Value::None), &attribute) {
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(super::Unwind::Exception(_)) => Ok(Value::Bool(false)),
                    Err(stop) => Err(stop),
                }
            }
            "setattr" => {
                let Some(Value::Str(attribute)) = arg(1) else {
                    return self.type_error("attribute name must be string");
                };
                self.set_attr(
                    &first.unwrap_or(Value::None),
                    &attribute,
                    arg(2).unwrap_or(Value::None),
                )?;
                Ok(Value::None)
            }
            "callable" => Ok(Value::Bool(matches!(
                first,
                Some(
                    Value::Function(_)
                        | Value::Builtin(_)
                        | Value::BoundMethod(_)
                        | Value::Class(_)
                )
            ))),
            "map" => {
                let function = first.unwrap_or(Value::None);
                let mut columns = Vec::new();
                for iterable in &args.positional[1..] {
                    columns.push(self.iterate(iterable)?);
                }
                let length = columns.iter().map(Vec::len).min().unwrap_or(0);
                let mut out = Vec::with_capacity(length);
                for index in 0..length {
                    out.push(
                        self.call(
                            &function,
                            Args::positional(columns.iter().map(|c| c[index].clone()).collect()),
                        )
                        .await?,
                    );
                }
                Ok(Value::list(out))
            }
            "filter" => {
                let function = first.unwrap_or(Value::None);
                let mut out = Vec::new();
                for item in self.iterate(&arg(1).unwrap_or(Value::None))? {
                    let keep = if function.is_none() {
                        item.clone()
                    } else {
                        self.call(&function, Args::positional(vec![item.clone()]))
                            .await?
                    };
                    if self.truthy_sync(&keep)? {
                        out.push(item);
                    }
                }
                Ok(Value::list(out))
            }
            "iter" => {
                let items = self.iterate(&first.unwrap_or(Value::None))?;
                Ok(Value::Native(Rc::new(Native::Iterator(RefCell::new((
                    items, 0,
                ))))))
            }
            "next" => match &first {
                Some(Value::Native(native)) => match native.as_ref() {
                    Native::Iterator(state) => {
                        let mut state = state.borrow_mut();
                        if let Some(item) = state.0.get(state.1).cloned() {
                            state.1 += 1;
                            return Ok(item);
                        }
                        drop(state);
                        match arg(1) {
                            Some(default) => Ok(default),
                            None => Err(super::Unwind::Exception(
                                self.new_exception(&self.exc.stop_iteration, Vec::new()),
                            )),
                        }
                    }
                    _ => self.type_error("object is not an iterator"),
                },
                _ => Err(self.unsupported("next() on this object")),
            },
            "hash" => match first.as_ref().and_then(Value::hash_key) {
                Some(super::value::Key::Int(n)) => Ok(Value::Int(n)),
                Some(_) => {
                    Err(self.unsupported("hash() of this value (it depends on PYTHONHASHSEED)"))
                }
                None => self.type_error("unhashable type"),
            },
            "id" => Err(self.unsupported("id() (object addresses differ between runs)")),
            "divmod" => {
                let (a, b) = (first.unwrap_or(Value::None), arg(1).unwrap_or(Value::None));
                let quotient =
                    self.binary_op_sync(tempolint_python::ast::Operator::FloorDiv, &a, &b)?;
                let remainder =
                    self.binary_op_sync(tempolint_python::ast::Operator::Mod, &a, &b)?;
                Ok(Value::tuple(vec![quotient, remainder]))
            }
            "pow" => self.binary_op_sync(
                tempolint_python::ast::Operator::Pow,
                &first.unwrap_or(Value::None),
                &arg(1).unwrap_or(Value::None),
            ),
            "ord" => match first {
                Some(Value::Str(text)) if text.chars().count() == 1 => Ok(Value::Int(i64::from(
                    u32::from(text.chars().next().unwrap_or('\0')),
                ))),
                _ => self.type_error("ord() expected a character"),
            },
            "chr" => match first
                .as_ref()
                .and_then(as_int)
                .and_then(|n| u32::try_from(n).ok())
                .and_then(char::from_u32)
            {
                Some(ch) => Ok(Value::Str(ch.to_string().into())),
                None => self.value_error("chr() arg not in range"),
            },
            "format" => {
                let spec = match arg(1) {
                    Some(Value::Str(spec)) => spec.to_string(),
                    _ => String::new(),
                };
                Ok(Value::Str(
                    self.format_value(&first.unwrap_or(Value::None), &spec)?
                        .into(),
                ))
            }
            "super" => self.builtin_super(args),
            "staticmethod" | "classmethod" | "property" => {
                if let Some(Value::Function(function)) = &first {
                    let mut meta = function.meta.borrow_mut();
                    match name {
                        "staticmethod" => meta.is_staticmethod = true,
                        "classmethod" => meta.is_classmethod = true,
                        _ => meta.is_property = true,
                    }
                }
                Ok(first.unwrap_or(Value::None))
            }
            "vars" => match first {
                Some(Value::Instance(instance)) => Ok(Value::dict(instance.attrs.borrow().clone())),
                _ => Err(self.unsupported("vars() of this object")),
            },
            "open" | "input" | "breakpoint" => {
                Err(self.restricted(self.restrictions.message(&format!("__builtins__.{name}"))))
            }
            _ => Err(self.unsupported(format!("the builtin `{name}`"))),
        }
    }

    /// `isinstance(value, class_or_tuple)`, including the builtin types.
    pub(crate) fn isinstance(&self, value: &Value, class: &Value) -> PyResult<bool> {
        match class {
            Value::Tuple(classes) => {
                for class in classes.iter() {
                    if self.isinstance(value, class)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Class(class) => {
                if let Some(native) = class.native {
                    let matched = matches!(
                        (native, value),
                        ("object", _)
                            | ("int", Value::Int(_) | Value::Bool(_))
                            | ("bool", Value::Bool(_))
                            | ("float", Value::Float(_))
                            | ("str", Value::Str(_))
                            | ("list", Value::List(_))
                            | ("tuple", Value::Tuple(_))
                            | ("dict", Value::Dict(_))
                            | ("set", Value::Set(_))
                            | ("bytes", Value::Bytes(_))
                            | ("type", Value::Class(_))
                    );
                    if matched {
                        return Ok(true);
                    }
                }
                match value {
                    Value::Instance(instance) => Ok(instance.class.is_subclass_of(class)),
                    Value::Native(native) => {
                        Ok(class.native.is_some_and(|n| n == native.type_name()))
                    }
                    Value::Future(_) => Ok(matches!(class.native, Some("Future" | "Task"))),
                    Value::Unknown(unknown) => {
                        Err(self.unsupported(format!("isinstance() of {}", unknown.what)))
                    }
                    _ => Ok(false),
                }
            }
            Value::Native(native) if matches!(native.as_ref(), Native::TypingForm(_)) => {
                Err(self.unsupported("isinstance() with a typing construct"))
            }
            Value::Unknown(unknown) => {
                Err(self.unsupported(format!("isinstance() against {}", unknown.what)))
            }
            _ => self.type_error("isinstance() arg 2 must be a type or tuple of types"),
        }
    }

    fn builtin_super(&self, args: Args) -> PyResult<Value> {
        match args.positional.as_slice() {
            [Value::Class(class), instance] => Ok(Value::Native(Rc::new(Native::Super {
                class: class.clone(),
                instance: instance.clone(),
            }))),
            [] => Err(self.unsupported("zero-argument `super()` outside a method")),
            _ => self.type_error("super() takes a class and an instance"),
        }
    }

    /// `sorted`/`list.sort` with `key=` and `reverse=` (stable, like Python's).
    pub(crate) fn sort_values(
        &self,
        items: &mut [Value],
        key: Option<&Value>,
        reverse: bool,
    ) -> PyResult<()> {
        let keys: Vec<Value> = match key {
            Some(key) if !key.is_none() => items
                .iter()
                .map(|item| self.call_sync(key, vec![item.clone()]))
                .collect::<PyResult<_>>()?,
            _ => items.to_vec(),
        };
        let mut order: Vec<usize> = (0..items.len()).collect();
        let mut failure = None;
        order.sort_by(|&a, &b| {
            if failure.is_some() {
                return std::cmp::Ordering::Equal;
            }
            let (x, y) = if reverse {
                (&keys[b], &keys[a])
            } else {
                (&keys[a], &keys[b])
            };
            match self.py_lt(x, y) {
                Ok(true) => std::cmp::Ordering::Less,
                Ok(false) => match self.py_lt(y, x) {
                    Ok(true) => std::cmp::Ordering::Greater,
                    Ok(false) => std::cmp::Ordering::Equal,
                    Err(error) => {
                        failure = Some(error);
                        std::cmp::Ordering::Equal
                    }
                },
                Err(error) => {
                    failure = Some(error);
                    std::cmp::Ordering::Equal
                }
            }
        });
        if let Some(error) = failure {
            return Err(error);
        }
        let sorted: Vec<Value> = order.iter().map(|&i| items[i].clone()).collect();
        items.clone_from_slice(&sorted);
        Ok(())
    }

    /// A restricted or unmodelled library call (`datetime.datetime.now()`, `os.getenv()`).
    fn call_stdlib(
        &self,
        qualified: &str,
        _receiver: Option<&Value>,
        args: Args,
    ) -> PyResult<Value> {
        match self.restrictions.check_use(qualified) {
            super::sandbox::Verdict::Restricted { only_runtime }
                if !(only_runtime && self.importing.get() > 0)
                    && self.unrestricted_depth.get() == 0
                    && !self.calling_from_passed_through_module() =>
            {
                Err(self.restricted(self.restrictions.message(qualified)))
            }
            _ => {
                // The sandbox lets this call through; its result is unknown but only matters
                // if the workflow decides something with it. A call that may change one of its
                // arguments cannot be followed.
                if args
                    .positional
                    .iter()
                    .chain(args.keywords.iter().map(|(_, v)| v))
                    .any(Value::is_mutable)
                {
                    return Err(self.unsupported(format!(
                        "`{qualified}()` with a mutable argument (not modelled)"
                    )));
                }
                Ok(Value::inert_unknown(
                    format!("the result of `{qualified}()`"),
                    self.here(),
                ))
            }
        }
    }

    /// Code of a module imported under `imports_passed_through()` runs outside the sandbox: its
    /// calls are not restricted (they are still not modelled).
    fn calling_from_passed_through_module(&self) -> bool {
        let Some(loc) = self.here() else {
            return false;
        };
        if loc.source as usize >= self.sources.borrow().len() {
            return false;
        }
        let module = self.source(loc.source).module.clone();
        self.modules
            .borrow()
            .get(&module)
            .is_some_and(|m| m.passed_through.get())
    }

    pub(crate) fn dict_from_pairs(&self, pairs: Vec<Value>) -> PyResult<Dict> {
        let mut dict = Dict::default();
        for pair in pairs {
            let items = self.iterate_sync(&pair)?;
            let [key, value] = <[Value; 2]>::try_from(items).map_err(|_| {
                self.raise(
                    &self.exc.value_error,
                    "dictionary update sequence element has wrong length",
                )
            })?;
            self.dict_insert(&mut dict, key, value)?;
        }
        Ok(dict)
    }
}

/// Python's `round()`: half to even.
#[allow(
    clippy::float_cmp,
    reason = "an exact half is what selects banker's rounding"
)]
pub(crate) fn round_half_even(number: f64) -> f64 {
    let rounded = number.round();
    if (number - number.trunc()).abs() == 0.5 && rounded % 2.0 != 0.0 {
        rounded - number.signum()
    } else {
        rounded
    }
}
