//! asyncio as CPython 3.11 implements it, on the Temporal workflow event loop: futures with
//! done-callbacks scheduled through `call_soon`, tasks stepped by a FIFO ready queue, and the
//! library coroutines (`gather`, `wait`, `sleep`, `shield`, `wait_for`) written with the same
//! awaits as CPython's, so tasks resume in exactly Python's order.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::value::{Coroutine, CoroutineKind, Value};
use super::{Interp, LocalFuture, PyResult, Stop, Unwind};

/// A Future, Task, or one of Temporal's handle tasks.
pub(crate) struct FutureObj {
    state: RefCell<FutState>,
    callbacks: RefCell<Vec<Callback>>,
    pub(crate) kind: FutureKind,
}

#[derive(Clone)]
enum FutState {
    Pending,
    Result(Value),
    Exception(Value),
    Cancelled(Option<Value>),
}

pub(crate) enum FutureKind {
    Plain,
    Task(Box<TaskData>),
    Gathering(Rc<GatherState>),
}

pub(crate) struct TaskData {
    pub(crate) name: Rc<str>,
    coro: RefCell<Option<LocalFuture<'static, PyResult<Value>>>>,
    started: Cell<bool>,
    must_cancel: Cell<bool>,
    cancel_message: RefCell<Option<Value>>,
    fut_waiter: RefCell<Option<Rc<FutureObj>>>,
    depth: Cell<u32>,
    /// Where the task's code last suspended (for "the workflow waits here" messages).
    pub(crate) suspended_at: Cell<Option<super::Loc>>,
    pub(crate) temporal: Option<super::workflow_instance::HandleData>,
}

/// What a done future calls back (each scheduled with `call_soon`).
#[derive(Clone)]
pub(crate) enum Callback {
    /// `Task.__wakeup`.
    Wakeup(Rc<FutureObj>),
    Gather(Rc<GatherState>),
    Wait(Rc<WaitState>),
    /// `functools.partial(_release_waiter, waiter)`.
    ReleaseWaiter(Rc<FutureObj>),
    AsCompleted(Rc<AsCompletedState>),
    ShieldInner {
        outer: Rc<FutureObj>,
    },
    ShieldOuter {
        inner: Rc<FutureObj>,
    },
    /// `workflow.sleep`: cancel the timer when the awaited future is cancelled.
    CancelTimerIfCancelled(Rc<TimerHandle>),
    /// `task.add_done_callback(fn)` from workflow code.
    Python(Value),
}

impl Callback {
    fn same(&self, other: &Callback) -> bool {
        match (self, other) {
            (Callback::Wakeup(a), Callback::Wakeup(b))
            | (Callback::ReleaseWaiter(a), Callback::ReleaseWaiter(b)) => Rc::ptr_eq(a, b),
            (Callback::Gather(a), Callback::Gather(b)) => Rc::ptr_eq(a, b),
            (Callback::Wait(a), Callback::Wait(b)) => Rc::ptr_eq(a, b),
            (Callback::AsCompleted(a), Callback::AsCompleted(b)) => Rc::ptr_eq(a, b),
            (Callback::ShieldInner { outer: a }, Callback::ShieldInner { outer: b }) => {
                Rc::ptr_eq(a, b)
            }
            (Callback::Python(a), Callback::Python(b)) => a.identity() == b.identity(),
            _ => false,
        }
    }
}

/// A timer (`loop.call_later`): a Temporal `StartTimer` command with a sequence number.
pub(crate) struct TimerHandle {
    pub(crate) seq: u32,
    pub(crate) callback: TimerCallback,
    pub(crate) cancelled: Cell<bool>,
}

pub(crate) enum TimerCallback {
    /// `asyncio.sleep`: `futures._set_result_unless_cancelled`.
    SetResultUnlessCancelled(Rc<FutureObj>),
    /// `workflow.sleep`: `fut.set_result(None) if not fut.done()`.
    SetResultIfPending(Rc<FutureObj>),
    ReleaseWaiter(Rc<FutureObj>),
    AsCompletedTimeout(Rc<AsCompletedState>),
}

/// A ready-queue entry (`asyncio.Handle`).
pub(crate) enum Handle {
    Step(Rc<FutureObj>, Option<Value>),
    Callback(Callback, Rc<FutureObj>),
    Timer(Rc<TimerHandle>),
    /// `loop.call_soon(task.cancel)`.
    CancelTask(Rc<FutureObj>),
}

