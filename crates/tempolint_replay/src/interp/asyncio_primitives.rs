//! `asyncio.Queue` (unbounded) and `asyncio.Semaphore`, line for line with CPython 3.11's
//! `asyncio/queues.py` and `locks.py`: waiters wait on futures in FIFO order and a put or a
//! release wakes the first one still waiting.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::event_loop::FutureObj;
use super::native::{Native, NativeCoroutine};
use super::value::Value;
use super::{Interp, PyResult};

#[derive(Default)]
pub(crate) struct QueueState {
    items: VecDeque<Value>,
    getters: VecDeque<Rc<FutureObj>>,
    unfinished: i64,
}

impl Interp {
    /// `asyncio.Queue(maxsize=0)`. A bounded queue makes `put` wait, which is not modelled.
    pub(crate) fn new_queue(&self, maxsize: Option<&Value>) -> PyResult<Value> {
        match maxsize {
            None | Some(Value::Int(..=0)) => {
                Ok(Value::Native(Rc::new(Native::Queue(RefCell::default()))))
            }
            Some(_) => Err(self.unsupported("a bounded `asyncio.Queue(maxsize=…)`")),
        }
    }

    /// `Queue.<name>` for a method name the queue has.
    pub(crate) fn queue_method(
        &self,
        name: &str,
        queue: &Rc<Native>,
        first: Value,
    ) -> PyResult<Value> {
        let Native::Queue(state) = queue.as_ref() else {
            return Err(self.unsupported(format!("`{name}`")));
        };
        match name {
            "queue.put" => {
                Ok(self.native_coroutine("put", NativeCoroutine::QueuePut(queue.clone(), first)))
            }
            "queue.put_nowait" => {
                self.put_in_queue(state, first);
                Ok(Value::None)
            }
            "queue.get" => {
                Ok(self.native_coroutine("get", NativeCoroutine::QueueGet(queue.clone())))
            }
            "queue.get_nowait" => self.queue_get_nowait(state),
            "queue.empty" => Ok(Value::Bool(state.borrow().items.is_empty())),
            "queue.full" => Ok(Value::Bool(false)),
            "queue.qsize" => Ok(Value::Int(state.borrow().items.len() as i64)),
            "queue.task_done" => {
                let mut state = state.borrow_mut();
                if state.unfinished <= 0 {
                    drop(state);
                    return Err(
                        self.raise(&self.exc.value_error, "task_done() called too many times")
                    );
                }
                state.unfinished -= 1;
                Ok(Value::None)
            }
            _ => Err(self.unsupported(format!("`asyncio.Queue.{}`", &name[6..]))),
        }
    }

    /// `put_nowait`: append, then wake the first getter still waiting (`_wakeup_next`).
    pub(crate) fn put_in_queue(&self, state: &RefCell<QueueState>, item: Value) {
        {
            let mut state = state.borrow_mut();
            state.items.push_back(item);
            state.unfinished += 1;
        }
        loop {
            let Some(getter) = state.borrow_mut().getters.pop_front() else {
                break;
            };
            if !getter.done() {
                self.set_result(&getter, Value::None);
                break;
            }
        }
    }

    fn queue_get_nowait(&self, state: &RefCell<QueueState>) -> PyResult<Value> {
        match state.borrow_mut().items.pop_front() {
            Some(item) => Ok(item),
            None => Err(self.unsupported("`get_nowait()` on an empty asyncio.Queue (QueueEmpty)")),
        }
    }

    /// `await queue.get()`: waits while the queue is empty.
    pub(crate) async fn queue_get(&self, queue: &Rc<Native>) -> PyResult<Value> {
        let Native::Queue(state) = queue.as_ref() else {
            return Err(self.unsupported("`get` on this object"));
        };
        while state.borrow().items.is_empty() {
            let (getter, outcome) = self.wait_in_line(state, |s| &mut s.getters).await;
            if let Err(error) = outcome {
                let wake = !state.borrow().items.is_empty() && !getter.cancelled();
                if wake
                    && let Some(next) = state.borrow_mut().getters.pop_front()
                    && !next.done()
                {
                    self.set_result(&next, Value::None);
                }
                return Err(error);
            }
        }
        self.queue_get_nowait(state)
    }
}

