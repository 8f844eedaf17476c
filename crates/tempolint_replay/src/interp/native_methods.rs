//! Methods of the modelled library values: `timedelta`, `datetime`, `workflow.random()`,
//! loggers, search-attribute keys, `asyncio.Lock` and `asyncio.Event`.

use std::cell::RefCell;
use std::rc::Rc;

use super::expr::Args;
use super::native::{Native, civil, duration_seconds};
use super::ops::{as_float, as_int};
use super::value::Value;
use super::{Interp, PyResult};

impl Interp {
    /// Methods of native values (`td.total_seconds()`, `now.isoformat()`, `rng.randint()`).
    pub(crate) fn call_native_method(
        &self,
        name: &str,
        receiver: &Value,
        args: Args,
    ) -> PyResult<Value> {
        let Value::Native(native) = receiver else {
            return Err(self.unsupported(format!("`{name}`")));
        };
        let first = args.positional.first().cloned().unwrap_or(Value::None);
        match (name, native.as_ref()) {
            ("timedelta.total_seconds", _) => {
                Ok(Value::Float(duration_seconds(receiver).unwrap_or(0.0)))
            }
            ("datetime.isoformat", Native::DateTime { micros, aware }) => {
                let separator = match &first {
                    Value::Str(text) => text.chars().next().unwrap_or('T'),
                    _ => 'T',
                };
                Ok(Value::Str(
                    super::native::datetime_iso(*micros, *aware, separator).into(),
                ))
            }
            ("datetime.timestamp", Native::DateTime { micros, .. }) => {
                Ok(Value::Float(*micros as f64 / 1e6))
            }
            ("datetime.strftime", Native::DateTime { .. }) => match &first {
                Value::Str(format) => {
                    Ok(Value::Str(native.format(format).unwrap_or_default().into()))
                }
                _ => self.type_error("strftime() argument must be str"),
            },
            ("datetime.date", Native::DateTime { micros, .. }) => {
                Ok(Value::Native(Rc::new(Native::DateTime {
                    micros: micros - micros.rem_euclid(86_400_000_000),
                    aware: false,
                })))
            }
            ("datetime.weekday" | "datetime.isoweekday", Native::DateTime { micros, .. }) => {
                let days = micros.div_euclid(86_400_000_000);
                let weekday = (days + 3).rem_euclid(7);
                Ok(Value::Int(if name.ends_with("isoweekday") {
                    weekday + 1
                } else {
                    weekday
                }))
            }
            ("datetime.replace", Native::DateTime { micros, aware }) => {
                let (year, month, day, hour, minute, second, micro) = civil(*micros);
                let get =
                    |key: &str, default: i64| args.keyword(key).and_then(as_int).unwrap_or(default);
                let days = crate::history::days_from_civil_pub(
                    get("year", year),
                    get("month", month),
                    get("day", day),
                );
                let micros = days * 86_400_000_000
                    + get("hour", hour) * 3_600_000_000
                    + get("minute", minute) * 60_000_000
                    + get("second", second) * 1_000_000
                    + get("microsecond", micro);
                Ok(Value::Native(Rc::new(Native::DateTime {
                    micros,
                    aware: *aware,
                })))
            }
            ("datetime.astimezone", _) => Ok(receiver.clone()),
            ("datetime.utcoffset", _) => Ok(Native::timedelta(0)),
            ("logger.log", _) => Ok(Value::None),
            ("lock.acquire", Native::Lock(_)) => Ok(self.native_coroutine(
                "acquire",
                super::native::NativeCoroutine::LockAcquire(native.clone()),
            )),
            ("lock.release", Native::Lock(_)) => self.lock_release(native).map(|()| Value::None),
            ("lock.locked", Native::Lock(state)) => Ok(Value::Bool(state.borrow().flag)),
            ("event.wait", Native::Event(_)) => Ok(self.native_coroutine(
                "wait",
                super::native::NativeCoroutine::EventWait(native.clone()),
            )),
            ("event.is_set", Native::Event(state)) => Ok(Value::Bool(state.borrow().flag)),
            ("event.clear", Native::Event(state)) => {
                state.borrow_mut().flag = false;
                Ok(Value::None)
            }
            ("event.set", Native::Event(state)) => {
                if !state.borrow().flag {
                    state.borrow_mut().flag = true;
                    let waiters: Vec<_> = state.borrow().waiters.iter().cloned().collect();
                    for waiter in waiters {
                        if !waiter.done() {
                            self.set_result(&waiter, Value::Bool(true));
                        }
                    }
                }
                Ok(Value::None)
            }
            ("info.is_continue_as_new_suggested", _) => {
                Ok(Value::Bool(self.wf.borrow().continue_as_new_suggested))
            }
            ("info.get_current_history_length", _) => {
                Ok(Value::Int(self.wf.borrow().history_length))
            }
            ("info.get_current_history_size", _) => {
                Ok(Value::Int(self.wf.borrow().history_size_bytes))
            }
            (method, Native::Condition(_)) if method.starts_with("condition.") => {
                self.condition_method(method, native, first)
            }
            (method, Native::Semaphore(_)) if method.starts_with("semaphore.") => {
                self.semaphore_method(method, native)
            }
            (method, Native::Queue(_)) if method.starts_with("queue.") => {
                self.queue_method(method, native, first)
            }
            ("search_attribute_key.update", _) => Ok(Native::record(
                "SearchAttributeUpdate",
                vec![("key", receiver.clone())],
            )),
            (method, Native::Random(random)) => self.random_method(method, random, &args),
            _ => Err(self.unsupported(format!("`{name}`"))),
        }
    }

