//! `temporalio.workflow`, `temporalio.activity`, `temporalio.common` and `asyncio` functions,
//! and the methods of handles and futures.

use std::rc::Rc;

use super::expr::Args;
use super::native::{ContextKind, Native, NativeCoroutine, duration_seconds};
use super::value::Value;
use super::workflow_instance::{HandleData, Handler};
use super::{Interp, PyResult};
use crate::protocol::CommandKind;

pub(crate) const WORKFLOW_FUNCTIONS: &[&str] = &[
    "defn",
    "run",
    "signal",
    "query",
    "update",
    "init",
    "execute_activity",
    "start_activity",
    "execute_activity_method",
    "start_activity_method",
    "execute_activity_class",
    "start_activity_class",
    "execute_local_activity",
    "start_local_activity",
    "execute_local_activity_method",
    "start_local_activity_method",
    "execute_local_activity_class",
    "start_local_activity_class",
    "execute_child_workflow",
    "start_child_workflow",
    "sleep",
    "wait_condition",
    "patched",
    "deprecate_patch",
    "continue_as_new",
    "upsert_search_attributes",
    "upsert_memo",
    "get_external_workflow_handle",
    "get_external_workflow_handle_for",
    "now",
    "time",
    "time_ns",
    "random",
    "uuid4",
    "info",
    "wait",
    "as_completed",
    "all_handlers_finished",
    "set_signal_handler",
    "set_update_handler",
    "get_signal_handler",
    "get_update_handler",
    "set_dynamic_signal_handler",
    "set_dynamic_update_handler",
    "get_dynamic_signal_handler",
    "get_dynamic_update_handler",
    "set_query_handler",
    "memo",
    "memo_value",
    "in_workflow",
    "current_update_info",
    "get_current_details",
    "set_current_details",
    "random_seed",
    "payload_converter",
];

pub(crate) const WORKFLOW_ENUMS: &[(&str, &[&str])] = &[
    (
        "ActivityCancellationType",
        &["TRY_CANCEL", "WAIT_CANCELLATION_COMPLETED", "ABANDON"],
    ),
    (
        "ChildWorkflowCancellationType",
        &[
            "ABANDON",
            "TRY_CANCEL",
            "WAIT_CANCELLATION_COMPLETED",
            "WAIT_CANCELLATION_REQUESTED",
        ],
    ),
    (
        "ParentClosePolicy",
        &["UNSPECIFIED", "TERMINATE", "ABANDON", "REQUEST_CANCEL"],
    ),
    ("HandlerUnfinishedPolicy", &["WARN_AND_ABANDON", "ABANDON"]),
    ("VersioningIntent", &["COMPATIBLE", "DEFAULT"]),
];

impl Interp {
    /// Library functions by qualified name.
    pub(crate) async fn call_library(&self, name: &str, args: Args) -> PyResult<Value> {
        let (module, function) = name.split_once('.').unwrap_or(("", name));
        match module {
            "workflow" => self.call_workflow(function, args),
            "activity" => self.call_activity(function, args),
            "asyncio" => self.call_asyncio(function, args),
            "common" => self.call_common(function, args),
            "exceptions" if function == "is_cancelled_exception" => Ok(Value::Bool(
                self.is_cancelled_exception(args.positional.first().unwrap_or(&Value::None)),
            )),
            _ => self.call_stdlib_function(name, args).await,
        }
    }

