//! Values of the modelled library: `timedelta`, `datetime`, `UUID`, `Random`, `RetryPolicy`,
//! `dataclasses.field`, typing forms, context managers; and the library's coroutines.

use std::cell::RefCell;
use std::rc::Rc;

use tempolint_python::ast::Operator;

use super::event_loop::{AsCompletedState, WaitMode};
use super::expr::Args;
use super::ops::{as_float, as_int};
use super::rng::MersenneTwister;
use super::value::{Class, Coroutine, CoroutineKind, Key, Value};
use super::{Interp, LocalFuture, PyResult};

pub(crate) enum Native {
    TimeDelta {
        micros: i64,
    },
    /// An aware UTC datetime (workflow time), microsecond precision.
    DateTime {
        micros: i64,
        aware: bool,
    },
    Uuid(String),
    Random(Rc<RefCell<MersenneTwister>>),
    /// A plain record with attributes (`RetryPolicy`, `workflow.Info`, `ActivityConfig`, ...).
    Record {
        type_name: &'static str,
        fields: RefCell<Vec<(Rc<str>, Value)>>,
    },
    Field {
        default: Option<Value>,
        default_factory: Option<Value>,
        init: bool,
        kw_only: Option<bool>,
    },
    EnumAuto,
    ContextManager(ContextKind),
    /// `typing.Optional`, `list[str]`, ...: kept for annotations only.
    TypingForm(String),
    Logger,
    ExternalHandle {
        workflow_id: String,
        run_id: Option<String>,
    },
    Super {
        class: Rc<Class>,
        instance: Value,
    },
    Partial {
        function: Value,
        args: Vec<Value>,
        keywords: Vec<(Rc<str>, Value)>,
    },
    DataclassOptions {
        frozen: bool,
        kw_only: bool,
    },
    Iterator(RefCell<(Vec<Value>, usize)>),
    /// `asyncio.Lock` (waiters in FIFO order, as CPython).
    Lock(RefCell<SyncState>),
    /// `asyncio.Event`.
    Event(RefCell<SyncState>),
    /// `asyncio.Queue` (unbounded).
    Queue(RefCell<super::asyncio_primitives::QueueState>),
    /// `asyncio.Semaphore` / `BoundedSemaphore`.
    Semaphore(RefCell<super::asyncio_primitives::SemaphoreState>),
    /// `asyncio.Condition`.
    Condition(super::asyncio_condition::ConditionState),
    /// A generator object (also an async generator).
    Generator(Rc<super::generators::Generator>),
    /// What calling a `contextlib.(async)contextmanager` function returns.
    GeneratorContextManager(Rc<super::generators::Generator>),
}