    pub(crate) fn random_method(
        &self,
        method: &str,
        random: &Rc<RefCell<super::rng::MersenneTwister>>,
        args: &Args,
    ) -> PyResult<Value> {
        let int = |index: usize| args.positional.get(index).and_then(as_int);
        let mut rng = random.borrow_mut();
        match method {
            "Random.random" => Ok(Value::Float(rng.random())),
            "Random.randint" | "Random.randrange" => {
                let (start, stop) = match (int(0), int(1)) {
                    (Some(a), Some(b)) if method == "Random.randint" => (a, b + 1),
                    (Some(a), Some(b)) => (a, b),
                    (Some(b), None) => (0, b),
                    _ => return self.type_error("randint() needs integers"),
                };
                if args.positional.len() > 2 && method == "Random.randrange" && int(2) != Some(1) {
                    return Err(self.unsupported("randrange() with a step"));
                }
                if stop <= start {
                    return self.value_error("empty range for randrange()");
                }
                Ok(Value::Int(
                    start + rng.randbelow((stop - start) as u64) as i64,
                ))
            }
            "Random.choice" => {
                drop(rng);
                let items = self.iterate_sync(args.positional.first().unwrap_or(&Value::None))?;
                if items.is_empty() {
                    return self.index_error("Cannot choose from an empty sequence");
                }
                let index = random.borrow_mut().randbelow(items.len() as u64);
                Ok(items[index as usize].clone())
            }
            "Random.shuffle" => {
                let Some(Value::List(list)) = args.positional.first() else {
                    return Err(self.unsupported("shuffle() of this value"));
                };
                let mut items = list.borrow_mut();
                for i in (1..items.len()).rev() {
                    let j = rng.randbelow(i as u64 + 1) as usize;
                    items.swap(i, j);
                }
                Ok(Value::None)
            }
            "Random.uniform" => {
                let (a, b) = (
                    as_float(args.positional.first().unwrap_or(&Value::None)).unwrap_or(0.0),
                    as_float(args.positional.get(1).unwrap_or(&Value::None)).unwrap_or(0.0),
                );
                Ok(Value::Float(a + (b - a) * rng.random()))
            }
            "Random.getrandbits" => {
                let bits = int(0).unwrap_or(0);
                if !(0..=63).contains(&bits) {
                    return Err(self.unsupported("getrandbits() beyond 63 bits"));
                }
                Ok(Value::Int(rng.getrandbits(bits as u32) as i64))
            }
            _ => Err(self.unsupported(format!("`{method}` (not modelled)"))),
        }
    }
}