/// `asyncio.Semaphore` / `BoundedSemaphore` state (CPython 3.11's `locks.py`).
pub(crate) struct SemaphoreState {
    value: i64,
    initial: i64,
    bounded: bool,
    waiters: VecDeque<Rc<FutureObj>>,
}

impl Interp {
    pub(crate) fn new_semaphore(&self, value: Option<&Value>, bounded: bool) -> PyResult<Value> {
        let value = match value {
            None => 1,
            Some(Value::Int(value)) if *value >= 0 => *value,
            Some(Value::Int(_)) => {
                return Err(self.raise(
                    &self.exc.value_error,
                    "Semaphore initial value must be >= 0",
                ));
            }
            Some(_) => return Err(self.unsupported("a Semaphore value that is not a known int")),
        };
        Ok(Value::Native(Rc::new(Native::Semaphore(RefCell::new(
            SemaphoreState {
                value,
                initial: value,
                bounded,
                waiters: VecDeque::new(),
            },
        )))))
    }

    fn semaphore_locked(state: &SemaphoreState) -> bool {
        state.value == 0 || state.waiters.iter().any(|w| !w.cancelled())
    }

    /// `_wake_up_next`: the first waiter not done gets the slot.
    fn semaphore_wake_next(&self, state: &RefCell<SemaphoreState>) -> bool {
        let waiter = state.borrow().waiters.iter().find(|w| !w.done()).cloned();
        let Some(waiter) = waiter else {
            return false;
        };
        state.borrow_mut().value -= 1;
        self.set_result(&waiter, Value::Bool(true));
        true
    }

    pub(crate) async fn semaphore_acquire(&self, semaphore: &Rc<Native>) -> PyResult<Value> {
        let Native::Semaphore(state) = semaphore.as_ref() else {
            return Err(self.unsupported("`acquire` on this object"));
        };
        if !Self::semaphore_locked(&state.borrow()) {
            state.borrow_mut().value -= 1;
            return Ok(Value::Bool(true));
        }
        let (waiter, outcome) = self.wait_in_line(state, |s| &mut s.waiters).await;
        if outcome.is_err() && waiter.done() && !waiter.cancelled() {
            state.borrow_mut().value += 1;
        }
        while state.borrow().value > 0 {
            if !self.semaphore_wake_next(state) {
                break;
            }
        }
        outcome.map(|_| Value::Bool(true))
    }

    pub(crate) fn semaphore_release(&self, semaphore: &Rc<Native>) -> PyResult<()> {
        let Native::Semaphore(state) = semaphore.as_ref() else {
            return Err(self.unsupported("`release` on this object"));
        };
        {
            let state = state.borrow();
            if state.bounded && state.value >= state.initial {
                drop(state);
                return Err(self.raise(
                    &self.exc.value_error,
                    "BoundedSemaphore released too many times",
                ));
            }
        }
        state.borrow_mut().value += 1;
        self.semaphore_wake_next(state);
        Ok(())
    }

    pub(crate) fn semaphore_method(&self, name: &str, semaphore: &Rc<Native>) -> PyResult<Value> {
        let Native::Semaphore(state) = semaphore.as_ref() else {
            return Err(self.unsupported(format!("`{name}`")));
        };
        match name {
            "semaphore.acquire" => Ok(self.native_coroutine(
                "acquire",
                NativeCoroutine::SemaphoreAcquire(semaphore.clone()),
            )),
            "semaphore.release" => self.semaphore_release(semaphore).map(|()| Value::None),
            "semaphore.locked" => Ok(Value::Bool(Self::semaphore_locked(&state.borrow()))),
            _ => Err(self.unsupported(format!("`asyncio.Semaphore.{}`", &name[10..]))),
        }
    }
}
