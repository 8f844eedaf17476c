//! `asyncio.Condition`, as CPython 3.11's `locks.py` writes it: a lock (its own or the given
//! one) and a line of waiters that `notify` wakes in order.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::event_loop::FutureObj;
use super::native::{Native, NativeCoroutine};
use super::value::Value;
use super::{Interp, PyResult};

pub(crate) struct ConditionState {
    pub(crate) lock: Rc<Native>,
    waiters: RefCell<VecDeque<Rc<FutureObj>>>,
}

impl Interp {
    pub(crate) fn new_condition(&self, lock: Option<&Value>) -> PyResult<Value> {
        let lock = match lock {
            None | Some(Value::None) => Rc::new(Native::Lock(RefCell::default())),
            Some(Value::Native(native)) if matches!(native.as_ref(), Native::Lock(_)) => {
                native.clone()
            }
            Some(_) => return Err(self.unsupported("an asyncio.Condition over this lock")),
        };
        Ok(Value::Native(Rc::new(Native::Condition(ConditionState {
            lock,
            waiters: RefCell::default(),
        }))))
    }

    pub(crate) fn condition_method(
        &self,
        name: &str,
        condition: &Rc<Native>,
        first: Value,
    ) -> PyResult<Value> {
        let Native::Condition(state) = condition.as_ref() else {
            return Err(self.unsupported(format!("`{name}`")));
        };
        let locked = || matches!(state.lock.as_ref(), Native::Lock(lock) if lock.borrow().flag);
        match name {
            "condition.acquire" => {
                Ok(self
                    .native_coroutine("acquire", NativeCoroutine::LockAcquire(state.lock.clone())))
            }
            "condition.release" => self.lock_release(&state.lock).map(|()| Value::None),
            "condition.locked" => Ok(Value::Bool(locked())),
            "condition.wait" => Ok(self.native_coroutine(
                "wait",
                NativeCoroutine::ConditionWait(condition.clone(), None),
            )),
            "condition.wait_for" => Ok(self.native_coroutine(
                "wait_for",
                NativeCoroutine::ConditionWait(condition.clone(), Some(first)),
            )),
            "condition.notify" | "condition.notify_all" => {
                if !locked() {
                    return Err(
                        self.raise(&self.exc.runtime_error, "cannot notify on un-acquired lock")
                    );
                }
                let count = if name == "condition.notify_all" {
                    usize::MAX
                } else {
                    match first {
                        Value::None => 1,
                        Value::Int(n) => usize::try_from(n).unwrap_or(0),
                        _ => return Err(self.unsupported("notify() with this count")),
                    }
                };
                let waiters: Vec<_> = state.waiters.borrow().iter().cloned().collect();
                let mut woken = 0;
                for waiter in waiters {
                    if woken >= count {
                        break;
                    }
                    if !waiter.done() {
                        woken += 1;
                        self.set_result(&waiter, Value::Bool(false));
                    }
                }
                Ok(Value::None)
            }
            _ => Err(self.unsupported(format!("`asyncio.Condition.{}`", &name[10..]))),
        }
    }

    /// `await cond.wait()`, or `await cond.wait_for(predicate)` when a predicate is given.
    pub(crate) async fn condition_wait(
        &self,
        condition: &Rc<Native>,
        predicate: Option<Value>,
    ) -> PyResult<Value> {
        let Native::Condition(state) = condition.as_ref() else {
            return Err(self.unsupported("`wait` on this object"));
        };
        if let Some(predicate) = &predicate {
            let result = self
                .call(predicate, super::expr::Args::positional(Vec::new()))
                .await?;
            if self.truthy(&result)? {
                return Ok(result);
            }
        }
        loop {
            if !matches!(state.lock.as_ref(), Native::Lock(lock) if lock.borrow().flag) {
                return Err(self.raise(&self.exc.runtime_error, "cannot wait on un-acquired lock"));
            }
            self.lock_release(&state.lock)?;
            let (_, outcome) = self.wait_in_line(&state.waiters, |waiters| waiters).await;
            // The lock is re-acquired even when the wait was cancelled.
            let mut cancelled = None;
            loop {
                match self.lock_acquire(&state.lock).await {
                    Ok(_) => break,
                    Err(error) => cancelled = Some(error),
                }
            }
            if let Some(error) = cancelled {
                return Err(error);
            }
            outcome?;
            let Some(predicate) = &predicate else {
                return Ok(Value::Bool(true));
            };
            let result = self
                .call(predicate, super::expr::Args::positional(Vec::new()))
                .await?;
            if self.truthy(&result)? {
                return Ok(result);
            }
        }
    }
}
