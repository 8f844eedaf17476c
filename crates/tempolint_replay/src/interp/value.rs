//! Python values as a small enum, with identity where Python has it (`Rc`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use tempolint_python::ast;

use super::event_loop::FutureObj;
use super::native::Native;
use super::{Loc, ModuleRef};

pub(crate) type Shared<T> = Rc<RefCell<T>>;

/// A Python value.
#[derive(Clone)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    List(Shared<Vec<Value>>),
    Tuple(Rc<[Value]>),
    Dict(Shared<Dict>),
    Set(Shared<Dict>),
    Range(i64, i64, i64),
    Slice(Rc<[Value; 3]>),
    Function(Rc<Function>),
    Builtin(Rc<Builtin>),
    BoundMethod(Rc<(Value, Value)>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(ModuleRef),
    Coroutine(Rc<Coroutine>),
    Future(Rc<FutureObj>),
    Native(Rc<Native>),
    /// Something the runtime cannot model; using it is `inconclusive`.
    Unknown(Rc<Unknown>),
}

/// What an `Unknown` stands for and where it came from.
pub(crate) struct Unknown {
    pub(crate) what: String,
    pub(crate) loc: Option<Loc>,
    /// Produced by a library call the sandbox allows: combining it into other values is fine,
    /// only deciding anything with it (branching, comparing, naming a command) is not.
    pub(crate) inert: bool,
}

/// A native callable: a builtin function, a library function or a bound native method.
pub(crate) struct Builtin {
    pub(crate) name: Rc<str>,
    pub(crate) receiver: Option<Value>,
}

/// A user-defined function or lambda.
pub(crate) struct Function {
    pub(crate) name: Rc<str>,
    pub(crate) qualname: Rc<str>,
    pub(crate) body: FunctionBody,
    pub(crate) module: ModuleRef,
    pub(crate) closure: Option<Rc<super::scope::Scope>>,
    pub(crate) defaults: Vec<Value>,
    pub(crate) kw_defaults: Vec<(Rc<str>, Value)>,
    pub(crate) meta: RefCell<FunctionMeta>,
}

