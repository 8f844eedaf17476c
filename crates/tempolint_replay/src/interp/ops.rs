//! Operators: arithmetic, comparison, truth, containment, iteration and item access.

use std::cell::RefCell;
use std::rc::Rc;

use tempolint_python::ast::{CmpOp, Operator, UnaryOp};

use super::value::{Dict, Value};
use super::{Interp, PyResult};

impl Interp {
    pub(crate) fn truthy(&self, value: &Value) -> PyResult<bool> {
        self.truthy_sync(value)
    }

    pub(crate) fn truthy_sync(&self, value: &Value) -> PyResult<bool> {
        Ok(match value {
            Value::None => false,
            Value::Bool(flag) => *flag,
            Value::Int(number) => *number != 0,
            Value::Float(number) => *number != 0.0,
            Value::Str(text) => !text.is_empty(),
            Value::Bytes(bytes) => !bytes.is_empty(),
            Value::List(items) => !items.borrow().is_empty(),
            Value::Tuple(items) => !items.is_empty(),
            Value::Dict(dict) | Value::Set(dict) => !dict.borrow().is_empty(),
            Value::Range(start, stop, step) => range_len(*start, *stop, *step) > 0,
            Value::Instance(_) => {
                if let Some(method) = self.user_dunder(value, "__bool__") {
                    return self.truthy_sync(&self.call_sync(&method, Vec::new())?);
                }
                if let Some(method) = self.user_dunder(value, "__len__") {
                    return self.truthy_sync(&self.call_sync(&method, Vec::new())?);
                }
                true
            }
            Value::Native(native) => native.truthy(),
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("the truth value of {}", unknown.what)));
            }
            _ => true,
        })
    }

    pub(crate) fn unary_op(&self, op: UnaryOp, operand: &Value) -> PyResult<Value> {
        match (op, operand) {
            (UnaryOp::Not, value) => Ok(Value::Bool(!self.truthy(value)?)),
            (UnaryOp::USub, Value::Int(n)) => n
                .checked_neg()
                .map(Value::Int)
                .ok_or_else(|| self.unsupported("integer overflow")),
            (UnaryOp::USub, Value::Bool(b)) => Ok(Value::Int(-i64::from(*b))),
            (UnaryOp::USub, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::UAdd, Value::Int(_) | Value::Float(_)) => Ok(operand.clone()),
            (UnaryOp::UAdd, Value::Bool(b)) => Ok(Value::Int(i64::from(*b))),
            (UnaryOp::Invert, Value::Int(n)) => Ok(Value::Int(!n)),
            (UnaryOp::USub, Value::Native(native)) => native
                .negate()
                .ok_or_else(|| self.raise(&self.exc.type_error, "bad operand type for unary -")),
            (_, Value::Unknown(unknown)) => {
                Err(self.unsupported(format!("an operation on {}", unknown.what)))
            }
            _ => self.type_error(format!(
                "bad operand type for unary {}: '{}'",
                op.as_str(),
                operand.type_name()
            )),
        }
    }

    pub(crate) fn binary_op(&self, op: Operator, left: &Value, right: &Value) -> PyResult<Value> {
        self.binary_op_sync(op, left, right)
    }

    pub(crate) fn binary_op_sync(
        &self,
        op: Operator,
        left: &Value,
        right: &Value,
    ) -> PyResult<Value> {
        if let (Some(a), Some(b)) = (as_int(left), as_int(right)) {
            return self.int_op(op, a, b);
        }
        if let (Some(a), Some(b)) = (as_float(left), as_float(right)) {
            return self.float_op(op, a, b);
        }
        match (op, left, right) {
            (Operator::Add, Value::Str(a), Value::Str(b)) => {
                Ok(Value::Str(format!("{a}{b}").into()))
            }
            (Operator::Add, Value::Bytes(a), Value::Bytes(b)) => {
                Ok(Value::Bytes([a.as_ref(), b.as_ref()].concat().into()))
            }
            (Operator::Add, Value::List(a), Value::List(b)) => {
                let mut items = a.borrow().clone();
                items.extend(b.borrow().iter().cloned());
                Ok(Value::list(items))
            }
            (Operator::Add, Value::Tuple(a), Value::Tuple(b)) => {
                Ok(Value::tuple(a.iter().chain(b.iter()).cloned().collect()))
            }
            (Operator::Mult, Value::Str(text), count)
            | (Operator::Mult, count, Value::Str(text))
                if as_int(count).is_some() =>
            {
                let count = usize::try_from(as_int(count).unwrap_or(0)).unwrap_or(0);
                if text.len().saturating_mul(count) > 64 << 20 {
                    return Err(self.unsupported("a string this large"));
                }
                Ok(Value::Str(text.repeat(count).into()))
            }
            (Operator::Mult, Value::List(items), count)
            | (Operator::Mult, count, Value::List(items))
                if as_int(count).is_some() =>
            {
                let count = usize::try_from(as_int(count).unwrap_or(0)).unwrap_or(0);
                let items = items.borrow();
                if items.len().saturating_mul(count) > 16 << 20 {
                    return Err(self.unsupported("a list this large"));
                }
                Ok(Value::list(
                    items
                        .iter()
                        .cloned()
                        .cycle()
                        .take(items.len() * count)
                        .collect(),
                ))
            }
            (Operator::Mult, Value::Tuple(items), count)
            | (Operator::Mult, count, Value::Tuple(items))
                if as_int(count).is_some() =>
            {
                let count = usize::try_from(as_int(count).unwrap_or(0)).unwrap_or(0);
                Ok(Value::tuple(
                    items
                        .iter()
                        .cloned()
                        .cycle()
                        .take(items.len() * count)
                        .collect(),
                ))
            }
            (Operator::Mod, Value::Str(format), args) => {
                Ok(Value::Str(self.percent_format(format, args)?.into()))
            }
            (Operator::BitOr, Value::Dict(a), Value::Dict(b)) => {
                let mut dict = a.borrow().clone();
                for (key, value) in b.borrow().items() {
                    dict.insert(key, value);
                }
                Ok(Value::dict(dict))
            }
            (
                Operator::BitOr | Operator::BitAnd | Operator::Sub | Operator::BitXor,
                Value::Set(a),
                Value::Set(b),
            ) => {
                let (a, b) = (a.borrow(), b.borrow());
                let mut out = Dict::default();
                match op {
                    Operator::BitOr => {
                        for key in a.keys().into_iter().chain(b.keys()) {
                            out.insert(key, Value::None);
                        }
                    }
                    Operator::BitAnd => {
                        for key in a.keys().into_iter().filter(|k| b.contains(k)) {
                            out.insert(key, Value::None);
                        }
                    }
                    Operator::Sub => {
                        for key in a.keys().into_iter().filter(|k| !b.contains(k)) {
                            out.insert(key, Value::None);
                        }
                    }
                    _ => {
                        for key in a
                            .keys()
                            .into_iter()
                            .filter(|k| !b.contains(k))
                            .chain(b.keys().into_iter().filter(|k| !a.contains(k)))
                        {
                            out.insert(key, Value::None);
                        }
                    }
                }
                Ok(Value::Set(Rc::new(RefCell::new(out))))
            }
            (_, Value::Native(native), _) | (_, _, Value::Native(native)) => {
                match native.binary_op(op, left, right) {
                    Some(result) => Ok(result),
                    None => self.type_error(format!(
                        "unsupported operand type(s) for {}: '{}' and '{}'",
                        op.as_str(),
                        left.type_name(),
                        right.type_name()
                    )),
                }
            }
            (_, Value::Instance(_), _) | (_, _, Value::Instance(_)) => {
                let (dunder, rdunder) = dunder_names(op);
                if let Some(method) = self.user_dunder(left, dunder) {
                    return self.call_sync(&method, vec![right.clone()]);
                }
                if let Some(method) = self.user_dunder(right, rdunder) {
                    return self.call_sync(&method, vec![left.clone()]);
                }
                self.type_error(format!(
                    "unsupported operand type(s) for {}: '{}' and '{}'",
                    op.as_str(),
                    left.type_name(),
                    right.type_name()
                ))
            }
            (_, Value::Unknown(_), _) | (_, _, Value::Unknown(_))
                if [left, right]
                    .iter()
                    .all(|v| !matches!(v, Value::Unknown(_)) || v.is_inert_unknown()) =>
            {
                Ok(Value::inert_unknown(
                    format!("a value computed from {}", unknown_what(left, right)),
                    self.here(),
                ))
            }
            (_, Value::Unknown(unknown), _) | (_, _, Value::Unknown(unknown)) => {
                Err(self.unsupported(format!("an operation on {}", unknown.what)))
            }
            _ => self.type_error(format!(
                "unsupported operand type(s) for {}: '{}' and '{}'",
                op.as_str(),
                left.type_name(),
                right.type_name()
            )),
        }
    }

    fn int_op(&self, op: Operator, a: i64, b: i64) -> PyResult<Value> {
        let overflow = || self.unsupported("integer arithmetic beyond 64 bits");
        let zero = || self.raise(&self.exc.zero_division_error, "division by zero");
        Ok(Value::Int(match op {
            Operator::Add => a.checked_add(b).ok_or_else(overflow)?,
            Operator::Sub => a.checked_sub(b).ok_or_else(overflow)?,
            Operator::Mult => a.checked_mul(b).ok_or_else(overflow)?,
            Operator::Div => {
                if b == 0 {
                    return Err(self.raise(&self.exc.zero_division_error, "division by zero"));
                }
                return Ok(Value::Float(a as f64 / b as f64));
            }
            Operator::FloorDiv => {
                if b == 0 {
                    return Err(self.raise(
                        &self.exc.zero_division_error,
                        "integer division or modulo by zero",
                    ));
                }
                if a == i64::MIN && b == -1 {
                    return Err(overflow());
                }
                floor_div(a, b)
            }
            Operator::Mod => {
                if b == 0 {
                    return Err(self.raise(
                        &self.exc.zero_division_error,
                        "integer division or modulo by zero",
                    ));
                }
                a - b * floor_div(a, b)
            }
            Operator::Pow => {
                if b < 0 {
                    if a == 0 {
                        return Err(zero());
                    }
                    return Ok(Value::Float((a as f64).powf(b as f64)));
                }
                a.checked_pow(u32::try_from(b).map_err(|_| overflow())?)
                    .ok_or_else(overflow)?
            }
            Operator::LShift => {
                if !(0..63).contains(&b) {
                    return Err(overflow());
                }
                a.checked_mul(1_i64 << b).ok_or_else(overflow)?
            }
            Operator::RShift => a >> b.clamp(0, 63),
            Operator::BitAnd => a & b,
            Operator::BitOr => a | b,
            Operator::BitXor => a ^ b,
            Operator::MatMult => return self.type_error("unsupported operand type(s) for @"),
        }))
    }

    fn float_op(&self, op: Operator, a: f64, b: f64) -> PyResult<Value> {
        let zero = |message: &str| self.raise(&self.exc.zero_division_error, message);
        Ok(Value::Float(match op {
            Operator::Add => a + b,
            Operator::Sub => a - b,
            Operator::Mult => a * b,
            Operator::Div => {
                if b == 0.0 {
                    return Err(zero("float division by zero"));
                }
                a / b
            }
            Operator::FloorDiv => {
                if b == 0.0 {
                    return Err(zero("float floor division by zero"));
                }
                (a / b).floor()
            }
            Operator::Mod => {
                if b == 0.0 {
                    return Err(zero("float modulo"));
                }
                let r = a % b;
                if r != 0.0 && (r < 0.0) != (b < 0.0) {
                    r + b
                } else {
                    r
                }
            }
            Operator::Pow => a.powf(b),
            _ => {
                return self.type_error(format!(
                    "unsupported operand type(s) for {}: 'float'",
                    op.as_str()
                ));
            }
        }))
    }

    pub(crate) fn compare(&self, op: CmpOp, left: &Value, right: &Value) -> PyResult<bool> {
        self.compare_sync(op, left, right)
    }

    pub(crate) fn compare_sync(&self, op: CmpOp, left: &Value, right: &Value) -> PyResult<bool> {
        match op {
            CmpOp::Eq => self.py_eq(left, right),
            CmpOp::NotEq => Ok(!self.py_eq(left, right)?),
            CmpOp::Lt => self.py_lt(left, right),
            CmpOp::Gt => self.py_lt(right, left),
            CmpOp::LtE => Ok(!self.py_lt(right, left)?),
            CmpOp::GtE => Ok(!self.py_lt(left, right)?),
            // An unknown value is not known *not* to be `None` (or anything else).
            CmpOp::Is | CmpOp::IsNot if !is_same(left, right) => {
                if let Some(Value::Unknown(unknown)) = [left, right]
                    .into_iter()
                    .find(|value| matches!(value, Value::Unknown(_)))
                {
                    return Err(self.unsupported(format!("`is` on {}", unknown.what)));
                }
                Ok(op == CmpOp::IsNot)
            }
            CmpOp::Is => Ok(true),
            CmpOp::IsNot => Ok(false),
            CmpOp::In => self.contains(right, left),
            CmpOp::NotIn => Ok(!self.contains(right, left)?),
        }
    }

    pub(crate) fn py_eq(&self, left: &Value, right: &Value) -> PyResult<bool> {
        if let (Some(a), Some(b)) = (as_int(left), as_int(right)) {
            return Ok(a == b);
        }
        if let (Some(a), Some(b)) = (as_float(left), as_float(right)) {
            return Ok(a == b);
        }
        Ok(match (left, right) {
            (Value::None, Value::None) => true,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                self.seq_eq(&a, &b)?
            }
            (Value::Tuple(a), Value::Tuple(b)) => self.seq_eq(a, b)?,
            (Value::Dict(a), Value::Dict(b)) => {
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                if a.len() != b.len() {
                    return Ok(false);
                }
                for (key, value) in a.items() {
                    match b.get(&key) {
                        Some(other) if self.py_eq(&value, &other)? => {}
                        _ => return Ok(false),
                    }
                }
                true
            }
            (Value::Set(a), Value::Set(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.keys().iter().all(|k| b.contains(k))
            }
            (Value::Range(a1, a2, a3), Value::Range(b1, b2, b3)) => (a1, a2, a3) == (b1, b2, b3),
            (Value::Native(a), Value::Native(b)) => a.equals(b),
            (Value::Instance(a), _) | (_, Value::Instance(a)) => {
                if let Some(method) = self.user_dunder(left, "__eq__") {
                    return self.truthy_sync(&self.call_sync(&method, vec![right.clone()])?);
                }
                if let Some(value) = self.enum_value_eq(left, right) {
                    return Ok(value);
                }
                if let (Value::Instance(x), Value::Instance(y)) = (left, right) {
                    if Rc::ptr_eq(x, y) {
                        return Ok(true);
                    }
                    if Rc::ptr_eq(&x.class, &y.class)
                        && let Some(info) = x.class.dataclass.borrow().clone()
                    {
                        for field in &info.fields {
                            let (p, q) = (
                                x.get(&field.name).unwrap_or(Value::None),
                                y.get(&field.name).unwrap_or(Value::None),
                            );
                            if !self.py_eq(&p, &q)? {
                                return Ok(false);
                            }
                        }
                        return Ok(true);
                    }
                }
                let _ = a;
                false
            }
            (Value::Unknown(unknown), _) | (_, Value::Unknown(unknown)) => {
                return Err(self.unsupported(format!("comparing {}", unknown.what)));
            }
            _ => matches!((left.identity(), right.identity()), (Some(a), Some(b)) if a == b),
        })
    }

    fn seq_eq(&self, a: &[Value], b: &[Value]) -> PyResult<bool> {
        if a.len() != b.len() {
            return Ok(false);
        }
        for (x, y) in a.iter().zip(b) {
            if !self.py_eq(x, y)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(crate) fn py_lt(&self, left: &Value, right: &Value) -> PyResult<bool> {
        if let (Some(a), Some(b)) = (as_int(left), as_int(right)) {
            return Ok(a < b);
        }
        if let (Some(a), Some(b)) = (as_float(left), as_float(right)) {
            return Ok(a < b);
        }
        match (left, right) {
            (Value::Str(a), Value::Str(b)) => Ok(a < b),
            (Value::Bytes(a), Value::Bytes(b)) => Ok(a < b),
            (Value::List(a), Value::List(b)) => {
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                self.seq_lt(&a, &b)
            }
            (Value::Tuple(a), Value::Tuple(b)) => self.seq_lt(a, b),
            (Value::Native(a), Value::Native(b)) => a.less_than(b).ok_or_else(|| {
                self.raise(
                    &self.exc.type_error,
                    format!(
                        "'<' not supported between instances of '{}' and '{}'",
                        left.type_name(),
                        right.type_name()
                    ),
                )
            }),
            (Value::Instance(_), _) | (_, Value::Instance(_)) => {
                if let Some(method) = self.user_dunder(left, "__lt__") {
                    return self.truthy_sync(&self.call_sync(&method, vec![right.clone()])?);
                }
                if let Some(method) = self.user_dunder(right, "__gt__") {
                    return self.truthy_sync(&self.call_sync(&method, vec![left.clone()])?);
                }
                if let (Some(a), Some(b)) = (self.enum_raw_value(left), self.enum_raw_value(right))
                {
                    return self.py_lt(&a, &b);
                }
                self.type_error(format!(
                    "'<' not supported between instances of '{}' and '{}'",
                    left.type_name(),
                    right.type_name()
                ))
            }
            (Value::Unknown(unknown), _) | (_, Value::Unknown(unknown)) => {
                Err(self.unsupported(format!("comparing {}", unknown.what)))
            }
            _ => self.type_error(format!(
                "'<' not supported between instances of '{}' and '{}'",
                left.type_name(),
                right.type_name()
            )),
        }
    }

    fn seq_lt(&self, a: &[Value], b: &[Value]) -> PyResult<bool> {
        for (x, y) in a.iter().zip(b) {
            if !self.py_eq(x, y)? {
                return self.py_lt(x, y);
            }
        }
        Ok(a.len() < b.len())
    }

    pub(crate) fn contains(&self, container: &Value, item: &Value) -> PyResult<bool> {
        match container {
            Value::Str(text) => match item {
                Value::Str(needle) => Ok(text.contains(needle.as_ref())),
                other => self.type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.type_name()
                )),
            },
            Value::Dict(dict) | Value::Set(dict) => {
                if item.hash_key().is_none() {
                    return self.type_error(format!("unhashable type: '{}'", item.type_name()));
                }
                Ok(dict.borrow().contains(item))
            }
            Value::Range(start, stop, step) => Ok(as_int(item).is_some_and(|n| {
                if *step > 0 {
                    n >= *start && n < *stop && (n - start) % step == 0
                } else {
                    n <= *start && n > *stop && (start - n) % (-step) == 0
                }
            })),
            Value::Instance(_) if self.user_dunder(container, "__contains__").is_some() => {
                let method = self
                    .user_dunder(container, "__contains__")
                    .unwrap_or(Value::None);
                self.truthy_sync(&self.call_sync(&method, vec![item.clone()])?)
            }
            Value::Unknown(unknown) => {
                Err(self.unsupported(format!("membership in {}", unknown.what)))
            }
            other => {
                for element in self.iterate_sync(other)? {
                    if is_same(&element, item) || self.py_eq(&element, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    pub(crate) fn iterate(&self, value: &Value) -> PyResult<Vec<Value>> {
        self.iterate_sync(value)
    }

    /// The items of an iterable, materialized.
    pub(crate) fn iterate_sync(&self, value: &Value) -> PyResult<Vec<Value>> {
        Ok(match value {
            Value::List(items) => items.borrow().clone(),
            Value::Tuple(items) => items.to_vec(),
            Value::Str(text) => text
                .chars()
                .map(|c| Value::Str(c.to_string().into()))
                .collect(),
            Value::Bytes(bytes) => bytes.iter().map(|&b| Value::Int(i64::from(b))).collect(),
            Value::Dict(dict) => dict.borrow().keys(),
            Value::Set(set) => {
                let keys = set.borrow().keys();
                self.check_set_iteration(&keys)?;
                keys
            }
            Value::Range(start, stop, step) => {
                let length = range_len(*start, *stop, *step);
                if length > 10_000_000 {
                    return Err(self.unsupported("a range this large"));
                }
                (0..length).map(|i| Value::Int(start + i * step)).collect()
            }
            Value::Class(class) if class.enum_members.borrow().is_some() => class
                .enum_members
                .borrow()
                .as_ref()
                .map(|members| members.iter().map(|(_, v)| v.clone()).collect())
                .unwrap_or_default(),
            Value::Native(native) if matches!(native.as_ref(), super::native::Native::Generator(g) if !g.is_async) =>
            {
                let super::native::Native::Generator(generator) = native.as_ref() else {
                    unreachable!("matched above");
                };
                let mut items = Vec::new();
                while let Some(item) = self.block_on(Box::pin(
                    self.resume(generator, super::generators::Resume::Send(Value::None)),
                ))? {
                    items.push(item);
                    self.count_step()?;
                }
                items
            }
            Value::Native(native) => native.iterate().ok_or_else(|| {
                self.raise(
                    &self.exc.type_error,
                    format!("'{}' object is not iterable", value.type_name()),
                )
            })?,
            Value::Instance(_) if self.user_dunder(value, "__iter__").is_some() => {
                return Err(self.unsupported("iterating an object with a custom `__iter__`"));
            }
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("iterating {}", unknown.what)));
            }
            other => {
                return self.type_error(format!("'{}' object is not iterable", other.type_name()));
            }
        })
    }

    /// Iterating a set of strings depends on `PYTHONHASHSEED`; the runtime will not guess.
    fn check_set_iteration(&self, keys: &[Value]) -> PyResult<()> {
        let ordered = keys.len() <= 1
            || keys.iter().all(|key| {
                matches!(key, Value::Int(n) if (0..8).contains(n)) || matches!(key, Value::Bool(_))
            });
        if ordered {
            return Ok(());
        }
        Err(self
            .unsupported("iteration over a set (its order depends on hashing; use `sorted(...)`)"))
    }

    /// `dict[key] = value` on a dict being built, with Python's unhashable check.
    pub(crate) fn dict_insert(&self, dict: &mut Dict, key: Value, value: Value) -> PyResult<()> {
        if let Value::Unknown(unknown) = &key {
            return Err(self.unsupported(format!("using {} as a key", unknown.what)));
        }
        if !dict.insert(key.clone(), value) {
            return self.type_error(format!("unhashable type: '{}'", key.type_name()));
        }
        Ok(())
    }

    /// The `(key, value)` pairs of a mapping (`**mapping`, `dict(mapping)`).
    pub(crate) fn mapping_items(&self, value: &Value) -> PyResult<Vec<(Value, Value)>> {
        match value {
            Value::Dict(dict) => Ok(dict.borrow().items()),
            Value::Unknown(unknown) => Err(self.unsupported(format!("unpacking {}", unknown.what))),
            other => self.type_error(format!("'{}' object is not a mapping", other.type_name())),
        }
    }

    pub(crate) fn len_of(&self, value: &Value) -> PyResult<usize> {
        Ok(match value {
            Value::Str(text) => text.chars().count(),
            Value::Bytes(bytes) => bytes.len(),
            Value::List(items) => items.borrow().len(),
            Value::Tuple(items) => items.len(),
            Value::Dict(dict) | Value::Set(dict) => dict.borrow().len(),
            Value::Range(start, stop, step) => {
                usize::try_from(range_len(*start, *stop, *step)).unwrap_or(0)
            }
            Value::Instance(_) if self.user_dunder(value, "__len__").is_some() => {
                let method = self.user_dunder(value, "__len__").unwrap_or(Value::None);
                match self.call_sync(&method, Vec::new())? {
                    Value::Int(n) => usize::try_from(n).unwrap_or(0),
                    _ => return self.type_error("__len__ should return an int"),
                }
            }
            Value::Class(class) if class.enum_members.borrow().is_some() => {
                class.enum_members.borrow().as_ref().map_or(0, Vec::len)
            }
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("len() of {}", unknown.what)));
            }
            other => {
                return self.type_error(format!(
                    "object of type '{}' has no len()",
                    other.type_name()
                ));
            }
        })
    }
}

