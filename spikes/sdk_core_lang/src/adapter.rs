//! The lang side for sdk-core: sdk-core activation jobs -> the interpreter's jobs, the
//! interpreter's commands -> sdk-core `WorkflowCommand`s. Modelled on the Python SDK's
//! `_WorkflowInstanceImpl` (what it puts in each command), trimmed to what replay matching reads.

use std::collections::HashMap;

use prost_wkt_types::{Duration, Timestamp};
use tempolint_replay::history::{Failure, Payload, WorkflowStarted};
use tempolint_replay::spike_seam::{self as seam, CommandKind, Job, Resolution};
use temporalio_common::protos::coresdk::{
    activity_result::activity_resolution::Status as ActStatus,
    child_workflow::child_workflow_result::Status as ChildStatus,
    common::NamespacedWorkflowExecution,
    workflow_activation::{
        resolve_child_workflow_execution_start::Status as StartStatus,
        workflow_activation_job::Variant as J,
    },
    workflow_commands::{self as wc, workflow_command::Variant as C},
};
use temporalio_common::protos::temporal::api::{common::v1 as common, failure::v1 as failure_v1};

pub fn nanos(ts: &Option<Timestamp>) -> i128 {
    ts.as_ref().map_or(0, |t| {
        i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos)
    })
}

fn payload(p: &common::Payload) -> Payload {
    seam::payload_from_json(serde_json::to_value(p).expect("payload to JSON"))
        .expect("payload from JSON")
}

fn payloads(ps: &[common::Payload]) -> Vec<Payload> {
    ps.iter().map(payload).collect()
}

fn failure(f: &Option<failure_v1::Failure>) -> Failure {
    f.as_ref()
        .map(|f| {
            serde_json::from_value(serde_json::to_value(f).expect("failure to JSON"))
                .expect("failure from JSON")
        })
        .unwrap_or_default()
}

