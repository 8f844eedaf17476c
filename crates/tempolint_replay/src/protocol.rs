//! What flows between the workflow runtime (lang side) and the core model: activation jobs in,
//! commands out. Mirrors `coresdk.workflow_activation` / `workflow_commands`, trimmed to what
//! replay needs.

use crate::history::{Failure, Payload, WorkflowStarted};
use crate::interp::Loc;

/// One activation job, as sdk-core delivers it.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    InitializeWorkflow {
        randomness_seed: u64,
        start_time_nanos: i128,
        started: Box<WorkflowStarted>,
    },
    NotifyHasPatch {
        patch_id: String,
    },
    SignalWorkflow {
        name: String,
        input: Vec<Payload>,
    },
    DoUpdate {
        protocol_instance_id: String,
        name: String,
        input: Vec<Payload>,
    },
    FireTimer {
        seq: u32,
    },
    ResolveActivity {
        seq: u32,
        result: ActivityResult,
        is_local: bool,
    },
    ResolveChildStart {
        seq: u32,
        status: ChildStart,
    },
    ResolveChild {
        seq: u32,
        result: ChildResult,
    },
    ResolveSignalExternal {
        seq: u32,
        failure: Option<Failure>,
    },
    ResolveRequestCancelExternal {
        seq: u32,
        failure: Option<Failure>,
    },
    CancelWorkflow {
        reason: String,
    },
}

impl Job {
    /// sdk-core's `prepare_to_ship_activation` order (a stable sort key).
    pub(crate) fn ordinal(&self) -> u8 {
        match self {
            Job::InitializeWorkflow { .. } => 0,
            Job::NotifyHasPatch { .. } => 1,
            Job::SignalWorkflow { .. } | Job::DoUpdate { .. } => 3,
            Job::ResolveActivity { is_local: true, .. } => 5,
            _ => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum ActivityResult {
    Completed(Option<Payload>),
    Failed(Failure),
    Cancelled(Failure),
}

#[derive(Debug, Clone)]
pub(crate) enum ChildStart {
    Succeeded {
        run_id: String,
    },
    Failed {
        workflow_id: String,
        workflow_type: String,
    },
    Cancelled(Failure),
}

#[derive(Debug, Clone)]
pub(crate) enum ChildResult {
    Completed(Option<Payload>),
    Failed(Failure),
    Cancelled(Failure),
}

/// `ActivityCancellationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityCancellation {
    TryCancel,
    WaitCancellationCompleted,
    Abandon,
}

/// `ChildWorkflowCancellationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildCancellation {
    Abandon,
    TryCancel,
    WaitCancellationCompleted,
    WaitCancellationRequested,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateResponse {
    Accepted,
    Rejected,
    Completed,
}

/// A command from the workflow, with the source line that issued it.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub(crate) kind: CommandKind,
    pub(crate) loc: Option<Loc>,
}

#[derive(Debug, Clone)]
pub(crate) enum CommandKind {
    StartTimer {
        seq: u32,
        seconds: f64,
    },
    CancelTimer {
        seq: u32,
    },
    ScheduleActivity {
        seq: u32,
        activity_id: String,
        activity_type: String,
        cancellation: ActivityCancellation,
    },
    ScheduleLocalActivity {
        seq: u32,
        activity_id: String,
        activity_type: String,
    },
    RequestCancelActivity {
        seq: u32,
    },
    RequestCancelLocalActivity {
        seq: u32,
    },
    StartChildWorkflow {
        seq: u32,
        workflow_id: String,
        workflow_type: String,
        cancellation: ChildCancellation,
    },
    CancelChildWorkflow {
        seq: u32,
    },
    SignalExternalWorkflow {
        seq: u32,
        workflow_id: String,
        signal_name: String,
    },
    CancelSignalWorkflow {
        seq: u32,
    },
    RequestCancelExternalWorkflow {
        seq: u32,
        workflow_id: String,
    },
    UpsertSearchAttributes {
        keys: Vec<String>,
    },
    ModifyWorkflowProperties,
    SetPatchMarker {
        patch_id: String,
        deprecated: bool,
    },
    UpdateResponse {
        protocol_instance_id: String,
        response: UpdateResponse,
    },
    CompleteWorkflow,
    FailWorkflow {
        message: String,
    },
    ContinueAsNew,
    CancelWorkflow,
}

impl CommandKind {
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(
            self,
            CommandKind::CompleteWorkflow
                | CommandKind::FailWorkflow { .. }
                | CommandKind::ContinueAsNew
                | CommandKind::CancelWorkflow
        )
    }