pub(crate) fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub(crate) fn as_float(value: &Value) -> Option<f64> {
    match value {
        Value::Int(n) => Some(*n as f64),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

pub(crate) fn floor_div(a: i64, b: i64) -> i64 {
    let quotient = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        quotient - 1
    } else {
        quotient
    }
}

pub(crate) fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    }
}

/// `is`: identity for objects, value identity for the singletons and small immutables.
pub(crate) fn is_same(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::None, Value::None) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
        _ => matches!((left.identity(), right.identity()), (Some(a), Some(b)) if a == b),
    }
}

fn dunder_names(op: Operator) -> (&'static str, &'static str) {
    match op {
        Operator::Add => ("__add__", "__radd__"),
        Operator::Sub => ("__sub__", "__rsub__"),
        Operator::Mult => ("__mul__", "__rmul__"),
        Operator::Div => ("__truediv__", "__rtruediv__"),
        Operator::FloorDiv => ("__floordiv__", "__rfloordiv__"),
        Operator::Mod => ("__mod__", "__rmod__"),
        Operator::Pow => ("__pow__", "__rpow__"),
        Operator::BitOr => ("__or__", "__ror__"),
        Operator::BitAnd => ("__and__", "__rand__"),
        Operator::BitXor => ("__xor__", "__rxor__"),
        Operator::LShift => ("__lshift__", "__rlshift__"),
        Operator::RShift => ("__rshift__", "__rrshift__"),
        Operator::MatMult => ("__matmul__", "__rmatmul__"),
    }
}

fn unknown_what(left: &Value, right: &Value) -> String {
    match (left, right) {
        (Value::Unknown(unknown), _) | (_, Value::Unknown(unknown)) => unknown.what.clone(),
        _ => String::new(),
    }
}