pub(crate) struct GatherState {
    pub(crate) children: RefCell<Vec<Rc<FutureObj>>>,
    pub(crate) outer: RefCell<Option<std::rc::Weak<FutureObj>>>,
    pub(crate) finished: Cell<usize>,
    pub(crate) count: Cell<usize>,
    pub(crate) return_exceptions: bool,
    pub(crate) cancel_requested: Cell<bool>,
}

pub(crate) struct WaitState {
    pub(crate) counter: Cell<usize>,
    pub(crate) return_when: WaitMode,
    pub(crate) waiter: Rc<FutureObj>,
    pub(crate) timeout: RefCell<Option<Rc<TimerHandle>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitMode {
    AllCompleted,
    FirstCompleted,
    FirstException,
}

/// `workflow.as_completed` / `asyncio.as_completed`: the todo list and an `asyncio.Queue`.
pub(crate) struct AsCompletedState {
    pub(crate) todo: RefCell<Vec<Rc<FutureObj>>>,
    pub(crate) done: RefCell<VecDeque<Option<Rc<FutureObj>>>>,
    pub(crate) getters: RefCell<VecDeque<Rc<FutureObj>>>,
    pub(crate) timeout: RefCell<Option<Rc<TimerHandle>>>,
}

/// Why a task's coroutine returned `Pending`.
pub(crate) enum Suspension {
    Await(Rc<FutureObj>),
    Yield,
}

/// The event loop's state.
#[derive(Default)]
pub(crate) struct Loop {
    pub(crate) ready: RefCell<VecDeque<Handle>>,
    pub(crate) suspension: RefCell<Option<Suspension>>,
    throw: RefCell<Option<Value>>,
    pub(crate) current_task: RefCell<Option<Rc<FutureObj>>>,
    /// A task stopped with something Python cannot catch; the activation ends with it.
    pub(crate) fatal: RefCell<Option<Stop>>,
    /// Every future and task made, for [`Interp::drop_futures`].
    futures: super::cycles::Registry<FutureObj>,
}

impl Loop {
    /// Drops every task, suspension and pending exception (see [`super::Interp::teardown`]).
    pub(crate) fn clear(&self) {
        self.ready.borrow_mut().clear();
        self.suspension.borrow_mut().take();
        self.throw.borrow_mut().take();
        self.current_task.borrow_mut().take();
        self.fatal.borrow_mut().take();
    }
}

impl FutureObj {
    pub(crate) fn new(kind: FutureKind) -> Rc<FutureObj> {
        Rc::new(FutureObj {
            state: RefCell::new(FutState::Pending),
            callbacks: RefCell::default(),
            kind,
        })
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            FutureKind::Plain | FutureKind::Gathering(_) => "Future",
            FutureKind::Task(task) => match &task.temporal {
                Some(super::workflow_instance::HandleData::Activity(_)) => "_ActivityHandle",
                Some(super::workflow_instance::HandleData::Child(_)) => "_ChildWorkflowHandle",
                None => "Task",
            },
        }
    }

    pub(crate) fn task(&self) -> Option<&TaskData> {
        match &self.kind {
            FutureKind::Task(task) => Some(task),
            _ => None,
        }
    }

    pub(crate) fn done(&self) -> bool {
        !matches!(*self.state.borrow(), FutState::Pending)
    }

    pub(crate) fn cancelled(&self) -> bool {
        matches!(*self.state.borrow(), FutState::Cancelled(_))
    }

    /// `Future.exception()` for a done, not-cancelled future.
    pub(crate) fn exception(&self) -> Option<Value> {
        match &*self.state.borrow() {
            FutState::Exception(exception) => Some(exception.clone()),
            _ => None,
        }
    }

    pub(crate) fn result_value(&self) -> Option<Value> {
        match &*self.state.borrow() {
            FutState::Result(value) => Some(value.clone()),
            _ => None,
        }
    }

    pub(crate) fn remove_callback(&self, callback: &Callback) {
        self.callbacks
            .borrow_mut()
            .retain(|existing| !existing.same(callback));
    }
}

impl TaskData {
    pub(crate) fn set_body(&self, body: LocalFuture<'static, PyResult<Value>>) {
        *self.coro.borrow_mut() = Some(body);
    }

