//! The history model: recorded event histories turned into typed events.
//!
//! Both `WorkflowHistory.to_json()` (SDK) and `temporal workflow show --output json` emit proto3
//! JSON of `temporal.api.history.v1.History`; older exports spell enums in PascalCase. Loading
//! accepts all of them and reports malformed input with the file, the event and the field.

mod attributes;
mod event_type;
mod load;
mod payload;

pub use event_type::EventType;
pub(crate) use load::days_from_civil as days_from_civil_pub;
pub use load::{HistoryError, load_history, parse_history};
pub use payload::{Failure, FailureInfo, Payload};

/// One recorded history.
#[derive(Debug, Clone)]
pub struct History {
    pub events: Vec<Event>,
    /// Size of the JSON text the history was read from.
    pub size_bytes: usize,
}

/// One history event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub event_type: EventType,
    /// Event time in nanoseconds since the Unix epoch (0 when absent).
    pub time_nanos: i128,
    pub worker_may_ignore: bool,
    pub attributes: Attributes,
}

/// The attributes tempolint needs, per event type. Everything else is read past.
#[derive(Debug, Clone)]
pub enum Attributes {
    /// Boxed: the started event is one per history and much larger than the rest.
    WorkflowExecutionStarted(Box<WorkflowStarted>),
    WorkflowTaskCompleted {
        core_used_flags: Vec<u32>,
    },
    /// What the server told the worker when the task started (`workflow.info()` reads it).
    WorkflowTaskStarted {
        history_size_bytes: i64,
        suggest_continue_as_new: bool,
    },
    WorkflowTaskFailed {
        cause: String,
    },
    ActivityTaskScheduled {
        activity_id: String,
        activity_type: String,
        input: Vec<Payload>,
    },
    ActivityTaskStarted {
        scheduled_event_id: i64,
        attempt: i64,
    },
    ActivityTaskCompleted {
        scheduled_event_id: i64,
        result: Vec<Payload>,
    },
    ActivityTaskFailed {
        scheduled_event_id: i64,
        failure: Option<Failure>,
        retry_state: String,
    },
    ActivityTaskTimedOut {
        scheduled_event_id: i64,
        failure: Option<Failure>,
        retry_state: String,
    },
    ActivityTaskCancelRequested {
        scheduled_event_id: i64,
    },
    ActivityTaskCanceled {
        scheduled_event_id: i64,
        details: Vec<Payload>,
    },
    TimerStarted {
        timer_id: String,
    },
    TimerFired {
        timer_id: String,
        started_event_id: i64,
    },
    TimerCanceled {
        timer_id: String,
        started_event_id: i64,
    },
    MarkerRecorded(Marker),
    WorkflowExecutionSignaled {
        signal_name: String,
        input: Vec<Payload>,
    },
    WorkflowExecutionCancelRequested {
        cause: String,
    },
    StartChildWorkflowExecutionInitiated {
        workflow_id: String,
        workflow_type: String,
        input: Vec<Payload>,
    },
    StartChildWorkflowExecutionFailed {
        initiated_event_id: i64,
        cause: String,
    },
    ChildWorkflowExecutionStarted {
        initiated_event_id: i64,
        run_id: String,
    },
    ChildWorkflowExecutionCompleted {
        initiated_event_id: i64,
        result: Vec<Payload>,
    },
    ChildWorkflowExecutionFailed {
        initiated_event_id: i64,
        failure: Option<Failure>,
        retry_state: String,
    },
    ChildWorkflowExecutionCanceled {
        initiated_event_id: i64,
    },
    ChildWorkflowExecutionTimedOut {
        initiated_event_id: i64,
        retry_state: String,
    },
    ChildWorkflowExecutionTerminated {
        initiated_event_id: i64,
    },
    SignalExternalWorkflowExecutionInitiated {
        workflow_id: String,
        signal_name: String,
        input: Vec<Payload>,
    },
    SignalExternalWorkflowExecutionFailed {
        initiated_event_id: i64,
        cause: String,
    },
    ExternalWorkflowExecutionSignaled {
        initiated_event_id: i64,
    },
    RequestCancelExternalWorkflowExecutionInitiated {
        workflow_id: String,
    },
    RequestCancelExternalWorkflowExecutionFailed {
        initiated_event_id: i64,
        cause: String,
    },
    ExternalWorkflowExecutionCancelRequested {
        initiated_event_id: i64,
    },
    UpsertWorkflowSearchAttributes {
        keys: Vec<String>,
        payloads: Vec<Payload>,
    },
    WorkflowPropertiesModified {
        payloads: Vec<Payload>,
    },
    WorkflowExecutionUpdateAccepted(UpdateAccepted),
    WorkflowExecutionUpdateCompleted {
        update_id: String,
        accepted_event_id: i64,
        payloads: Vec<Payload>,
    },
    WorkflowExecutionUpdateAdmitted,
    WorkflowExecutionCompleted {
        result: Vec<Payload>,
    },
    WorkflowExecutionFailed {
        failure: Option<Failure>,
    },
    WorkflowExecutionContinuedAsNew {
        input: Vec<Payload>,
    },
    /// Events whose attributes tempolint does not need (task scheduled/started, canceled, ...).
    Other,
}

