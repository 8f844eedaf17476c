//! Builtin and Temporal exception classes, and raising them from native code.

use std::rc::Rc;

use super::value::{Class, Instance, Value};
use super::{Interp, PyResult, Unwind};

macro_rules! exception_classes {
    ($root:ident; $($field:ident : $name:literal ($module:literal) < $base:ident,)*) => {
        /// The exception classes the runtime raises or user code catches.
        pub(crate) struct ExceptionClasses {
            pub(crate) $root: Rc<Class>,
            $(pub(crate) $field: Rc<Class>,)*
        }

        impl ExceptionClasses {
            pub(crate) fn new() -> ExceptionClasses {
                let $root = Class::new("BaseException", "builtins", Vec::new(), Some("BaseException"));
                $(let $field = Class::new($name, $module, vec![$base.clone()], Some($name));)*
                ExceptionClasses { $root, $($field,)* }
            }

            /// `(python name, module, class)` of every class, for installing into modules.
            pub(crate) fn all(&self) -> Vec<(&'static str, &'static str, Rc<Class>)> {
                vec![
                    ("BaseException", "builtins", self.$root.clone()),
                    $(($name, $module, self.$field.clone()),)*
                ]
            }
        }
    };
}

exception_classes! {
    base_exception;
    exception: "Exception" ("builtins") < base_exception,
    system_exit: "SystemExit" ("builtins") < base_exception,
    keyboard_interrupt: "KeyboardInterrupt" ("builtins") < base_exception,
    generator_exit: "GeneratorExit" ("builtins") < base_exception,
    arithmetic_error: "ArithmeticError" ("builtins") < exception,
    zero_division_error: "ZeroDivisionError" ("builtins") < arithmetic_error,
    overflow_error: "OverflowError" ("builtins") < arithmetic_error,
    assertion_error: "AssertionError" ("builtins") < exception,
    attribute_error: "AttributeError" ("builtins") < exception,
    lookup_error: "LookupError" ("builtins") < exception,
    key_error: "KeyError" ("builtins") < lookup_error,
    index_error: "IndexError" ("builtins") < lookup_error,
    name_error: "NameError" ("builtins") < exception,
    unbound_local_error: "UnboundLocalError" ("builtins") < name_error,
    os_error: "OSError" ("builtins") < exception,
    timeout_error: "TimeoutError" ("builtins") < os_error,
    runtime_error: "RuntimeError" ("builtins") < exception,
    not_implemented_error: "NotImplementedError" ("builtins") < runtime_error,
    recursion_error: "RecursionError" ("builtins") < runtime_error,
    stop_iteration: "StopIteration" ("builtins") < exception,
    stop_async_iteration: "StopAsyncIteration" ("builtins") < exception,
    type_error: "TypeError" ("builtins") < exception,
    value_error: "ValueError" ("builtins") < exception,
    unicode_error: "UnicodeError" ("builtins") < value_error,
    warning: "Warning" ("builtins") < exception,
    user_warning: "UserWarning" ("builtins") < warning,
    deprecation_warning: "DeprecationWarning" ("builtins") < warning,
    asyncio_cancelled_error: "CancelledError" ("asyncio") < base_exception,
    asyncio_invalid_state_error: "InvalidStateError" ("asyncio") < exception,
    temporal_error: "TemporalError" ("temporalio.exceptions") < exception,
    failure_error: "FailureError" ("temporalio.exceptions") < temporal_error,
    application_error: "ApplicationError" ("temporalio.exceptions") < failure_error,
    cancelled_error: "CancelledError" ("temporalio.exceptions") < failure_error,
    terminated_error: "TerminatedError" ("temporalio.exceptions") < failure_error,
    temporal_timeout_error: "TimeoutError" ("temporalio.exceptions") < failure_error,
    server_error: "ServerError" ("temporalio.exceptions") < failure_error,
    activity_error: "ActivityError" ("temporalio.exceptions") < failure_error,
    child_workflow_error: "ChildWorkflowError" ("temporalio.exceptions") < failure_error,
    workflow_already_started_error: "WorkflowAlreadyStartedError" ("temporalio.exceptions") < failure_error,
    continue_as_new_error: "ContinueAsNewError" ("temporalio.workflow") < base_exception,
    nondeterminism_error: "NondeterminismError" ("temporalio.workflow") < temporal_error,
    read_only_context_error: "ReadOnlyContextError" ("temporalio.workflow") < temporal_error,
    restricted_access_error: "RestrictedWorkflowAccessError" ("temporalio.workflow") < nondeterminism_error,
}