    /// Bound methods of library values.
    pub(crate) fn call_library_method(
        &self,
        name: &str,
        receiver: Value,
        args: Args,
    ) -> PyResult<Value> {
        if let Some(native_base) = name.strip_prefix("super.__init__:") {
            if let Value::Instance(_) = &receiver
                && receiver_is_exception(self, &receiver)
            {
                self.init_native_exception(&receiver, native_base, &args)?;
            }
            return Ok(Value::None);
        }
        match name {
            "update.validator" => {
                if let (Value::Function(update), Some(validator)) =
                    (&receiver, args.positional.first())
                {
                    update.meta.borrow_mut().validator = Some(validator.clone());
                }
                Ok(args.positional.first().cloned().unwrap_or(Value::None))
            }
            "workflow.defn_with"
            | "workflow.signal_with"
            | "workflow.query_with"
            | "workflow.update_with"
            | "activity.defn_with" => {
                let target = args.positional.first().cloned().unwrap_or(Value::None);
                self.apply_decorator_options(name, &receiver, target)
            }
            "external.signal" => {
                let (workflow_id, _) = external_target(&receiver);
                let signal = self.signal_name(args.positional.first())?;
                Ok(self.native_coroutine(
                    "signal",
                    NativeCoroutine::SignalExternal {
                        workflow_id,
                        signal,
                        child: false,
                    },
                ))
            }
            "external.cancel" => {
                let (workflow_id, _) = external_target(&receiver);
                Ok(
                    self.native_coroutine(
                        "cancel",
                        NativeCoroutine::CancelExternal { workflow_id },
                    ),
                )
            }
            "child.signal" => {
                let Value::Future(future) = &receiver else {
                    return Ok(Value::None);
                };
                let workflow_id = match future.task().and_then(|t| t.temporal.as_ref()) {
                    Some(HandleData::Child(child)) => child.workflow_id.clone(),
                    _ => String::new(),
                };
                let signal = self.signal_name(args.positional.first())?;
                Ok(self.native_coroutine(
                    "signal",
                    NativeCoroutine::SignalExternal {
                        workflow_id,
                        signal,
                        child: true,
                    },
                ))
            }
            "future.result"
            | "future.exception"
            | "future.done"
            | "future.cancelled"
            | "future.cancel"
            | "future.add_done_callback"
            | "future.remove_done_callback"
            | "future.get_name"
            | "future.set_result"
            | "future.set_exception" => {
                let Value::Future(future) = &receiver else {
                    return Ok(Value::None);
                };
                self.future_method(name, future, args)
            }
            _ => self.call_native_method(name, &receiver, args),
        }
    }

    fn signal_name(&self, value: Option<&Value>) -> PyResult<String> {
        match value {
            Some(Value::Str(name)) => Ok(name.to_string()),
            Some(Value::Function(function)) => Ok(function
                .meta
                .borrow()
                .signal
                .as_ref()
                .and_then(|s| s.0.clone())
                .unwrap_or_else(|| function.name.clone())
                .to_string()),
            Some(Value::Unknown(unknown)) => {
                Err(self.unsupported(format!("signalling {}", unknown.what)))
            }
            _ => self.type_error("signal must be a string or a signal method"),
        }
    }