/// State of `asyncio.Lock` / `asyncio.Event`: the flag and the futures waiting on it.
#[derive(Default)]
pub(crate) struct SyncState {
    pub(crate) flag: bool,
    pub(crate) waiters: std::collections::VecDeque<Rc<super::event_loop::FutureObj>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ContextKind {
    ImportsPassedThrough,
    SandboxUnrestricted,
    Null,
}

/// Library coroutines, run when awaited or wrapped in a task.
pub(crate) enum NativeCoroutine {
    WaitForOne(Rc<AsCompletedState>),
    AsyncioSleep {
        delay: f64,
        result: Value,
    },
    Wait {
        futures: Vec<Rc<super::event_loop::FutureObj>>,
        timeout: Option<f64>,
        mode: WaitMode,
        as_sets: bool,
    },
    WaitFor {
        awaitable: Value,
        timeout: Option<f64>,
    },
    WorkflowSleep {
        seconds: f64,
    },
    WaitCondition {
        function: Value,
        timeout: Option<f64>,
    },
    ExecuteActivity(Box<super::workflow_instance::ActivityRequest>),
    StartChild(Box<super::workflow_instance::ChildRequest>),
    ExecuteChild(Box<super::workflow_instance::ChildRequest>),
    SignalExternal {
        workflow_id: String,
        signal: String,
        child: bool,
    },
    CancelExternal {
        workflow_id: String,
    },
    Return(Value),
    LockAcquire(Rc<Native>),
    EventWait(Rc<Native>),
    QueuePut(Rc<Native>, Value),
    SemaphoreAcquire(Rc<Native>),
    /// `Condition.wait()`, or `wait_for(predicate)`.
    ConditionWait(Rc<Native>, Option<Value>),
    QueueGet(Rc<Native>),
}

impl Native {
    pub(crate) fn type_name(&self) -> String {
        match self {
            Native::TimeDelta { .. } => "timedelta".into(),
            Native::DateTime { .. } => "datetime".into(),
            Native::Uuid(_) => "UUID".into(),
            Native::Random(_) => "Random".into(),
            Native::Record { type_name, .. } => (*type_name).into(),
            Native::Field { .. } => "Field".into(),
            Native::EnumAuto => "auto".into(),
            Native::ContextManager(_) => "contextmanager".into(),
            Native::TypingForm(name) => name.clone(),
            Native::Logger => "LoggerAdapter".into(),
            Native::ExternalHandle { .. } => "ExternalWorkflowHandle".into(),
            Native::Super { .. } => "super".into(),
            Native::Partial { .. } => "functools.partial".into(),
            Native::DataclassOptions { .. } => "function".into(),
            Native::Iterator(_) => "iterator".into(),
            Native::Generator(generator) if generator.is_async => "async_generator".into(),
            Native::Generator(_) => "generator".into(),
            Native::GeneratorContextManager(generator) if generator.is_async => {
                "_AsyncGeneratorContextManager".into()
            }
            Native::GeneratorContextManager(_) => "_GeneratorContextManager".into(),
            Native::Lock(_) => "Lock".into(),
            Native::Event(_) => "Event".into(),
            Native::Queue(_) => "Queue".into(),
            Native::Semaphore(_) => "Semaphore".into(),
            Native::Condition(_) => "Condition".into(),
        }
    }

    pub(crate) fn record(type_name: &'static str, fields: Vec<(&str, Value)>) -> Value {
        Value::Native(Rc::new(Native::Record {
            type_name,
            fields: RefCell::new(fields.into_iter().map(|(k, v)| (k.into(), v)).collect()),
        }))
    }

    pub(crate) fn timedelta(micros: i64) -> Value {
        Value::Native(Rc::new(Native::TimeDelta { micros }))
    }

    pub(crate) fn seconds(&self) -> Option<f64> {
        match self {
            Native::TimeDelta { micros } => Some(*micros as f64 / 1e6),
            _ => None,
        }
    }

    pub(crate) fn hash_key(&self) -> Option<Key> {
        match self {
            Native::TimeDelta { micros } => {
                Some(Key::Tuple(vec![Key::Str("td".into()), Key::Int(*micros)]))
            }
            Native::DateTime { micros, .. } => {
                Some(Key::Tuple(vec![Key::Str("dt".into()), Key::Int(*micros)]))
            }
            Native::Uuid(text) => Some(Key::Tuple(vec![
                Key::Str("uuid".into()),
                Key::Str(text.as_str().into()),
            ])),
            _ => None,
        }
    }

    pub(crate) fn equals(&self, other: &Native) -> bool {
        match (self, other) {
            (Native::TimeDelta { micros: a }, Native::TimeDelta { micros: b }) => a == b,
            (Native::DateTime { micros: a, .. }, Native::DateTime { micros: b, .. }) => a == b,
            (Native::Uuid(a), Native::Uuid(b)) => a == b,
            _ => std::ptr::eq(self, other),
        }
    }

    pub(crate) fn less_than(&self, other: &Native) -> Option<bool> {
        match (self, other) {
            (Native::TimeDelta { micros: a }, Native::TimeDelta { micros: b })
            | (Native::DateTime { micros: a, .. }, Native::DateTime { micros: b, .. }) => {
                Some(a < b)
            }
            (Native::Uuid(a), Native::Uuid(b)) => Some(a < b),
            _ => None,
        }
    }

    pub(crate) fn truthy(&self) -> bool {
        match self {
            Native::TimeDelta { micros } => *micros != 0,
            _ => true,
        }
    }

    pub(crate) fn negate(&self) -> Option<Value> {
        match self {
            Native::TimeDelta { micros } => Some(Native::timedelta(-micros)),
            _ => None,
        }
    }