impl Interp {
    /// A new exception instance of `class` with `args` (as `class(*args)` would build it).
    pub(crate) fn new_exception(&self, class: &Rc<Class>, args: Vec<Value>) -> Value {
        let instance = Instance::new(class.clone());
        let message = match args.as_slice() {
            [Value::Str(text)] => Value::Str(text.clone()),
            _ => Value::None,
        };
        instance.set("args", Value::tuple(args));
        if class.is_subclass_of(&self.exc.failure_error) {
            instance.set(
                "message",
                if message.is_none() {
                    Value::str("")
                } else {
                    message
                },
            );
            instance.set("cause", Value::None);
            instance.set("failure", Value::None);
        }
        instance.set("__cause__", Value::None);
        instance.set("__context__", Value::None);
        instance.raised_at.set(self.here());
        Value::Instance(instance)
    }

    pub(crate) fn raise(&self, class: &Rc<Class>, message: impl Into<String>) -> Unwind {
        Unwind::Exception(self.new_exception(class, vec![Value::str(&message.into())]))
    }

    pub(crate) fn type_error<T>(&self, message: impl Into<String>) -> PyResult<T> {
        Err(self.raise(&self.exc.type_error, message))
    }

    pub(crate) fn value_error<T>(&self, message: impl Into<String>) -> PyResult<T> {
        Err(self.raise(&self.exc.value_error, message))
    }

    pub(crate) fn attribute_error<T>(&self, value: &Value, name: &str) -> PyResult<T> {
        let message = match value {
            Value::Class(class) => {
                format!("type object '{}' has no attribute '{name}'", class.name)
            }
            Value::Module(module) => format!("module '{}' has no attribute '{name}'", module.name),
            other => format!("'{}' object has no attribute '{name}'", other.type_name()),
        };
        Err(self.raise(&self.exc.attribute_error, message))
    }

    pub(crate) fn key_error<T>(&self, key: Value) -> PyResult<T> {
        Err(Unwind::Exception(
            self.new_exception(&self.exc.key_error, vec![key]),
        ))
    }

    pub(crate) fn index_error<T>(&self, message: &str) -> PyResult<T> {
        Err(self.raise(&self.exc.index_error, message))
    }

    /// `isinstance(value, class)` for exception classes.
    pub(crate) fn is_instance_of(value: &Value, class: &Rc<Class>) -> bool {
        matches!(value, Value::Instance(instance) if instance.class.is_subclass_of(class))
    }

    pub(crate) fn is_asyncio_cancelled(&self, value: &Value) -> bool {
        Self::is_instance_of(value, &self.exc.asyncio_cancelled_error)
    }

    /// `temporalio.exceptions.is_cancelled_exception`.
    pub(crate) fn is_cancelled_exception(&self, value: &Value) -> bool {
        if self.is_asyncio_cancelled(value)
            || Self::is_instance_of(value, &self.exc.cancelled_error)
        {
            return true;
        }
        if (Self::is_instance_of(value, &self.exc.activity_error)
            || Self::is_instance_of(value, &self.exc.child_workflow_error))
            && let Value::Instance(instance) = value
        {
            return instance
                .get("cause")
                .is_some_and(|cause| Self::is_instance_of(&cause, &self.exc.cancelled_error));
        }
        false
    }

    /// A fresh `asyncio.CancelledError` (what `Future.result()` raises for a cancelled future).
    pub(crate) fn asyncio_cancelled(&self, message: Option<&Value>) -> Value {
        let args = match message {
            Some(Value::None) | None => Vec::new(),
            Some(message) => vec![message.clone()],
        };
        self.new_exception(&self.exc.asyncio_cancelled_error, args)
    }
}