/// sdk-core jobs -> interpreter jobs. `Err` names a job the interpreter has no counterpart for.
pub fn jobs_in(
    jobs: &[temporalio_common::protos::coresdk::workflow_activation::WorkflowActivationJob],
    started: &WorkflowStarted,
) -> Result<Vec<Job>, String> {
    let mut out = Vec::new();
    for job in jobs {
        let Some(variant) = &job.variant else {
            continue;
        };
        out.push(match variant {
            J::InitializeWorkflow(init) => Job::InitializeWorkflow {
                randomness_seed: init.randomness_seed,
                start_time_nanos: nanos(&init.start_time),
                started: Box::new(started.clone()),
            },
            J::FireTimer(t) => Job::FireTimer { seq: t.seq },
            J::UpdateRandomSeed(_) => return Err("UpdateRandomSeed job".into()),
            J::QueryWorkflow(_) => return Err("QueryWorkflow job".into()),
            J::CancelWorkflow(c) => Job::CancelWorkflow {
                reason: c.reason.clone(),
            },
            J::SignalWorkflow(s) => Job::SignalWorkflow {
                name: s.signal_name.clone(),
                input: payloads(&s.input),
            },
            J::ResolveActivity(r) => {
                let status = r.result.as_ref().and_then(|r| r.status.as_ref());
                let result = match status {
                    Some(ActStatus::Completed(s)) => {
                        Resolution::Completed(s.result.as_ref().map(payload))
                    }
                    Some(ActStatus::Failed(f)) => Resolution::Failed(failure(&f.failure)),
                    Some(ActStatus::Cancelled(c)) => Resolution::Cancelled(failure(&c.failure)),
                    Some(ActStatus::Backoff(_)) => {
                        return Err("local activity DoBackoff resolution".into());
                    }
                    None => return Err("activity resolution without status".into()),
                };
                Job::ResolveActivity {
                    seq: r.seq,
                    result,
                    is_local: r.is_local,
                }
            }
            J::NotifyHasPatch(p) => Job::NotifyHasPatch {
                patch_id: p.patch_id.clone(),
            },
            J::ResolveChildWorkflowExecutionStart(s) => match &s.status {
                Some(StartStatus::Succeeded(ok)) => Job::ResolveChildStartSucceeded {
                    seq: s.seq,
                    run_id: ok.run_id.clone(),
                },
                Some(StartStatus::Failed(f)) => Job::ResolveChildStartFailed {
                    seq: s.seq,
                    workflow_id: f.workflow_id.clone(),
                    workflow_type: f.workflow_type.clone(),
                },
                Some(StartStatus::Cancelled(c)) => Job::ResolveChildStartCancelled {
                    seq: s.seq,
                    failure: failure(&c.failure),
                },
                None => return Err("child start resolution without status".into()),
            },
            J::ResolveChildWorkflowExecution(r) => {
                let result = match r.result.as_ref().and_then(|r| r.status.as_ref()) {
                    Some(ChildStatus::Completed(s)) => {
                        Resolution::Completed(s.result.as_ref().map(payload))
                    }
                    Some(ChildStatus::Failed(f)) => Resolution::Failed(failure(&f.failure)),
                    Some(ChildStatus::Cancelled(c)) => Resolution::Cancelled(failure(&c.failure)),
                    None => return Err("child resolution without status".into()),
                };
                Job::ResolveChild { seq: r.seq, result }
            }
            J::ResolveSignalExternalWorkflow(r) => Job::ResolveSignalExternal {
                seq: r.seq,
                failure: r.failure.as_ref().map(|f| failure(&Some(f.clone()))),
            },
            J::ResolveRequestCancelExternalWorkflow(r) => Job::ResolveRequestCancelExternal {
                seq: r.seq,
                failure: r.failure.as_ref().map(|f| failure(&Some(f.clone()))),
            },
            J::DoUpdate(u) => Job::DoUpdate {
                protocol_instance_id: u.protocol_instance_id.clone(),
                name: u.name.clone(),
                input: payloads(&u.input),
            },
            J::ResolveNexusOperationStart(_) | J::ResolveNexusOperation(_) => {
                return Err("nexus job".into());
            }
            J::RemoveFromCache(_) => unreachable!("evictions are handled by the runner"),
        });
    }
    Ok(out)
}

fn dur(seconds: f64) -> Option<Duration> {
    Some(Duration {
        seconds: seconds.trunc() as i64,
        nanos: (seconds.fract() * 1e9) as i32,
    })
}

fn json_null() -> common::Payload {
    common::Payload {
        metadata: HashMap::from([("encoding".to_string(), b"binary/null".to_vec())]),
        ..Default::default()
    }
}