    pub(crate) fn iterate(&self) -> Option<Vec<Value>> {
        match self {
            Native::Iterator(state) => {
                let mut state = state.borrow_mut();
                let rest = state.0[state.1..].to_vec();
                state.1 = state.0.len();
                Some(rest)
            }
            _ => None,
        }
    }

    pub(crate) fn binary_op(&self, op: Operator, left: &Value, right: &Value) -> Option<Value> {
        let micros = |value: &Value| match value {
            Value::Native(native) => match native.as_ref() {
                Native::TimeDelta { micros } => Some(*micros),
                _ => None,
            },
            _ => None,
        };
        let datetime = |value: &Value| match value {
            Value::Native(native) => match native.as_ref() {
                Native::DateTime { micros, aware } => Some((*micros, *aware)),
                _ => None,
            },
            _ => None,
        };
        match op {
            Operator::Add => {
                if let (Some(a), Some(b)) = (micros(left), micros(right)) {
                    return Some(Native::timedelta(a.checked_add(b)?));
                }
                if let (Some((a, aware)), Some(b)) = (datetime(left), micros(right)) {
                    return Some(Value::Native(Rc::new(Native::DateTime {
                        micros: a.checked_add(b)?,
                        aware,
                    })));
                }
                if let (Some(a), Some((b, aware))) = (micros(left), datetime(right)) {
                    return Some(Value::Native(Rc::new(Native::DateTime {
                        micros: b.checked_add(a)?,
                        aware,
                    })));
                }
                None
            }
            Operator::Sub => {
                if let (Some(a), Some(b)) = (micros(left), micros(right)) {
                    return Some(Native::timedelta(a.checked_sub(b)?));
                }
                if let (Some((a, aware)), Some(b)) = (datetime(left), micros(right)) {
                    return Some(Value::Native(Rc::new(Native::DateTime {
                        micros: a.checked_sub(b)?,
                        aware,
                    })));
                }
                if let (Some((a, _)), Some((b, _))) = (datetime(left), datetime(right)) {
                    return Some(Native::timedelta(a.checked_sub(b)?));
                }
                None
            }
            Operator::Mult => {
                if let (Some(a), Some(b)) = (micros(left), as_float(right)) {
                    return Some(Native::timedelta((a as f64 * b).round() as i64));
                }
                if let (Some(a), Some(b)) = (as_float(left), micros(right)) {
                    return Some(Native::timedelta((b as f64 * a).round() as i64));
                }
                None
            }
            Operator::Div => {
                if let (Some(a), Some(b)) = (micros(left), micros(right)) {
                    return (b != 0).then(|| Value::Float(a as f64 / b as f64));
                }
                if let (Some(a), Some(b)) = (micros(left), as_float(right)) {
                    return (b != 0.0).then(|| Native::timedelta((a as f64 / b).round() as i64));
                }
                None
            }
            Operator::FloorDiv => {
                if let (Some(a), Some(b)) = (micros(left), micros(right)) {
                    return (b != 0).then(|| Value::Int(super::ops::floor_div(a, b)));
                }
                if let (Some(a), Some(b)) = (micros(left), as_int(right)) {
                    return (b != 0).then(|| Native::timedelta(super::ops::floor_div(a, b)));
                }
                None
            }
            _ => None,
        }
    }

    pub(crate) fn to_str(&self) -> String {
        match self {
            Native::TimeDelta { micros } => timedelta_str(*micros),
            Native::DateTime { micros, aware } => datetime_iso(*micros, *aware, ' '),
            Native::Uuid(text) => text.clone(),
            other => other.repr(),
        }
    }