/// `workflowExecutionStartedEventAttributes`.
/// The parent of a child workflow, as `workflow.info().parent` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentExecution {
    pub namespace: String,
    pub workflow_id: String,
    pub run_id: String,
}

#[derive(Debug, Clone, Default)]
pub struct WorkflowStarted {
    pub workflow_type: String,
    pub workflow_id: Option<String>,
    pub task_queue: String,
    pub input: Vec<Payload>,
    pub original_execution_run_id: String,
    pub first_execution_run_id: String,
    pub continued_execution_run_id: String,
    pub attempt: i64,
    pub cron_schedule: String,
    pub parent: Option<ParentExecution>,
    /// Workflow timeouts in microseconds; `None` when the history does not set them.
    pub run_timeout_micros: Option<i64>,
    pub execution_timeout_micros: Option<i64>,
    pub task_timeout_micros: Option<i64>,
    pub memo: Vec<(String, Payload)>,
    pub search_attributes: Vec<(String, Payload)>,
    pub last_completion_result: Vec<Payload>,
}

/// `markerRecordedEventAttributes`.
#[derive(Debug, Clone)]
pub struct Marker {
    pub name: String,
    pub details: Vec<(String, Vec<Payload>)>,
    pub failure: Option<Failure>,
}

impl Marker {
    pub fn detail(&self, key: &str) -> Option<&[Payload]> {
        self.details
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, payloads)| payloads.as_slice())
    }
}

/// `workflowExecutionUpdateAcceptedEventAttributes`.
#[derive(Debug, Clone)]
pub struct UpdateAccepted {
    pub protocol_instance_id: String,
    pub accepted_request_message_id: String,
    pub sequencing_event_id: i64,
    pub update_id: String,
    pub name: String,
    pub args: Vec<Payload>,
}

/// Data of a `core_patch` marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchMarker {
    pub id: String,
    pub deprecated: bool,
}

/// Data of a `core_local_activity` marker.
#[derive(Debug, Clone)]
pub struct LocalActivityMarker {
    pub seq: u32,
    pub activity_id: String,
    pub activity_type: String,
    pub attempt: i64,
    pub activation_index: Option<u64>,
    pub result: Vec<Payload>,
    pub failure: Option<Failure>,
    pub has_backoff: bool,
}

pub const PATCH_MARKER_NAME: &str = "core_patch";
pub const LOCAL_ACTIVITY_MARKER_NAME: &str = "core_local_activity";
pub const VERSION_SEARCH_ATTRIBUTE: &str = "TemporalChangeVersion";

impl Event {
    /// Events that mirror a command the workflow issued (sdk-core's `is_command_event`).
    pub fn is_command_event(&self) -> bool {
        self.event_type.is_command_event()
    }

    pub fn is_final(&self) -> bool {
        self.event_type.is_final()
    }