    fn call_workflow(&self, function: &str, args: Args) -> PyResult<Value> {
        let first = args.positional.first().cloned().unwrap_or(Value::None);
        match function {
            "defn" | "signal" | "query" | "update" | "run" | "init" => {
                self.decorator(&format!("workflow.{function}_with"), &args)
            }
            "execute_activity"
            | "start_activity"
            | "execute_activity_method"
            | "start_activity_method"
            | "execute_activity_class"
            | "start_activity_class"
            | "execute_local_activity"
            | "start_local_activity"
            | "execute_local_activity_method"
            | "start_local_activity_method"
            | "execute_local_activity_class"
            | "start_local_activity_class" => {
                let request = self.activity_request(function.contains("local"), &args)?;
                if function.starts_with("start") {
                    Ok(Value::Future(self.start_activity(request)?))
                } else {
                    Ok(self.native_coroutine(
                        function,
                        NativeCoroutine::ExecuteActivity(Box::new(request)),
                    ))
                }
            }
            "execute_child_workflow" | "start_child_workflow" => {
                let request = self.child_request(&args)?;
                Ok(if function == "start_child_workflow" {
                    self.native_coroutine(function, NativeCoroutine::StartChild(Box::new(request)))
                } else {
                    self.native_coroutine(
                        function,
                        NativeCoroutine::ExecuteChild(Box::new(request)),
                    )
                })
            }
            "sleep" => {
                // The duration is never compared: an unknown one still starts a timer.
                let seconds = if first.is_inert_unknown() {
                    Some(0.0)
                } else {
                    duration_seconds(&first)
                };
                let seconds = seconds.ok_or_else(|| {
                    self.raise(
                        &self.exc.type_error,
                        "sleep() needs a number of seconds or a timedelta",
                    )
                })?;
                Ok(self.native_coroutine("sleep", NativeCoroutine::WorkflowSleep { seconds }))
            }
            "wait_condition" => {
                let timeout = args
                    .keyword("timeout")
                    .filter(|t| !t.is_none())
                    .map(|t| {
                        duration_seconds(t).ok_or_else(|| {
                            self.raise(
                                &self.exc.type_error,
                                "timeout must be a number or timedelta",
                            )
                        })
                    })
                    .transpose()?;
                Ok(self.native_coroutine(
                    "wait_condition",
                    NativeCoroutine::WaitCondition {
                        function: first,
                        timeout,
                    },
                ))
            }
            "patched" | "deprecate_patch" => {
                let id = match &first {
                    Value::Str(id) => id.clone(),
                    Value::Unknown(unknown) => {
                        return Err(self.unsupported(format!("a patch id from {}", unknown.what)));
                    }
                    _ => return self.type_error("patch id must be a string"),
                };
                Ok(Value::Bool(
                    self.workflow_patch(&id, function == "deprecate_patch"),
                ))
            }
            "continue_as_new" => Err(super::Unwind::Exception(self.new_exception(
                &self.exc.continue_as_new_error,
                vec![Value::str("Continue as new")],
            ))),
            "upsert_search_attributes" => {
                let keys = match &first {
                    Value::Dict(dict) => dict
                        .borrow()
                        .keys()
                        .iter()
                        .map(|k| self.py_str(k))
                        .collect::<PyResult<Vec<_>>>()?,
                    _ => Vec::new(),
                };
                self.add_command(CommandKind::UpsertSearchAttributes { keys }, self.here());
                Ok(Value::None)
            }
            "upsert_memo" => {
                let Value::Dict(dict) = &first else {
                    return Err(self.unsupported(
                        "`workflow.upsert_memo` with updates that are not a known dict",
                    ));
                };
                let updates = dict.borrow().items();
                if updates.is_empty() {
                    return Ok(Value::None);
                }
                let mut wf = self.wf.borrow_mut();
                for (key, value) in updates {
                    let Value::Str(key) = key else {
                        drop(wf);
                        return Err(self.unsupported("a memo key that is not a known string"));
                    };
                    wf.memo.retain(|(known, _)| *known != key);
                    if value.is_none() {
                        continue;
                    }
                    let stored = if survives_json(&value) {
                        value
                    } else {
                        Value::unknown(
                            format!("the memo value `{key}` after a JSON round trip"),
                            self.here(),
                        )
                    };
                    wf.memo.push((key, stored));
                }
                wf.memo_view = None;
                drop(wf);
                self.add_command(CommandKind::ModifyWorkflowProperties, self.here());
                Ok(Value::None)
            }
            "memo" => {
                if let Some(view) = self.wf.borrow().memo_view.clone() {
                    return Ok(view);
                }
                let mut dict = super::value::Dict::default();
                for (key, value) in &self.wf.borrow().memo {
                    dict.insert(Value::Str(key.clone()), value.clone());
                }
                let view = Value::dict(dict);
                self.wf.borrow_mut().memo_view = Some(view.clone());
                Ok(view)
            }
            "memo_value" => {
                if args
                    .keyword("type_hint")
                    .is_some_and(|hint| !hint.is_none())
                {
                    return Err(self.unsupported("`workflow.memo_value` with a type_hint"));
                }
                let Value::Str(key) = &first else {
                    return Err(self.unsupported("a memo key that is not a known string"));
                };
                let found = self
                    .wf
                    .borrow()
                    .memo
                    .iter()
                    .find(|(known, _)| known == key)
                    .map(|(_, value)| value.clone());
                match (
                    found,
                    args.positional.get(1).or_else(|| args.keyword("default")),
                ) {
                    (Some(value), _) => Ok(value),
                    (None, Some(default)) => Ok(default.clone()),
                    (None, None) => Err(self.raise(
                        &self.exc.key_error,
                        format!("Memo does not have a value for key {key}"),
                    )),
                }
            }
            "get_external_workflow_handle" | "get_external_workflow_handle_for" => {
                let id = if function == "get_external_workflow_handle" {
                    first
                } else {
                    args.positional.get(1).cloned().unwrap_or(Value::None)
                };
                let Value::Str(workflow_id) = id else {
                    return Err(self.unsupported("an external workflow handle with a computed id"));
                };
                let run_id = match args.keyword("run_id") {
                    Some(Value::Str(run_id)) => Some(run_id.to_string()),
                    _ => None,
                };
                Ok(Value::Native(Rc::new(Native::ExternalHandle {
                    workflow_id: workflow_id.to_string(),
                    run_id,
                })))
            }
            "now" => Ok(Value::Native(Rc::new(Native::DateTime {
                micros: (self.wf.borrow().time_nanos / 1000) as i64,
                aware: true,
            }))),
            "time" => Ok(Value::Float(self.wf.borrow().time_nanos as f64 / 1e9)),
            "time_ns" => Ok(Value::Int(self.wf.borrow().time_nanos as i64)),
            "random" => match self.wf.borrow().random.clone() {
                Some(random) => Ok(Value::Native(Rc::new(Native::Random(random)))),
                None => Err(self.unsupported("workflow.random() outside a workflow")),
            },
            "uuid4" => Ok(Value::Native(Rc::new(Native::Uuid(self.workflow_uuid4()?)))),
            "info" => self
                .wf
                .borrow()
                .info
                .clone()
                .ok_or_else(|| self.unsupported("workflow.info() outside a workflow")),
            "wait" => self.wait(
                &first,
                &args,
                "Sequence of Tasks/Futures must not be empty.",
                false,
            ),
            "as_completed" => {
                let items = self.iterate(&first)?;
                let timeout = args.keyword("timeout").and_then(duration_seconds);
                Ok(Value::list(self.as_completed(&items, timeout)?))
            }
            "all_handlers_finished" => {
                let mut wf = self.wf.borrow_mut();
                wf.handler_tasks.retain(|task| !task.done());
                Ok(Value::Bool(wf.handler_tasks.is_empty()))
            }
            "in_workflow" => Ok(Value::Bool(true)),
            "get_signal_handler"
            | "get_update_handler"
            | "get_dynamic_signal_handler"
            | "get_dynamic_update_handler" => {
                let name = if function.contains("dynamic") {
                    None
                } else {
                    Some(self.handler_name(&first, function)?)
                };
                Ok(self.registered_handler(function.contains("signal"), name.as_ref()))
            }
            "set_signal_handler"
            | "set_update_handler"
            | "set_dynamic_signal_handler"
            | "set_dynamic_update_handler" => {
                let dynamic = function.contains("dynamic");
                let (name, handler) = if dynamic {
                    (None, first.clone())
                } else {
                    (
                        Some(self.handler_name(&first, function)?),
                        args.positional.get(1).cloned().unwrap_or(Value::None),
                    )
                };
                let is_signal = function.contains("signal");
                {
                    let mut wf = self.wf.borrow_mut();
                    let list = if is_signal {
                        &mut wf.signals
                    } else {
                        &mut wf.updates
                    };
                    list.retain(|(key, _)| *key != name);
                    if !handler.is_none() {
                        list.push((
                            name.clone(),
                            Handler {
                                function: handler.clone(),
                                is_method: false,
                            },
                        ));
                    }
                }
                if is_signal && !handler.is_none() {
                    let buffered = std::mem::take(&mut self.wf.borrow_mut().buffered_signals);
                    let mut keep = Vec::new();
                    for (signal, input) in buffered {
                        if name.as_deref().is_none_or(|n| n == signal) {
                            self.process_signal(
                                Handler {
                                    function: handler.clone(),
                                    is_method: false,
                                },
                                name.is_none(),
                                &signal,
                                &input,
                            )?;
                        } else {
                            keep.push((signal, input));
                        }
                    }
                    self.wf.borrow_mut().buffered_signals = keep;
                }
                Ok(Value::None)
            }
            "set_query_handler" | "set_current_details" => Ok(Value::None),
            "get_current_details" => Ok(Value::str("")),
            "random_seed" | "current_update_info" | "payload_converter" => {
                Err(self.unsupported(format!("workflow.{function}()")))
            }
            "unsafe.imports_passed_through" => Ok(Value::Native(Rc::new(Native::ContextManager(
                ContextKind::ImportsPassedThrough,
            )))),
            "unsafe.sandbox_unrestricted" => Ok(Value::Native(Rc::new(Native::ContextManager(
                ContextKind::SandboxUnrestricted,
            )))),
            "unsafe.is_replaying" | "unsafe.is_replaying_history_events" => {
                Ok(Value::Bool(self.wf.borrow().is_replaying))
            }
            "unsafe.is_sandbox_enabled" | "unsafe.in_sandbox" => Ok(Value::Bool(true)),
            _ => Err(self.unsupported(format!("workflow.{function}"))),
        }
    }

