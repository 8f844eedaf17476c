//! asyncio's library coroutines and primitives written as CPython 3.11 writes them (`gather`,
//! `wait`, `shield`, `sleep`, `wait_for`, `as_completed`, `Lock`, `Event`): every await and
//! every done-callback in the same place, so tasks resume in Python's order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::event_loop::{
    AsCompletedState, Callback, FutureKind, FutureObj, GatherState, TimerCallback, WaitMode,
    WaitState,
};
use super::value::Value;
use super::{Interp, PyResult, Unwind};

impl Interp {
    /// `asyncio.gather(*aws, return_exceptions=...)`.
    pub(crate) fn gather(
        &self,
        awaitables: &[Value],
        return_exceptions: bool,
    ) -> PyResult<Rc<FutureObj>> {
        if awaitables.is_empty() {
            let outer = self.new_future();
            self.set_result(&outer, Value::list(Vec::new()));
            return Ok(outer);
        }
        let state = Rc::new(GatherState {
            children: RefCell::default(),
            outer: RefCell::new(None),
            finished: Cell::new(0),
            count: Cell::new(0),
            return_exceptions,
            cancel_requested: Cell::new(false),
        });
        let mut seen: Vec<(usize, Rc<FutureObj>)> = Vec::new();
        for awaitable in awaitables {
            let identity = awaitable.identity().unwrap_or(0);
            let child = if let Some((_, existing)) =
                seen.iter().find(|(id, _)| *id == identity && identity != 0)
            {
                existing.clone()
            } else {
                let child = self.ensure_future(awaitable)?;
                state.count.set(state.count.get() + 1);
                self.add_done_callback(&child, Callback::Gather(state.clone()));
                seen.push((identity, child.clone()));
                child
            };
            state.children.borrow_mut().push(child);
        }
        let outer = FutureObj::new(FutureKind::Gathering(state.clone()));
        *state.outer.borrow_mut() = Some(Rc::downgrade(&outer));
        Ok(outer)
    }

    pub(crate) fn gather_done(&self, state: &Rc<GatherState>, future: &Rc<FutureObj>) {
        state.finished.set(state.finished.get() + 1);
        let Some(outer) = state
            .outer
            .borrow()
            .as_ref()
            .and_then(std::rc::Weak::upgrade)
        else {
            return;
        };
        if outer.done() {
            return;
        }
        if !state.return_exceptions {
            if future.cancelled() {
                let exception = self.asyncio_cancelled(None);
                self.set_exception(&outer, exception);
                return;
            }
            if let Some(exception) = future.exception() {
                self.set_exception(&outer, exception);
                return;
            }
        }
        if state.finished.get() == state.count.get() {
            let results: Vec<Value> = state
                .children
                .borrow()
                .iter()
                .map(|child| {
                    if child.cancelled() {
                        self.asyncio_cancelled(None)
                    } else if let Some(exception) = child.exception() {
                        exception
                    } else {
                        child.result_value().unwrap_or(Value::None)
                    }
                })
                .collect();
            if state.cancel_requested.get() {
                let exception = self.asyncio_cancelled(None);
                self.set_exception(&outer, exception);
            } else {
                self.set_result(&outer, Value::list(results));
            }
        }
    }

    /// `_wait(fs, timeout, return_when)`: both `asyncio.wait` and `workflow.wait` end here.
    pub(crate) async fn wait_futures(
        &self,
        futures: &[Rc<FutureObj>],
        timeout: Option<f64>,
        mode: WaitMode,
    ) -> PyResult<(Vec<Rc<FutureObj>>, Vec<Rc<FutureObj>>)> {
        let waiter = self.new_future();
        let state = Rc::new(WaitState {
            counter: Cell::new(futures.len()),
            return_when: mode,
            waiter: waiter.clone(),
            timeout: RefCell::new(None),
        });
        if let Some(seconds) = timeout {
            let timer = self.call_later(seconds, TimerCallback::ReleaseWaiter(waiter.clone()))?;
            *state.timeout.borrow_mut() = Some(timer);
        }
        for future in futures {
            self.add_done_callback(future, Callback::Wait(state.clone()));
        }
        let outcome = self.await_future(waiter).await;
        if let Some(timer) = state.timeout.borrow().clone() {
            self.cancel_timer(&timer);
        }
        for future in futures {
            future.remove_callback(&Callback::Wait(state.clone()));
        }
        outcome?;
        let (done, pending): (Vec<_>, Vec<_>) =
            futures.iter().cloned().partition(|future| future.done());
        Ok((done, pending))
    }