    pub(crate) fn repr(&self) -> String {
        match self {
            Native::TimeDelta { micros } => {
                let (days, seconds, micro) = timedelta_parts(*micros);
                let mut parts = Vec::new();
                if days != 0 {
                    parts.push(format!("days={days}"));
                }
                if seconds != 0 {
                    parts.push(format!("seconds={seconds}"));
                }
                if micro != 0 {
                    parts.push(format!("microseconds={micro}"));
                }
                if parts.is_empty() {
                    parts.push("0".into());
                }
                format!("datetime.timedelta({})", parts.join(", "))
            }
            Native::Uuid(text) => format!("UUID('{text}')"),
            Native::DateTime { micros, aware } => {
                format!("datetime({})", datetime_iso(*micros, *aware, 'T'))
            }
            Native::Record { type_name, .. } => format!("{type_name}(...)"),
            Native::TypingForm(name) => name.clone(),
            other => format!("<{}>", other.type_name()),
        }
    }

    pub(crate) fn format(&self, spec: &str) -> Option<String> {
        match self {
            Native::DateTime { micros, .. } => Some(strftime(*micros, spec)),
            _ => None,
        }
    }
}

pub(crate) fn timedelta_parts(micros: i64) -> (i64, i64, i64) {
    let days = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000);
    (days, rest / 1_000_000, rest % 1_000_000)
}

fn timedelta_str(micros: i64) -> String {
    let (days, seconds, micro) = timedelta_parts(micros);
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!(
            "{days} day{}, ",
            if days.abs() == 1 { "" } else { "s" }
        ));
    }
    out.push_str(&format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ));
    if micro != 0 {
        out.push_str(&format!(".{micro:06}"));
    }
    out
}

/// (year, month, day, hour, minute, second, microsecond) of epoch microseconds.
pub(crate) fn civil(micros: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let days = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let seconds = rest / 1_000_000;
    (
        year,
        month,
        day,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        rest % 1_000_000,
    )
}

pub(crate) fn datetime_iso(micros: i64, aware: bool, separator: char) -> String {
    let (year, month, day, hour, minute, second, micro) = civil(micros);
    let mut out =
        format!("{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}");
    if micro != 0 {
        out.push_str(&format!(".{micro:06}"));
    }
    if aware {
        out.push_str("+00:00");
    }
    out
}