#[derive(Clone, Copy)]
pub(crate) enum FunctionBody {
    Def(&'static ast::StmtFunctionDef),
    Lambda(&'static ast::ExprLambda),
}

impl Function {
    pub(crate) fn is_async(&self) -> bool {
        matches!(self.body, FunctionBody::Def(def) if def.is_async)
    }

    pub(crate) fn parameters(&self) -> Option<&'static ast::Parameters> {
        match self.body {
            FunctionBody::Def(def) => Some(&def.parameters),
            FunctionBody::Lambda(lambda) => lambda.parameters.as_deref(),
        }
    }
}

/// Markers that Temporal decorators leave on functions.
#[derive(Default, Clone)]
pub(crate) struct FunctionMeta {
    /// `@activity.defn` (with its registered name).
    pub(crate) activity_name: Option<Rc<str>>,
    /// The workflow type when this is a `@workflow.run` method of a `@workflow.defn` class.
    pub(crate) workflow_run_of: Option<Rc<str>>,
    pub(crate) is_run: bool,
    pub(crate) is_init: bool,
    pub(crate) signal: Option<HandlerName>,
    pub(crate) query: Option<HandlerName>,
    pub(crate) update: Option<HandlerName>,
    pub(crate) validator: Option<Value>,
    pub(crate) is_staticmethod: bool,
    pub(crate) is_classmethod: bool,
    pub(crate) is_property: bool,
    /// Decorated `@contextlib.contextmanager` / `@contextlib.asynccontextmanager`.
    pub(crate) context_manager: bool,
    /// Whether the body yields (computed on the first call).
    pub(crate) generator: Option<bool>,
    /// The class whose body defined this function (zero-argument `super()`).
    pub(crate) defining_class: Option<std::rc::Weak<Class>>,
}

/// A handler's registered name; `None` for a dynamic handler.
#[derive(Clone)]
pub(crate) struct HandlerName(pub(crate) Option<Rc<str>>);

/// A class: user-defined, or a native one modelled by the runtime (exceptions, `Enum`, ...).
pub(crate) struct Class {
    pub(crate) name: Rc<str>,
    pub(crate) module: Rc<str>,
    pub(crate) bases: Vec<Rc<Class>>,
    /// The method resolution order after the class itself (holding the class there would be a
    /// reference cycle: every class would outlive its replay).
    pub(crate) ancestors: RefCell<Vec<Rc<Class>>>,
    pub(crate) attrs: RefCell<Dict>,
    pub(crate) native: Option<&'static str>,
    pub(crate) dataclass: RefCell<Option<Rc<DataclassInfo>>>,
    pub(crate) enum_members: RefCell<Option<EnumMembers>>,
    pub(crate) workflow: RefCell<Option<WorkflowDefn>>,
    pub(crate) defined_at: Option<Loc>,
}

/// The members of an `Enum` class, in definition order.
pub(crate) type EnumMembers = Vec<(Rc<str>, Value)>;

/// `@workflow.defn` data.
#[derive(Clone)]
pub(crate) struct WorkflowDefn {
    /// `None` for `dynamic=True`.
    pub(crate) name: Option<Rc<str>>,
    /// `failure_exception_types=[...]`: exceptions that fail the workflow, not the task.
    pub(crate) failure_exception_types: Vec<Value>,
}

pub(crate) struct DataclassInfo {
    pub(crate) fields: Vec<DataclassField>,
    pub(crate) frozen: bool,
}

/// An annotation expression and the module it is evaluated in.
pub(crate) type Annotation = Option<(&'static ast::Expr, ModuleRef)>;

pub(crate) struct DataclassField {
    pub(crate) name: Rc<str>,
    pub(crate) default: Option<Value>,
    pub(crate) default_factory: Option<Value>,
    pub(crate) init: bool,
    pub(crate) kw_only: bool,
    pub(crate) annotation: Annotation,
}

impl Class {
    pub(crate) fn new(
        name: &str,
        module: &str,
        bases: Vec<Rc<Class>>,
        native: Option<&'static str>,
    ) -> Rc<Class> {
        let class = Rc::new(Class {
            name: name.into(),
            module: module.into(),
            bases,
            ancestors: RefCell::new(Vec::new()),
            attrs: RefCell::new(Dict::default()),
            native,
            dataclass: RefCell::new(None),
            enum_members: RefCell::new(None),
            workflow: RefCell::new(None),
            defined_at: None,
        });
        class.compute_mro();
        class
    }

    /// C3 linearization (falls back to depth-first order when inconsistent).
    pub(crate) fn compute_mro(self: &Rc<Self>) {
        let mut sequences: Vec<Vec<Rc<Class>>> = self.bases.iter().map(Class::mro).collect();
        sequences.push(self.bases.clone());
        let mut result = Vec::new();
        loop {
            sequences.retain(|sequence| !sequence.is_empty());
            if sequences.is_empty() {
                break;
            }
            let candidate =
                sequences
                    .iter()
                    .map(|sequence| sequence[0].clone())
                    .find(|candidate| {
                        !sequences.iter().any(|sequence| {
                            sequence[1..]
                                .iter()
                                .any(|other| Rc::ptr_eq(other, candidate))
                        })
                    });
            let Some(candidate) = candidate else {
                for sequence in &sequences {
                    for class in sequence {
                        if !result.iter().any(|known| Rc::ptr_eq(known, class)) {
                            result.push(class.clone());
                        }
                    }
                }
                break;
            };
            for sequence in &mut sequences {
                if Rc::ptr_eq(&sequence[0], &candidate) {
                    sequence.remove(0);
                }
            }
            result.push(candidate);
        }
        *self.ancestors.borrow_mut() = result;
    }

    /// The method resolution order: the class, then its ancestors.
    pub(crate) fn mro(self: &Rc<Self>) -> Vec<Rc<Class>> {
        let ancestors = self.ancestors.borrow();
        let mut mro = Vec::with_capacity(ancestors.len() + 1);
        mro.push(Rc::clone(self));
        mro.extend(ancestors.iter().cloned());
        mro
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(value) = self.attrs.borrow().get_str(name) {
            return Some(value);
        }
        for class in self.ancestors.borrow().iter() {
            if let Some(value) = class.attrs.borrow().get_str(name) {
                return Some(value);
            }
        }
        None
    }

    pub(crate) fn is_subclass_of(&self, other: &Rc<Class>) -> bool {
        std::ptr::eq(self, Rc::as_ptr(other))
            || self
                .ancestors
                .borrow()
                .iter()
                .any(|class| Rc::ptr_eq(class, other))
    }
}

/// An instance of a class.
pub(crate) struct Instance {
    pub(crate) class: Rc<Class>,
    pub(crate) attrs: RefCell<Dict>,
    /// Where an exception instance was raised (for messages).
    pub(crate) raised_at: Cell<Option<Loc>>,
}

impl Instance {
    pub(crate) fn new(class: Rc<Class>) -> Rc<Instance> {
        Rc::new(Instance {
            class,
            attrs: RefCell::new(Dict::default()),
            raised_at: Cell::new(None),
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<Value> {
        self.attrs.borrow().get_str(name)
    }

    pub(crate) fn set(&self, name: &str, value: Value) {
        self.attrs
            .borrow_mut()
            .insert(Value::Str(name.into()), value);
    }
}

/// A coroutine object: an `async def` called but not yet awaited.
pub(crate) struct Coroutine {
    pub(crate) name: Rc<str>,
    pub(crate) kind: RefCell<Option<CoroutineKind>>,
}

pub(crate) enum CoroutineKind {
    /// A user `async def` with its arguments bound.
    User {
        function: Rc<Function>,
        scope: Rc<super::scope::Scope>,
    },
    /// A coroutine of the modelled library (`workflow.execute_activity(...)`, `asyncio.sleep`).
    Native(super::native::NativeCoroutine),
}

/// Hashable identity of a value used as a dict key or set member.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Key {
    None,
    Int(i64),
    Float(u64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Tuple(Vec<Key>),
    Identity(usize),
}

/// An insertion-ordered dict (Python 3.7+ semantics), also used for sets.
#[derive(Default, Clone)]
pub(crate) struct Dict {
    entries: Vec<Option<(Value, Value)>>,
    index: HashMap<Key, usize>,
    len: usize,
}

impl Dict {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn get(&self, key: &Value) -> Option<Value> {
        let key = key.hash_key()?;
        self.index
            .get(&key)
            .and_then(|&slot| self.entries[slot].as_ref())
            .map(|(_, value)| value.clone())
    }

    pub(crate) fn get_str(&self, key: &str) -> Option<Value> {
        self.index
            .get(&Key::Str(key.into()))
            .and_then(|&slot| self.entries[slot].as_ref())
            .map(|(_, value)| value.clone())
    }

    pub(crate) fn contains(&self, key: &Value) -> bool {
        key.hash_key()
            .is_some_and(|key| self.index.contains_key(&key))
    }

    /// Inserts or replaces; returns false when the key is unhashable.
    pub(crate) fn insert(&mut self, key: Value, value: Value) -> bool {
        let Some(hash_key) = key.hash_key() else {
            return false;
        };
        if let Some(&slot) = self.index.get(&hash_key) {
            if let Some(entry) = self.entries[slot].as_mut() {
                entry.1 = value;
            }
        } else {
            self.index.insert(hash_key, self.entries.len());
            self.entries.push(Some((key, value)));
            self.len += 1;
        }
        true
    }

    pub(crate) fn remove(&mut self, key: &Value) -> Option<Value> {
        let hash_key = key.hash_key()?;
        let slot = self.index.remove(&hash_key)?;
        let (_, value) = self.entries[slot].take()?;
        self.len -= 1;
        if self.entries.len() > 32 && self.len * 2 < self.entries.len() {
            self.compact();
        }
        Some(value)
    }

    fn compact(&mut self) {
        let entries: Vec<_> = self.entries.drain(..).flatten().collect();
        self.index.clear();
        for (slot, (key, _)) in entries.iter().enumerate() {
            if let Some(hash_key) = key.hash_key() {
                self.index.insert(hash_key, slot);
            }
        }
        self.entries = entries.into_iter().map(Some).collect();
    }

    pub(crate) fn pop_first(&mut self) -> Option<(Value, Value)> {
        let slot = self.entries.iter().position(Option::is_some)?;
        let (key, value) = self.entries[slot].take()?;
        if let Some(hash_key) = key.hash_key() {
            self.index.remove(&hash_key);
        }
        self.len -= 1;
        Some((key, value))
    }

    pub(crate) fn pop_last(&mut self) -> Option<(Value, Value)> {
        let slot = self.entries.iter().rposition(Option::is_some)?;
        let (key, value) = self.entries[slot].take()?;
        if let Some(hash_key) = key.hash_key() {
            self.index.remove(&hash_key);
        }
        self.len -= 1;
        Some((key, value))
    }

    pub(crate) fn clear(&mut self) {
        *self = Dict::default();
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries
            .iter()
            .flatten()
            .map(|(key, value)| (key, value))
    }

    pub(crate) fn keys(&self) -> Vec<Value> {
        self.iter().map(|(key, _)| key.clone()).collect()
    }

    pub(crate) fn values(&self) -> Vec<Value> {
        self.iter().map(|(_, value)| value.clone()).collect()
    }

    pub(crate) fn items(&self) -> Vec<(Value, Value)> {
        self.iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

impl Value {
    pub(crate) fn str(text: &str) -> Value {
        Value::Str(text.into())
    }

    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub(crate) fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(items.into())
    }

    pub(crate) fn dict(dict: Dict) -> Value {
        Value::Dict(Rc::new(RefCell::new(dict)))
    }

    pub(crate) fn builtin(name: &str) -> Value {
        Value::Builtin(Rc::new(Builtin {
            name: name.into(),
            receiver: None,
        }))
    }

    pub(crate) fn bound_builtin(name: &str, receiver: Value) -> Value {
        Value::Builtin(Rc::new(Builtin {
            name: name.into(),
            receiver: Some(receiver),
        }))
    }

    /// An inert unknown (see [`Unknown::inert`]).
    pub(crate) fn inert_unknown(what: impl Into<String>, loc: Option<Loc>) -> Value {
        Value::Unknown(Rc::new(Unknown {
            what: what.into(),
            loc,
            inert: true,
        }))
    }

    pub(crate) fn is_inert_unknown(&self) -> bool {
        matches!(self, Value::Unknown(unknown) if unknown.inert)
    }

    /// Lists, dicts, sets and objects: a call that is not modelled might change them.
    pub(crate) fn is_mutable(&self) -> bool {
        matches!(
            self,
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Instance(_)
        )
    }

    pub(crate) fn unknown(what: impl Into<String>, loc: Option<Loc>) -> Value {
        Value::Unknown(Rc::new(Unknown {
            inert: false,
            what: what.into(),
            loc,
        }))
    }

    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The key this value hashes to, or `None` when it is unhashable (list, dict, set).
    pub(crate) fn hash_key(&self) -> Option<Key> {
        Some(match self {
            Value::None => Key::None,
            Value::Bool(flag) => Key::Int(i64::from(*flag)),
            Value::Int(number) => Key::Int(*number),
            Value::Float(number) => {
                if number.fract() == 0.0 && number.abs() < 9.0e15 {
                    Key::Int(*number as i64)
                } else {
                    Key::Float(number.to_bits())
                }
            }
            Value::Str(text) => Key::Str(text.clone()),
            Value::Bytes(bytes) => Key::Bytes(bytes.clone()),
            Value::Tuple(items) => Key::Tuple(
                items
                    .iter()
                    .map(Value::hash_key)
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Slice(_) => return None,
            Value::Native(native) => {
                return native.hash_key().or(Some(Key::Identity(
                    Rc::as_ptr(native).cast::<u8>() as usize
                )));
            }
            other => Key::Identity(other.identity()?),
        })
    }

    /// Address-based identity for reference values (`is`).
    pub(crate) fn identity(&self) -> Option<usize> {
        Some(match self {
            Value::List(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Dict(rc) | Value::Set(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Function(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Builtin(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::BoundMethod(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Class(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Instance(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Module(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Coroutine(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Future(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Native(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Unknown(rc) => Rc::as_ptr(rc).cast::<u8>() as usize,
            Value::Tuple(rc) => rc.as_ptr() as usize,
            Value::Str(rc) => rc.as_ptr() as usize,
            _ => return None,
        })
    }

    /// The Python type name, for messages (`'int' object is not iterable`).
    pub(crate) fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Range(..) => "range".into(),
            Value::Slice(_) => "slice".into(),
            Value::Function(_) => "function".into(),
            Value::Builtin(_) => "builtin_function_or_method".into(),
            Value::BoundMethod(_) => "method".into(),
            Value::Class(_) => "type".into(),
            Value::Instance(instance) => instance.class.name.to_string(),
            Value::Module(_) => "module".into(),
            Value::Coroutine(_) => "coroutine".into(),
            Value::Future(future) => future.type_name().into(),
            Value::Native(native) => native.type_name(),
            Value::Unknown(unknown) => unknown.what.clone(),
        }
    }
}

/// `repr()` of a float the way Python prints it (shortest round-trip, `1.0`, `1e+16`).
pub(crate) fn float_repr(number: f64) -> String {
    if number.is_nan() {
        return "nan".into();
    }
    if number.is_infinite() {
        return if number > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if number == 0.0 {
        return if number.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = number.abs();
    if (1e-4..1e16).contains(&abs) {
        let text = format!("{number}");
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let text = format!("{number:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let mut out = mantissa.to_string();
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
        out
    }
}