    /// The `core_patch` marker data, when this event is one.
    pub fn patch_marker(&self) -> Option<PatchMarker> {
        let Attributes::MarkerRecorded(marker) = &self.attributes else {
            return None;
        };
        if marker.name != PATCH_MARKER_NAME {
            return None;
        }
        let data = marker.detail("patch-data")?.first()?.json().ok()?;
        Some(PatchMarker {
            id: data.get("id")?.as_str()?.to_string(),
            deprecated: data
                .get("deprecated")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        })
    }

    pub fn is_local_activity_marker(&self) -> bool {
        matches!(&self.attributes, Attributes::MarkerRecorded(marker) if marker.name == LOCAL_ACTIVITY_MARKER_NAME)
    }

    /// The `core_local_activity` marker data, when this event is one and it parses.
    pub fn local_activity_marker(&self) -> Option<LocalActivityMarker> {
        let Attributes::MarkerRecorded(marker) = &self.attributes else {
            return None;
        };
        if marker.name != LOCAL_ACTIVITY_MARKER_NAME {
            return None;
        }
        let data = marker.detail("data")?.first()?.json().ok()?;
        let seq = u32::try_from(data.get("seq")?.as_u64()?).ok()?;
        Some(LocalActivityMarker {
            seq,
            activity_id: data
                .get("activity_id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            activity_type: data
                .get("activity_type")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            attempt: data
                .get("attempt")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(1),
            activation_index: data
                .get("activation_index")
                .and_then(serde_json::Value::as_u64),
            result: marker
                .detail("result")
                .map(<[Payload]>::to_vec)
                .unwrap_or_default(),
            failure: marker.failure.clone(),
            has_backoff: data.get("backoff").is_some_and(|b| !b.is_null()),
        })
    }

    /// The id of the event that started the command this event belongs to
    /// (sdk-core's `get_initial_command_event_id`).
    pub fn initial_command_event_id(&self) -> Option<i64> {
        use Attributes as A;
        match &self.attributes {
            A::ActivityTaskStarted {
                scheduled_event_id, ..
            }
            | A::ActivityTaskCompleted {
                scheduled_event_id, ..
            }
            | A::ActivityTaskFailed {
                scheduled_event_id, ..
            }
            | A::ActivityTaskTimedOut {
                scheduled_event_id, ..
            }
            | A::ActivityTaskCancelRequested { scheduled_event_id }
            | A::ActivityTaskCanceled {
                scheduled_event_id, ..
            } => Some(*scheduled_event_id),
            A::TimerFired {
                started_event_id, ..
            }
            | A::TimerCanceled {
                started_event_id, ..
            } => Some(*started_event_id),
            A::StartChildWorkflowExecutionFailed {
                initiated_event_id, ..
            }
            | A::ChildWorkflowExecutionStarted {
                initiated_event_id, ..
            }
            | A::ChildWorkflowExecutionCompleted {
                initiated_event_id, ..
            }
            | A::ChildWorkflowExecutionFailed {
                initiated_event_id, ..
            }
            | A::ChildWorkflowExecutionCanceled { initiated_event_id }
            | A::ChildWorkflowExecutionTimedOut {
                initiated_event_id, ..
            }
            | A::ChildWorkflowExecutionTerminated { initiated_event_id }
            | A::SignalExternalWorkflowExecutionFailed {
                initiated_event_id, ..
            }
            | A::ExternalWorkflowExecutionSignaled { initiated_event_id }
            | A::RequestCancelExternalWorkflowExecutionFailed {
                initiated_event_id, ..
            }
            | A::ExternalWorkflowExecutionCancelRequested { initiated_event_id } => {
                Some(*initiated_event_id)
            }
            _ => None,
        }
    }

    /// `HistoryEvent(id: N, Type)`, the way sdk-core prints an event in its messages.
    pub fn display(&self) -> String {
        format!(
            "HistoryEvent(id: {}, {})",
            self.id,
            self.event_type.pascal_name()
        )
    }
}

impl History {
    /// The workflow type recorded in the first event.
    pub fn workflow_started(&self) -> Option<&WorkflowStarted> {
        match &self.events.first()?.attributes {
            Attributes::WorkflowExecutionStarted(started) => Some(started),
            _ => None,
        }
    }
}