fn strftime(micros: i64, format: &str) -> String {
    let (year, month, day, hour, minute, second, micro) = civil(micros);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{year:04}")),
            Some('m') => out.push_str(&format!("{month:02}")),
            Some('d') => out.push_str(&format!("{day:02}")),
            Some('H') => out.push_str(&format!("{hour:02}")),
            Some('M') => out.push_str(&format!("{minute:02}")),
            Some('S') => out.push_str(&format!("{second:02}")),
            Some('f') => out.push_str(&format!("{micro:06}")),
            Some('y') => out.push_str(&format!("{:02}", year % 100)),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

impl Interp {
    /// Wraps a library coroutine as a Python coroutine object.
    pub(crate) fn native_coroutine(&self, name: &str, coroutine: NativeCoroutine) -> Value {
        Value::Coroutine(Rc::new(Coroutine {
            name: name.into(),
            kind: RefCell::new(Some(CoroutineKind::Native(coroutine))),
        }))
    }

    pub(crate) fn run_native(
        &self,
        coroutine: NativeCoroutine,
    ) -> LocalFuture<'_, PyResult<Value>> {
        Box::pin(async move {
            match coroutine {
                NativeCoroutine::WaitForOne(state) => self.wait_for_one(state).await,
                NativeCoroutine::AsyncioSleep { delay, result } => {
                    self.asyncio_sleep(delay, result).await
                }
                NativeCoroutine::Wait {
                    futures,
                    timeout,
                    mode,
                    as_sets,
                } => {
                    let (done, pending) = self.wait_futures(&futures, timeout, mode).await?;
                    let wrap = |futures: Vec<Rc<super::event_loop::FutureObj>>| {
                        let values: Vec<Value> = futures.into_iter().map(Value::Future).collect();
                        if as_sets {
                            let mut dict = super::value::Dict::default();
                            for value in values {
                                dict.insert(value, Value::None);
                            }
                            Value::Set(Rc::new(RefCell::new(dict)))
                        } else {
                            Value::list(values)
                        }
                    };
                    Ok(Value::tuple(vec![wrap(done), wrap(pending)]))
                }
                NativeCoroutine::WaitFor { awaitable, timeout } => {
                    self.wait_for(awaitable, timeout).await
                }
                NativeCoroutine::WorkflowSleep { seconds } => self.workflow_sleep(seconds).await,
                NativeCoroutine::WaitCondition { function, timeout } => {
                    self.wait_condition(function, timeout).await
                }
                NativeCoroutine::ExecuteActivity(request) => {
                    let handle = self.start_activity(*request)?;
                    self.await_future(handle).await
                }
                NativeCoroutine::StartChild(request) => self.start_child(*request).await,
                NativeCoroutine::ExecuteChild(request) => {
                    let handle = self.start_child(*request).await?;
                    self.await_value(handle).await
                }
                NativeCoroutine::SignalExternal {
                    workflow_id,
                    signal,
                    child,
                } => self.signal_external(workflow_id, signal, child).await,
                NativeCoroutine::CancelExternal { workflow_id } => {
                    self.cancel_external(workflow_id).await
                }
                NativeCoroutine::Return(value) => Ok(value),
                NativeCoroutine::LockAcquire(lock) => self.lock_acquire(&lock).await,
                NativeCoroutine::EventWait(event) => self.event_wait(&event).await,
                NativeCoroutine::QueuePut(queue, item) => {
                    if let Native::Queue(state) = queue.as_ref() {
                        self.put_in_queue(state, item);
                    }
                    Ok(Value::None)
                }
                NativeCoroutine::QueueGet(queue) => self.queue_get(&queue).await,
                NativeCoroutine::ConditionWait(condition, predicate) => {
                    self.condition_wait(&condition, predicate).await
                }
                NativeCoroutine::SemaphoreAcquire(semaphore) => {
                    self.semaphore_acquire(&semaphore).await
                }
            }
        })
    }

    /// Attributes and methods of native values.
    pub(crate) fn native_attr(
        &self,
        native: &Rc<Native>,
        object: &Value,
        name: &str,
    ) -> PyResult<Value> {
        let method = |method: &str| Ok(Value::bound_builtin(method, object.clone()));
        match native.as_ref() {
            Native::TimeDelta { micros } => {
                let (days, seconds, micro) = timedelta_parts(*micros);
                match name {
                    "days" => Ok(Value::Int(days)),
                    "seconds" => Ok(Value::Int(seconds)),
                    "microseconds" => Ok(Value::Int(micro)),
                    "total_seconds" => method("timedelta.total_seconds"),
                    _ => self.attribute_error(object, name),
                }
            }
            Native::DateTime { micros, .. } => {
                let (year, month, day, hour, minute, second, micro) = civil(*micros);
                match name {
                    "year" => Ok(Value::Int(year)),
                    "month" => Ok(Value::Int(month)),
                    "day" => Ok(Value::Int(day)),
                    "hour" => Ok(Value::Int(hour)),
                    "minute" => Ok(Value::Int(minute)),
                    "second" => Ok(Value::Int(second)),
                    "microsecond" => Ok(Value::Int(micro)),
                    "isoformat" | "timestamp" | "strftime" | "date" | "replace" | "weekday"
                    | "isoweekday" | "astimezone" | "utcoffset" => {
                        method(&format!("datetime.{name}"))
                    }
                    "tzinfo" => Ok(Value::None),
                    _ => self.attribute_error(object, name),
                }
            }
            Native::Uuid(text) => match name {
                "hex" => Ok(Value::str(&text.replace('-', ""))),
                "version" => Ok(Value::Int(4)),
                _ => self.attribute_error(object, name),
            },
            Native::Random(_) => match name {
                "random" | "randint" | "randrange" | "choice" | "choices" | "shuffle"
                | "sample" | "uniform" | "getrandbits" | "seed" => {
                    method(&format!("Random.{name}"))
                }
                _ => Err(self.unsupported(format!("`Random.{name}`"))),
            },
            Native::Record {
                type_name: "SearchAttributeKey",
                ..
            } if matches!(name, "value_set" | "value_unset") => {
                method("search_attribute_key.update")
            }
            Native::Record {
                type_name: "Info", ..
            } if matches!(
                name,
                "is_continue_as_new_suggested"
                    | "get_current_history_length"
                    | "get_current_history_size"
            ) =>
            {
                method(&format!("info.{name}"))
            }
            Native::Record { fields, type_name } => {
                match fields.borrow().iter().find(|(key, _)| key.as_ref() == name) {
                    Some((_, value)) => Ok(value.clone()),
                    None => Err(self.unsupported(format!("`{type_name}.{name}`"))),
                }
            }
            Native::Logger => method("logger.log"),
            Native::Lock(_) => match name {
                "acquire" | "release" | "locked" => method(&format!("lock.{name}")),
                _ => self.attribute_error(object, name),
            },
            Native::Event(_) => match name {
                "set" | "clear" | "is_set" | "wait" => method(&format!("event.{name}")),
                _ => self.attribute_error(object, name),
            },
            Native::Condition(_) => match name {
                "acquire" | "release" | "locked" | "wait" | "wait_for" | "notify"
                | "notify_all" => method(&format!("condition.{name}")),
                _ => Err(self.unsupported(format!("`asyncio.Condition.{name}`"))),
            },
            Native::Semaphore(_) => match name {
                "acquire" | "release" | "locked" => method(&format!("semaphore.{name}")),
                _ => Err(self.unsupported(format!("`asyncio.Semaphore.{name}`"))),
            },
            Native::Queue(_) => match name {
                "put" | "put_nowait" | "get" | "get_nowait" | "empty" | "full" | "qsize"
                | "task_done" => method(&format!("queue.{name}")),
                "maxsize" => Ok(Value::Int(0)),
                _ => Err(self.unsupported(format!("`asyncio.Queue.{name}`"))),
            },
            Native::ExternalHandle {
                workflow_id,
                run_id,
            } => match name {
                "id" => Ok(Value::str(workflow_id)),
                "run_id" => Ok(run_id.as_deref().map_or(Value::None, Value::str)),
                "signal" | "cancel" => method(&format!("external.{name}")),
                _ => self.attribute_error(object, name),
            },
            Native::Super { class, instance } => {
                let mro = match instance {
                    Value::Instance(object) => object.class.mro(),
                    Value::Class(cls) => cls.mro(),
                    _ => Vec::new(),
                };
                let start = mro
                    .iter()
                    .position(|c| Rc::ptr_eq(c, class))
                    .map_or(mro.len(), |p| p + 1);
                for base in &mro[start..] {
                    if let Some(value) = base.attrs.borrow().get_str(name) {
                        return Ok(match value {
                            Value::Function(_) => {
                                Value::BoundMethod(Rc::new((instance.clone(), value)))
                            }
                            other => other,
                        });
                    }
                    if name == "__init__" && base.native.is_some() {
                        return Ok(Value::bound_builtin(
                            &format!("super.__init__:{}", base.native.unwrap_or("object")),
                            instance.clone(),
                        ));
                    }
                }
                self.attribute_error(object, name)
            }
            _ => self.attribute_error(object, name),
        }
    }

    pub(crate) async fn call_native_object(
        &self,
        native: Rc<Native>,
        args: Args,
    ) -> PyResult<Value> {
        match native.as_ref() {
            Native::Partial {
                function,
                args: bound,
                keywords,
            } => {
                let mut positional = bound.clone();
                positional.extend(args.positional);
                let mut all_keywords = keywords.clone();
                all_keywords.extend(args.keywords);
                self.call(
                    function,
                    Args {
                        positional,
                        keywords: all_keywords,
                    },
                )
                .await
            }
            Native::DataclassOptions { frozen, kw_only } => match args.positional.first() {
                Some(Value::Class(class)) => {
                    self.make_dataclass(class, *frozen, *kw_only)?;
                    Ok(Value::Class(class.clone()))
                }
                _ => self.type_error("dataclass() should be applied to a class"),
            },
            Native::TypingForm(_) => Err(self.unsupported("calling a typing construct")),
            _ => self.type_error(format!("'{}' object is not callable", native.type_name())),
        }
    }
}

/// Seconds of a `timedelta` or a number (timeouts and sleep durations).
pub(crate) fn duration_seconds(value: &Value) -> Option<f64> {
    match value {
        Value::Native(native) => native.seconds(),
        other => as_float(other),
    }
}
