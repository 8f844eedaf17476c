//! sdk-core's command state machines, reduced to what decides a replay verdict: which events a
//! machine accepts in which state, the id/type checks, and the jobs it sends to the workflow.
//!
//! Kept in one file on purpose (it is longer than the house ~600 lines): it is one transition
//! table, checked against `machines/*_state_machine.rs` in sdk-core side by side.

use crate::history::{Attributes, Event, EventType, Failure, FailureInfo};
use crate::protocol::{
    ActivityCancellation, ActivityResult, ChildCancellation, ChildResult, ChildStart, Job,
};

/// Why a machine rejected an event.
#[derive(Debug, Clone)]
pub(crate) enum MachineError {
    Nondeterminism(String),
    Fatal(String),
}

pub(crate) type MachineResult<T> = Result<T, MachineError>;

/// What handling an event or a command produced.
#[derive(Default)]
pub(crate) struct Responses {
    pub(crate) jobs: Vec<Job>,
    /// A new command issued by the machine itself (cancel requests).
    pub(crate) command: bool,
    /// `RequestCancelExternal` issued by core for a cancelled child.
    pub(crate) cancel_external: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityState {
    ScheduleCommandCreated,
    ScheduledEventRecorded,
    Started,
    ScheduledCancelCommandCreated,
    ScheduledCancelEventRecorded,
    StartedCancelCommandCreated,
    StartedCancelEventRecorded,
    Completed,
    Failed,
    TimedOut,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerState {
    StartCommandCreated,
    StartCommandRecorded,
    CancelCommandCreated,
    CancelCommandSent,
    Fired,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildState {
    StartCommandCreated,
    StartEventRecorded,
    Started,
    StartFailed,
    Completed,
    Failed,
    TimedOut,
    Cancelled,
    Terminated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocalActivityState {
    WaitingMarker,
    ResolvedWaitingMarkerEvent,
    Recorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateState {
    RequestInitiated,
    Accepted,
    Rejected,
    AcceptCommandCreated,
    AcceptCommandRecorded,
    CompletedImmediately,
    CompletedImmediatelyAcceptCreated,
    CompletedImmediatelyCompleteCreated,
    Completed,
    CompletedCommandCreated,
    CompletedCommandRecorded,
}

/// One command's machine.
pub(crate) enum Machine {
    Activity {
        seq: u32,
        activity_id: String,
        activity_type: String,
        cancellation: ActivityCancellation,
        state: ActivityState,
        cancelled_before_sent: bool,
    },
    LocalActivity {
        seq: u32,
        activity_id: String,
        activity_type: String,
        state: LocalActivityState,
        replaying_when_invoked: bool,
    },
    Timer {
        seq: u32,
        state: TimerState,
        cancelled_before_sent: bool,
    },
    Child {
        seq: u32,
        workflow_id: String,
        workflow_type: String,
        cancellation: ChildCancellation,
        state: ChildState,
        cancelled_before_sent: bool,
    },
    SignalExternal {
        seq: u32,
        recorded: bool,
        done: bool,
        cancelled_before_sent: bool,
    },
    CancelExternal {
        seq: u32,
        recorded: bool,
        core_created: bool,
    },
    Patch {
        id: String,
        recorded: bool,
    },
    Upsert {
        recorded: bool,
    },
    ModifyProperties {
        recorded: bool,
    },
    Update {
        state: UpdateState,
    },
    Complete {
        recorded: bool,
    },
    Fail {
        recorded: bool,
    },
    Cancel {
        recorded: bool,
    },
    ContinueAsNew {
        recorded: bool,
    },
}

fn does_not_handle(kind: &str, event: &Event) -> MachineError {
    MachineError::Nondeterminism(format!(
        "{kind} machine does not handle this event: {}",
        event.display()
    ))
}

/// sdk-core's id/type determinism check: what history recorded must equal what the command
/// carries, else `<What> of <event> '<recorded>' does not match <what> of <command> '<now>'`.
fn expect_same(
    what: &str,
    event: &str,
    command: &str,
    recorded: &str,
    current: &str,
) -> Result<(), MachineError> {
    if recorded == current {
        return Ok(());
    }
    let lower = what.to_lowercase();
    Err(MachineError::Nondeterminism(format!(
        "{what} of {event} '{recorded}' does not match {lower} of {command} '{current}'"
    )))
}

fn invalid(kind: &str, state: &dyn std::fmt::Debug, event: &Event) -> MachineError {
    MachineError::Fatal(format!(
        "{kind} in state {state:?} says the transition is invalid during event {}",
        event.display()
    ))
}

impl Machine {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Machine::Activity { .. } => "Activity",
            Machine::LocalActivity { .. } => "Local activity",
            Machine::Timer { .. } => "Timer",
            Machine::Child { .. } => "Child workflow",
            Machine::SignalExternal { .. } => "Signal external WF",
            Machine::CancelExternal { .. } => "Cancel external WF",
            Machine::Patch { .. } => "Change",
            Machine::Upsert { .. } => "UpsertWorkflowSearchAttributesMachine",
            Machine::ModifyProperties { .. } => "ModifyWorkflowPropertiesMachine",
            Machine::Update { .. } => "Update",
            Machine::Complete { .. } => "Complete workflow",
            Machine::Fail { .. } => "Fail workflow",
            Machine::Cancel { .. } => "Cancel workflow",
            Machine::ContinueAsNew { .. } => "Continue as new workflow",
        }
    }

    pub(crate) fn cancelled_before_sent(&self) -> bool {
        match self {
            Machine::Activity {
                cancelled_before_sent,
                ..
            }
            | Machine::Timer {
                cancelled_before_sent,
                ..
            }
            | Machine::Child {
                cancelled_before_sent,
                ..
            }
            | Machine::SignalExternal {
                cancelled_before_sent,
                ..
            } => *cancelled_before_sent,
            _ => false,
        }
    }

    /// A command of this machine is being sent (`handle_command`).
    pub(crate) fn handle_command(&mut self) {
        match self {
            Machine::Timer { state, .. } if *state == TimerState::CancelCommandCreated => {
                *state = TimerState::CancelCommandSent;
            }
            Machine::Update { state, .. } => {
                *state = match *state {
                    UpdateState::Accepted => UpdateState::AcceptCommandCreated,
                    UpdateState::Completed => UpdateState::CompletedCommandCreated,
                    UpdateState::CompletedImmediately => {
                        UpdateState::CompletedImmediatelyAcceptCreated
                    }
                    UpdateState::CompletedImmediatelyAcceptCreated => {
                        UpdateState::CompletedImmediatelyCompleteCreated
                    }
                    other => other,
                };
            }
            _ => {}
        }
    }

    /// A history event routed to this machine (a command event popped its command, or an event
    /// that references the machine's initiating event).
    pub(crate) fn handle_event(
        &mut self,
        event: &Event,
        id_checks: bool,
    ) -> MachineResult<Responses> {
        let mut responses = Responses::default();
        let name = self.name();
        match self {
            Machine::Activity {
                seq,
                activity_id,
                activity_type,
                cancellation,
                state,
                ..
            } => {
                use ActivityState as S;
                let seq = *seq;
                let notify_cancelled = |responses: &mut Responses, details: Failure| {
                    responses.jobs.push(Job::ResolveActivity {
                        seq,
                        result: ActivityResult::Cancelled(details),
                        is_local: false,
                    });
                };
                let wrap = |message: &str, cause: Option<Failure>, retry_state: &str| {
                    Failure::wrap_activity(message, activity_type, activity_id, retry_state, cause)
                };
                *state = match (&event.attributes, *state) {
                    (
                        Attributes::ActivityTaskScheduled {
                            activity_id: recorded_id,
                            activity_type: recorded_type,
                            ..
                        },
                        S::ScheduleCommandCreated,
                    ) => {
                        if id_checks {
                            let (event, command) = ("scheduled event", "activity command");
                            expect_same("Activity id", event, command, recorded_id, activity_id)?;
                            expect_same(
                                "Activity type",
                                event,
                                command,
                                recorded_type,
                                activity_type,
                            )?;
                        }
                        S::ScheduledEventRecorded
                    }
                    (Attributes::ActivityTaskStarted { .. }, S::ScheduledEventRecorded) => {
                        S::Started
                    }
                    (Attributes::ActivityTaskStarted { .. }, S::ScheduledCancelEventRecorded) => {
                        S::StartedCancelEventRecorded
                    }
                    (
                        Attributes::ActivityTaskStarted { .. }
                        | Attributes::ActivityTaskCompleted { .. },
                        S::Canceled,
                    ) => S::Canceled,
                    (Attributes::ActivityTaskCompleted { result, .. }, S::Started) => {
                        responses.jobs.push(Job::ResolveActivity {
                            seq,
                            result: ActivityResult::Completed(result.first().cloned()),
                            is_local: false,
                        });
                        S::Completed
                    }
                    (
                        Attributes::ActivityTaskCompleted { result, .. },
                        S::StartedCancelEventRecorded,
                    ) => {
                        if *cancellation == ActivityCancellation::WaitCancellationCompleted {
                            responses.jobs.push(Job::ResolveActivity {
                                seq,
                                result: ActivityResult::Completed(result.first().cloned()),
                                is_local: false,
                            });
                        }
                        S::Completed
                    }
                    (
                        Attributes::ActivityTaskFailed {
                            failure,
                            retry_state,
                            ..
                        },
                        S::Started | S::StartedCancelEventRecorded,
                    ) => {
                        if *state == S::Started
                            || *cancellation == ActivityCancellation::WaitCancellationCompleted
                        {
                            responses.jobs.push(Job::ResolveActivity {
                                seq,
                                result: ActivityResult::Failed(wrap(
                                    "Activity task failed",
                                    failure.clone(),
                                    retry_state,
                                )),
                                is_local: false,
                            });
                        }
                        S::Failed
                    }
                    (
                        Attributes::ActivityTaskTimedOut {
                            failure,
                            retry_state,
                            ..
                        },
                        S::ScheduledEventRecorded
                        | S::Started
                        | S::ScheduledCancelEventRecorded
                        | S::StartedCancelEventRecorded,
                    ) => {
                        if matches!(*state, S::ScheduledEventRecorded | S::Started)
                            || *cancellation == ActivityCancellation::WaitCancellationCompleted
                        {
                            responses.jobs.push(Job::ResolveActivity {
                                seq,
                                result: ActivityResult::Failed(wrap(
                                    "Activity task timed out",
                                    failure.clone(),
                                    retry_state,
                                )),
                                is_local: false,
                            });
                        }
                        S::TimedOut
                    }
                    (
                        Attributes::ActivityTaskCancelRequested { .. },
                        S::ScheduledCancelCommandCreated,
                    ) => S::ScheduledCancelEventRecorded,
                    (
                        Attributes::ActivityTaskCancelRequested { .. },
                        S::StartedCancelCommandCreated,
                    ) => S::StartedCancelEventRecorded,
                    (
                        Attributes::ActivityTaskCanceled { .. },
                        S::ScheduledCancelEventRecorded | S::StartedCancelEventRecorded,
                    ) => {
                        if *cancellation == ActivityCancellation::WaitCancellationCompleted {
                            notify_cancelled(
                                &mut responses,
                                wrap(
                                    "Activity cancelled",
                                    Some(Failure::canceled("Activity cancelled")),
                                    "RETRY_STATE_CANCEL_REQUESTED",
                                ),
                            );
                        }
                        S::Canceled
                    }
                    (
                        Attributes::ActivityTaskScheduled { .. }
                        | Attributes::ActivityTaskStarted { .. }
                        | Attributes::ActivityTaskCompleted { .. }
                        | Attributes::ActivityTaskFailed { .. }
                        | Attributes::ActivityTaskTimedOut { .. }
                        | Attributes::ActivityTaskCancelRequested { .. }
                        | Attributes::ActivityTaskCanceled { .. },
                        current,
                    ) => return Err(invalid(name, &current, event)),
                    _ => return Err(does_not_handle(name, event)),
                };
            }
            Machine::Timer { seq, state, .. } => {
                use TimerState as S;
                *state = match (&event.attributes, *state) {
                    (Attributes::TimerStarted { .. }, S::StartCommandCreated) => {
                        S::StartCommandRecorded
                    }
                    (Attributes::TimerFired { timer_id, .. }, S::StartCommandRecorded) => {
                        if *timer_id != seq.to_string() {
                            return Err(MachineError::Nondeterminism(format!(
                                "Timer fired event did not have expected timer id {seq}, it was {timer_id}!"
                            )));
                        }
                        responses.jobs.push(Job::FireTimer { seq: *seq });
                        S::Fired
                    }
                    (Attributes::TimerCanceled { .. }, S::CancelCommandSent) => S::Canceled,
                    (
                        Attributes::TimerStarted { .. }
                        | Attributes::TimerFired { .. }
                        | Attributes::TimerCanceled { .. },
                        current,
                    ) => return Err(invalid(name, &current, event)),
                    _ => return Err(does_not_handle(name, event)),
                };
            }
            Machine::Child {
                seq,
                workflow_id,
                workflow_type,
                state,
                ..
            } => {
                use ChildState as S;
                let seq = *seq;
                let child_failure =
                    |message: &str, cause: Option<Failure>, retry_state: &str| Failure {
                        message: message.to_string(),
                        cause: cause.map(Box::new),
                        info: FailureInfo::ChildWorkflow {
                            workflow_type: workflow_type.clone(),
                            workflow_id: workflow_id.clone(),
                            retry_state: retry_state.to_string(),
                        },
                    };
                *state = match (&event.attributes, *state) {
                    (
                        Attributes::StartChildWorkflowExecutionInitiated {
                            workflow_id: recorded_id,
                            workflow_type: recorded_type,
                            ..
                        },
                        S::StartCommandCreated,
                    ) => {
                        if id_checks {
                            let (event, command) = ("scheduled event", "command");
                            expect_same(
                                "Child workflow id",
                                event,
                                command,
                                recorded_id,
                                workflow_id,
                            )?;
                            expect_same(
                                "Child workflow type",
                                event,
                                command,
                                recorded_type,
                                workflow_type,
                            )?;
                        }
                        S::StartEventRecorded
                    }
                    (
                        Attributes::ChildWorkflowExecutionStarted { run_id, .. },
                        S::StartEventRecorded,
                    ) => {
                        responses.jobs.push(Job::ResolveChildStart {
                            seq,
                            status: ChildStart::Succeeded {
                                run_id: run_id.clone(),
                            },
                        });
                        S::Started
                    }
                    (
                        Attributes::StartChildWorkflowExecutionFailed { .. },
                        S::StartEventRecorded,
                    ) => {
                        responses.jobs.push(Job::ResolveChildStart {
                            seq,
                            status: ChildStart::Failed {
                                workflow_id: workflow_id.clone(),
                                workflow_type: workflow_type.clone(),
                            },
                        });
                        S::StartFailed
                    }
                    (Attributes::ChildWorkflowExecutionCompleted { result, .. }, S::Started) => {
                        responses.jobs.push(Job::ResolveChild {
                            seq,
                            result: ChildResult::Completed(result.first().cloned()),
                        });
                        S::Completed
                    }
                    (
                        Attributes::ChildWorkflowExecutionFailed {
                            failure,
                            retry_state,
                            ..
                        },
                        S::Started,
                    ) => {
                        responses.jobs.push(Job::ResolveChild {
                            seq,
                            result: ChildResult::Failed(child_failure(
                                "Child Workflow execution failed",
                                failure.clone(),
                                retry_state,
                            )),
                        });
                        S::Failed
                    }
                    (
                        Attributes::ChildWorkflowExecutionTimedOut { retry_state, .. },
                        S::Started,
                    ) => {
                        let cause = Failure {
                            message: "Child Workflow execution timed out".into(),
                            cause: None,
                            info: FailureInfo::Timeout {
                                timeout_type: "TIMEOUT_TYPE_START_TO_CLOSE".into(),
                            },
                        };
                        responses.jobs.push(Job::ResolveChild {
                            seq,
                            result: ChildResult::Failed(child_failure(
                                "Child Workflow execution timed out",
                                Some(cause),
                                retry_state,
                            )),
                        });
                        S::TimedOut
                    }
                    (Attributes::ChildWorkflowExecutionTerminated { .. }, S::Started) => {
                        let cause = Failure {
                            message: "Child Workflow execution terminated".into(),
                            cause: None,
                            info: FailureInfo::Terminated,
                        };
                        responses.jobs.push(Job::ResolveChild {
                            seq,
                            result: ChildResult::Failed(child_failure(
                                "Child Workflow execution terminated",
                                Some(cause),
                                "RETRY_STATE_NON_RETRYABLE_FAILURE",
                            )),
                        });
                        S::Terminated
                    }
                    (Attributes::ChildWorkflowExecutionCanceled { .. }, S::Started) => {
                        responses.jobs.push(Job::ResolveChild {
                            seq,
                            result: ChildResult::Cancelled(child_failure(
                                "Child Workflow execution cancelled",
                                Some(Failure::canceled("Child Workflow execution cancelled")),
                                "RETRY_STATE_CANCEL_REQUESTED",
                            )),
                        });
                        S::Cancelled
                    }
                    (
                        Attributes::ChildWorkflowExecutionStarted { .. }
                        | Attributes::StartChildWorkflowExecutionFailed { .. }
                        | Attributes::ChildWorkflowExecutionCompleted { .. }
                        | Attributes::ChildWorkflowExecutionFailed { .. }
                        | Attributes::ChildWorkflowExecutionTimedOut { .. }
                        | Attributes::ChildWorkflowExecutionTerminated { .. }
                        | Attributes::ChildWorkflowExecutionCanceled { .. },
                        S::Cancelled,
                    ) => S::Cancelled,
                    (Attributes::StartChildWorkflowExecutionInitiated { .. }, current) => {
                        return Err(invalid(name, &current, event));
                    }
                    (
                        Attributes::ChildWorkflowExecutionStarted { .. }
                        | Attributes::StartChildWorkflowExecutionFailed { .. }
                        | Attributes::ChildWorkflowExecutionCompleted { .. }
                        | Attributes::ChildWorkflowExecutionFailed { .. }
                        | Attributes::ChildWorkflowExecutionTimedOut { .. }
                        | Attributes::ChildWorkflowExecutionTerminated { .. }
                        | Attributes::ChildWorkflowExecutionCanceled { .. },
                        current,
                    ) => return Err(invalid(name, &current, event)),
                    _ => return Err(does_not_handle(name, event)),
                };
            }
            Machine::SignalExternal {
                seq,
                recorded,
                done,
                ..
            } => match (&event.attributes, *recorded) {
                (Attributes::SignalExternalWorkflowExecutionInitiated { .. }, false) => {
                    *recorded = true;
                }
                (Attributes::ExternalWorkflowExecutionSignaled { .. }, true) if !*done => {
                    *done = true;
                    responses.jobs.push(Job::ResolveSignalExternal {
                        seq: *seq,
                        failure: None,
                    });
                }
                (Attributes::SignalExternalWorkflowExecutionFailed { cause, .. }, true)
                    if !*done =>
                {
                    *done = true;
                    let failure = Failure {
                        message: format!("Unable to signal external workflow because {cause}"),
                        cause: None,
                        info: FailureInfo::Application {
                            error_type: "SignalExternalWorkflowExecutionFailed".into(),
                            non_retryable: false,
                            details: Vec::new(),
                        },
                    };
                    responses.jobs.push(Job::ResolveSignalExternal {
                        seq: *seq,
                        failure: Some(failure),
                    });
                }
                (
                    Attributes::SignalExternalWorkflowExecutionInitiated { .. }
                    | Attributes::ExternalWorkflowExecutionSignaled { .. }
                    | Attributes::SignalExternalWorkflowExecutionFailed { .. },
                    _,
                ) => {
                    return Err(invalid(name, &*recorded, event));
                }
                _ => return Err(does_not_handle(name, event)),
            },
            Machine::CancelExternal {
                seq,
                recorded,
                core_created,
            } => match (&event.attributes, *recorded) {
                (Attributes::RequestCancelExternalWorkflowExecutionInitiated { .. }, false) => {
                    *recorded = true;
                }
                (Attributes::ExternalWorkflowExecutionCancelRequested { .. }, true) => {
                    if !*core_created {
                        responses.jobs.push(Job::ResolveRequestCancelExternal {
                            seq: *seq,
                            failure: None,
                        });
                    }
                }
                (Attributes::RequestCancelExternalWorkflowExecutionFailed { cause, .. }, true) => {
                    if !*core_created {
                        let failure = Failure {
                            message: format!("Unable to cancel external workflow because {cause}"),
                            cause: None,
                            info: FailureInfo::Other,
                        };
                        responses.jobs.push(Job::ResolveRequestCancelExternal {
                            seq: *seq,
                            failure: Some(failure),
                        });
                    }
                }
                (
                    Attributes::RequestCancelExternalWorkflowExecutionInitiated { .. }
                    | Attributes::ExternalWorkflowExecutionCancelRequested { .. }
                    | Attributes::RequestCancelExternalWorkflowExecutionFailed { .. },
                    _,
                ) => {
                    return Err(invalid(name, &*recorded, event));
                }
                _ => return Err(does_not_handle(name, event)),
            },
            Machine::Patch { id, recorded } => match event.patch_marker() {
                Some(marker) if !*recorded => {
                    if marker.id != *id {
                        return Err(MachineError::Nondeterminism(format!(
                            "Change id {} does not match expected id {id}",
                            marker.id
                        )));
                    }
                    *recorded = true;
                }
                Some(_) => return Err(invalid(name, &*recorded, event)),
                None => {
                    return Err(MachineError::Nondeterminism(format!(
                        "Change machine cannot handle this event: {}",
                        event.display()
                    )));
                }
            },
            Machine::Upsert { recorded } => match event.event_type {
                EventType::UpsertWorkflowSearchAttributes if !*recorded => *recorded = true,
                _ => {
                    return Err(MachineError::Nondeterminism(format!(
                        "UpsertWorkflowSearchAttributesMachine does not handle {}",
                        event.display()
                    )));
                }
            },
            Machine::ModifyProperties { recorded } => match event.event_type {
                EventType::WorkflowPropertiesModified if !*recorded => *recorded = true,
                _ => {
                    return Err(MachineError::Nondeterminism(format!(
                        "ModifyWorkflowPropertiesMachine does not handle {}",
                        event.display()
                    )));
                }
            },
            Machine::Update { state, .. } => {
                use UpdateState as S;
                *state = match (event.event_type, *state) {
                    (EventType::WorkflowExecutionUpdateAccepted, S::AcceptCommandCreated) => {
                        S::AcceptCommandRecorded
                    }
                    (
                        EventType::WorkflowExecutionUpdateAccepted,
                        S::CompletedImmediatelyCompleteCreated,
                    ) => S::CompletedCommandCreated,
                    (EventType::WorkflowExecutionUpdateCompleted, S::CompletedCommandCreated) => {
                        S::CompletedCommandRecorded
                    }
                    (
                        EventType::WorkflowExecutionUpdateAccepted
                        | EventType::WorkflowExecutionUpdateCompleted,
                        current,
                    ) => return Err(invalid(name, &current, event)),
                    _ => return Err(does_not_handle(name, event)),
                };
            }
            Machine::Complete { recorded }
            | Machine::Fail { recorded }
            | Machine::Cancel { recorded }
            | Machine::ContinueAsNew { recorded } => {
                let expected = match name {
                    "Complete workflow" => EventType::WorkflowExecutionCompleted,
                    "Fail workflow" => EventType::WorkflowExecutionFailed,
                    "Cancel workflow" => EventType::WorkflowExecutionCanceled,
                    _ => EventType::WorkflowExecutionContinuedAsNew,
                };
                if event.event_type != expected || *recorded {
                    return Err(does_not_handle(name, event));
                }
                *recorded = true;
            }
            Machine::LocalActivity {
                seq,
                activity_id,
                activity_type,
                state,
                replaying_when_invoked,
            } => {
                let Some(marker) = event.local_activity_marker() else {
                    return Err(MachineError::Nondeterminism(format!(
                        "Local activity machine cannot handle this event: {}",
                        event.display()
                    )));
                };
                if *state != LocalActivityState::ResolvedWaitingMarkerEvent {
                    return Err(MachineError::Fatal(format!(
                        "Attempted to check for LA marker handling in invalid state {state:?}"
                    )));
                }
                if marker.seq != *seq {
                    return Err(MachineError::Nondeterminism(format!(
                        "Local activity marker data has sequence number {} but matched against LA command with sequence number {seq}",
                        marker.seq
                    )));
                }
                let checks = if *replaying_when_invoked {
                    id_checks
                } else {
                    true
                };
                if checks {
                    let (event, command) = ("recorded marker", "local activity command");
                    expect_same(
                        "Activity id",
                        event,
                        command,
                        &marker.activity_id,
                        activity_id,
                    )?;
                    expect_same(
                        "Activity type",
                        event,
                        command,
                        &marker.activity_type,
                        activity_type,
                    )?;
                }
                *state = LocalActivityState::Recorded;
            }
        }
        Ok(responses)
    }

    /// A cancel request from the workflow for this machine (`cancel_machine!`).
    pub(crate) fn cancel(&mut self) -> MachineResult<Responses> {
        let mut responses = Responses::default();
        match self {
            Machine::Activity {
                seq,
                activity_id,
                activity_type,
                cancellation,
                state,
                cancelled_before_sent,
            } => {
                use ActivityState as S;
                if matches!(*state, S::Completed | S::Canceled | S::Failed | S::TimedOut) {
                    return Ok(responses);
                }
                let failure = Failure::wrap_activity(
                    "Activity cancelled",
                    activity_type,
                    activity_id,
                    "RETRY_STATE_CANCEL_REQUESTED",
                    Some(Failure::canceled("Activity cancelled")),
                );
                let resolve = Job::ResolveActivity {
                    seq: *seq,
                    result: ActivityResult::Cancelled(failure),
                    is_local: false,
                };
                match (*cancellation, *state) {
                    (_, S::ScheduleCommandCreated) => {
                        *cancelled_before_sent = true;
                        *state = S::Canceled;
                        responses.jobs.push(resolve);
                    }
                    (ActivityCancellation::Abandon, S::ScheduledEventRecorded | S::Started) => {
                        *state = S::Canceled;
                        responses.jobs.push(resolve);
                    }
                    (_, S::ScheduledEventRecorded | S::Started) => {
                        *state = if *state == S::Started {
                            S::StartedCancelCommandCreated
                        } else {
                            S::ScheduledCancelCommandCreated
                        };
                        responses.command = true;
                        if *cancellation != ActivityCancellation::WaitCancellationCompleted {
                            responses.jobs.push(resolve);
                        }
                    }
                    (_, current) => {
                        return Err(MachineError::Fatal(format!(
                            "Activity cannot be cancelled in state {current:?}"
                        )));
                    }
                }
            }
            Machine::Timer {
                state,
                cancelled_before_sent,
                ..
            } => match *state {
                TimerState::StartCommandCreated => {
                    *cancelled_before_sent = true;
                    *state = TimerState::Canceled;
                }
                TimerState::StartCommandRecorded => {
                    *state = TimerState::CancelCommandCreated;
                    responses.command = true;
                }
                _ => {}
            },
            Machine::Child {
                seq,
                workflow_id,
                cancellation,
                state,
                cancelled_before_sent,
                ..
            } => match *state {
                ChildState::StartCommandCreated => {
                    *cancelled_before_sent = true;
                    *state = ChildState::Cancelled;
                    responses.jobs.push(Job::ResolveChildStart {
                        seq: *seq,
                        status: ChildStart::Cancelled(Failure::canceled(
                            "Child Workflow Execution cancelled before scheduled",
                        )),
                    });
                }
                ChildState::StartEventRecorded | ChildState::Started => {
                    if *cancellation != ChildCancellation::Abandon {
                        responses.cancel_external = Some(workflow_id.clone());
                    }
                    if matches!(
                        *cancellation,
                        ChildCancellation::Abandon | ChildCancellation::TryCancel
                    ) {
                        *state = ChildState::Cancelled;
                        responses.jobs.push(Job::ResolveChild {
                            seq: *seq,
                            result: ChildResult::Cancelled(Failure::canceled(
                                "Child Workflow execution cancelled",
                            )),
                        });
                    }
                }
                _ => {}
            },
            Machine::SignalExternal {
                seq,
                recorded,
                done,
                cancelled_before_sent,
            } => {
                if !*recorded && !*done {
                    *cancelled_before_sent = true;
                    *done = true;
                    responses.jobs.push(Job::ResolveSignalExternal {
                        seq: *seq,
                        failure: Some(Failure::canceled("Signal was cancelled before being sent")),
                    });
                }
            }
            other => {
                return Err(MachineError::Nondeterminism(format!(
                    "Machine was not cancellable when it should have been: {}",
                    other.name()
                )));
            }
        }
        Ok(responses)
    }
}