    /// `asyncio.shield(arg)`.
    pub(crate) fn shield(&self, awaitable: &Value) -> PyResult<Rc<FutureObj>> {
        let inner = self.ensure_future(awaitable)?;
        if inner.done() {
            return Ok(inner);
        }
        let outer = self.new_future();
        self.add_done_callback(
            &inner,
            Callback::ShieldInner {
                outer: outer.clone(),
            },
        );
        self.add_done_callback(
            &outer,
            Callback::ShieldOuter {
                inner: inner.clone(),
            },
        );
        Ok(outer)
    }

    /// `asyncio.sleep(delay)`.
    pub(crate) async fn asyncio_sleep(&self, delay: f64, result: Value) -> PyResult<Value> {
        if delay <= 0.0 {
            self.yield_now().await?;
            return Ok(result);
        }
        let future = self.new_future();
        let timer = self.call_later(
            delay,
            TimerCallback::SetResultUnlessCancelled(future.clone()),
        )?;
        let outcome = self.await_future(future).await;
        self.cancel_timer(&timer);
        outcome.map(|_| result)
    }

    /// `asyncio.wait_for(fut, timeout)` as in CPython 3.11.
    pub(crate) async fn wait_for(&self, awaitable: Value, timeout: Option<f64>) -> PyResult<Value> {
        let Some(timeout) = timeout else {
            return self.await_value(awaitable).await;
        };
        if timeout <= 0.0 {
            let future = self.ensure_future(&awaitable)?;
            if future.done() {
                return self.future_result(&future);
            }
            self.cancel_and_wait(&future).await?;
            return match self.future_result(&future) {
                Err(Unwind::Exception(exception)) if self.is_asyncio_cancelled(&exception) => {
                    Err(self.raise(&self.exc.timeout_error, ""))
                }
                other => other,
            };
        }
        let waiter = self.new_future();
        let timer = self.call_later(timeout, TimerCallback::ReleaseWaiter(waiter.clone()))?;
        let future = self.ensure_future(&awaitable)?;
        self.add_done_callback(&future, Callback::ReleaseWaiter(waiter.clone()));
        let outcome = async {
            match self.await_future(waiter.clone()).await {
                Err(Unwind::Exception(exception)) if self.is_asyncio_cancelled(&exception) => {
                    if future.done() {
                        return self.future_result(&future);
                    }
                    future.remove_callback(&Callback::ReleaseWaiter(waiter.clone()));
                    self.cancel_and_wait(&future).await?;
                    Err(Unwind::Exception(exception))
                }
                Err(other) => Err(other),
                Ok(_) => {
                    if future.done() {
                        return self.future_result(&future);
                    }
                    future.remove_callback(&Callback::ReleaseWaiter(waiter.clone()));
                    self.cancel_and_wait(&future).await?;
                    match self.future_result(&future) {
                        Err(Unwind::Exception(exception))
                            if self.is_asyncio_cancelled(&exception) =>
                        {
                            Err(self.raise(&self.exc.timeout_error, ""))
                        }
                        other => other,
                    }
                }
            }
        }
        .await;
        self.cancel_timer(&timer);
        outcome
    }

    pub(crate) async fn cancel_and_wait(&self, future: &Rc<FutureObj>) -> PyResult<()> {
        let waiter = self.new_future();
        let callback = Callback::ReleaseWaiter(waiter.clone());
        self.add_done_callback(future, callback.clone());
        let outcome = async {
            self.cancel_future(future, None)?;
            self.await_future(waiter.clone()).await
        }
        .await;
        future.remove_callback(&callback);
        outcome.map(|_| ())
    }

    /// `as_completed(fs, timeout)`: returns the coroutines to await, in order.
    pub(crate) fn as_completed(
        &self,
        awaitables: &[Value],
        timeout: Option<f64>,
    ) -> PyResult<Vec<Value>> {
        let todo: Vec<Rc<FutureObj>> = awaitables
            .iter()
            .map(|a| self.ensure_future(a))
            .collect::<PyResult<_>>()?;
        let state = Rc::new(AsCompletedState {
            todo: RefCell::new(todo.clone()),
            done: RefCell::default(),
            getters: RefCell::default(),
            timeout: RefCell::new(None),
        });
        for future in &todo {
            self.add_done_callback(future, Callback::AsCompleted(state.clone()));
        }
        if !todo.is_empty()
            && let Some(seconds) = timeout
        {
            let timer =
                self.call_later(seconds, TimerCallback::AsCompletedTimeout(state.clone()))?;
            *state.timeout.borrow_mut() = Some(timer);
        }
        Ok((0..todo.len())
            .map(|_| {
                self.native_coroutine(
                    "_wait_for_one",
                    super::native::NativeCoroutine::WaitForOne(state.clone()),
                )
            })
            .collect())
    }

