//! `asyncio.*` functions and the methods of futures, tasks and Temporal handles.

use std::rc::Rc;

use super::event_loop::{FutureObj, WaitMode};
use super::expr::Args;
use super::native::{Native, NativeCoroutine, duration_seconds};
use super::value::Value;
use super::workflow_instance::HandleData;
use super::{Interp, PyResult};

impl Interp {
    pub(crate) fn call_asyncio(&self, function: &str, args: Args) -> PyResult<Value> {
        let first = args.positional.first().cloned().unwrap_or(Value::None);
        match function {
            "sleep" => {
                let delay = duration_seconds(&first)
                    .ok_or_else(|| self.raise(&self.exc.type_error, "sleep() needs a number"))?;
                let result = args.get(1, "result").cloned().unwrap_or(Value::None);
                Ok(self.native_coroutine("sleep", NativeCoroutine::AsyncioSleep { delay, result }))
            }
            "gather" => {
                let return_exceptions = args
                    .keyword("return_exceptions")
                    .map(|v| self.truthy_sync(v))
                    .transpose()?
                    .unwrap_or(false);
                Ok(Value::Future(
                    self.gather(&args.positional, return_exceptions)?,
                ))
            }
            "wait" => {
                let items = self.iterate(&first)?;
                if items.iter().any(|i| matches!(i, Value::Coroutine(_))) {
                    return self
                        .type_error("Passing coroutines is forbidden, use tasks explicitly.");
                }
                self.wait(&first, &args, "Set of Tasks/Futures is empty.", true)
            }
            "wait_for" => {
                let timeout = args.get(1, "timeout").and_then(duration_seconds);
                Ok(self.native_coroutine(
                    "wait_for",
                    NativeCoroutine::WaitFor {
                        awaitable: first,
                        timeout,
                    },
                ))
            }
            "shield" => Ok(Value::Future(self.shield(&first)?)),
            "create_task" | "ensure_future" => Ok(Value::Future(self.ensure_future(&first)?)),
            "as_completed" => {
                let items = self.iterate(&first)?;
                let timeout = args.keyword("timeout").and_then(duration_seconds);
                Ok(Value::list(self.as_completed(&items, timeout)?))
            }
            "Lock" => Ok(Value::Native(Rc::new(Native::Lock(
                std::cell::RefCell::default(),
            )))),
            "Event" => Ok(Value::Native(Rc::new(Native::Event(
                std::cell::RefCell::default(),
            )))),
            "Condition" => {
                self.new_condition(args.positional.first().or_else(|| args.keyword("lock")))
            }
            "Semaphore" | "BoundedSemaphore" => self.new_semaphore(
                args.positional.first().or_else(|| args.keyword("value")),
                function == "BoundedSemaphore",
            ),
            "Queue" => self.new_queue(args.positional.first().or_else(|| args.keyword("maxsize"))),
            "iscoroutine" => Ok(Value::Bool(matches!(first, Value::Coroutine(_)))),
            "isfuture" => Ok(Value::Bool(matches!(first, Value::Future(_)))),
            "current_task" => Ok(self
                .aio
                .current_task
                .borrow()
                .clone()
                .map_or(Value::None, Value::Future)),
            _ => Err(self.unsupported(format!("asyncio.{function}"))),
        }
    }

    /// `asyncio.wait(aws, …)` (`as_sets`: its result is two sets) and `workflow.wait(aws, …)`
    /// (two lists): a coroutine waiting on the futures of `aws`, with `timeout=` and
    /// `return_when=`; `empty` is the message each raises for no futures.
    pub(crate) fn wait(
        &self,
        aws: &Value,
        args: &Args,
        empty: &str,
        as_sets: bool,
    ) -> PyResult<Value> {
        let futures = self.futures_of(aws)?;
        if futures.is_empty() {
            return self.value_error(empty);
        }
        let mode = self.wait_mode(args.keyword("return_when"))?;
        let timeout = args.keyword("timeout").and_then(duration_seconds);
        Ok(self.native_coroutine(
            "wait",
            NativeCoroutine::Wait {
                futures,
                timeout,
                mode,
                as_sets,
            },
        ))
    }

