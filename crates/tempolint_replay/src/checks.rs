//! REP102/REP103: checks of the history itself, run on every replay.

use crate::history::{Attributes, History, Payload};

/// Payloads above this size draw a warning (REP102).
pub(crate) const PAYLOAD_WARN_BYTES: usize = 512 * 1024;
/// Payloads above this size are an error (REP102): the server rejects them.
pub(crate) const PAYLOAD_ERROR_BYTES: usize = 2 * 1024 * 1024;
/// Histories above this many events should continue-as-new (REP103).
pub(crate) const HISTORY_WARN_EVENTS: usize = 10_240;
/// Histories above this size should continue-as-new (REP103).
pub(crate) const HISTORY_WARN_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A finding about a history (not about a replay divergence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub event_id: Option<i64>,
}

pub(crate) fn check_history(history: &History) -> Vec<Finding> {
    let mut findings = Vec::new();
    for event in &history.events {
        for payload in event_payloads(&event.attributes) {
            let size = payload.data_len();
            if size > PAYLOAD_WARN_BYTES {
                let severity = if size > PAYLOAD_ERROR_BYTES {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                findings.push(Finding {
                    code: "REP102",
                    severity,
                    message: format!(
                        "{} (event {}) carries a {} KiB payload (limit: 2 MiB per payload; keep payloads small and pass references to large data instead)",
                        event.event_type.pascal_name(),
                        event.id,
                        size / 1024
                    ),
                    event_id: Some(event.id),
                });
            }
        }
    }
    if history.events.len() > HISTORY_WARN_EVENTS || history.size_bytes > HISTORY_WARN_BYTES {
        findings.push(Finding {
            code: "REP103",
            severity: Severity::Warning,
            message: format!(
                "the history has {} events ({} KiB); above {HISTORY_WARN_EVENTS} events or 10 MiB, use `workflow.continue_as_new` (the server terminates runs at 51,200 events or 50 MiB)",
                history.events.len(),
                history.size_bytes / 1024
            ),
            event_id: None,
        });
    }
    findings
}

fn event_payloads(attributes: &Attributes) -> Vec<&Payload> {
    match attributes {
        Attributes::WorkflowExecutionStarted(started) => started.input.iter().collect(),
        Attributes::ActivityTaskScheduled { input, .. }
        | Attributes::WorkflowExecutionSignaled { input, .. }
        | Attributes::StartChildWorkflowExecutionInitiated { input, .. }
        | Attributes::SignalExternalWorkflowExecutionInitiated { input, .. }
        | Attributes::WorkflowExecutionContinuedAsNew { input } => input.iter().collect(),
        Attributes::ActivityTaskCompleted { result, .. }
        | Attributes::ChildWorkflowExecutionCompleted { result, .. }
        | Attributes::WorkflowExecutionCompleted { result } => result.iter().collect(),
        Attributes::MarkerRecorded(marker) => marker
            .details
            .iter()
            .flat_map(|(_, payloads)| payloads.iter())
            .collect(),
        Attributes::WorkflowExecutionUpdateAccepted(accepted) => accepted.args.iter().collect(),
        Attributes::WorkflowExecutionUpdateCompleted { payloads, .. }
        | Attributes::WorkflowPropertiesModified { payloads }
        | Attributes::UpsertWorkflowSearchAttributes { payloads, .. } => payloads.iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::parse_history;

    fn history_with(payload_bytes: usize, extra_events: usize) -> History {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let data = engine.encode(format!("\"{}\"", "x".repeat(payload_bytes)));
        let mut events = vec![format!(
            r#"{{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "workflowExecutionStartedEventAttributes": {{"workflowType": {{"name": "W"}}, "input": {{"payloads": [{{"metadata": {{"encoding": "{}"}}, "data": "{data}"}}]}}}}}}"#,
            engine.encode("json/plain")
        )];
        for index in 0..extra_events {
            events.push(format!(r#"{{"eventId": "{}", "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED", "workflowTaskScheduledEventAttributes": {{}}}}"#, index + 2));
        }
        parse_history(&format!("{{\"events\": [{}]}}", events.join(",")), "h.json").unwrap()
    }

    #[test]
    fn large_payloads_are_rep102() {
        assert!(check_history(&history_with(1000, 0)).is_empty());
        let warning = check_history(&history_with(600 * 1024, 0));
        assert_eq!(warning.len(), 1);
        assert_eq!(
            (warning[0].code, warning[0].severity, warning[0].event_id),
            ("REP102", Severity::Warning, Some(1))
        );
        let error = check_history(&history_with(3 * 1024 * 1024, 0));
        assert_eq!(
            (error[0].code, error[0].severity),
            ("REP102", Severity::Error)
        );
    }

    #[test]
    fn long_histories_are_rep103() {
        assert!(check_history(&history_with(10, 100)).is_empty());
        let findings = check_history(&history_with(10, HISTORY_WARN_EVENTS));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, "REP103");
        assert!(findings[0].message.contains("continue_as_new"));
    }
}
