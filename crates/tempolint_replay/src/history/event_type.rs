//! `temporal.api.enums.v1.EventType`, spelled `EVENT_TYPE_TIMER_STARTED`, `TimerStarted` or 17.

macro_rules! event_types {
    ($($name:ident = $code:literal,)*) => {
        /// A history event type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType {
            $($name,)*
        }

        impl EventType {
            const ALL: &'static [(EventType, &'static str, i64)] = &[
                $((EventType::$name, stringify!($name), $code),)*
            ];
        }
    };
}

event_types! {
    WorkflowExecutionStarted = 1,
    WorkflowExecutionCompleted = 2,
    WorkflowExecutionFailed = 3,
    WorkflowExecutionTimedOut = 4,
    WorkflowTaskScheduled = 5,
    WorkflowTaskStarted = 6,
    WorkflowTaskCompleted = 7,
    WorkflowTaskTimedOut = 8,
    WorkflowTaskFailed = 9,
    ActivityTaskScheduled = 10,
    ActivityTaskStarted = 11,
    ActivityTaskCompleted = 12,
    ActivityTaskFailed = 13,
    ActivityTaskTimedOut = 14,
    ActivityTaskCancelRequested = 15,
    ActivityTaskCanceled = 16,
    TimerStarted = 17,
    TimerFired = 18,
    TimerCanceled = 19,
    WorkflowExecutionCancelRequested = 20,
    WorkflowExecutionCanceled = 21,
    RequestCancelExternalWorkflowExecutionInitiated = 22,
    RequestCancelExternalWorkflowExecutionFailed = 23,
    ExternalWorkflowExecutionCancelRequested = 24,
    MarkerRecorded = 25,
    WorkflowExecutionSignaled = 26,
    WorkflowExecutionTerminated = 27,
    WorkflowExecutionContinuedAsNew = 28,
    StartChildWorkflowExecutionInitiated = 29,
    StartChildWorkflowExecutionFailed = 30,
    ChildWorkflowExecutionStarted = 31,
    ChildWorkflowExecutionCompleted = 32,
    ChildWorkflowExecutionFailed = 33,
    ChildWorkflowExecutionCanceled = 34,
    ChildWorkflowExecutionTimedOut = 35,
    ChildWorkflowExecutionTerminated = 36,
    SignalExternalWorkflowExecutionInitiated = 37,
    SignalExternalWorkflowExecutionFailed = 38,
    ExternalWorkflowExecutionSignaled = 39,
    UpsertWorkflowSearchAttributes = 40,
    WorkflowExecutionUpdateAccepted = 41,
    WorkflowExecutionUpdateRejected = 42,
    WorkflowExecutionUpdateCompleted = 43,
    WorkflowPropertiesModifiedExternally = 44,
    ActivityPropertiesModifiedExternally = 45,
    WorkflowPropertiesModified = 46,
    WorkflowExecutionUpdateAdmitted = 47,
    NexusOperationScheduled = 48,
    NexusOperationStarted = 49,
    NexusOperationCompleted = 50,
    NexusOperationFailed = 51,
    NexusOperationCanceled = 52,
    NexusOperationTimedOut = 53,
    NexusOperationCancelRequested = 54,
    WorkflowExecutionOptionsUpdated = 55,
    NexusOperationCancelRequestCompleted = 56,
    NexusOperationCancelRequestFailed = 57,
    WorkflowExecutionPaused = 58,
    WorkflowExecutionUnpaused = 59,
}

impl EventType {
    /// Parses any of the spellings the SDK's `from_json` accepts: `EVENT_TYPE_TIMER_STARTED`,
    /// `TimerStarted` (older UI/tctl exports) or the numeric code.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(screaming) = text.strip_prefix("EVENT_TYPE_") {
            return Self::ALL
                .iter()
                .find(|(_, pascal, _)| screaming_matches(pascal, screaming))
                .map(|(kind, _, _)| *kind);
        }
        if let Ok(code) = text.parse::<i64>() {
            return Self::from_code(code);
        }
        Self::ALL
            .iter()
            .find(|(_, pascal, _)| *pascal == text)
            .map(|(kind, _, _)| *kind)
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, _, c)| *c == code)
            .map(|(kind, _, _)| *kind)
    }

    /// `TimerStarted`.
    pub fn pascal_name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _, _)| *kind == self)
            .map_or("Unspecified", |(_, name, _)| name)
    }

    /// `timerStartedEventAttributes`: the JSON key of this type's attributes.
    pub fn attributes_key(self) -> String {
        let pascal = self.pascal_name();
        let mut key = String::with_capacity(pascal.len() + 15);
        let mut chars = pascal.chars();
        if let Some(first) = chars.next() {
            key.push(first.to_ascii_lowercase());
        }
        key.extend(chars);
        key.push_str("EventAttributes");
        key
    }

    pub fn is_command_event(self) -> bool {
        use EventType as E;
        matches!(
            self,
            E::ActivityTaskScheduled
                | E::ActivityTaskCancelRequested
                | E::MarkerRecorded
                | E::RequestCancelExternalWorkflowExecutionInitiated
                | E::SignalExternalWorkflowExecutionInitiated
                | E::StartChildWorkflowExecutionInitiated
                | E::TimerCanceled
                | E::TimerStarted
                | E::UpsertWorkflowSearchAttributes
                | E::WorkflowPropertiesModified
                | E::NexusOperationScheduled
                | E::NexusOperationCancelRequested
                | E::WorkflowExecutionCanceled
                | E::WorkflowExecutionCompleted
                | E::WorkflowExecutionContinuedAsNew
                | E::WorkflowExecutionFailed
                | E::WorkflowExecutionUpdateAccepted
                | E::WorkflowExecutionUpdateRejected
                | E::WorkflowExecutionUpdateCompleted
        )
    }

    pub fn is_final(self) -> bool {
        use EventType as E;
        matches!(
            self,
            E::WorkflowExecutionCompleted
                | E::WorkflowExecutionCanceled
                | E::WorkflowExecutionFailed
                | E::WorkflowExecutionTimedOut
                | E::WorkflowExecutionContinuedAsNew
                | E::WorkflowExecutionTerminated
        )
    }
}

/// `TimerStarted` vs `TIMER_STARTED`, without allocating.
fn screaming_matches(pascal: &str, screaming: &str) -> bool {
    let mut expected = screaming.bytes();
    for (index, byte) in pascal.bytes().enumerate() {
        if index > 0 && byte.is_ascii_uppercase() && expected.next() != Some(b'_') {
            return false;
        }
        if expected.next() != Some(byte.to_ascii_uppercase()) {
            return false;
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        assert_eq!(
            EventType::parse("EVENT_TYPE_TIMER_STARTED"),
            Some(EventType::TimerStarted)
        );
        assert_eq!(
            EventType::parse("TimerStarted"),
            Some(EventType::TimerStarted)
        );
        assert_eq!(EventType::parse("17"), Some(EventType::TimerStarted));
        assert_eq!(
            EventType::parse("EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"),
            Some(EventType::WorkflowExecutionUpdateAccepted)
        );
        assert_eq!(EventType::parse("EVENT_TYPE_TIMER_START"), None);
        assert_eq!(EventType::parse("Bogus"), None);
    }

    #[test]
    fn attribute_keys_are_lower_camel() {
        assert_eq!(
            EventType::ActivityTaskScheduled.attributes_key(),
            "activityTaskScheduledEventAttributes"
        );
    }
}