/// Interpreter commands -> sdk-core command variants, filled the way the Python SDK fills them.
pub fn commands_out(
    commands: Vec<seam::Command>,
    namespace: &str,
    task_queue: &str,
    workflow_type: &str,
) -> Vec<C> {
    commands
        .into_iter()
        .map(|command| match command.kind {
            CommandKind::StartTimer { seq, seconds } => C::StartTimer(wc::StartTimer {
                seq,
                start_to_fire_timeout: dur(seconds),
            }),
            CommandKind::CancelTimer { seq } => C::CancelTimer(wc::CancelTimer { seq }),
            CommandKind::ScheduleActivity {
                seq,
                activity_id,
                activity_type,
                cancellation,
            } => C::ScheduleActivity(wc::ScheduleActivity {
                seq,
                activity_id,
                activity_type,
                task_queue: task_queue.to_string(),
                start_to_close_timeout: dur(10.0),
                cancellation_type: i32::from(cancellation),
                ..Default::default()
            }),
            CommandKind::ScheduleLocalActivity {
                seq,
                activity_id,
                activity_type,
            } => C::ScheduleLocalActivity(wc::ScheduleLocalActivity {
                seq,
                activity_id,
                activity_type,
                attempt: 1,
                start_to_close_timeout: dur(10.0),
                ..Default::default()
            }),
            CommandKind::RequestCancelActivity { seq } => {
                C::RequestCancelActivity(wc::RequestCancelActivity { seq })
            }
            CommandKind::RequestCancelLocalActivity { seq } => {
                C::RequestCancelLocalActivity(wc::RequestCancelLocalActivity { seq })
            }
            CommandKind::StartChildWorkflow {
                seq,
                workflow_id,
                workflow_type,
                cancellation,
            } => C::StartChildWorkflowExecution(wc::StartChildWorkflowExecution {
                seq,
                namespace: namespace.to_string(),
                workflow_id,
                workflow_type,
                task_queue: task_queue.to_string(),
                cancellation_type: i32::from(cancellation),
                ..Default::default()
            }),
            CommandKind::CancelChildWorkflow { seq } => {
                C::CancelChildWorkflowExecution(wc::CancelChildWorkflowExecution {
                    child_workflow_seq: seq,
                    reason: String::new(),
                })
            }
            CommandKind::SignalExternalWorkflow {
                seq,
                workflow_id,
                signal_name,
            } => C::SignalExternalWorkflowExecution(wc::SignalExternalWorkflowExecution {
                seq,
                signal_name,
                target: Some(
                    wc::signal_external_workflow_execution::Target::WorkflowExecution(
                        NamespacedWorkflowExecution {
                            namespace: namespace.to_string(),
                            workflow_id,
                            run_id: String::new(),
                        },
                    ),
                ),
                ..Default::default()
            }),
            CommandKind::CancelSignalWorkflow { seq } => {
                C::CancelSignalWorkflow(wc::CancelSignalWorkflow { seq })
            }
            CommandKind::RequestCancelExternalWorkflow { seq, workflow_id } => {
                C::RequestCancelExternalWorkflowExecution(
                    wc::RequestCancelExternalWorkflowExecution {
                        seq,
                        workflow_execution: Some(NamespacedWorkflowExecution {
                            namespace: namespace.to_string(),
                            workflow_id,
                            run_id: String::new(),
                        }),
                        reason: String::new(),
                    },
                )
            }
            CommandKind::UpsertSearchAttributes { keys } => {
                C::UpsertWorkflowSearchAttributes(wc::UpsertWorkflowSearchAttributes {
                    search_attributes: Some(common::SearchAttributes {
                        indexed_fields: keys.into_iter().map(|k| (k, json_null())).collect(),
                    }),
                })
            }
            CommandKind::ModifyWorkflowProperties => {
                C::ModifyWorkflowProperties(wc::ModifyWorkflowProperties {
                    upserted_memo: Some(common::Memo::default()),
                })
            }
            CommandKind::SetPatchMarker {
                patch_id,
                deprecated,
            } => C::SetPatchMarker(wc::SetPatchMarker {
                patch_id,
                deprecated,
            }),
            CommandKind::UpdateResponse {
                protocol_instance_id,
                response,
            } => C::UpdateResponse(wc::UpdateResponse {
                protocol_instance_id,
                response: Some(match response {
                    0 => wc::update_response::Response::Accepted(()),
                    1 => wc::update_response::Response::Rejected(failure_v1::Failure {
                        message: "rejected".into(),
                        ..Default::default()
                    }),
                    _ => wc::update_response::Response::Completed(json_null()),
                }),
            }),
            CommandKind::CompleteWorkflow => {
                C::CompleteWorkflowExecution(wc::CompleteWorkflowExecution { result: None })
            }
            CommandKind::FailWorkflow { message } => {
                C::FailWorkflowExecution(wc::FailWorkflowExecution {
                    failure: Some(failure_v1::Failure {
                        message,
                        ..Default::default()
                    }),
                })
            }
            CommandKind::ContinueAsNew => {
                C::ContinueAsNewWorkflowExecution(wc::ContinueAsNewWorkflowExecution {
                    workflow_type: workflow_type.to_string(),
                    task_queue: task_queue.to_string(),
                    ..Default::default()
                })
            }
            CommandKind::CancelWorkflow => {
                C::CancelWorkflowExecution(wc::CancelWorkflowExecution { details: None })
            }
        })
        .collect()
}