    fn new(name: &str, temporal: Option<super::workflow_instance::HandleData>) -> TaskData {
        TaskData {
            name: name.into(),
            coro: RefCell::new(None),
            started: Cell::new(false),
            must_cancel: Cell::new(false),
            cancel_message: RefCell::new(None),
            fut_waiter: RefCell::new(None),
            depth: Cell::new(0),
            suspended_at: Cell::new(None),
            temporal,
        }
    }
}

/// `await future`: yields the future to the task unless it is already done.
struct AwaitFuture<'a> {
    interp: &'a Interp,
    future: Rc<FutureObj>,
    yielded: bool,
}

impl Future for AwaitFuture<'_> {
    type Output = PyResult<Value>;

    fn poll(mut self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<Self::Output> {
        if self.yielded {
            if let Some(exception) = self.interp.aio.throw.borrow_mut().take() {
                return Poll::Ready(Err(Unwind::Exception(exception)));
            }
            return Poll::Ready(self.interp.future_result(&self.future));
        }
        if self.future.done() {
            return Poll::Ready(self.interp.future_result(&self.future));
        }
        self.yielded = true;
        *self.interp.aio.suspension.borrow_mut() = Some(Suspension::Await(self.future.clone()));
        Poll::Pending
    }
}

/// A bare `yield` (what `asyncio.sleep(0)` does): give the loop one turn.
struct YieldNow<'a> {
    interp: &'a Interp,
    yielded: bool,
}

impl Future for YieldNow<'_> {
    type Output = PyResult<Value>;

    fn poll(mut self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<Self::Output> {
        if self.yielded {
            if let Some(exception) = self.interp.aio.throw.borrow_mut().take() {
                return Poll::Ready(Err(Unwind::Exception(exception)));
            }
            return Poll::Ready(Ok(Value::None));
        }
        self.yielded = true;
        *self.interp.aio.suspension.borrow_mut() = Some(Suspension::Yield);
        Poll::Pending
    }
}

impl Interp {
    pub(crate) fn new_future(&self) -> Rc<FutureObj> {
        let future = FutureObj::new(FutureKind::Plain);
        self.aio.futures.note(&future);
        future
    }

    pub(crate) fn call_soon(&self, handle: Handle) {
        self.aio.ready.borrow_mut().push_back(handle);
    }

    /// `Future.result()`.
    pub(crate) fn future_result(&self, future: &FutureObj) -> PyResult<Value> {
        match &*future.state.borrow() {
            FutState::Result(value) => Ok(value.clone()),
            FutState::Exception(exception) => Err(Unwind::Exception(exception.clone())),
            FutState::Cancelled(message) => {
                Err(Unwind::Exception(self.asyncio_cancelled(message.as_ref())))
            }
            FutState::Pending => {
                Err(self.raise(&self.exc.asyncio_invalid_state_error, "Result is not set."))
            }
        }
    }

    fn schedule_callbacks(&self, future: &Rc<FutureObj>) {
        let callbacks = std::mem::take(&mut *future.callbacks.borrow_mut());
        for callback in callbacks {
            self.call_soon(Handle::Callback(callback, future.clone()));
        }
    }

    /// `Future.set_result` (false when already done: CPython raises InvalidStateError).
    pub(crate) fn set_result(&self, future: &Rc<FutureObj>, value: Value) -> bool {
        if future.done() {
            return false;
        }
        *future.state.borrow_mut() = FutState::Result(value);
        self.schedule_callbacks(future);
        true
    }

    pub(crate) fn set_exception(&self, future: &Rc<FutureObj>, exception: Value) -> bool {
        if future.done() {
            return false;
        }
        *future.state.borrow_mut() = FutState::Exception(exception);
        self.schedule_callbacks(future);
        true
    }

    /// Plain `Future.cancel`.
    pub(crate) fn cancel_plain(&self, future: &Rc<FutureObj>, message: Option<Value>) -> bool {
        if future.done() {
            return false;
        }
        *future.state.borrow_mut() = FutState::Cancelled(message);
        self.schedule_callbacks(future);
        true
    }

    pub(crate) fn add_done_callback(&self, future: &Rc<FutureObj>, callback: Callback) {
        if future.done() {
            self.call_soon(Handle::Callback(callback, future.clone()));
        } else {
            future.callbacks.borrow_mut().push(callback);
        }
    }

