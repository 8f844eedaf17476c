//! The lang side for `spikes/sdk_core_lang` (feature `spike-seam`, not used by the workspace):
//! public mirrors of the activation jobs and commands in `protocol`, and the interpreter behind
//! them, so that another core (sdk-core) can drive the interpreter. Nothing else uses this.
#![allow(missing_docs, clippy::pedantic, reason = "spike seam")]

use std::path::PathBuf;

use super::{Runtime, find_workflow, location};
use crate::core::Lang;
use crate::history::{Failure, History, Payload, PayloadWire, WorkflowStarted};
use crate::interp::Interp;
use crate::protocol::{self as p, Activation};
use crate::{Location, Verdict};

pub enum Job {
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
        result: Resolution,
        is_local: bool,
    },
    ResolveChildStartSucceeded {
        seq: u32,
        run_id: String,
    },
    ResolveChildStartFailed {
        seq: u32,
        workflow_id: String,
        workflow_type: String,
    },
    ResolveChildStartCancelled {
        seq: u32,
        failure: Failure,
    },
    ResolveChild {
        seq: u32,
        result: Resolution,
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

pub enum Resolution {
    Completed(Option<Payload>),
    Failed(Failure),
    Cancelled(Failure),
}

/// A command as the interpreter issued it; `debug` is `protocol::CommandKind`'s `Debug` text
/// and `kind` the command's own data, flattened.
pub struct Command {
    pub kind: CommandKind,
    pub description: String,
    pub location: Option<Location>,
}

pub enum CommandKind {
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
        cancellation: u8,
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
        cancellation: u8,
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
    /// 0 accepted, 1 rejected, 2 completed.
    UpdateResponse {
        protocol_instance_id: String,
        response: u8,
    },
    CompleteWorkflow,
    FailWorkflow {
        message: String,
    },
    ContinueAsNew,
    CancelWorkflow,
}

pub struct LangFailure {
    /// `Inconclusive` or `Error`.
    pub verdict: Verdict,
    pub message: String,
    pub location: Option<Location>,
}

pub struct SeamLang {
    runtime: Runtime,
}

/// A payload from its proto3 JSON (`{"metadata": {...}, "data": "..."}`).
pub fn payload_from_json(value: serde_json::Value) -> Result<Payload, serde_json::Error> {
    serde_json::from_value::<PayloadWire>(value).map(|wire| wire.0)
}

/// Loads the workflow definition of `workflow_type` under `paths`; a setup failure comes back as
/// (verdict, message).
pub fn load(workflow_type: &str, paths: &[PathBuf]) -> Result<SeamLang, (Verdict, String)> {
    let interp = Interp::new();
    match find_workflow(&interp, workflow_type, paths) {
        Ok(definition) => Ok(SeamLang {
            runtime: Runtime { interp, definition },
        }),
        Err((verdict, message, _)) => Err((verdict, message)),
    }
}

impl SeamLang {
    pub fn activate(
        &mut self,
        jobs: Vec<Job>,
        timestamp_nanos: i128,
        is_replaying: bool,
    ) -> Result<Vec<Command>, LangFailure> {
        let activation = Activation {
            jobs: jobs.into_iter().map(job_in).collect(),
            timestamp_nanos,
            is_replaying,
        };
        let interp = self.runtime.interp.clone();
        match self.runtime.activate(activation) {
            Ok(commands) => Ok(commands
                .into_iter()
                .map(|command| Command {
                    description: command.kind.describe(),
                    location: location(&interp, command.loc),
                    kind: command_out(command.kind),
                })
                .collect()),
            Err(failure) => Err(LangFailure {
                verdict: match failure.kind {
                    p::LangFailureKind::Inconclusive => Verdict::Inconclusive,
                    p::LangFailureKind::TaskFailure => Verdict::Error,
                },
                message: failure.message,
                location: location(&interp, failure.loc),
            }),
        }
    }

    /// Where the workflow stands (for a divergence on an event the code issued no command for).
    pub fn where_now(&self) -> (String, Option<Location>) {
        let (description, loc) = self.runtime.interp.where_the_workflow_is();
        (description, location(&self.runtime.interp, loc))
    }
}

/// The history's started event, for `InitializeWorkflow`.
pub fn started(history: &History) -> Option<WorkflowStarted> {
    history.workflow_started().cloned()
}

fn resolution(result: Resolution) -> (Option<Option<Payload>>, Option<Failure>, bool) {
    match result {
        Resolution::Completed(payload) => (Some(payload), None, false),
        Resolution::Failed(failure) => (None, Some(failure), false),
        Resolution::Cancelled(failure) => (None, Some(failure), true),
    }
}

fn job_in(job: Job) -> p::Job {
    match job {
        Job::InitializeWorkflow {
            randomness_seed,
            start_time_nanos,
            started,
        } => p::Job::InitializeWorkflow {
            randomness_seed,
            start_time_nanos,
            started,
        },
        Job::NotifyHasPatch { patch_id } => p::Job::NotifyHasPatch { patch_id },
        Job::SignalWorkflow { name, input } => p::Job::SignalWorkflow { name, input },
        Job::DoUpdate {
            protocol_instance_id,
            name,
            input,
        } => p::Job::DoUpdate {
            protocol_instance_id,
            name,
            input,
        },
        Job::FireTimer { seq } => p::Job::FireTimer { seq },
        Job::ResolveActivity {
            seq,
            result,
            is_local,
        } => {
            let result = match resolution(result) {
                (Some(payload), _, _) => p::ActivityResult::Completed(payload),
                (None, Some(failure), false) => p::ActivityResult::Failed(failure),
                (None, Some(failure), true) => p::ActivityResult::Cancelled(failure),
                _ => unreachable!(),
            };
            p::Job::ResolveActivity {
                seq,
                result,
                is_local,
            }
        }
        Job::ResolveChildStartSucceeded { seq, run_id } => p::Job::ResolveChildStart {
            seq,
            status: p::ChildStart::Succeeded { run_id },
        },
        Job::ResolveChildStartFailed {
            seq,
            workflow_id,
            workflow_type,
        } => p::Job::ResolveChildStart {
            seq,
            status: p::ChildStart::Failed {
                workflow_id,
                workflow_type,
            },
        },
        Job::ResolveChildStartCancelled { seq, failure } => p::Job::ResolveChildStart {
            seq,
            status: p::ChildStart::Cancelled(failure),
        },
        Job::ResolveChild { seq, result } => {
            let result = match resolution(result) {
                (Some(payload), _, _) => p::ChildResult::Completed(payload),
                (None, Some(failure), false) => p::ChildResult::Failed(failure),
                (None, Some(failure), true) => p::ChildResult::Cancelled(failure),
                _ => unreachable!(),
            };
            p::Job::ResolveChild { seq, result }
        }
        Job::ResolveSignalExternal { seq, failure } => {
            p::Job::ResolveSignalExternal { seq, failure }
        }
        Job::ResolveRequestCancelExternal { seq, failure } => {
            p::Job::ResolveRequestCancelExternal { seq, failure }
        }
        Job::CancelWorkflow { reason } => p::Job::CancelWorkflow { reason },
    }
}

fn command_out(kind: p::CommandKind) -> CommandKind {
    use p::CommandKind as K;
    match kind {
        K::StartTimer { seq, seconds } => CommandKind::StartTimer { seq, seconds },
        K::CancelTimer { seq } => CommandKind::CancelTimer { seq },
        K::ScheduleActivity {
            seq,
            activity_id,
            activity_type,
            cancellation,
        } => CommandKind::ScheduleActivity {
            seq,
            activity_id,
            activity_type,
            cancellation: match cancellation {
                p::ActivityCancellation::TryCancel => 0,
                p::ActivityCancellation::WaitCancellationCompleted => 1,
                p::ActivityCancellation::Abandon => 2,
            },
        },
        K::ScheduleLocalActivity {
            seq,
            activity_id,
            activity_type,
        } => CommandKind::ScheduleLocalActivity {
            seq,
            activity_id,
            activity_type,
        },
        K::RequestCancelActivity { seq } => CommandKind::RequestCancelActivity { seq },
        K::RequestCancelLocalActivity { seq } => CommandKind::RequestCancelLocalActivity { seq },
        K::StartChildWorkflow {
            seq,
            workflow_id,
            workflow_type,
            cancellation,
        } => CommandKind::StartChildWorkflow {
            seq,
            workflow_id,
            workflow_type,
            cancellation: match cancellation {
                p::ChildCancellation::Abandon => 0,
                p::ChildCancellation::TryCancel => 1,
                p::ChildCancellation::WaitCancellationCompleted => 2,
                p::ChildCancellation::WaitCancellationRequested => 3,
            },
        },
        K::CancelChildWorkflow { seq } => CommandKind::CancelChildWorkflow { seq },
        K::SignalExternalWorkflow {
            seq,
            workflow_id,
            signal_name,
        } => CommandKind::SignalExternalWorkflow {
            seq,
            workflow_id,
            signal_name,
        },
        K::CancelSignalWorkflow { seq } => CommandKind::CancelSignalWorkflow { seq },
        K::RequestCancelExternalWorkflow { seq, workflow_id } => {
            CommandKind::RequestCancelExternalWorkflow { seq, workflow_id }
        }
        K::UpsertSearchAttributes { keys } => CommandKind::UpsertSearchAttributes { keys },
        K::ModifyWorkflowProperties => CommandKind::ModifyWorkflowProperties,
        K::SetPatchMarker {
            patch_id,
            deprecated,
        } => CommandKind::SetPatchMarker {
            patch_id,
            deprecated,
        },
        K::UpdateResponse {
            protocol_instance_id,
            response,
        } => CommandKind::UpdateResponse {
            protocol_instance_id,
            response: match response {
                p::UpdateResponse::Accepted => 0,
                p::UpdateResponse::Rejected => 1,
                p::UpdateResponse::Completed => 2,
            },
        },
        K::CompleteWorkflow => CommandKind::CompleteWorkflow,
        K::FailWorkflow { message } => CommandKind::FailWorkflow { message },
        K::ContinueAsNew => CommandKind::ContinueAsNew,
        K::CancelWorkflow => CommandKind::CancelWorkflow,
    }
}
