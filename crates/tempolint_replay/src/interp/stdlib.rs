//! The modelled standard library: module contents, builtin type constructors and the methods
//! of native values (`timedelta`, `datetime`, `Random`, loggers).

use std::cell::RefCell;
use std::rc::Rc;

use super::expr::Args;
use super::native::{ContextKind, Native};
use super::ops::{as_float, as_int};
use super::value::{Class, Dict, Value};
use super::{Interp, Module, ModuleRef, PyResult};

impl Interp {
    /// Builds a modelled module, or `None` when the name is not modelled.
    pub(crate) fn native_module(&self, name: &str) -> Option<ModuleRef> {
        let module = Module::new(name, None);
        let function = |names: &[&str], prefix: &str| {
            for member in names {
                module.set(member, Value::builtin(&format!("{prefix}.{member}")));
            }
        };
        match name {
            "temporalio" | "temporalio.contrib" | "__future__" => {}
            "temporalio.workflow" => {
                function(super::sdk_functions::WORKFLOW_FUNCTIONS, "workflow");
                module.set("logger", Value::Native(Rc::new(Native::Logger)));
                let unsafe_module = Module::new("temporalio.workflow.unsafe", None);
                for member in [
                    "imports_passed_through",
                    "sandbox_unrestricted",
                    "is_replaying",
                    "is_replaying_history_events",
                    "is_sandbox_enabled",
                    "in_sandbox",
                ] {
                    unsafe_module.set(member, Value::builtin(&format!("workflow.unsafe.{member}")));
                }
                module.set("unsafe", Value::Module(unsafe_module));
                for (class_name, members) in super::sdk_functions::WORKFLOW_ENUMS {
                    module.set(
                        class_name,
                        self.native_enum(class_name, "temporalio.workflow", members),
                    );
                }
                for (class_name, _, class) in self.exc.all() {
                    if matches!(
                        class_name,
                        "ContinueAsNewError" | "NondeterminismError" | "ReadOnlyContextError"
                    ) {
                        module.set(class_name, Value::Class(class));
                    }
                }
                for class_name in [
                    "ActivityHandle",
                    "ChildWorkflowHandle",
                    "ExternalWorkflowHandle",
                    "Info",
                    "UpdateInfo",
                ] {
                    module.set(
                        class_name,
                        Value::Native(Rc::new(Native::TypingForm(class_name.into()))),
                    );
                }
                for config in [
                    "ActivityConfig",
                    "LocalActivityConfig",
                    "ChildWorkflowConfig",
                ] {
                    module.set(
                        config,
                        Value::Class(
                            self.natives
                                .builtin_type("dict")
                                .unwrap_or_else(|| self.natives.object.clone()),
                        ),
                    );
                }
            }
            "temporalio.activity" => function(
                &[
                    "defn",
                    "heartbeat",
                    "info",
                    "in_activity",
                    "is_cancelled",
                    "wait_for_cancelled",
                ],
                "activity",
            ),
            "temporalio.common" => {
                function(
                    &[
                        "RetryPolicy",
                        "SearchAttributeKey",
                        "SearchAttributePair",
                        "TypedSearchAttributes",
                        "RawValue",
                        "Priority",
                    ],
                    "common",
                );
                module.set(
                    "WorkflowIDReusePolicy",
                    self.native_enum(
                        "WorkflowIDReusePolicy",
                        name,
                        &[
                            "UNSPECIFIED",
                            "ALLOW_DUPLICATE",
                            "ALLOW_DUPLICATE_FAILED_ONLY",
                            "REJECT_DUPLICATE",
                            "TERMINATE_IF_RUNNING",
                        ],
                    ),
                );
                module.set(
                    "WorkflowIDConflictPolicy",
                    self.native_enum(
                        "WorkflowIDConflictPolicy",
                        name,
                        &["UNSPECIFIED", "FAIL", "USE_EXISTING", "TERMINATE_EXISTING"],
                    ),
                );
            }
            "temporalio.exceptions" => {
                for (class_name, class_module, class) in self.exc.all() {
                    if class_module == "temporalio.exceptions" {
                        module.set(class_name, Value::Class(class));
                    }
                }
                function(&["is_cancelled_exception"], "exceptions");
                module.set(
                    "RetryState",
                    self.native_enum(
                        "RetryState",
                        name,
                        &[
                            "UNSPECIFIED",
                            "IN_PROGRESS",
                            "NON_RETRYABLE_FAILURE",
                            "TIMEOUT",
                            "MAXIMUM_ATTEMPTS_REACHED",
                            "RETRY_POLICY_NOT_SET",
                            "INTERNAL_SERVER_ERROR",
                            "CANCEL_REQUESTED",
                        ],
                    ),
                );
                module.set(
                    "TimeoutType",
                    self.native_enum(
                        "TimeoutType",
                        name,
                        &[
                            "UNSPECIFIED",
                            "START_TO_CLOSE",
                            "SCHEDULE_TO_START",
                            "SCHEDULE_TO_CLOSE",
                            "HEARTBEAT",
                        ],
                    ),
                );
                module.set(
                    "ApplicationErrorCategory",
                    self.native_enum("ApplicationErrorCategory", name, &["UNSPECIFIED", "BENIGN"]),
                );
            }
            "asyncio" => {
                function(
                    &[
                        "sleep",
                        "Lock",
                        "Event",
                        "Queue",
                        "Semaphore",
                        "BoundedSemaphore",
                        "Condition",
                        "gather",
                        "wait",
                        "wait_for",
                        "shield",
                        "create_task",
                        "ensure_future",
                        "as_completed",
                        "iscoroutine",
                        "isfuture",
                        "current_task",
                        "get_event_loop",
                        "get_running_loop",
                        "timeout",
                    ],
                    "asyncio",
                );
                for constant in ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"] {
                    module.set(constant, Value::str(constant));
                }
                module.set(
                    "CancelledError",
                    Value::Class(self.exc.asyncio_cancelled_error.clone()),
                );
                module.set(
                    "InvalidStateError",
                    Value::Class(self.exc.asyncio_invalid_state_error.clone()),
                );
                module.set("TimeoutError", Value::Class(self.exc.timeout_error.clone()));
                for class_name in ["Future", "Task"] {
                    module.set(
                        class_name,
                        Value::Class(Class::new(
                            class_name,
                            "asyncio",
                            vec![self.natives.object.clone()],
                            Some(if class_name == "Task" {
                                "Task"
                            } else {
                                "Future"
                            }),
                        )),
                    );
                }
            }
            "dataclasses" => {
                function(
                    &[
                        "dataclass",
                        "field",
                        "asdict",
                        "astuple",
                        "fields",
                        "replace",
                        "is_dataclass",
                    ],
                    "dataclasses",
                );
                module.set(
                    "KW_ONLY",
                    Value::Native(Rc::new(Native::TypingForm("KW_ONLY".into()))),
                );
            }
            "datetime" => {
                module.set(
                    "timedelta",
                    Value::Class(Class::new(
                        "timedelta",
                        "datetime",
                        vec![self.natives.object.clone()],
                        Some("timedelta"),
                    )),
                );
                module.set(
                    "datetime",
                    Value::Class(Class::new(
                        "datetime",
                        "datetime",
                        vec![self.natives.object.clone()],
                        Some("datetime"),
                    )),
                );
                module.set(
                    "date",
                    Value::Class(Class::new(
                        "date",
                        "datetime",
                        vec![self.natives.object.clone()],
                        Some("date"),
                    )),
                );
                let timezone = Class::new(
                    "timezone",
                    "datetime",
                    vec![self.natives.object.clone()],
                    Some("timezone"),
                );
                timezone.attrs.borrow_mut().insert(
                    Value::str("utc"),
                    Native::record("timezone", vec![("name", Value::str("UTC"))]),
                );
                module.set("timezone", Value::Class(timezone));
                Self::module_kind_marker(&module, "stdlib");
            }
            "enum" => {
                module.set("Enum", Value::Class(self.natives.enum_.clone()));
                module.set("IntEnum", Value::Class(self.natives.int_enum.clone()));
                module.set("StrEnum", Value::Class(self.natives.str_enum.clone()));
                function(&["auto", "unique"], "enum");
            }
            "typing" | "typing_extensions" | "collections.abc" => {
                function(
                    &[
                        "cast",
                        "overload",
                        "final",
                        "runtime_checkable",
                        "NewType",
                        "TypeVar",
                        "Generic",
                    ],
                    "typing",
                );
                module.set("TYPE_CHECKING", Value::Bool(false));
                Self::module_kind_marker(&module, "typing");
            }
            "logging" => {
                function(&["getLogger"], "logging");
                for (level, number) in [
                    ("DEBUG", 10),
                    ("INFO", 20),
                    ("WARNING", 30),
                    ("ERROR", 40),
                    ("CRITICAL", 50),
                ] {
                    module.set(level, Value::Int(number));
                }
                Self::module_kind_marker(&module, "stdlib");
            }
            "functools" => {
                function(&["partial", "wraps", "reduce"], "functools");
                Self::module_kind_marker(&module, "stdlib");
            }
            "math" => {
                function(
                    &[
                        "floor", "ceil", "sqrt", "isclose", "log", "log10", "exp", "fabs", "trunc",
                        "gcd",
                    ],
                    "math",
                );
                module.set("pi", Value::Float(std::f64::consts::PI));
                module.set("e", Value::Float(std::f64::consts::E));
                module.set("inf", Value::Float(f64::INFINITY));
                Self::module_kind_marker(&module, "stdlib");
            }
            "json" => {
                function(&["dumps", "loads"], "json");
                Self::module_kind_marker(&module, "stdlib");
            }
            "contextlib" => {
                function(
                    &[
                        "nullcontext",
                        "suppress",
                        "contextmanager",
                        "asynccontextmanager",
                    ],
                    "contextlib",
                );
                Self::module_kind_marker(&module, "stdlib");
            }
            _ => return None,
        }
        if name == "temporalio" {
            for child in ["workflow", "activity", "common", "exceptions"] {
                let _ = child;
            }
        }
        Some(module)
    }

    /// A library enum class (`ActivityCancellationType`, `RetryState`, ...).
    pub(crate) fn native_enum(&self, name: &str, module: &str, members: &[&str]) -> Value {
        let class = Class::new(name, module, vec![self.natives.int_enum.clone()], None);
        let mut list = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let instance = super::value::Instance::new(class.clone());
            let value = Value::Int(index as i64);
            instance.set("name", Value::str(member));
            instance.set("value", value.clone());
            instance.set("_name_", Value::str(member));
            instance.set("_value_", value);
            let instance = Value::Instance(instance);
            class
                .attrs
                .borrow_mut()
                .insert(Value::str(member), instance.clone());
            list.push(((*member).into(), instance));
        }
        *class.enum_members.borrow_mut() = Some(list);
        Value::Class(class)
    }

    /// `int(x)`, `str(x)`, `timedelta(...)`: constructors of native classes.
    pub(crate) fn construct_native(
        &self,
        class: &Rc<Class>,
        native: &str,
        args: &Args,
    ) -> PyResult<Option<Value>> {
        let first = args.positional.first().cloned();
        if let Some(Value::Unknown(unknown)) = &first
            && unknown.inert
            && matches!(
                native,
                "str" | "int" | "float" | "list" | "tuple" | "dict" | "bytes"
            )
        {
            return Ok(Some(Value::inert_unknown(
                format!("{native}() of {}", unknown.what),
                self.here(),
            )));
        }
        Ok(Some(match native {
            "object" => return Ok(None),
            "str" => match first {
                None => Value::str(""),
                Some(value) => Value::Str(self.py_str(&value)?.into()),
            },
            "int" => match first {
                None => Value::Int(0),
                Some(Value::Str(text)) => match text.trim().replace('_', "").parse::<i64>() {
                    Ok(number) => Value::Int(number),
                    Err(_) => {
                        return self.value_error(format!(
                            "invalid literal for int() with base 10: {}",
                            super::format::repr_str(&text)
                        ));
                    }
                },
                Some(Value::Float(number)) => Value::Int(number.trunc() as i64),
                Some(value) => match as_int(&value) {
                    Some(number) => Value::Int(number),
                    None => match self.enum_raw_value(&value) {
                        Some(raw) => raw,
                        None => {
                            return self.type_error(format!(
                                "int() argument must be a string or a number, not '{}'",
                                value.type_name()
                            ));
                        }
                    },
                },
            },
            "float" => match first {
                None => Value::Float(0.0),
                Some(Value::Str(text)) => match text.trim().parse::<f64>() {
                    Ok(number) => Value::Float(number),
                    Err(_) => {
                        return self.value_error(format!(
                            "could not convert string to float: {}",
                            super::format::repr_str(&text)
                        ));
                    }
                },
                Some(value) => Value::Float(as_float(&value).ok_or_else(|| {
                    self.raise(
                        &self.exc.type_error,
                        "float() argument must be a string or a number",
                    )
                })?),
            },
            "bool" => Value::Bool(match first {
                None => false,
                Some(value) => self.truthy_sync(&value)?,
            }),
            "list" => Value::list(match first {
                None => Vec::new(),
                Some(value) => self.iterate(&value)?,
            }),
            "tuple" => Value::tuple(match first {
                None => Vec::new(),
                Some(value) => self.iterate(&value)?,
            }),
            "set" | "frozenset" => {
                let mut dict = Dict::default();
                if let Some(value) = first {
                    for item in self.iterate(&value)? {
                        self.dict_insert(&mut dict, item, Value::None)?;
                    }
                }
                Value::Set(Rc::new(RefCell::new(dict)))
            }
            "dict" => {
                let mut dict = match first {
                    None => Dict::default(),
                    Some(Value::Dict(other)) => other.borrow().clone(),
                    Some(other) => self.dict_from_pairs(self.iterate(&other)?)?,
                };
                for (key, value) in &args.keywords {
                    dict.insert(Value::Str(key.clone()), value.clone());
                }
                Value::dict(dict)
            }
            "bytes" => match first {
                Some(Value::Str(text)) => Value::Bytes(text.as_bytes().into()),
                Some(Value::Bytes(bytes)) => Value::Bytes(bytes),
                None => Value::Bytes(Vec::new().into()),
                _ => return Err(self.unsupported("bytes() of this value")),
            },
            "type" => match first {
                Some(Value::Instance(instance)) => Value::Class(instance.class.clone()),
                Some(other) => match self.natives.builtin_type(&other.type_name()) {
                    Some(class) => Value::Class(class),
                    None => Value::Native(Rc::new(Native::TypingForm(other.type_name()))),
                },
                None => return self.type_error("type() takes 1 argument"),
            },
            "timedelta" => {
                let units = [
                    ("days", 86_400_000_000.0),
                    ("seconds", 1_000_000.0),
                    ("microseconds", 1.0),
                    ("milliseconds", 1000.0),
                    ("minutes", 60_000_000.0),
                    ("hours", 3_600_000_000.0),
                    ("weeks", 604_800_000_000.0),
                ];
                let mut micros = 0.0;
                for (index, value) in args.positional.iter().enumerate() {
                    let (_, factor) = units.get(index).copied().ok_or_else(|| {
                        self.raise(
                            &self.exc.type_error,
                            "timedelta takes at most 7 positional arguments",
                        )
                    })?;
                    micros += as_float(value).ok_or_else(|| {
                        self.raise(
                            &self.exc.type_error,
                            "unsupported type for timedelta component",
                        )
                    })? * factor;
                }
                for (key, value) in &args.keywords {
                    let (_, factor) = units
                        .iter()
                        .find(|(unit, _)| *unit == key.as_ref())
                        .copied()
                        .ok_or_else(|| {
                            self.raise(
                                &self.exc.type_error,
                                format!("'{key}' is an invalid keyword argument for timedelta()"),
                            )
                        })?;
                    micros += as_float(value).ok_or_else(|| {
                        self.raise(
                            &self.exc.type_error,
                            "unsupported type for timedelta component",
                        )
                    })? * factor;
                }
                Native::timedelta(super::builtins::round_half_even(micros) as i64)
            }
            "datetime" | "date" => {
                let parts: Vec<i64> = args.positional.iter().filter_map(as_int).collect();
                let get = |i: usize, name: &str, default: i64| {
                    parts
                        .get(i)
                        .copied()
                        .or_else(|| args.keyword(name).and_then(as_int))
                        .unwrap_or(default)
                };
                let days = crate::history::days_from_civil_pub(
                    get(0, "year", 1970),
                    get(1, "month", 1),
                    get(2, "day", 1),
                );
                let micros = days * 86_400_000_000
                    + get(3, "hour", 0) * 3_600_000_000
                    + get(4, "minute", 0) * 60_000_000
                    + get(5, "second", 0) * 1_000_000
                    + get(6, "microsecond", 0);
                Value::Native(Rc::new(Native::DateTime {
                    micros,
                    aware: args.keyword("tzinfo").is_some_and(|t| !t.is_none()),
                }))
            }
            "Future" => Value::Future(self.new_future()),
            _ => {
                let _ = class;
                return Ok(None);
            }
        }))
    }

    /// The modelled base of a user exception class (`ApplicationError`), if any.
    pub(crate) fn native_exception_base(&self, class: &Rc<Class>) -> Option<&'static str> {
        class.mro().iter().find_map(|base| base.native)
    }

    /// `ApplicationError("msg", *details, type=..., non_retryable=...)` and friends.
    pub(crate) fn init_native_exception(
        &self,
        exception: &Value,
        native: &str,
        args: &Args,
    ) -> PyResult<()> {
        let Value::Instance(instance) = exception else {
            return Ok(());
        };
        let message = args.get(0, "message").cloned().unwrap_or(Value::str(""));
        if instance.class.is_subclass_of(&self.exc.failure_error) {
            instance.set("message", message.clone());
            instance.set("args", Value::tuple(vec![message]));
        }
        match native {
            "ApplicationError" => {
                instance.set(
                    "details",
                    Value::tuple(args.positional.iter().skip(1).cloned().collect()),
                );
                instance.set("type", args.keyword("type").cloned().unwrap_or(Value::None));
                instance.set(
                    "non_retryable",
                    Value::Bool(
                        args.keyword("non_retryable")
                            .map(|v| self.truthy_sync(v))
                            .transpose()?
                            .unwrap_or(false),
                    ),
                );
                instance.set(
                    "next_retry_delay",
                    args.keyword("next_retry_delay")
                        .cloned()
                        .unwrap_or(Value::None),
                );
            }
            "CancelledError" if instance.class.is_subclass_of(&self.exc.failure_error) => {
                instance.set(
                    "details",
                    Value::tuple(args.positional.iter().skip(1).cloned().collect()),
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// Module-level functions of the modelled standard library.
    pub(crate) async fn call_stdlib_function(&self, name: &str, args: Args) -> PyResult<Value> {
        let first = args.positional.first().cloned().unwrap_or(Value::None);
        match name {
            "dataclasses.dataclass" => {
                if let Value::Class(class) = &first {
                    self.make_dataclass(class, false, false)?;
                    Ok(first)
                } else {
                    let frozen = args
                        .keyword("frozen")
                        .map(|v| self.truthy_sync(v))
                        .transpose()?
                        .unwrap_or(false);
                    let kw_only = args
                        .keyword("kw_only")
                        .map(|v| self.truthy_sync(v))
                        .transpose()?
                        .unwrap_or(false);
                    Ok(Value::Native(Rc::new(Native::DataclassOptions {
                        frozen,
                        kw_only,
                    })))
                }
            }
            "dataclasses.field" => Ok(Value::Native(Rc::new(Native::Field {
                default: args.keyword("default").cloned(),
                default_factory: args.keyword("default_factory").cloned(),
                init: args
                    .keyword("init")
                    .map(|v| self.truthy_sync(v))
                    .transpose()?
                    .unwrap_or(true),
                kw_only: args
                    .keyword("kw_only")
                    .map(|v| self.truthy_sync(v))
                    .transpose()?,
            }))),
            "dataclasses.asdict" => Ok(asdict(&first)),
            "dataclasses.is_dataclass" => Ok(Value::Bool(match &first {
                Value::Instance(instance) => instance.class.dataclass.borrow().is_some(),
                Value::Class(class) => class.dataclass.borrow().is_some(),
                _ => false,
            })),
            "dataclasses.replace" => {
                let Value::Instance(instance) = &first else {
                    return self.type_error("replace() should be called on dataclass instances");
                };
                let mut keywords: Vec<(Rc<str>, Value)> = Vec::new();
                if let Some(info) = instance.class.dataclass.borrow().clone() {
                    for field in info.fields.iter().filter(|f| f.init) {
                        keywords.push((
                            field.name.clone(),
                            instance.get(&field.name).unwrap_or(Value::None),
                        ));
                    }
                }
                for (key, value) in args.keywords {
                    keywords.retain(|(k, _)| *k != key);
                    keywords.push((key, value));
                }
                self.call(
                    &Value::Class(instance.class.clone()),
                    Args {
                        positional: Vec::new(),
                        keywords,
                    },
                )
                .await
            }
            "enum.auto" => Ok(Value::Native(Rc::new(Native::EnumAuto))),
            "enum.unique" | "typing.final" | "typing.overload" | "typing.runtime_checkable" => {
                Ok(first)
            }
            "typing.cast" => Ok(args.positional.get(1).cloned().unwrap_or(Value::None)),
            "typing.TypeVar" | "typing.NewType" | "typing.Generic" => {
                Ok(Value::Native(Rc::new(Native::TypingForm(name.into()))))
            }
            "logging.getLogger" => Ok(Value::Native(Rc::new(Native::Logger))),
            "functools.partial" => Ok(Value::Native(Rc::new(Native::Partial {
                function: first,
                args: args.positional[1..].to_vec(),
                keywords: args.keywords,
            }))),
            "functools.wraps" => Ok(Value::builtin("functools.identity")),
            "functools.identity" => Ok(first),
            "contextlib.contextmanager" | "contextlib.asynccontextmanager" => match &first {
                Value::Function(function) => {
                    function.meta.borrow_mut().context_manager = true;
                    Ok(first)
                }
                _ => Err(self.unsupported(format!("`{name}` on this object"))),
            },
            "contextlib.nullcontext" => Ok(Value::Native(Rc::new(Native::ContextManager(
                ContextKind::Null,
            )))),
            "math.floor" | "math.ceil" | "math.trunc" => {
                let number = as_float(&first)
                    .ok_or_else(|| self.raise(&self.exc.type_error, "must be real number"))?;
                Ok(Value::Int(match name {
                    "math.floor" => number.floor(),
                    "math.ceil" => number.ceil(),
                    _ => number.trunc(),
                } as i64))
            }
            "math.sqrt" | "math.log" | "math.log10" | "math.exp" | "math.fabs" => {
                let number = as_float(&first)
                    .ok_or_else(|| self.raise(&self.exc.type_error, "must be real number"))?;
                Ok(Value::Float(match name {
                    "math.sqrt" => number.sqrt(),
                    "math.log" => number.ln(),
                    "math.log10" => number.log10(),
                    "math.exp" => number.exp(),
                    _ => number.abs(),
                }))
            }
            "math.isclose" => {
                let (a, b) = (
                    as_float(&first).unwrap_or(0.0),
                    as_float(args.positional.get(1).unwrap_or(&Value::None)).unwrap_or(0.0),
                );
                Ok(Value::Bool((a - b).abs() <= 1e-9 * a.abs().max(b.abs())))
            }
            // Pure (it does not change its argument): its text is not modelled, but it may flow
            // into arguments like any inert value.
            "json.dumps" => Ok(Value::inert_unknown(
                "the result of `json.dumps()`",
                self.here(),
            )),
            "json.loads" => match &first {
                Value::Str(text) => match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(json) => Ok(super::convert::plain_json(&json)),
                    Err(error) => self.value_error(format!("Expecting value: {error}")),
                },
                _ => self.type_error("the JSON object must be str"),
            },
            _ => Err(self.unsupported(format!("`{name}`"))),
        }
    }
}

/// `dataclasses.asdict`: dataclass instances (recursively) as dicts.
fn asdict(value: &Value) -> Value {
    match value {
        Value::Instance(instance) if instance.class.dataclass.borrow().is_some() => {
            let info = instance.class.dataclass.borrow().clone();
            let mut dict = Dict::default();
            if let Some(info) = info {
                for field in &info.fields {
                    let field_value = instance.get(&field.name).unwrap_or(Value::None);
                    dict.insert(Value::Str(field.name.clone()), asdict(&field_value));
                }
            }
            Value::dict(dict)
        }
        Value::List(items) => Value::list(items.borrow().iter().map(asdict).collect()),
        Value::Tuple(items) => Value::tuple(items.iter().map(asdict).collect()),
        Value::Dict(dict) => {
            let mut out = Dict::default();
            for (key, item) in dict.borrow().items() {
                out.insert(key, asdict(&item));
            }
            Value::dict(out)
        }
        other => other.clone(),
    }
}
