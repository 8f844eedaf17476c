//! Each event type's attributes as typed structs (unknown keys are read past; int64 fields
//! accept the proto3 string form and plain numbers).

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::load::{enum_text, field_at, int64, message_of};
use super::payload::{Failure, PayloadWire, PayloadsWire};
use super::{Attributes, EventType, Marker, ParentExecution, UpdateAccepted, WorkflowStarted};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Execution {
    workflow_id: String,
    run_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SdkMetadata {
    core_used_flags: Vec<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fields {
    fields: std::collections::BTreeMap<String, PayloadWire>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IndexedFields {
    indexed_fields: std::collections::BTreeMap<String, PayloadWire>,
}

fn fields_vec(
    map: std::collections::BTreeMap<String, PayloadWire>,
) -> Vec<(String, super::Payload)> {
    map.into_iter()
        .map(|(key, payload)| (key, payload.0))
        .collect()
}

/// Each event type's attributes, typed. Unknown keys are read past.
pub(super) fn parse_attributes(
    event_type: EventType,
    text: &str,
) -> Result<Attributes, (String, String)> {
    macro_rules! wire {
        ($($field:ident : $ty:ty $(=> $with:literal)?),* $(,)?) => {{
            #[derive(Deserialize, Default)]
            #[serde(default, rename_all = "camelCase")]
            struct Wire {
                $( $(#[serde(deserialize_with = $with)])? $field: $ty, )*
            }
            serde_json::from_str::<Wire>(text).map_err(|error| (field_at(text, &error), message_of(&error)))?
        }};
    }
    use EventType as E;
    Ok(match event_type {
        E::WorkflowExecutionStarted => {
            let w = wire!(
                workflow_type: Named, workflow_id: Option<String>, task_queue: Named, input: PayloadsWire,
                original_execution_run_id: String, first_execution_run_id: String,
                continued_execution_run_id: String, attempt: i64, cron_schedule: String,
                parent_workflow_execution: Option<Execution>, parent_workflow_namespace: String,
                workflow_run_timeout: Option<String>, workflow_execution_timeout: Option<String>,
                workflow_task_timeout: Option<String>, memo: Fields, search_attributes: IndexedFields,
                last_completion_result: PayloadsWire,
            );
            Attributes::WorkflowExecutionStarted(Box::new(WorkflowStarted {
                workflow_type: w.workflow_type.name,
                workflow_id: w.workflow_id,
                task_queue: w.task_queue.name,
                input: w.input.0,
                original_execution_run_id: w.original_execution_run_id,
                first_execution_run_id: w.first_execution_run_id,
                continued_execution_run_id: w.continued_execution_run_id,
                attempt: w.attempt,
                cron_schedule: w.cron_schedule,
                parent: w.parent_workflow_execution.map(|e| ParentExecution {
                    namespace: w.parent_workflow_namespace,
                    workflow_id: e.workflow_id,
                    run_id: e.run_id,
                }),
                run_timeout_micros: w.workflow_run_timeout.as_deref().and_then(duration_micros),
                execution_timeout_micros: w
                    .workflow_execution_timeout
                    .as_deref()
                    .and_then(duration_micros),
                task_timeout_micros: w.workflow_task_timeout.as_deref().and_then(duration_micros),
                memo: fields_vec(w.memo.fields),
                search_attributes: fields_vec(w.search_attributes.indexed_fields),
                last_completion_result: w.last_completion_result.0,
            }))
        }
        E::WorkflowTaskCompleted => {
            let w = wire!(sdk_metadata: SdkMetadata);
            Attributes::WorkflowTaskCompleted {
                core_used_flags: w.sdk_metadata.core_used_flags,
            }
        }
        E::WorkflowTaskStarted => {
            let w = wire!(history_size_bytes: i64 => "int64", suggest_continue_as_new: bool);
            Attributes::WorkflowTaskStarted {
                history_size_bytes: w.history_size_bytes,
                suggest_continue_as_new: w.suggest_continue_as_new,
            }
        }
        E::WorkflowTaskFailed => {
            let w = wire!(cause: String => "enum_text");
            Attributes::WorkflowTaskFailed { cause: w.cause }
        }
        E::ActivityTaskScheduled => {
            let w = wire!(activity_id: String, activity_type: Named, input: PayloadsWire);
            Attributes::ActivityTaskScheduled {
                activity_id: w.activity_id,
                activity_type: w.activity_type.name,
                input: w.input.0,
            }
        }
        E::ActivityTaskStarted => {
            let w = wire!(scheduled_event_id: i64 => "int64", attempt: i64);
            Attributes::ActivityTaskStarted {
                scheduled_event_id: w.scheduled_event_id,
                attempt: w.attempt,
            }
        }
        E::ActivityTaskCompleted => {
            let w = wire!(scheduled_event_id: i64 => "int64", result: PayloadsWire);
            Attributes::ActivityTaskCompleted {
                scheduled_event_id: w.scheduled_event_id,
                result: w.result.0,
            }
        }
        E::ActivityTaskFailed => {
            let w = wire!(scheduled_event_id: i64 => "int64", failure: Option<Failure>, retry_state: String => "enum_text");
            Attributes::ActivityTaskFailed {
                scheduled_event_id: w.scheduled_event_id,
                failure: w.failure,
                retry_state: w.retry_state,
            }
        }
        E::ActivityTaskTimedOut => {
            let w = wire!(scheduled_event_id: i64 => "int64", failure: Option<Failure>, retry_state: String => "enum_text");
            Attributes::ActivityTaskTimedOut {
                scheduled_event_id: w.scheduled_event_id,
                failure: w.failure,
                retry_state: w.retry_state,
            }
        }
        E::ActivityTaskCancelRequested => {
            let w = wire!(scheduled_event_id: i64 => "int64");
            Attributes::ActivityTaskCancelRequested {
                scheduled_event_id: w.scheduled_event_id,
            }
        }
        E::ActivityTaskCanceled => {
            let w = wire!(scheduled_event_id: i64 => "int64", details: PayloadsWire);
            Attributes::ActivityTaskCanceled {
                scheduled_event_id: w.scheduled_event_id,
                details: w.details.0,
            }
        }
        E::TimerStarted => {
            let w = wire!(timer_id: String);
            Attributes::TimerStarted {
                timer_id: w.timer_id,
            }
        }
        E::TimerFired => {
            let w = wire!(timer_id: String, started_event_id: i64 => "int64");
            Attributes::TimerFired {
                timer_id: w.timer_id,
                started_event_id: w.started_event_id,
            }
        }
        E::TimerCanceled => {
            let w = wire!(timer_id: String, started_event_id: i64 => "int64");
            Attributes::TimerCanceled {
                timer_id: w.timer_id,
                started_event_id: w.started_event_id,
            }
        }
        E::MarkerRecorded => {
            let w = wire!(marker_name: String, details: std::collections::BTreeMap<String, PayloadsWire>, failure: Option<Failure>);
            Attributes::MarkerRecorded(Marker {
                name: w.marker_name,
                details: w
                    .details
                    .into_iter()
                    .map(|(key, payloads)| (key, payloads.0))
                    .collect(),
                failure: w.failure,
            })
        }
        E::WorkflowExecutionSignaled => {
            let w = wire!(signal_name: String, input: PayloadsWire);
            Attributes::WorkflowExecutionSignaled {
                signal_name: w.signal_name,
                input: w.input.0,
            }
        }
        E::WorkflowExecutionCancelRequested => {
            let w = wire!(cause: String);
            Attributes::WorkflowExecutionCancelRequested { cause: w.cause }
        }
        E::StartChildWorkflowExecutionInitiated => {
            let w = wire!(workflow_id: String, workflow_type: Named, input: PayloadsWire);
            Attributes::StartChildWorkflowExecutionInitiated {
                workflow_id: w.workflow_id,
                workflow_type: w.workflow_type.name,
                input: w.input.0,
            }
        }
        E::StartChildWorkflowExecutionFailed => {
            let w = wire!(initiated_event_id: i64 => "int64", cause: String => "enum_text");
            Attributes::StartChildWorkflowExecutionFailed {
                initiated_event_id: w.initiated_event_id,
                cause: w.cause,
            }
        }
        E::ChildWorkflowExecutionStarted => {
            let w = wire!(initiated_event_id: i64 => "int64", workflow_execution: Execution);
            Attributes::ChildWorkflowExecutionStarted {
                initiated_event_id: w.initiated_event_id,
                run_id: w.workflow_execution.run_id,
            }
        }
        E::ChildWorkflowExecutionCompleted => {
            let w = wire!(initiated_event_id: i64 => "int64", result: PayloadsWire);
            Attributes::ChildWorkflowExecutionCompleted {
                initiated_event_id: w.initiated_event_id,
                result: w.result.0,
            }
        }
        E::ChildWorkflowExecutionFailed => {
            let w = wire!(initiated_event_id: i64 => "int64", failure: Option<Failure>, retry_state: String => "enum_text");
            Attributes::ChildWorkflowExecutionFailed {
                initiated_event_id: w.initiated_event_id,
                failure: w.failure,
                retry_state: w.retry_state,
            }
        }
        E::ChildWorkflowExecutionCanceled => {
            let w = wire!(initiated_event_id: i64 => "int64");
            Attributes::ChildWorkflowExecutionCanceled {
                initiated_event_id: w.initiated_event_id,
            }
        }
        E::ChildWorkflowExecutionTimedOut => {
            let w = wire!(initiated_event_id: i64 => "int64", retry_state: String => "enum_text");
            Attributes::ChildWorkflowExecutionTimedOut {
                initiated_event_id: w.initiated_event_id,
                retry_state: w.retry_state,
            }
        }
        E::ChildWorkflowExecutionTerminated => {
            let w = wire!(initiated_event_id: i64 => "int64");
            Attributes::ChildWorkflowExecutionTerminated {
                initiated_event_id: w.initiated_event_id,
            }
        }
        E::SignalExternalWorkflowExecutionInitiated => {
            let w = wire!(workflow_execution: Execution, signal_name: String, input: PayloadsWire);
            Attributes::SignalExternalWorkflowExecutionInitiated {
                workflow_id: w.workflow_execution.workflow_id,
                signal_name: w.signal_name,
                input: w.input.0,
            }
        }
        E::SignalExternalWorkflowExecutionFailed => {
            let w = wire!(initiated_event_id: i64 => "int64", cause: String => "enum_text");
            Attributes::SignalExternalWorkflowExecutionFailed {
                initiated_event_id: w.initiated_event_id,
                cause: w.cause,
            }
        }
        E::ExternalWorkflowExecutionSignaled => {
            let w = wire!(initiated_event_id: i64 => "int64");
            Attributes::ExternalWorkflowExecutionSignaled {
                initiated_event_id: w.initiated_event_id,
            }
        }
        E::RequestCancelExternalWorkflowExecutionInitiated => {
            let w = wire!(workflow_execution: Execution);
            Attributes::RequestCancelExternalWorkflowExecutionInitiated {
                workflow_id: w.workflow_execution.workflow_id,
            }
        }
        E::RequestCancelExternalWorkflowExecutionFailed => {
            let w = wire!(initiated_event_id: i64 => "int64", cause: String => "enum_text");
            Attributes::RequestCancelExternalWorkflowExecutionFailed {
                initiated_event_id: w.initiated_event_id,
                cause: w.cause,
            }
        }
        E::ExternalWorkflowExecutionCancelRequested => {
            let w = wire!(initiated_event_id: i64 => "int64");
            Attributes::ExternalWorkflowExecutionCancelRequested {
                initiated_event_id: w.initiated_event_id,
            }
        }
        E::UpsertWorkflowSearchAttributes => {
            let w = wire!(search_attributes: IndexedFields);
            let fields = fields_vec(w.search_attributes.indexed_fields);
            Attributes::UpsertWorkflowSearchAttributes {
                keys: fields.iter().map(|(key, _)| key.clone()).collect(),
                payloads: fields.into_iter().map(|(_, payload)| payload).collect(),
            }
        }
        E::WorkflowPropertiesModified => {
            let w = wire!(upserted_memo: Fields);
            Attributes::WorkflowPropertiesModified {
                payloads: fields_vec(w.upserted_memo.fields)
                    .into_iter()
                    .map(|(_, p)| p)
                    .collect(),
            }
        }
        E::WorkflowExecutionUpdateAccepted => {
            #[derive(Deserialize, Default)]
            #[serde(default, rename_all = "camelCase")]
            struct Meta {
                update_id: String,
            }
            #[derive(Deserialize, Default)]
            #[serde(default, rename_all = "camelCase")]
            struct Input {
                name: String,
                args: PayloadsWire,
            }
            #[derive(Deserialize, Default)]
            #[serde(default, rename_all = "camelCase")]
            struct Request {
                meta: Meta,
                input: Input,
            }
            let w = wire!(
                protocol_instance_id: String, accepted_request_message_id: String,
                accepted_request_sequencing_event_id: i64 => "int64", accepted_request: Request,
            );
            Attributes::WorkflowExecutionUpdateAccepted(UpdateAccepted {
                protocol_instance_id: w.protocol_instance_id,
                accepted_request_message_id: w.accepted_request_message_id,
                sequencing_event_id: w.accepted_request_sequencing_event_id,
                update_id: w.accepted_request.meta.update_id,
                name: w.accepted_request.input.name,
                args: w.accepted_request.input.args.0,
            })
        }
        E::WorkflowExecutionUpdateCompleted => {
            #[derive(Deserialize, Default)]
            #[serde(default, rename_all = "camelCase")]
            struct Meta {
                update_id: String,
            }
            #[derive(Deserialize, Default)]
            #[serde(default)]
            struct Outcome {
                success: PayloadsWire,
            }
            let w = wire!(meta: Meta, accepted_event_id: i64 => "int64", outcome: Outcome);
            Attributes::WorkflowExecutionUpdateCompleted {
                update_id: w.meta.update_id,
                accepted_event_id: w.accepted_event_id,
                payloads: w.outcome.success.0,
            }
        }
        E::WorkflowExecutionUpdateAdmitted => Attributes::WorkflowExecutionUpdateAdmitted,
        E::WorkflowExecutionCompleted => {
            let w = wire!(result: PayloadsWire);
            Attributes::WorkflowExecutionCompleted { result: w.result.0 }
        }
        E::WorkflowExecutionFailed => {
            let w = wire!(failure: Option<Failure>);
            Attributes::WorkflowExecutionFailed { failure: w.failure }
        }
        E::WorkflowExecutionContinuedAsNew => {
            let w = wire!(input: PayloadsWire);
            Attributes::WorkflowExecutionContinuedAsNew { input: w.input.0 }
        }
        _ => {
            serde_json::from_str::<IgnoredAny>(text)
                .map_err(|error| (field_at(text, &error), message_of(&error)))?;
            Attributes::Other
        }
    })
}

/// A proto3 JSON duration (`"10s"`, `"0.300s"`) in microseconds, exactly.
fn duration_micros(text: &str) -> Option<i64> {
    let seconds = text.strip_suffix('s')?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut micros_text: String = fraction.chars().take(6).collect();
    while micros_text.len() < 6 {
        micros_text.push('0');
    }
    let fraction: i64 = micros_text.parse().ok()?;
    let sign = if whole < 0 || seconds.starts_with('-') {
        -1
    } else {
        1
    };
    whole.checked_mul(1_000_000)?.checked_add(sign * fraction)
}