    /// What the workflow does, in words, for divergence messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            CommandKind::StartTimer { seq, seconds } => format!(
                "starts timer {seq} ({}s)",
                crate::interp::value::float_repr(*seconds)
            ),
            CommandKind::CancelTimer { seq } => format!("cancels timer {seq}"),
            CommandKind::ScheduleActivity {
                activity_id,
                activity_type,
                ..
            } => {
                format!("schedules activity `{activity_type}` (activity id {activity_id})")
            }
            CommandKind::ScheduleLocalActivity {
                activity_id,
                activity_type,
                ..
            } => {
                format!("runs local activity `{activity_type}` (activity id {activity_id})")
            }
            CommandKind::RequestCancelActivity { seq } => {
                format!("requests cancellation of activity {seq}")
            }
            CommandKind::RequestCancelLocalActivity { seq } => {
                format!("cancels local activity {seq}")
            }
            CommandKind::StartChildWorkflow {
                workflow_id,
                workflow_type,
                ..
            } => {
                format!("starts child workflow `{workflow_type}` (workflow id {workflow_id})")
            }
            CommandKind::CancelChildWorkflow { seq } => format!("cancels child workflow {seq}"),
            CommandKind::SignalExternalWorkflow {
                signal_name,
                workflow_id,
                ..
            } => {
                format!("signals `{signal_name}` to workflow {workflow_id}")
            }
            CommandKind::CancelSignalWorkflow { seq } => format!("cancels external signal {seq}"),
            CommandKind::RequestCancelExternalWorkflow { workflow_id, .. } => {
                format!("requests cancellation of workflow {workflow_id}")
            }
            CommandKind::UpsertSearchAttributes { keys } => {
                format!("upserts search attributes {}", keys.join(", "))
            }
            CommandKind::ModifyWorkflowProperties => "upserts the memo".to_string(),
            CommandKind::SetPatchMarker {
                patch_id,
                deprecated: false,
            } => format!("records patch marker `{patch_id}`"),
            CommandKind::SetPatchMarker {
                patch_id,
                deprecated: true,
            } => format!("records deprecated patch marker `{patch_id}`"),
            CommandKind::UpdateResponse { response, .. } => {
                format!("{response:?} an update").to_lowercase()
            }
            CommandKind::CompleteWorkflow => "completes the workflow".to_string(),
            CommandKind::FailWorkflow { message } => format!("fails the workflow ({message})"),
            CommandKind::ContinueAsNew => "continues as new".to_string(),
            CommandKind::CancelWorkflow => "completes as cancelled".to_string(),
        }
    }
}

/// The activation the core model hands to the workflow runtime.
#[derive(Debug, Clone)]
pub(crate) struct Activation {
    pub(crate) jobs: Vec<Job>,
    pub(crate) timestamp_nanos: i128,
    pub(crate) is_replaying: bool,
    /// `workflow.info().get_current_history_length()`: the last event core processed.
    pub(crate) history_length: i64,
    /// `get_current_history_size()` and `is_continue_as_new_suggested()`: from the last
    /// `WorkflowTaskStarted` core processed, as the server sent them.
    pub(crate) history_size_bytes: i64,
    pub(crate) continue_as_new_suggested: bool,
}

/// Why an activation could not complete.
#[derive(Debug, Clone)]
pub(crate) struct LangFailure {
    pub(crate) kind: LangFailureKind,
    pub(crate) message: String,
    pub(crate) loc: Option<Loc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LangFailureKind {
    /// The runtime could not follow the code.
    Inconclusive,
    /// The SDK would fail the workflow task (sandbox violation, exception, unregistered type).
    TaskFailure,
}