    /// `future.cancel(msg)`, dispatched like Python's method overrides.
    pub(crate) fn cancel_future(
        &self,
        future: &Rc<FutureObj>,
        message: Option<Value>,
    ) -> PyResult<bool> {
        match &future.kind {
            FutureKind::Plain => Ok(self.cancel_plain(future, message)),
            FutureKind::Gathering(state) => {
                if future.done() {
                    return Ok(false);
                }
                let mut cancelled_any = false;
                let children = state.children.borrow().clone();
                for child in &children {
                    if self.cancel_future(child, message.clone())? {
                        cancelled_any = true;
                    }
                }
                if cancelled_any {
                    state.cancel_requested.set(true);
                }
                Ok(cancelled_any)
            }
            FutureKind::Task(task) => {
                if task.temporal.is_some() {
                    self.before_handle_cancel(future);
                }
                if future.done() {
                    return Ok(false);
                }
                let waiter = task.fut_waiter.borrow().clone();
                if let Some(waiter) = waiter
                    && self.cancel_future(&waiter, message.clone())?
                {
                    return Ok(true);
                }
                task.must_cancel.set(true);
                *task.cancel_message.borrow_mut() = message;
                Ok(true)
            }
        }
    }

    /// Empties every future and task still alive: a task left suspended is in a cycle (its
    /// coroutine awaits a future whose callbacks hold the task, or a child workflow handle's
    /// futures call back the task that holds them). Each coroutine is dropped at its own
    /// nesting depth, as a step would run it, since the depth guards it holds go with it.
    pub(crate) fn drop_futures(&self) {
        for task in self.aio.futures.take_alive() {
            task.callbacks.take();
            if let FutureKind::Task(data) = &task.kind {
                let outer_depth = self.depth.replace(data.depth.get());
                data.coro.take();
                self.depth.set(outer_depth);
                data.fut_waiter.take();
                data.cancel_message.take();
            }
        }
    }

    /// A new task running `coroutine` (`loop.create_task`): its first step is scheduled now.
    pub(crate) fn create_task(
        &self,
        coroutine: Rc<Coroutine>,
        temporal: Option<super::workflow_instance::HandleData>,
    ) -> Rc<FutureObj> {
        let task = FutureObj::new(FutureKind::Task(Box::new(TaskData::new(
            &coroutine.name,
            temporal,
        ))));
        let interp = self.rc();
        let body: LocalFuture<'static, PyResult<Value>> =
            Box::pin(async move { interp.run_coroutine(&coroutine).await });
        if let FutureKind::Task(data) = &task.kind {
            *data.coro.borrow_mut() = Some(body);
        }
        self.aio.futures.note(&task);
        self.call_soon(Handle::Step(task.clone(), None));
        task
    }

    /// A task whose body is a native future (Temporal handles).
    pub(crate) fn create_native_task(
        &self,
        name: &str,
        temporal: super::workflow_instance::HandleData,
    ) -> Rc<FutureObj> {
        let task = FutureObj::new(FutureKind::Task(Box::new(TaskData::new(
            name,
            Some(temporal),
        ))));
        self.aio.futures.note(&task);
        task
    }

    pub(crate) fn start_native_task(
        &self,
        task: &Rc<FutureObj>,
        body: LocalFuture<'static, PyResult<Value>>,
    ) {
        if let FutureKind::Task(data) = &task.kind {
            *data.coro.borrow_mut() = Some(body);
        }
        self.call_soon(Handle::Step(task.clone(), None));
    }

    /// `ensure_future`: futures pass through, coroutines become tasks.
    pub(crate) fn ensure_future(&self, value: &Value) -> PyResult<Rc<FutureObj>> {
        match value {
            Value::Future(future) => Ok(future.clone()),
            Value::Coroutine(coroutine) => Ok(self.create_task(coroutine.clone(), None)),
            Value::Unknown(unknown) => Err(self.unsupported(format!("awaiting {}", unknown.what))),
            other => self.type_error(format!(
                "An asyncio.Future, a coroutine or an awaitable is required, not {}",
                other.type_name()
            )),
        }
    }

