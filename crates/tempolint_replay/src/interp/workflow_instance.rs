//! The Python SDK's workflow instance (`_WorkflowInstanceImpl`): commands, sequence numbers,
//! activity/child handles, timers, conditions, and applying activation jobs in the SDK's order.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::event_loop::{Callback, FutureObj, Handle, TimerCallback, TimerHandle, WaitMode};
use super::expr::Args;
use super::value::Value;
use super::{Interp, Loc, ModuleRef, PyResult, Stop, StopKind, Unwind};
use crate::protocol::{ActivityCancellation, ChildCancellation, Command, CommandKind};

/// A type hint to convert a payload with: an annotation expression and the module it is in.
pub(crate) type TypeHint = Option<(&'static tempolint_python::ast::Expr, ModuleRef)>;

/// Data of Temporal's handle tasks.
pub(crate) enum HandleData {
    Activity(ActivityHandle),
    Child(ChildHandle),
}

pub(crate) struct ActivityHandle {
    pub(crate) seq: Cell<u32>,
    started: Cell<bool>,
    cancel_command_seq: Cell<u32>,
    pub(crate) result: RefCell<Rc<FutureObj>>,
    pub(crate) local: bool,
    pub(crate) hint: TypeHint,
    loc: Option<Loc>,
}

impl ActivityHandle {
    pub(crate) fn is_started(&self) -> bool {
        self.started.get()
    }
}

pub(crate) struct ChildHandle {
    pub(crate) seq: u32,
    pub(crate) workflow_id: String,
    pub(crate) start: Rc<FutureObj>,
    pub(crate) result: Rc<FutureObj>,
    pub(crate) run_id: RefCell<Option<String>>,
    pub(crate) hint: TypeHint,
    loc: Option<Loc>,
}

pub(crate) struct ActivityRequest {
    pub(crate) activity_type: Rc<str>,
    pub(crate) activity_id: Option<String>,
    pub(crate) local: bool,
    pub(crate) cancellation: ActivityCancellation,
    pub(crate) has_timeout: bool,
    pub(crate) hint: TypeHint,
    pub(crate) loc: Option<Loc>,
}

pub(crate) struct ChildRequest {
    pub(crate) workflow_type: String,
    pub(crate) workflow_id: Option<String>,
    pub(crate) cancellation: ChildCancellation,
    pub(crate) hint: TypeHint,
    pub(crate) loc: Option<Loc>,
}

/// A registered signal/update handler: the function and whether it is a method of the class.
#[derive(Clone)]
pub(crate) struct Handler {
    pub(crate) function: Value,
    pub(crate) is_method: bool,
}

/// The workflow instance's state between activations.
#[derive(Default)]
pub(crate) struct WorkflowState {
    pub(crate) commands: Vec<Command>,
    seqs: HashMap<&'static str, u32>,
    pub(crate) pending_timers: HashMap<u32, Rc<TimerHandle>>,
    pub(crate) pending_activities: HashMap<u32, Rc<FutureObj>>,
    pub(crate) pending_children: HashMap<u32, Rc<FutureObj>>,
    pub(crate) pending_external_signals: HashMap<u32, Rc<FutureObj>>,
    pub(crate) pending_external_cancels: HashMap<u32, Rc<FutureObj>>,
    pub(crate) conditions: Vec<(Value, Rc<FutureObj>)>,
    pub(crate) patches_notified: HashSet<String>,
    pub(crate) patches_memoized: HashMap<String, bool>,
    pub(crate) random: Option<Rc<RefCell<super::rng::MersenneTwister>>>,
    pub(crate) time_nanos: i128,
    pub(crate) is_replaying: bool,
    /// What `workflow.info()` methods read from the current activation.
    pub(crate) history_length: i64,
    pub(crate) history_size_bytes: i64,
    pub(crate) continue_as_new_suggested: bool,
    pub(crate) cancel_reason: Option<String>,
    pub(crate) primary_task: Option<Rc<FutureObj>>,
    pub(crate) instance: Option<Value>,
    pub(crate) signals: Vec<(Option<Rc<str>>, Handler)>,
    pub(crate) updates: Vec<(Option<Rc<str>>, Handler)>,
    pub(crate) buffered_signals: Vec<(String, Vec<crate::history::Payload>)>,
    pub(crate) activation_error: Option<Value>,
    pub(crate) last_return: Option<Loc>,
    pub(crate) info: Option<Value>,
    /// The memo as the SDK's `raw_memo`, each value decoded without a type hint (plain JSON);
    /// an upserted value that does not survive a JSON round trip unchanged is unknown.
    pub(crate) memo: Vec<(Rc<str>, Value)>,
    /// What `workflow.memo()` returned since the last upsert (the SDK caches that dict).
    pub(crate) memo_view: Option<Value>,
    pub(crate) failure_exception_types: Vec<Value>,
    /// Tasks running signal and update handlers (`workflow.all_handlers_finished()`).
    pub(crate) handler_tasks: Vec<Rc<FutureObj>>,
    pub(crate) input: Vec<Value>,
    /// The module that defines the workflow (its import-time code runs in the sandbox).
    pub(crate) workflow_module: Option<String>,
}

impl WorkflowState {
    pub(crate) fn next_seq(&mut self, kind: &'static str) -> u32 {
        let seq = self.seqs.entry(kind).or_insert(0);
        *seq += 1;
        *seq
    }
}

impl Interp {
    pub(crate) fn add_command(&self, kind: CommandKind, loc: Option<Loc>) -> usize {
        let mut wf = self.wf.borrow_mut();
        wf.commands.push(Command { kind, loc });
        wf.commands.len() - 1
    }

    /// `loop.call_later`: a Temporal timer.
    pub(crate) fn call_later(
        &self,
        seconds: f64,
        callback: TimerCallback,
    ) -> PyResult<Rc<TimerHandle>> {
        if seconds < 0.0 {
            return Err(self.raise(
                &self.exc.runtime_error,
                "Attempting to schedule timer with negative delay",
            ));
        }
        let seq = self.wf.borrow_mut().next_seq("timer");
        let timer = Rc::new(TimerHandle {
            seq,
            callback,
            cancelled: Cell::new(false),
        });
        self.add_command(CommandKind::StartTimer { seq, seconds }, self.here());
        self.wf
            .borrow_mut()
            .pending_timers
            .insert(seq, timer.clone());
        Ok(timer)
    }

    /// `TimerHandle.cancel()`: a `CancelTimer` command when the timer has not fired.
    pub(crate) fn cancel_timer(&self, timer: &Rc<TimerHandle>) {
        if timer.cancelled.get() {
            return;
        }
        timer.cancelled.set(true);
        let pending = self.wf.borrow_mut().pending_timers.remove(&timer.seq);
        if pending.is_some() {
            self.add_command(CommandKind::CancelTimer { seq: timer.seq }, self.here());
        }
    }

    /// `workflow.sleep(seconds)`.
    pub(crate) async fn workflow_sleep(&self, seconds: f64) -> PyResult<Value> {
        let future = self.new_future();
        let timer = self.call_later(seconds, TimerCallback::SetResultIfPending(future.clone()))?;
        self.add_done_callback(&future, Callback::CancelTimerIfCancelled(timer));
        self.await_future(future).await
    }

    /// `workflow.wait_condition(fn, timeout=...)`.
    pub(crate) async fn wait_condition(
        &self,
        function: Value,
        timeout: Option<f64>,
    ) -> PyResult<Value> {
        let future = self.new_future();
        self.wf
            .borrow_mut()
            .conditions
            .push((function, future.clone()));
        self.wait_for(Value::Future(future), timeout).await?;
        Ok(Value::None)
    }

    /// Checks pending conditions (after the ready queue drains).
    fn check_conditions(&self) -> PyResult<()> {
        let conditions = std::mem::take(&mut self.wf.borrow_mut().conditions);
        let mut keep = Vec::new();
        let mut failure = None;
        for (function, future) in conditions {
            if failure.is_some() || future.done() {
                if failure.is_some() {
                    keep.push((function, future));
                }
                continue;
            }
            match self
                .call_sync(&function, Vec::new())
                .and_then(|value| self.truthy_sync(&value))
            {
                Ok(true) => {
                    self.set_result(&future, Value::Bool(true));
                }
                Ok(false) => keep.push((function, future)),
                Err(error) => {
                    keep.push((function, future));
                    failure = Some(error);
                }
            }
        }
        let mut wf = self.wf.borrow_mut();
        let added = std::mem::take(&mut wf.conditions);
        wf.conditions = keep;
        wf.conditions.extend(added);
        drop(wf);
        failure.map_or(Ok(()), Err)
    }

    /// `_outbound_schedule_activity`: the schedule command now, the handle task to await.
    pub(crate) fn start_activity(&self, request: ActivityRequest) -> PyResult<Rc<FutureObj>> {
        if !request.has_timeout {
            return self.value_error(
                "Activity must have start_to_close_timeout or schedule_to_close_timeout",
            );
        }
        let seq = self.wf.borrow_mut().next_seq("activity");
        let result = self.new_future();
        let handle = self.create_native_task(
            &format!("activity: {}", request.activity_type),
            HandleData::Activity(ActivityHandle {
                seq: Cell::new(seq),
                started: Cell::new(false),
                cancel_command_seq: Cell::new(0),
                result: RefCell::new(result),
                local: request.local,
                hint: request.hint.clone(),
                loc: request.loc,
            }),
        );
        let activity_id = request
            .activity_id
            .clone()
            .unwrap_or_else(|| seq.to_string());
        let kind = if request.local {
            CommandKind::ScheduleLocalActivity {
                seq,
                activity_id,
                activity_type: request.activity_type.to_string(),
            }
        } else {
            CommandKind::ScheduleActivity {
                seq,
                activity_id,
                activity_type: request.activity_type.to_string(),
                cancellation: request.cancellation,
            }
        };
        self.add_command(kind, request.loc);
        self.wf
            .borrow_mut()
            .pending_activities
            .insert(seq, handle.clone());
        let interp = self.rc();
        let task = handle.clone();
        self.start_native_task(
            &handle,
            Box::pin(async move { interp.run_activity(task).await }),
        );
        Ok(handle)
    }

    async fn run_activity(&self, task: Rc<FutureObj>) -> PyResult<Value> {
        let Some(HandleData::Activity(handle)) = task.task().and_then(|t| t.temporal.as_ref())
        else {
            return Ok(Value::None);
        };
        handle.started.set(true);
        let result = handle.result.borrow().clone();
        self.await_temporal_operation(result, CancelAction::Activity(task.clone()), false)
            .await
    }

    /// `_await_temporal_operation`: await a result future; a task cancellation becomes a
    /// Temporal cancel command and the wait goes on.
    async fn await_temporal_operation(
        &self,
        future: Rc<FutureObj>,
        on_cancel: CancelAction,
        reraise_on_workflow_cancel: bool,
    ) -> PyResult<Value> {
        loop {
            match self
                .wait_futures(std::slice::from_ref(&future), None, WaitMode::AllCompleted)
                .await
            {
                Ok(_) => return self.future_result(&future),
                Err(Unwind::Exception(exception)) if self.is_asyncio_cancelled(&exception) => {
                    self.apply_cancel(&on_cancel);
                    if reraise_on_workflow_cancel && self.wf.borrow().cancel_reason.is_some() {
                        return Err(Unwind::Exception(exception));
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    fn apply_cancel(&self, action: &CancelAction) {
        match action {
            CancelAction::Activity(task) => self.request_activity_cancel(task),
            CancelAction::Child(task) => {
                if let Some(HandleData::Child(child)) =
                    task.task().and_then(|t| t.temporal.as_ref())
                {
                    self.add_command(
                        CommandKind::CancelChildWorkflow { seq: child.seq },
                        child.loc.or(self.here()),
                    );
                }
            }
            CancelAction::Signal(seq) => {
                self.add_command(CommandKind::CancelSignalWorkflow { seq: *seq }, self.here());
            }
        }
    }

    fn request_activity_cancel(&self, task: &Rc<FutureObj>) {
        let Some(HandleData::Activity(handle)) = task.task().and_then(|t| t.temporal.as_ref())
        else {
            return;
        };
        if handle.cancel_command_seq.get() == handle.seq.get() {
            return;
        }
        handle.cancel_command_seq.set(handle.seq.get());
        let seq = handle.seq.get();
        let kind = if handle.local {
            CommandKind::RequestCancelLocalActivity { seq }
        } else {
            CommandKind::RequestCancelActivity { seq }
        };
        self.add_command(kind, self.here().or(handle.loc));
    }

    /// `_ActivityHandle.cancel`: a handle cancelled before it started sends the cancel itself.
    pub(crate) fn before_handle_cancel(&self, task: &Rc<FutureObj>) {
        if let Some(HandleData::Activity(handle)) = task.task().and_then(|t| t.temporal.as_ref())
            && !handle.started.get()
            && !task.done()
        {
            self.request_activity_cancel(task);
        }
    }

    /// `_outbound_start_child_workflow` (awaits the start).
    pub(crate) async fn start_child(&self, request: ChildRequest) -> PyResult<Value> {
        let workflow_id = match request.workflow_id {
            Some(id) => id,
            None => self.workflow_uuid4()?,
        };
        let seq = self.wf.borrow_mut().next_seq("child_workflow");
        let handle = self.create_native_task(
            &format!("child: {}", request.workflow_type),
            HandleData::Child(ChildHandle {
                seq,
                workflow_id: workflow_id.clone(),
                start: self.new_future(),
                result: self.new_future(),
                run_id: RefCell::new(None),
                hint: request.hint.clone(),
                loc: request.loc,
            }),
        );
        let interp = self.rc();
        let task = handle.clone();
        self.start_native_task(
            &handle,
            Box::pin(async move {
                let Some(HandleData::Child(child)) = task.task().and_then(|t| t.temporal.as_ref())
                else {
                    return Ok(Value::None);
                };
                let result = child.result.clone();
                interp
                    .await_temporal_operation(result, CancelAction::Child(task.clone()), false)
                    .await
            }),
        );
        self.add_command(
            CommandKind::StartChildWorkflow {
                seq,
                workflow_id,
                workflow_type: request.workflow_type.clone(),
                cancellation: request.cancellation,
            },
            request.loc,
        );
        self.wf
            .borrow_mut()
            .pending_children
            .insert(seq, handle.clone());
        let start = match handle.task().and_then(|t| t.temporal.as_ref()) {
            Some(HandleData::Child(child)) => child.start.clone(),
            _ => return Ok(Value::Future(handle)),
        };
        self.await_temporal_operation(start, CancelAction::Child(handle.clone()), true)
            .await?;
        Ok(Value::Future(handle))
    }

    /// `workflow.uuid4()` from the workflow RNG.
    pub(crate) fn workflow_uuid4(&self) -> PyResult<String> {
        let random = self
            .wf
            .borrow()
            .random
            .clone()
            .ok_or_else(|| self.unsupported("workflow.uuid4() before the workflow started"))?;
        let text = random.borrow_mut().uuid4();
        Ok(text)
    }

    /// `ExternalWorkflowHandle.signal` / `ChildWorkflowHandle.signal`.
    pub(crate) async fn signal_external(
        &self,
        workflow_id: String,
        signal: String,
        _child: bool,
    ) -> PyResult<Value> {
        let index = self.add_command(
            CommandKind::SignalExternalWorkflow {
                seq: 0,
                workflow_id: workflow_id.clone(),
                signal_name: signal.clone(),
            },
            self.here(),
        );
        let seq = self.wf.borrow_mut().next_seq("external_signal");
        if let Some(command) = self.wf.borrow_mut().commands.get_mut(index) {
            command.kind = CommandKind::SignalExternalWorkflow {
                seq,
                workflow_id,
                signal_name: signal,
            };
        }
        let done = self.new_future();
        self.wf
            .borrow_mut()
            .pending_external_signals
            .insert(seq, done.clone());
        self.await_temporal_operation(done, CancelAction::Signal(seq), false)
            .await
    }

    /// `ExternalWorkflowHandle.cancel`.
    pub(crate) async fn cancel_external(&self, workflow_id: String) -> PyResult<Value> {
        let index = self.add_command(
            CommandKind::RequestCancelExternalWorkflow {
                seq: 0,
                workflow_id: workflow_id.clone(),
            },
            self.here(),
        );
        let seq = self.wf.borrow_mut().next_seq("external_cancel");
        if let Some(command) = self.wf.borrow_mut().commands.get_mut(index) {
            command.kind = CommandKind::RequestCancelExternalWorkflow { seq, workflow_id };
        }
        let done = self.new_future();
        self.wf
            .borrow_mut()
            .pending_external_cancels
            .insert(seq, done.clone());
        self.await_future(done).await
    }

    /// `_run_top_level_workflow_function`: how a workflow or handler task ends.
    pub(crate) fn finish_top_level(&self, outcome: PyResult<Value>) -> PyResult<Value> {
        let error = match outcome {
            Ok(value) => return Ok(value),
            Err(Unwind::Stop(stop)) => return Err(Unwind::Stop(stop)),
            Err(Unwind::Exception(error)) => error,
        };
        if Self::is_instance_of(&error, &self.exc.continue_as_new_error) {
            self.add_command(CommandKind::ContinueAsNew, self.raised_at(&error));
            return Ok(Value::None);
        }
        let is_exception =
            Self::is_instance_of(&error, &self.exc.exception) || self.is_asyncio_cancelled(&error);
        if !is_exception {
            return Err(Unwind::Exception(error));
        }
        let error = if self.is_asyncio_cancelled(&error) {
            let message = self.exception_str(&error).unwrap_or_default();
            let converted =
                self.new_exception(&self.exc.cancelled_error, vec![Value::str(&message)]);
            if let (Value::Instance(new), Value::Instance(old)) = (&converted, &error) {
                new.raised_at.set(old.raised_at.get());
            }
            converted
        } else {
            error
        };
        let cancel_requested = self.wf.borrow().cancel_reason.is_some();
        if cancel_requested && self.is_cancelled_exception(&error) {
            self.add_command(CommandKind::CancelWorkflow, self.raised_at(&error));
        } else if self.is_failure_exception(&error) {
            let message = self.exception_str(&error).unwrap_or_default();
            self.add_command(
                CommandKind::FailWorkflow { message },
                self.raised_at(&error),
            );
        } else {
            self.wf.borrow_mut().activation_error.get_or_insert(error);
        }
        Ok(Value::None)
    }

    pub(crate) fn raised_at(&self, error: &Value) -> Option<Loc> {
        match error {
            Value::Instance(instance) => instance.raised_at.get(),
            _ => None,
        }
    }

    /// `workflow_is_failure_exception`.
    pub(crate) fn is_failure_exception(&self, error: &Value) -> bool {
        if Self::is_instance_of(error, &self.exc.failure_error)
            || Self::is_instance_of(error, &self.exc.timeout_error)
        {
            return true;
        }
        let types = self.wf.borrow().failure_exception_types.clone();
        types
            .iter()
            .any(|class| self.exception_matches(error, class).unwrap_or(false))
    }

    /// Runs ready handles until none is left, checking conditions between rounds (`_run_once`).
    pub(crate) fn run_once(&self, check_conditions: bool) -> PyResult<()> {
        loop {
            loop {
                let handle = self.aio.ready.borrow_mut().pop_front();
                let Some(handle) = handle else {
                    break;
                };
                self.run_handle(handle)?;
                if let Some(stop) = self.aio.fatal.borrow_mut().take() {
                    return Err(Unwind::Stop(Box::new(stop)));
                }
                if let Some(error) = self.wf.borrow_mut().activation_error.take() {
                    return Err(Unwind::Exception(error));
                }
            }
            if check_conditions {
                self.check_conditions()?;
            }
            if self.aio.ready.borrow().is_empty() {
                return Ok(());
            }
        }
    }

    /// A `Stop` for the sandbox rejecting something.
    pub(crate) fn restricted(&self, message: String) -> Unwind {
        Unwind::Stop(Box::new(Stop {
            kind: StopKind::Restricted,
            message,
            loc: self.here(),
        }))
    }

    /// Spawns a task whose body is a Rust future (workflow run, signal and update handlers).
    pub(crate) fn spawn(
        &self,
        name: &str,
        body: super::LocalFuture<'static, PyResult<Value>>,
    ) -> Rc<FutureObj> {
        let coroutine = Rc::new(super::value::Coroutine {
            name: name.into(),
            kind: RefCell::new(Some(super::value::CoroutineKind::Native(
                super::native::NativeCoroutine::Return(Value::None),
            ))),
        });
        let task = self.create_task(coroutine, None);
        if let Some(data) = task.task() {
            data.replace_body(body);
        }
        task
    }

    /// Calls a handler with the workflow object bound, awaiting it when it is `async`.
    pub(crate) async fn call_handler(
        &self,
        handler: &Handler,
        args: Vec<Value>,
    ) -> PyResult<Value> {
        let mut positional = args;
        if handler.is_method {
            let instance = self.wf.borrow().instance.clone().unwrap_or(Value::None);
            positional.insert(0, instance);
        }
        let result = self
            .call(&handler.function, Args::positional(positional))
            .await?;
        match result {
            Value::Coroutine(_) => self.await_value(result).await,
            other => Ok(other),
        }
    }
}

/// What cancelling the task awaiting a Temporal operation sends.
pub(crate) enum CancelAction {
    Activity(Rc<FutureObj>),
    Child(Rc<FutureObj>),
    Signal(u32),
}

impl super::event_loop::TaskData {
    pub(crate) fn replace_body(&self, body: super::LocalFuture<'static, PyResult<Value>>) {
        self.set_body(body);
    }
}

/// Keeps `Handle` in use for the job application code in `runtime`.
pub(crate) fn timer_handle(timer: Rc<TimerHandle>) -> Handle {
    Handle::Timer(timer)
}