    pub(crate) fn queue_put(&self, state: &AsCompletedState, item: Option<Rc<FutureObj>>) {
        state.done.borrow_mut().push_back(item);
        loop {
            let Some(getter) = state.getters.borrow_mut().pop_front() else {
                break;
            };
            if !getter.done() {
                self.set_result(&getter, Value::None);
                break;
            }
        }
    }

    /// `_wait_for_one()`: `f = await done.get(); return f.result()`.
    pub(crate) async fn wait_for_one(&self, state: Rc<AsCompletedState>) -> PyResult<Value> {
        loop {
            if !state.done.borrow().is_empty() {
                break;
            }
            let getter = self.new_future();
            state.getters.borrow_mut().push_back(getter.clone());
            if let Err(error) = self.await_future(getter.clone()).await {
                self.cancel_plain(&getter, None);
                state
                    .getters
                    .borrow_mut()
                    .retain(|g| !Rc::ptr_eq(g, &getter));
                return Err(error);
            }
        }
        let item = state.done.borrow_mut().pop_front().flatten();
        match item {
            None => Err(self.raise(&self.exc.timeout_error, "")),
            Some(future) => self.future_result(&future),
        }
    }

    /// `Lock.acquire()` as CPython 3.11 implements it.
    pub(crate) async fn lock_acquire(&self, lock: &Rc<super::native::Native>) -> PyResult<Value> {
        let super::native::Native::Lock(state) = lock.as_ref() else {
            return Ok(Value::Bool(false));
        };
        let free = {
            let state = state.borrow();
            !state.flag && state.waiters.iter().all(|w| w.cancelled())
        };
        if free {
            state.borrow_mut().flag = true;
            return Ok(Value::Bool(true));
        }
        let (_, outcome) = self.wait_in_line(state, |s| &mut s.waiters).await;
        if let Err(error) = outcome {
            if !state.borrow().flag {
                self.wake_first(state);
            }
            return Err(error);
        }
        state.borrow_mut().flag = true;
        Ok(Value::Bool(true))
    }

    pub(crate) fn lock_release(&self, lock: &Rc<super::native::Native>) -> PyResult<()> {
        let super::native::Native::Lock(state) = lock.as_ref() else {
            return Ok(());
        };
        if !state.borrow().flag {
            return Err(self.raise(&self.exc.runtime_error, "Lock is not acquired."));
        }
        state.borrow_mut().flag = false;
        self.wake_first(state);
        Ok(())
    }

    pub(crate) fn wake_first(&self, state: &RefCell<super::native::SyncState>) {
        let first = state.borrow().waiters.front().cloned();
        if let Some(first) = first
            && !first.done()
        {
            self.set_result(&first, Value::Bool(true));
        }
    }

    /// `Event.wait()`.
    pub(crate) async fn event_wait(&self, event: &Rc<super::native::Native>) -> PyResult<Value> {
        let super::native::Native::Event(state) = event.as_ref() else {
            return Ok(Value::Bool(true));
        };
        if state.borrow().flag {
            return Ok(Value::Bool(true));
        }
        let (_, outcome) = self.wait_in_line(state, |s| &mut s.waiters).await;
        outcome.map(|_| Value::Bool(true))
    }

    /// Waits on a new future at the end of a primitive's line of waiters (`fut =
    /// create_future(); waiters.append(fut); try: await fut; finally: waiters.remove(fut)`).
    pub(crate) async fn wait_in_line<T>(
        &self,
        state: &RefCell<T>,
        waiters: fn(&mut T) -> &mut std::collections::VecDeque<Rc<FutureObj>>,
    ) -> (Rc<FutureObj>, PyResult<Value>) {
        let waiter = self.new_future();
        waiters(&mut state.borrow_mut()).push_back(waiter.clone());
        let outcome = self.await_future(waiter.clone()).await;
        waiters(&mut state.borrow_mut()).retain(|w| !Rc::ptr_eq(w, &waiter));
        (waiter, outcome)
    }
}