    /// `workflow.patched(id)` / `deprecate_patch(id)` (`workflow_patch`).
    fn workflow_patch(&self, id: &str, deprecated: bool) -> bool {
        let mut wf = self.wf.borrow_mut();
        if let Some(&memoized) = wf.patches_memoized.get(id) {
            return memoized;
        }
        let notified = wf.patches_notified.contains(id);
        let use_patch = if deprecated || wf.is_replaying || notified {
            !wf.is_replaying || notified
        } else {
            true
        };
        wf.patches_memoized.insert(id.to_string(), use_patch);
        drop(wf);
        if use_patch {
            self.add_command(
                CommandKind::SetPatchMarker {
                    patch_id: id.to_string(),
                    deprecated,
                },
                self.here(),
            );
        }
        use_patch
    }
}

fn external_target(receiver: &Value) -> (String, Option<String>) {
    match receiver {
        Value::Native(native) => match native.as_ref() {
            Native::ExternalHandle {
                workflow_id,
                run_id,
            } => (workflow_id.clone(), run_id.clone()),
            _ => (String::new(), None),
        },
        _ => (String::new(), None),
    }
}

fn receiver_is_exception(interp: &Interp, value: &Value) -> bool {
    Interp::is_instance_of(value, &interp.exc.base_exception)
}