    fn futures_of(&self, value: &Value) -> PyResult<Vec<Rc<FutureObj>>> {
        self.iterate_sync(value)?
            .into_iter()
            .map(|item| match item {
                Value::Future(future) => Ok(future),
                Value::Coroutine(_) => {
                    self.type_error("Passing coroutines is forbidden, use tasks explicitly.")
                }
                other => self.type_error(format!(
                    "expect a list of futures, not {}",
                    other.type_name()
                )),
            })
            .collect()
    }

    fn wait_mode(&self, value: Option<&Value>) -> PyResult<WaitMode> {
        match value {
            None => Ok(WaitMode::AllCompleted),
            Some(Value::Str(mode)) => match mode.as_ref() {
                "ALL_COMPLETED" => Ok(WaitMode::AllCompleted),
                "FIRST_COMPLETED" => Ok(WaitMode::FirstCompleted),
                "FIRST_EXCEPTION" => Ok(WaitMode::FirstException),
                other => self.value_error(format!("Invalid return_when value: {other}")),
            },
            Some(_) => self.value_error("Invalid return_when value"),
        }
    }

    pub(crate) fn future_method(
        &self,
        name: &str,
        future: &Rc<FutureObj>,
        args: Args,
    ) -> PyResult<Value> {
        match name {
            "future.result" => self.future_result(future),
            "future.exception" => {
                if future.cancelled() {
                    return Err(super::Unwind::Exception(self.asyncio_cancelled(None)));
                }
                if !future.done() {
                    return Err(self.raise(
                        &self.exc.asyncio_invalid_state_error,
                        "Exception is not set.",
                    ));
                }
                Ok(future.exception().unwrap_or(Value::None))
            }
            "future.done" => Ok(Value::Bool(future.done())),
            "future.cancelled" => Ok(Value::Bool(future.cancelled())),
            "future.cancel" => Ok(Value::Bool(
                self.cancel_future(future, args.positional.first().cloned())?,
            )),
            "future.add_done_callback" => {
                self.add_done_callback(
                    future,
                    super::event_loop::Callback::Python(
                        args.positional.first().cloned().unwrap_or(Value::None),
                    ),
                );
                Ok(Value::None)
            }
            "future.get_name" => Ok(Value::Str(
                future
                    .task()
                    .map_or_else(|| "Future".into(), |t| t.name.clone()),
            )),
            "future.set_result" => {
                self.set_result(
                    future,
                    args.positional.first().cloned().unwrap_or(Value::None),
                );
                Ok(Value::None)
            }
            "future.set_exception" => {
                self.set_exception(
                    future,
                    args.positional.first().cloned().unwrap_or(Value::None),
                );
                Ok(Value::None)
            }
            _ => Err(self.unsupported(format!("`{name}`"))),
        }
    }

    /// Attributes of futures, tasks and Temporal handles.
    pub(crate) fn future_attr(
        &self,
        future: &Rc<FutureObj>,
        object: &Value,
        name: &str,
    ) -> PyResult<Value> {
        if let Some(HandleData::Child(child)) = future.task().and_then(|t| t.temporal.as_ref()) {
            match name {
                "id" => return Ok(Value::str(&child.workflow_id)),
                "first_execution_run_id" | "run_id" => {
                    return Ok(child
                        .run_id
                        .borrow()
                        .as_deref()
                        .map_or(Value::None, Value::str));
                }
                "signal" => return Ok(Value::bound_builtin("child.signal", object.clone())),
                _ => {}
            }
        }
        match name {
            "result"
            | "exception"
            | "done"
            | "cancelled"
            | "cancel"
            | "add_done_callback"
            | "remove_done_callback"
            | "get_name"
            | "set_result"
            | "set_exception" => Ok(Value::bound_builtin(
                &format!("future.{name}"),
                object.clone(),
            )),
            _ => self.attribute_error(object, name),
        }
    }
}