    /// Runs a coroutine object to completion inside the current task (`await coro`).
    pub(crate) fn run_coroutine<'a>(
        &'a self,
        coroutine: &Rc<Coroutine>,
    ) -> LocalFuture<'a, PyResult<Value>> {
        let kind = coroutine.kind.borrow_mut().take();
        Box::pin(async move {
            match kind {
                None => Err(self.raise(
                    &self.exc.runtime_error,
                    "cannot reuse already awaited coroutine",
                )),
                Some(CoroutineKind::User { function, scope }) => {
                    self.exec_function_body(&function, &scope).await
                }
                Some(CoroutineKind::Native(native)) => self.run_native(native).await,
            }
        })
    }

    /// `await value`.
    pub(crate) fn await_value(&self, value: Value) -> LocalFuture<'_, PyResult<Value>> {
        Box::pin(async move {
            match value {
                Value::Coroutine(coroutine) => self.run_coroutine(&coroutine).await,
                Value::Future(future) => self.await_future(future).await,
                Value::Unknown(unknown) => {
                    Err(self.unsupported(format!("awaiting {}", unknown.what)))
                }
                other => self.type_error(format!(
                    "object {} can't be used in 'await' expression",
                    other.type_name()
                )),
            }
        })
    }

    pub(crate) fn await_future(
        &self,
        future: Rc<FutureObj>,
    ) -> impl Future<Output = PyResult<Value>> + '_ {
        AwaitFuture {
            interp: self,
            future,
            yielded: false,
        }
    }

    pub(crate) fn yield_now(&self) -> impl Future<Output = PyResult<Value>> + '_ {
        YieldNow {
            interp: self,
            yielded: false,
        }
    }

    /// Runs one ready handle.
    pub(crate) fn run_handle(&self, handle: Handle) -> PyResult<()> {
        match handle {
            Handle::Step(task, exception) => {
                self.task_step(&task, exception);
                Ok(())
            }
            Handle::Callback(callback, future) => self.run_callback(callback, &future),
            Handle::Timer(timer) => {
                if timer.cancelled.get() {
                    return Ok(());
                }
                match &timer.callback {
                    TimerCallback::SetResultUnlessCancelled(future)
                    | TimerCallback::SetResultIfPending(future) => {
                        if !future.done() {
                            self.set_result(future, Value::None);
                        }
                    }
                    TimerCallback::ReleaseWaiter(waiter) => {
                        if !waiter.done() {
                            self.set_result(waiter, Value::None);
                        }
                    }
                    TimerCallback::AsCompletedTimeout(state) => {
                        let todo = std::mem::take(&mut *state.todo.borrow_mut());
                        for future in &todo {
                            future.remove_callback(&Callback::AsCompleted(state.clone()));
                            self.queue_put(state, None);
                        }
                    }
                }
                Ok(())
            }
            Handle::CancelTask(task) => self.cancel_future(&task, None).map(|_| ()),
        }
    }

    fn run_callback(&self, callback: Callback, future: &Rc<FutureObj>) -> PyResult<()> {
        match callback {
            Callback::Wakeup(task) => {
                let exception = match self.future_result(future) {
                    Ok(_) => None,
                    Err(Unwind::Exception(exception)) => Some(exception),
                    Err(stop) => return Err(stop),
                };
                self.task_step(&task, exception);
            }
            Callback::Gather(state) => self.gather_done(&state, future),
            Callback::Wait(state) => {
                state.counter.set(state.counter.get().saturating_sub(1));
                let failed = !future.cancelled() && future.exception().is_some();
                if state.counter.get() == 0
                    || state.return_when == WaitMode::FirstCompleted
                    || (state.return_when == WaitMode::FirstException && failed)
                {
                    if let Some(timer) = state.timeout.borrow().clone() {
                        self.cancel_timer(&timer);
                    }
                    if !state.waiter.done() {
                        self.set_result(&state.waiter, Value::None);
                    }
                }
            }
            Callback::ReleaseWaiter(waiter) => {
                if !waiter.done() {
                    self.set_result(&waiter, Value::None);
                }
            }
            Callback::AsCompleted(state) => {
                if state.todo.borrow().is_empty() {
                    return Ok(());
                }
                state
                    .todo
                    .borrow_mut()
                    .retain(|pending| !Rc::ptr_eq(pending, future));
                self.queue_put(&state, Some(future.clone()));
                if state.todo.borrow().is_empty()
                    && let Some(timer) = state.timeout.borrow().clone()
                {
                    self.cancel_timer(&timer);
                }
            }
            Callback::ShieldInner { outer } => {
                if outer.cancelled() {
                    return Ok(());
                }
                if future.cancelled() {
                    self.cancel_plain(&outer, None);
                } else if let Some(exception) = future.exception() {
                    self.set_exception(&outer, exception);
                } else {
                    self.set_result(&outer, future.result_value().unwrap_or(Value::None));
                }
            }
            Callback::ShieldOuter { inner } => {
                if !inner.done() {
                    inner.callbacks.borrow_mut().retain(|existing| !matches!(existing, Callback::ShieldInner { outer } if Rc::ptr_eq(outer, future)));
                }
            }
            Callback::CancelTimerIfCancelled(timer) => {
                if future.cancelled() {
                    self.cancel_timer(&timer);
                }
            }
            Callback::Python(function) => {
                self.call_sync(&function, vec![Value::Future(future.clone())])?;
            }
        }
        Ok(())
    }

    /// `Task.__step`.
    pub(crate) fn task_step(&self, task: &Rc<FutureObj>, exception: Option<Value>) {
        let FutureKind::Task(data) = &task.kind else {
            return;
        };
        if task.done() {
            return;
        }
        let mut exception = exception;
        if data.must_cancel.get() {
            if !exception
                .as_ref()
                .is_some_and(|e| self.is_asyncio_cancelled(e))
            {
                exception = Some(self.asyncio_cancelled(data.cancel_message.borrow().as_ref()));
            }
            data.must_cancel.set(false);
        }
        *data.fut_waiter.borrow_mut() = None;
        let Some(mut body) = data.coro.borrow_mut().take() else {
            return;
        };
        let previous_task = self.aio.current_task.replace(Some(task.clone()));
        let outer_depth = self.depth.replace(data.depth.get());
        let result = if !data.started.get() && exception.is_some() {
            Poll::Ready(Err(Unwind::Exception(
                exception.take().unwrap_or(Value::None),
            )))
        } else {
            *self.aio.throw.borrow_mut() = exception;
            let mut context = Context::from_waker(Waker::noop());
            body.as_mut().poll(&mut context)
        };
        data.started.set(true);
        self.aio.throw.borrow_mut().take();
        data.depth.set(self.depth.replace(outer_depth));
        *self.aio.current_task.borrow_mut() = previous_task;
        match result {
            Poll::Ready(Ok(value)) => {
                if data.must_cancel.get() {
                    data.must_cancel.set(false);
                    let message = data.cancel_message.borrow().clone();
                    self.cancel_plain(task, message);
                } else {
                    self.set_result(task, value);
                }
            }
            Poll::Ready(Err(Unwind::Exception(exception))) => {
                if self.is_asyncio_cancelled(&exception) {
                    let message = match &exception {
                        Value::Instance(instance) => match instance.get("args") {
                            Some(Value::Tuple(args)) => args.first().cloned(),
                            _ => None,
                        },
                        _ => None,
                    };
                    self.cancel_plain(task, message);
                } else {
                    self.set_exception(task, exception);
                }
            }
            Poll::Ready(Err(Unwind::Stop(stop))) => {
                self.aio.fatal.borrow_mut().get_or_insert(*stop);
            }
            Poll::Pending => {
                data.suspended_at.set(self.here());
                *data.coro.borrow_mut() = Some(body);
                match self.aio.suspension.borrow_mut().take() {
                    Some(Suspension::Await(future)) => {
                        self.add_done_callback(&future, Callback::Wakeup(task.clone()));
                        *data.fut_waiter.borrow_mut() = Some(future.clone());
                        if data.must_cancel.get() {
                            let message = data.cancel_message.borrow().clone();
                            if self.cancel_future(&future, message).unwrap_or(false) {
                                data.must_cancel.set(false);
                            }
                        }
                    }
                    Some(Suspension::Yield) => self.call_soon(Handle::Step(task.clone(), None)),
                    None => {
                        self.aio.fatal.borrow_mut().get_or_insert(Stop {
                            kind: super::StopKind::Inconclusive,
                            message:
                                "cannot follow a task that suspended without awaiting a future"
                                    .into(),
                            loc: self.here(),
                        });
                    }
                }
            }
        }
    }
}