impl Interp {
    /// The name given to `set_/get_*_handler`: a string the runtime knows exactly.
    fn handler_name(&self, name: &Value, function: &str) -> PyResult<Rc<str>> {
        match name {
            Value::Str(name) => Ok(name.clone()),
            _ => Err(self.unsupported(format!(
                "`workflow.{function}` with a handler name that is not a known string"
            ))),
        }
    }

    /// What `workflow.get_signal_handler(name)` returns: the handler registered under `name`
    /// (a method of the workflow class bound to the instance), or `None`.
    fn registered_handler(&self, signal: bool, name: Option<&Rc<str>>) -> Value {
        let wf = self.wf.borrow();
        let list = if signal { &wf.signals } else { &wf.updates };
        let Some((_, handler)) = list.iter().find(|(key, _)| key.as_ref() == name) else {
            return Value::None;
        };
        match (&wf.instance, handler.is_method) {
            (Some(instance), true) => {
                Value::BoundMethod(Rc::new((instance.clone(), handler.function.clone())))
            }
            _ => handler.function.clone(),
        }
    }
}

/// Whether a value comes back from the JSON converter as the same value (`memo()` decodes
/// upserted values from their payloads: a tuple comes back a list, a dataclass a dict).
fn survives_json(value: &Value) -> bool {
    match value {
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Str(_) => true,
        Value::Float(number) => number.is_finite(),
        Value::List(items) => items.borrow().iter().all(survives_json),
        Value::Dict(dict) => dict
            .borrow()
            .items()
            .iter()
            .all(|(key, value)| matches!(key, Value::Str(_)) && survives_json(value)),
        _ => false,
    }
}
