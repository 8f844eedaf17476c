//! Protobuf history events → proto3 JSON (camelCase fields, enum names, 64-bit integers as
//! strings, bytes as base64): what `temporal workflow show --output json` and the Python SDK's
//! `WorkflowHistory.to_json()` write, so the replay loader reads fetched and exported histories
//! alike. The Temporal API descriptors come from `temporalio-protos` (see build.rs).

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use temporalio_protos::temporal::api::history::v1::HistoryEvent;

static DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/temporal_descriptors.bin"));

fn event_descriptor() -> &'static MessageDescriptor {
    static DESCRIPTOR: OnceLock<MessageDescriptor> = OnceLock::new();
    DESCRIPTOR.get_or_init(|| {
        DescriptorPool::decode(DESCRIPTORS)
            .expect("temporalio-protos ships a valid descriptor set")
            .get_message_by_name("temporal.api.history.v1.HistoryEvent")
            .expect("the descriptor set defines HistoryEvent")
    })
}

/// Appends `event` as one JSON object to `out`.
pub(crate) fn write_event(event: &HistoryEvent, out: &mut Vec<u8>) -> Result<(), String> {
    let dynamic =
        DynamicMessage::decode(event_descriptor().clone(), event.encode_to_vec().as_slice())
            .map_err(|error| format!("event {}: {error}", event.event_id))?;
    serde_json::to_writer(out, &dynamic)
        .map_err(|error| format!("event {}: {error}", event.event_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_protos::temporal::api::common::v1::{Payload, Payloads, WorkflowType};
    use temporalio_protos::temporal::api::enums::v1::EventType;
    use temporalio_protos::temporal::api::history::v1::WorkflowExecutionStartedEventAttributes;
    use temporalio_protos::temporal::api::history::v1::history_event::Attributes;

    #[test]
    fn events_become_proto3_json() {
        let mut payload = Payload::default();
        payload
            .metadata
            .insert("encoding".to_string(), b"json/plain".to_vec());
        payload.data = b"\"ada\"".to_vec();
        let started = WorkflowExecutionStartedEventAttributes {
            workflow_type: Some(WorkflowType {
                name: "Greeting".to_string(),
            }),
            input: Some(Payloads {
                payloads: vec![payload],
            }),
            ..WorkflowExecutionStartedEventAttributes::default()
        };
        let event = HistoryEvent {
            event_id: 1,
            event_type: EventType::WorkflowExecutionStarted as i32,
            attributes: Some(Attributes::WorkflowExecutionStartedEventAttributes(started)),
            ..HistoryEvent::default()
        };
        let mut out = Vec::new();
        write_event(&event, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "eventId": "1",
                "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
                "workflowExecutionStartedEventAttributes": {
                    "workflowType": {"name": "Greeting"},
                    "input": {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "ImFkYSI="}]},
                },
            })
        );
    }
}
