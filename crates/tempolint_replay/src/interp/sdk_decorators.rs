//! Temporal's decorators and call arguments: `@workflow.defn`/`run`/`signal`/`update`,
//! `@activity.defn`, and what an activity or child-workflow call asks for (type name, ids,
//! cancellation type, the result type to convert with).

use std::rc::Rc;

use super::expr::Args;
use super::native::Native;
use super::value::{Class, HandlerName, Value, WorkflowDefn};
use super::workflow_instance::{ActivityRequest, ChildRequest};
use super::{Interp, PyResult};
use crate::protocol::{ActivityCancellation, ChildCancellation};

impl Interp {
    pub(crate) fn activity_request(&self, local: bool, args: &Args) -> PyResult<ActivityRequest> {
        let activity = args.positional.first().cloned().unwrap_or(Value::None);
        if args.positional.len() > 2 {
            return self.type_error(
                "execute_activity() takes at most 2 positional arguments (use args=[...])",
            );
        }
        let (activity_type, hint) = match &activity {
            Value::Str(name) => (name.clone(), None),
            Value::Function(function) => match function.meta.borrow().activity_name.clone() {
                Some(name) => (name, Self::return_hint(function)),
                None => {
                    return self.type_error(format!(
                        "Activity {} missing attributes, was it decorated with @activity.defn?",
                        function.name
                    ));
                }
            },
            Value::BoundMethod(bound) => match &bound.1 {
                Value::Function(function) => {
                    match function.meta.borrow().activity_name.clone() {
                        Some(name) => (name, Self::return_hint(function)),
                        None => return self.type_error(format!(
                            "Activity {} missing attributes, was it decorated with @activity.defn?",
                            function.name
                        )),
                    }
                }
                _ => return Err(self.unsupported("this activity reference")),
            },
            Value::Class(class) => match class.lookup("__call__") {
                Some(Value::Function(function)) => {
                    match function.meta.borrow().activity_name.clone() {
                        Some(name) => (name, Self::return_hint(&function)),
                        None => return self.type_error(format!(
                            "Activity {} missing attributes, was it decorated with @activity.defn?",
                            class.name
                        )),
                    }
                }
                _ => {
                    return self
                        .type_error(format!("Activity class {} has no __call__", class.name));
                }
            },
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("the activity {}", unknown.what)));
            }
            other => {
                return self.type_error(format!(
                    "Activity must be a string or callable, not {}",
                    other.type_name()
                ));
            }
        };
        let present = |key: &str| args.keyword(key).is_some_and(|v| !v.is_none());
        let cancellation = match args.keyword("cancellation_type").map(enum_member_name) {
            Some(Some(name)) if name == "WAIT_CANCELLATION_COMPLETED" => {
                ActivityCancellation::WaitCancellationCompleted
            }
            Some(Some(name)) if name == "ABANDON" => ActivityCancellation::Abandon,
            _ => ActivityCancellation::TryCancel,
        };
        let activity_id = match args.keyword("activity_id") {
            Some(Value::Str(id)) => Some(id.to_string()),
            Some(Value::None) | None => None,
            Some(other) => Some(self.py_str(other)?),
        };
        Ok(ActivityRequest {
            activity_type,
            activity_id,
            local,
            cancellation,
            has_timeout: present("start_to_close_timeout") || present("schedule_to_close_timeout"),
            hint,
            loc: self.here(),
        })
    }

    pub(crate) fn child_request(&self, args: &Args) -> PyResult<ChildRequest> {
        let workflow = args.positional.first().cloned().unwrap_or(Value::None);
        let (workflow_type, hint) = match &workflow {
            Value::Str(name) => (name.to_string(), None),
            Value::Function(function) => match function.meta.borrow().workflow_run_of.clone() {
                Some(name) => (name.to_string(), Self::return_hint(function)),
                None => {
                    return self.type_error(format!(
                        "Function {} is not a workflow run method",
                        function.name
                    ));
                }
            },
            Value::Unknown(unknown) => {
                return Err(self.unsupported(format!("the child workflow {}", unknown.what)));
            }
            other => {
                return self.type_error(format!(
                    "Workflow must be a string or callable, not {}",
                    other.type_name()
                ));
            }
        };
        let workflow_id = match args.keyword("id") {
            Some(Value::Str(id)) if !id.is_empty() => Some(id.to_string()),
            Some(Value::Unknown(unknown)) => {
                return Err(self.unsupported(format!("a child workflow id from {}", unknown.what)));
            }
            _ => None,
        };
        let cancellation = match args.keyword("cancellation_type").map(enum_member_name) {
            Some(Some(name)) if name == "ABANDON" => ChildCancellation::Abandon,
            Some(Some(name)) if name == "TRY_CANCEL" => ChildCancellation::TryCancel,
            Some(Some(name)) if name == "WAIT_CANCELLATION_COMPLETED" => {
                ChildCancellation::WaitCancellationCompleted
            }
            Some(Some(name)) if name == "WAIT_CANCELLATION_REQUESTED" => {
                ChildCancellation::WaitCancellationRequested
            }
            _ => ChildCancellation::WaitCancellationCompleted,
        };
        Ok(ChildRequest {
            workflow_type,
            workflow_id,
            cancellation,
            hint,
            loc: self.here(),
        })
    }

    /// A decorator used bare (`@workflow.defn`: applied to its one positional argument) or with
    /// options (`@workflow.defn(name=…)`: a builtin bound to them, applied next). `with_options`
    /// names that builtin.
    pub(crate) fn decorator(&self, with_options: &str, args: &Args) -> PyResult<Value> {
        let Some(target) = args.positional.first() else {
            return Ok(Value::bound_builtin(
                with_options,
                Native::record(
                    "options",
                    args.keywords
                        .iter()
                        .map(|(k, v)| (k.as_ref(), v.clone()))
                        .collect::<Vec<_>>(),
                ),
            ));
        };
        self.apply_decorator_options(
            with_options,
            &Native::record("options", Vec::new()),
            target.clone(),
        )
    }

    /// `@workflow.defn(...)`, `@workflow.signal(...)`, `@activity.defn(...)` applied to a target.
    pub(crate) fn apply_decorator_options(
        &self,
        decorator: &str,
        options: &Value,
        target: Value,
    ) -> PyResult<Value> {
        let option = |key: &str| match options {
            Value::Native(native) => match native.as_ref() {
                Native::Record { fields, .. } => fields
                    .borrow()
                    .iter()
                    .find(|(k, _)| k.as_ref() == key)
                    .map(|(_, v)| v.clone()),
                _ => None,
            },
            _ => None,
        };
        let dynamic = option("dynamic").is_some_and(|v| self.truthy_sync(&v).unwrap_or(false));
        let explicit_name = match option("name") {
            Some(Value::Str(name)) => Some(name),
            _ => None,
        };
        match (decorator, &target) {
            ("workflow.defn_with", Value::Class(class)) => {
                let name = if dynamic {
                    None
                } else {
                    Some(explicit_name.unwrap_or_else(|| class.name.clone()))
                };
                self.register_workflow(class, name, option("failure_exception_types"))?;
                Ok(target)
            }
            ("activity.defn_with", Value::Function(function)) => {
                function.meta.borrow_mut().activity_name =
                    Some(explicit_name.unwrap_or_else(|| function.name.clone()));
                Ok(target)
            }
            ("activity.defn_with", Value::Class(class)) => {
                if let Some(Value::Function(call)) = class.lookup("__call__") {
                    call.meta.borrow_mut().activity_name =
                        Some(explicit_name.unwrap_or_else(|| class.name.clone()));
                }
                Ok(target)
            }
            (_, Value::Function(function)) => {
                let handler_name = HandlerName(if dynamic {
                    None
                } else {
                    Some(explicit_name.unwrap_or_else(|| function.name.clone()))
                });
                let mut meta = function.meta.borrow_mut();
                match decorator {
                    "workflow.run_with" => meta.is_run = true,
                    "workflow.init_with" => meta.is_init = true,
                    "workflow.signal_with" => meta.signal = Some(handler_name),
                    "workflow.query_with" => meta.query = Some(handler_name),
                    "workflow.update_with" => meta.update = Some(handler_name),
                    _ => {}
                }
                drop(meta);
                Ok(target.clone())
            }
            (_, Value::Unknown(_)) => Ok(target),
            _ => self.type_error(format!(
                "{decorator} cannot decorate a {}",
                target.type_name()
            )),
        }
    }

    pub(crate) fn register_workflow(
        &self,
        class: &Rc<Class>,
        name: Option<Rc<str>>,
        failure_types: Option<Value>,
    ) -> PyResult<()> {
        let failure_exception_types = match failure_types {
            Some(types) => self.iterate_sync(&types)?,
            None => Vec::new(),
        };
        *class.workflow.borrow_mut() = Some(WorkflowDefn {
            name: name.clone(),
            failure_exception_types,
        });
        let type_name = name.clone().unwrap_or_else(|| class.name.clone());
        for base in &class.mro() {
            for (_, value) in base.attrs.borrow().items() {
                if let Value::Function(function) = &value {
                    let mut meta = function.meta.borrow_mut();
                    if meta.is_run {
                        meta.workflow_run_of = Some(type_name.clone());
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn call_activity(&self, function: &str, args: Args) -> PyResult<Value> {
        match function {
            "defn" => self.decorator("activity.defn_with", &args),
            _ => Err(self.unsupported(format!("activity.{function} inside a workflow"))),
        }
    }

    pub(crate) fn call_common(&self, function: &str, args: Args) -> PyResult<Value> {
        match function {
            "RetryPolicy" | "Priority" | "SearchAttributePair" | "TypedSearchAttributes" => {
                Ok(Native::record(
                    "RetryPolicy",
                    args.keywords
                        .iter()
                        .map(|(k, v)| (k.as_ref(), v.clone()))
                        .collect::<Vec<_>>(),
                ))
            }
            "SearchAttributeKey.for_keyword"
            | "SearchAttributeKey.for_text"
            | "SearchAttributeKey.for_int"
            | "SearchAttributeKey.for_float"
            | "SearchAttributeKey.for_bool"
            | "SearchAttributeKey.for_datetime"
            | "SearchAttributeKey.for_keyword_list" => Ok(Native::record(
                "SearchAttributeKey",
                vec![(
                    "name",
                    args.positional.first().cloned().unwrap_or(Value::None),
                )],
            )),
            _ => Err(self.unsupported(format!("temporalio.common.{function}"))),
        }
    }
}

/// The member name of a library enum value (`ActivityCancellationType.ABANDON` → `ABANDON`).
fn enum_member_name(value: &Value) -> Option<String> {
    match value {
        Value::Instance(instance) => match instance.get("_name_") {
            Some(Value::Str(name)) => Some(name.to_string()),
            _ => None,
        },
        _ => None,
    }
}
