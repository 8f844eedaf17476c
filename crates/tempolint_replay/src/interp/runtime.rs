//! One activation: apply the jobs in the Python SDK's job-set order (patches; signals and
//! updates; everything else; each followed by a run of the event loop), then hand back the
//! commands. Mirrors `_WorkflowInstanceImpl.activate` without the single-batch flag (no
//! recorded history sets it).

use std::rc::Rc;

use super::expr::Args;
use super::native::Native;
use super::value::{Class, Function, Value};
use super::workflow_instance::{HandleData, Handler};
use super::{Interp, PyResult, StopKind, Unwind};
use crate::history::{Failure, Payload};
use crate::protocol::{
    Activation, ActivityResult, ChildResult, ChildStart, Command, CommandKind, Job, LangFailure,
    LangFailureKind, UpdateResponse,
};

/// The workflow being replayed: its class and `@workflow.run` method.
pub(crate) struct Definition {
    pub(crate) class: Rc<Class>,
    pub(crate) run: Rc<Function>,
    pub(crate) init_takes_args: bool,
}

impl Interp {
    pub(crate) fn activate(
        &self,
        definition: &Definition,
        activation: &Activation,
    ) -> Result<Vec<Command>, LangFailure> {
        {
            let mut wf = self.wf.borrow_mut();
            wf.commands.clear();
            wf.time_nanos = activation.timestamp_nanos;
            wf.is_replaying = activation.is_replaying;
            wf.history_length = activation.history_length;
            wf.history_size_bytes = activation.history_size_bytes;
            wf.continue_as_new_suggested = activation.continue_as_new_suggested;
        }
        let mut sets: [Vec<&Job>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for job in &activation.jobs {
            match job {
                Job::NotifyHasPatch { .. } => sets[0].push(job),
                Job::SignalWorkflow { .. } | Job::DoUpdate { .. } => sets[1].push(job),
                _ => sets[2].push(job),
            }
        }
        let outcome = (|| -> PyResult<()> {
            for job in &activation.jobs {
                if let Job::InitializeWorkflow {
                    randomness_seed,
                    start_time_nanos,
                    started,
                } = job
                {
                    self.prepare_input(definition, *randomness_seed, *start_time_nanos, started)?;
                }
            }
            for (index, set) in sets.iter().enumerate() {
                if set.is_empty() {
                    continue;
                }
                for job in set {
                    self.apply_job(definition, job)?;
                }
                if self.wf.borrow().instance.is_none() && self.wf.borrow().info.is_some() {
                    self.instantiate_workflow(definition)?;
                }
                self.run_once(index >= 1)?;
            }
            Ok(())
        })();
        match outcome {
            Ok(()) => {}
            Err(Unwind::Stop(stop)) => {
                let kind = match stop.kind {
                    StopKind::Inconclusive => LangFailureKind::Inconclusive,
                    StopKind::Restricted => LangFailureKind::TaskFailure,
                };
                return Err(LangFailure {
                    kind,
                    message: stop.message,
                    loc: stop.loc,
                });
            }
            Err(Unwind::Exception(error)) => {
                if self.is_failure_exception(&error) {
                    let message = self.exception_str(&error).unwrap_or_default();
                    self.add_command(
                        CommandKind::FailWorkflow { message },
                        self.raised_at(&error),
                    );
                } else {
                    let loc = self.raised_at(&error);
                    let text = self.exception_str(&error).unwrap_or_default();
                    let class = match &error {
                        Value::Instance(instance) => instance.class.name.to_string(),
                        other => other.type_name(),
                    };
                    let message = if text.is_empty() {
                        class
                    } else {
                        format!("{class}: {text}")
                    };
                    return Err(LangFailure {
                        kind: LangFailureKind::TaskFailure,
                        message: format!(
                            "the workflow task fails: {message} (an exception escaped the workflow code)"
                        ),
                        loc,
                    });
                }
            }
        }
        Ok(std::mem::take(&mut self.wf.borrow_mut().commands))
    }

    fn instantiate_workflow(&self, definition: &Definition) -> PyResult<()> {
        let args = if definition.init_takes_args {
            self.wf.borrow().input.clone()
        } else {
            Vec::new()
        };
        let instance = self.block_on(self.call(
            &Value::Class(definition.class.clone()),
            Args::positional(args),
        ))?;
        self.wf.borrow_mut().instance = Some(instance);
        Ok(())
    }

    fn apply_job(&self, definition: &Definition, job: &Job) -> PyResult<()> {
        match job {
            Job::InitializeWorkflow { .. } => self.start_primary(definition),
            Job::NotifyHasPatch { patch_id } => {
                self.wf
                    .borrow_mut()
                    .patches_notified
                    .insert(patch_id.clone());
            }
            Job::SignalWorkflow { name, input } => {
                let handler = self.find_handler(&self.wf.borrow().signals, name);
                match handler {
                    Some((handler, dynamic)) => {
                        self.process_signal(handler, dynamic, name, input)?;
                    }
                    None => self
                        .wf
                        .borrow_mut()
                        .buffered_signals
                        .push((name.clone(), input.clone())),
                }
            }
            Job::DoUpdate {
                protocol_instance_id,
                name,
                input,
            } => {
                let interp = self.rc();
                let (protocol_instance_id, name, input) =
                    (protocol_instance_id.clone(), name.clone(), input.clone());
                let task = self.spawn(
                    &format!("update: {name}"),
                    Box::pin(
                        async move { interp.run_update(protocol_instance_id, name, input).await },
                    ),
                );
                self.wf.borrow_mut().handler_tasks.push(task);
            }
            Job::FireTimer { seq } => {
                let timer = self.wf.borrow_mut().pending_timers.remove(seq);
                if let Some(timer) = timer {
                    self.call_soon(super::workflow_instance::timer_handle(timer));
                }
            }
            Job::ResolveActivity { seq, result, .. } => self.resolve_activity(*seq, result)?,
            Job::ResolveChildStart { seq, status } => self.resolve_child_start(*seq, status)?,
            Job::ResolveChild { seq, result } => self.resolve_child(*seq, result)?,
            Job::ResolveSignalExternal { seq, failure } => {
                let future = self.wf.borrow_mut().pending_external_signals.remove(seq);
                let Some(future) = future else {
                    return Err(self.raise(
                        &self.exc.runtime_error,
                        format!("Failed finding pending external signal for sequence {seq}"),
                    ));
                };
                match failure {
                    Some(failure) => {
                        self.set_exception(&future, self.failure_to_exception(failure))
                    }
                    None => self.set_result(&future, Value::None),
                };
            }
            Job::ResolveRequestCancelExternal { seq, failure } => {
                let future = self.wf.borrow_mut().pending_external_cancels.remove(seq);
                let Some(future) = future else {
                    return Err(self.raise(
                        &self.exc.runtime_error,
                        format!("Failed finding pending external cancel for sequence {seq}"),
                    ));
                };
                if !future.cancelled() {
                    match failure {
                        Some(failure) => {
                            self.set_exception(&future, self.failure_to_exception(failure))
                        }
                        None => self.set_result(&future, Value::None),
                    };
                }
            }
            Job::CancelWorkflow { reason } => {
                self.wf.borrow_mut().cancel_reason = Some(reason.clone());
                let primary = self.wf.borrow().primary_task.clone();
                if let Some(primary) = primary {
                    self.call_soon(super::event_loop::Handle::CancelTask(primary));
                }
            }
        }
        Ok(())
    }

    /// `_make_workflow_input` (and the instance's info and RNG), before any job set runs.
    fn prepare_input(
        &self,
        definition: &Definition,
        seed: u64,
        start_time_nanos: i128,
        started: &crate::history::WorkflowStarted,
    ) -> PyResult<()> {
        let hints = self.parameter_hints(&definition.run, true);
        let mut args = Vec::with_capacity(started.input.len());
        for (index, payload) in started.input.iter().enumerate() {
            args.push(self.payload_to_value(payload, hints.get(index).cloned().flatten())?);
        }
        let workflow_id = started.workflow_id.as_deref().map_or_else(
            || {
                Value::unknown(
                    "workflow.info().workflow_id (the history does not record it)",
                    None,
                )
            },
            Value::str,
        );
        let mut memo = Vec::with_capacity(started.memo.len());
        for (key, payload) in &started.memo {
            memo.push((
                Rc::from(key.as_str()),
                self.payload_to_value(payload, None)?,
            ));
        }
        // `ParentInfo` from the started event, as the SDK builds it for a child workflow.
        let parent = started.parent.as_ref().map_or(Value::None, |parent| {
            Native::record(
                "ParentInfo",
                vec![
                    ("namespace", Value::str(&parent.namespace)),
                    ("workflow_id", Value::str(&parent.workflow_id)),
                    ("run_id", Value::str(&parent.run_id)),
                ],
            )
        });
        let info = Native::record(
            "Info",
            vec![
                ("workflow_id", workflow_id),
                ("workflow_type", Value::str(&started.workflow_type)),
                ("run_id", Value::str(&started.original_execution_run_id)),
                (
                    "first_execution_run_id",
                    Value::str(&started.first_execution_run_id),
                ),
                (
                    "continued_run_id",
                    if started.continued_execution_run_id.is_empty() {
                        Value::None
                    } else {
                        Value::str(&started.continued_execution_run_id)
                    },
                ),
                // The Replayer's own task queue and namespace, not the recorded ones.
                (
                    "task_queue",
                    Value::unknown(
                        "workflow.info().task_queue (the Replayer's task queue)",
                        None,
                    ),
                ),
                ("namespace", Value::str("ReplayNamespace")),
                ("attempt", Value::Int(started.attempt.max(1))),
                (
                    "cron_schedule",
                    if started.cron_schedule.is_empty() {
                        Value::None
                    } else {
                        Value::str(&started.cron_schedule)
                    },
                ),
                (
                    "start_time",
                    Value::Native(Rc::new(Native::DateTime {
                        micros: (start_time_nanos / 1000) as i64,
                        aware: true,
                    })),
                ),
                ("parent", parent),
                (
                    "run_timeout",
                    optional_timedelta(started.run_timeout_micros),
                ),
                (
                    "execution_timeout",
                    optional_timedelta(started.execution_timeout_micros),
                ),
                (
                    "task_timeout",
                    Native::timedelta(started.task_timeout_micros.unwrap_or(0)),
                ),
                (
                    "root",
                    Value::unknown("workflow.info().root (not modelled)", None),
                ),
                (
                    "search_attributes",
                    Value::unknown("workflow.info().search_attributes (not modelled)", None),
                ),
                (
                    "headers",
                    Value::unknown("workflow.info().headers (not modelled)", None),
                ),
            ],
        );
        {
            let mut wf = self.wf.borrow_mut();
            wf.random = Some(Rc::new(std::cell::RefCell::new(
                super::rng::MersenneTwister::new(seed),
            )));
            wf.info = Some(info);
            wf.memo = memo;
            wf.input = args;
        }
        Ok(())
    }

    /// `_apply_initialize_workflow`: the primary task running `@workflow.run`.
    fn start_primary(&self, definition: &Definition) {
        let interp = self.rc();
        let run = definition.run.clone();
        let primary = self.spawn(
            "run",
            Box::pin(async move {
                let outcome = async {
                    let instance = interp.wf.borrow().instance.clone().unwrap_or(Value::None);
                    let mut positional = vec![instance];
                    positional.extend(interp.wf.borrow().input.clone());
                    let coroutine = interp
                        .call(&Value::Function(run.clone()), Args::positional(positional))
                        .await?;
                    let result = interp.await_value(coroutine).await?;
                    let loc = interp.wf.borrow().last_return;
                    interp.add_command(CommandKind::CompleteWorkflow, loc);
                    Ok(result)
                }
                .await;
                interp.finish_top_level(outcome)
            }),
        );
        self.wf.borrow_mut().primary_task = Some(primary);
    }

    fn find_handler(
        &self,
        handlers: &[(Option<Rc<str>>, Handler)],
        name: &str,
    ) -> Option<(Handler, bool)> {
        handlers
            .iter()
            .find(|(key, _)| key.as_deref() == Some(name))
            .map(|(_, handler)| (handler.clone(), false))
            .or_else(|| {
                handlers
                    .iter()
                    .find(|(key, _)| key.is_none())
                    .map(|(_, handler)| (handler.clone(), true))
            })
    }

    pub(crate) fn process_signal(
        &self,
        handler: Handler,
        dynamic: bool,
        name: &str,
        input: &[Payload],
    ) -> PyResult<()> {
        let args = self.handler_args(&handler, dynamic, name, input)?;
        let interp = self.rc();
        let task = self.spawn(
            &format!("signal: {name}"),
            Box::pin(async move {
                let outcome = interp.call_handler(&handler, args).await;
                interp.finish_top_level(outcome)
            }),
        );
        self.wf.borrow_mut().handler_tasks.push(task);
        Ok(())
    }

    fn handler_args(
        &self,
        handler: &Handler,
        dynamic: bool,
        name: &str,
        input: &[Payload],
    ) -> PyResult<Vec<Value>> {
        if dynamic {
            // A dynamic handler gets `Sequence[RawValue]`: the payloads unconverted. Decoding
            // one (`payload_converter().from_payload`) is not modelled.
            let values = input
                .iter()
                .map(|_| {
                    Native::record(
                        "RawValue",
                        vec![(
                            "payload",
                            Value::unknown(
                                format!("the payload of a RawValue sent to `{name}`"),
                                self.here(),
                            ),
                        )],
                    )
                })
                .collect();
            return Ok(vec![Value::str(name), Value::list(values)]);
        }
        let hints = match &handler.function {
            Value::Function(function) => self.parameter_hints(function, handler.is_method),
            // `set_signal_handler(name, self.method)`: the method's hints, after `self`.
            Value::BoundMethod(bound) => match &bound.1 {
                Value::Function(function) => self.parameter_hints(function, true),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut args = Vec::new();
        for (index, payload) in input.iter().enumerate() {
            args.push(self.payload_to_value(payload, hints.get(index).cloned().flatten())?);
        }
        Ok(args)
    }

    async fn run_update(
        &self,
        protocol_instance_id: String,
        name: String,
        input: Vec<Payload>,
    ) -> PyResult<Value> {
        let index = self.add_command(
            CommandKind::UpdateResponse {
                protocol_instance_id: protocol_instance_id.clone(),
                response: UpdateResponse::Rejected,
            },
            self.here(),
        );
        let handler = self.find_handler(&self.wf.borrow().updates, &name);
        let Some((handler, dynamic)) = handler else {
            return Ok(Value::None);
        };
        let args = match self.handler_args(&handler, dynamic, &name, &input) {
            Ok(args) => args,
            Err(Unwind::Exception(_)) => return Ok(Value::None),
            Err(stop) => return Err(stop),
        };
        if let Some(command) = self.wf.borrow_mut().commands.get_mut(index) {
            command.kind = CommandKind::UpdateResponse {
                protocol_instance_id: protocol_instance_id.clone(),
                response: UpdateResponse::Accepted,
            };
        }
        match self.call_handler(&handler, args).await {
            Ok(_) => {
                self.add_command(
                    CommandKind::UpdateResponse {
                        protocol_instance_id,
                        response: UpdateResponse::Completed,
                    },
                    self.here(),
                );
            }
            Err(Unwind::Exception(error)) => {
                if self.is_failure_exception(&error) || self.is_asyncio_cancelled(&error) {
                    self.add_command(
                        CommandKind::UpdateResponse {
                            protocol_instance_id,
                            response: UpdateResponse::Rejected,
                        },
                        self.raised_at(&error),
                    );
                } else {
                    self.wf.borrow_mut().activation_error.get_or_insert(error);
                }
            }
            Err(stop) => return Err(stop),
        }
        Ok(Value::None)
    }

    fn resolve_activity(&self, seq: u32, result: &ActivityResult) -> PyResult<()> {
        let handle = self.wf.borrow_mut().pending_activities.remove(&seq);
        let Some(task) = handle else {
            return Err(self.raise(
                &self.exc.runtime_error,
                format!("Failed finding activity handle for sequence {seq}"),
            ));
        };
        let Some(HandleData::Activity(handle)) = task.task().and_then(|t| t.temporal.as_ref())
        else {
            return Ok(());
        };
        let future = handle.result.borrow().clone();
        match result {
            ActivityResult::Completed(payload) => {
                let value = match payload {
                    Some(payload) => self.result_to_value(payload, handle.hint.clone())?,
                    None => Value::None,
                };
                self.set_result(&future, value);
            }
            ActivityResult::Failed(failure) | ActivityResult::Cancelled(failure) => {
                if task.task().is_some_and(|_| self.handle_started(&task)) {
                    let exception = self.failure_to_exception(failure);
                    self.set_exception(&future, exception);
                }
            }
        }
        Ok(())
    }

    fn handle_started(&self, task: &Rc<super::event_loop::FutureObj>) -> bool {
        matches!(task.task().and_then(|t| t.temporal.as_ref()), Some(HandleData::Activity(handle)) if handle.is_started())
    }

    fn resolve_child_start(&self, seq: u32, status: &ChildStart) -> PyResult<()> {
        let task = self.wf.borrow().pending_children.get(&seq).cloned();
        let Some(task) = task else {
            return Err(self.raise(
                &self.exc.runtime_error,
                format!("Failed finding child workflow handle for sequence {seq}"),
            ));
        };
        let Some(HandleData::Child(child)) = task.task().and_then(|t| t.temporal.as_ref()) else {
            return Ok(());
        };
        match status {
            ChildStart::Succeeded { run_id } => {
                *child.run_id.borrow_mut() = Some(run_id.clone());
                self.set_result(&child.start, Value::None);
            }
            ChildStart::Failed {
                workflow_id,
                workflow_type,
            } => {
                self.wf.borrow_mut().pending_children.remove(&seq);
                let error = self.new_exception(
                    &self.exc.workflow_already_started_error,
                    vec![Value::str("Workflow execution already started")],
                );
                if let Value::Instance(instance) = &error {
                    instance.set("workflow_id", Value::str(workflow_id));
                    instance.set("workflow_type", Value::str(workflow_type));
                }
                self.child_failure(child, error);
            }
            ChildStart::Cancelled(failure) => {
                self.wf.borrow_mut().pending_children.remove(&seq);
                let error = self.failure_to_exception(failure);
                self.child_failure(child, error);
            }
        }
        Ok(())
    }

    fn child_failure(&self, child: &super::workflow_instance::ChildHandle, error: Value) {
        if child.start.done() {
            self.set_exception(&child.result, error);
        } else {
            self.set_exception(&child.start, error);
            self.set_result(&child.result, Value::None);
        }
    }

    fn resolve_child(&self, seq: u32, result: &ChildResult) -> PyResult<()> {
        let task = self.wf.borrow_mut().pending_children.remove(&seq);
        let Some(task) = task else {
            return Err(self.raise(
                &self.exc.runtime_error,
                format!("Failed finding child workflow handle for sequence {seq}"),
            ));
        };
        let Some(HandleData::Child(child)) = task.task().and_then(|t| t.temporal.as_ref()) else {
            return Ok(());
        };
        match result {
            ChildResult::Completed(payload) => {
                let value = match payload {
                    Some(payload) => self.result_to_value(payload, child.hint.clone())?,
                    None => Value::None,
                };
                self.set_result(&child.result, value);
            }
            ChildResult::Failed(failure) | ChildResult::Cancelled(failure) => {
                let error = self.failure_to_exception(failure);
                self.child_failure(child, error);
            }
        }
        Ok(())
    }

    /// The failure converter: a proto failure chain to Temporal exceptions.
    pub(crate) fn failure_to_exception(&self, failure: &Failure) -> Value {
        use crate::history::FailureInfo as F;
        let message = Value::str(&failure.message);
        let error = match &failure.info {
            F::Application {
                error_type,
                non_retryable,
                details,
            } => {
                let error = self.new_exception(&self.exc.application_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    instance.set(
                        "type",
                        if error_type.is_empty() {
                            Value::None
                        } else {
                            Value::str(error_type)
                        },
                    );
                    instance.set("non_retryable", Value::Bool(*non_retryable));
                    let details: Vec<Value> = details
                        .iter()
                        .map(|p| self.payload_to_value(p, None).unwrap_or(Value::None))
                        .collect();
                    instance.set("details", Value::tuple(details));
                    instance.set("next_retry_delay", Value::None);
                }
                error
            }
            F::Canceled { details } => {
                let error = self.new_exception(&self.exc.cancelled_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    let details: Vec<Value> = details
                        .iter()
                        .map(|p| self.payload_to_value(p, None).unwrap_or(Value::None))
                        .collect();
                    instance.set("details", Value::tuple(details));
                }
                error
            }
            F::Timeout { timeout_type } => {
                let error =
                    self.new_exception(&self.exc.temporal_timeout_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    instance.set(
                        "type",
                        self.exceptions_enum("TimeoutType", timeout_type, "TIMEOUT_TYPE_"),
                    );
                }
                error
            }
            F::Terminated => self.new_exception(&self.exc.terminated_error, vec![message.clone()]),
            F::Server { non_retryable } => {
                let error = self.new_exception(&self.exc.server_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    instance.set("non_retryable", Value::Bool(*non_retryable));
                }
                error
            }
            F::Activity {
                activity_type,
                activity_id,
                retry_state,
            } => {
                let error = self.new_exception(&self.exc.activity_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    instance.set("activity_type", Value::str(activity_type));
                    instance.set("activity_id", Value::str(activity_id));
                    instance.set(
                        "retry_state",
                        self.exceptions_enum("RetryState", retry_state, "RETRY_STATE_"),
                    );
                }
                error
            }
            F::ChildWorkflow {
                workflow_type,
                workflow_id,
                retry_state,
            } => {
                let error =
                    self.new_exception(&self.exc.child_workflow_error, vec![message.clone()]);
                if let Value::Instance(instance) = &error {
                    instance.set("workflow_type", Value::str(workflow_type));
                    instance.set("workflow_id", Value::str(workflow_id));
                    instance.set(
                        "retry_state",
                        self.exceptions_enum("RetryState", retry_state, "RETRY_STATE_"),
                    );
                    instance.set("namespace", Value::str("default"));
                }
                error
            }
            F::Other => self.new_exception(&self.exc.failure_error, vec![message.clone()]),
        };
        if let (Some(cause), Value::Instance(instance)) = (&failure.cause, &error) {
            let cause = self.failure_to_exception(cause);
            instance.set("cause", cause.clone());
            instance.set("__cause__", cause);
        }
        error
    }
}

impl Interp {
    /// Where the workflow's main task stands when history expects a command it did not issue.
    pub(crate) fn where_the_workflow_is(&self) -> (String, Option<super::Loc>) {
        let primary = self.wf.borrow().primary_task.clone();
        match primary {
            Some(task) if task.done() => (
                "issues no command here: the workflow has already finished".to_string(),
                self.wf.borrow().last_return,
            ),
            Some(task) => (
                "issues no command here: the workflow is still waiting at this line".to_string(),
                task.task().and_then(|data| data.suspended_at.get()),
            ),
            None => (
                "issues no command here: the workflow has not started".to_string(),
                None,
            ),
        }
    }
}

impl Interp {
    /// A `temporalio.exceptions` enum member from its proto name (`TIMEOUT_TYPE_HEARTBEAT` →
    /// `TimeoutType.HEARTBEAT`), as the failure converter builds it.
    fn exceptions_enum(&self, class: &str, proto_name: &str, prefix: &str) -> Value {
        let member = proto_name.strip_prefix(prefix).unwrap_or(proto_name);
        let Ok(module) = self.load_module("temporalio.exceptions") else {
            return Value::None;
        };
        match module.get(class) {
            Some(Value::Class(class)) => {
                class.attrs.borrow().get_str(member).unwrap_or(Value::None)
            }
            _ => Value::None,
        }
    }
}

/// `workflow.info()` timeouts: a `timedelta`, or `None` when the history does not set one.
fn optional_timedelta(micros: Option<i64>) -> Value {
    micros.map_or(Value::None, Native::timedelta)
}
