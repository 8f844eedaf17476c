//! JSON → typed history. Fast path: each event is split off as raw JSON and its attributes are
//! deserialized into small typed structs (payload data stays base64 until read). Errors name the
//! file, the event (index and id) and the field.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::attributes::parse_attributes;
use super::{Attributes, Event, EventType, History};

/// A history that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{file}: cannot read the history: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}: not a workflow history: {message}")]
    NotAHistory { file: String, message: String },
    #[error("{file}: event #{index}{}: field `{field}`: {message}", event_id.map(|id| format!(" (eventId {id})")).unwrap_or_default())]
    Malformed {
        file: String,
        /// 0-based position in `events`.
        index: usize,
        event_id: Option<i64>,
        field: String,
        message: String,
    },
}

/// Reads and parses a history file.
pub fn load_history(path: &Path) -> Result<History, HistoryError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| HistoryError::Unreadable {
        file: file.clone(),
        message: error.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|error| HistoryError::NotAHistory {
        file: file.clone(),
        message: format!("not UTF-8 text ({error})"),
    })?;
    parse_history(&text, &file)
}

/// Parses history JSON; `file` names the source in errors.
pub fn parse_history(text: &str, file: &str) -> Result<History, HistoryError> {
    let not_history = |message: String| HistoryError::NotAHistory {
        file: file.to_string(),
        message,
    };
    let raw_events: Vec<&RawValue> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|error| not_history(error.to_string()))?
    } else {
        match serde_json::from_str::<RawHistory<'_>>(text) {
            Ok(RawHistory {
                events: Some(events),
            }) => events,
            Ok(RawHistory { events: None }) => {
                return Err(not_history("no `events` array".to_string()));
            }
            Err(error) => return Err(not_history(error.to_string())),
        }
    };
    if raw_events.is_empty() {
        return Err(not_history("the `events` array is empty".to_string()));
    }
    let mut events = Vec::with_capacity(raw_events.len());
    for (index, raw) in raw_events.iter().enumerate() {
        let event = parse_event(raw.get(), index).map_err(|(event_id, field, message)| {
            HistoryError::Malformed {
                file: file.to_string(),
                index,
                event_id,
                field,
                message,
            }
        })?;
        events.push(event);
    }
    for (index, pair) in events.windows(2).enumerate() {
        if pair[1].id != pair[0].id + 1 {
            return Err(HistoryError::Malformed {
                file: file.to_string(),
                index: index + 1,
                event_id: Some(pair[1].id),
                field: "eventId".to_string(),
                message: format!(
                    "event ids must be consecutive, but {} follows {}",
                    pair[1].id, pair[0].id
                ),
            });
        }
    }
    if !matches!(
        events[0].attributes,
        Attributes::WorkflowExecutionStarted(_)
    ) {
        return Err(HistoryError::Malformed {
            file: file.to_string(),
            index: 0,
            event_id: Some(events[0].id),
            field: "eventType".to_string(),
            message: format!(
                "the first event must be WorkflowExecutionStarted, not {}",
                events[0].event_type.pascal_name()
            ),
        });
    }
    Ok(History {
        events,
        size_bytes: text.len(),
    })
}

#[derive(Deserialize)]
struct RawHistory<'a> {
    #[serde(borrow)]
    events: Option<Vec<&'a RawValue>>,
}

type EventError = (Option<i64>, String, String);

/// The event envelope: id, type, time and the one `*EventAttributes` object (kept raw).
#[derive(Default)]
struct Envelope<'a> {
    event_id: Option<Result<i64, String>>,
    event_type: Option<String>,
    event_time: Option<String>,
    worker_may_ignore: bool,
    attributes: Option<(String, &'a RawValue)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Envelope<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for EnvelopeVisitor<'a> {
            type Value = Envelope<'a>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a history event object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Envelope<'a>, M::Error> {
                let mut envelope = Envelope::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "eventId" => envelope.event_id = Some(map.next_value::<Int64>()?.0),
                        "eventType" => envelope.event_type = Some(map.next_value::<EnumText>()?.0),
                        "eventTime" => envelope.event_time = map.next_value::<Option<String>>()?,
                        "workerMayIgnore" => {
                            envelope.worker_may_ignore =
                                map.next_value::<Option<bool>>()?.unwrap_or(false);
                        }
                        name if name.ends_with("EventAttributes") => {
                            let raw: &'de RawValue = map.next_value()?;
                            envelope.attributes = Some((name.to_string(), raw));
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(envelope)
            }
        }
        deserializer.deserialize_map(EnvelopeVisitor(std::marker::PhantomData))
    }
}

fn parse_event(text: &str, index: usize) -> Result<Event, EventError> {
    let envelope: Envelope<'_> = serde_json::from_str(text)
        .map_err(|error| (None, field_at(text, &error), message_of(&error)))?;
    let id = match envelope.event_id {
        Some(Ok(id)) => id,
        Some(Err(message)) => return Err((None, "eventId".to_string(), message)),
        None => return Err((None, "eventId".to_string(), "missing".to_string())),
    };
    if id != i64::try_from(index).unwrap_or(i64::MAX) + 1 && index == 0 && id != 1 {
        return Err((
            Some(id),
            "eventId".to_string(),
            "the first event must have eventId 1".to_string(),
        ));
    }
    let type_text = envelope
        .event_type
        .ok_or_else(|| (Some(id), "eventType".to_string(), "missing".to_string()))?;
    let event_type = EventType::parse(&type_text).ok_or_else(|| {
        (
            Some(id),
            "eventType".to_string(),
            format!("unknown event type `{type_text}`"),
        )
    })?;
    let time_nanos = match envelope.event_time.as_deref() {
        None | Some("") => 0,
        Some(time) => parse_rfc3339(time).ok_or_else(|| {
            (
                Some(id),
                "eventTime".to_string(),
                format!("not an RFC 3339 timestamp: `{time}`"),
            )
        })?,
    };
    let expected_key = event_type.attributes_key();
    let attributes = match envelope.attributes {
        Some((key, raw)) if key == expected_key => parse_attributes(event_type, raw.get())
            .map_err(|(field, message)| (Some(id), format!("{key}.{field}"), message))?,
        Some((key, _)) => {
            return Err((
                Some(id),
                key,
                format!(
                    "a {} event carries `{expected_key}`",
                    event_type.pascal_name()
                ),
            ));
        }
        None if envelope.worker_may_ignore => Attributes::Other,
        None => parse_attributes(event_type, "{}").map_err(|(_, message)| {
            (
                Some(id),
                expected_key.clone(),
                format!("missing ({message})"),
            )
        })?,
    };
    Ok(Event {
        id,
        event_type,
        time_nanos,
        worker_may_ignore: envelope.worker_may_ignore,
        attributes,
    })
}

/// The key whose value the error points into, found from the error column (serde does not name
/// struct fields in type errors).
pub(super) fn field_at(text: &str, error: &serde_json::Error) -> String {
    if let Some(rest) = error.to_string().split("missing field `").nth(1) {
        return rest.split('`').next().unwrap_or_default().to_string();
    }
    let line_start: usize = text
        .split('\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.len() + 1)
        .sum();
    let end = (line_start + error.column()).min(text.len());
    let before = &text[..end];
    let mut search = before;
    while let Some(colon) = search.rfind(':') {
        let key_part = search[..colon].trim_end();
        if let Some(stripped) = key_part.strip_suffix('"')
            && let Some(open) = stripped.rfind('"')
        {
            return stripped[open + 1..].to_string();
        }
        search = &search[..colon];
    }
    "(value)".to_string()
}

/// A serde message without its position (which points into the event's own text, not the file).
pub(super) fn message_of(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// An int64 the proto3 JSON way: a string of digits, or a plain number.
struct Int64(Result<i64, String>);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Int64(match &value {
            serde_json::Value::String(text) => text
                .parse::<i64>()
                .map_err(|_| format!("expected an int64, got \"{text}\"")),
            serde_json::Value::Number(number) => number
                .as_i64()
                .ok_or_else(|| format!("expected an int64, got {number}")),
            serde_json::Value::Null => Ok(0),
            other => Err(format!("expected an int64, got {other}")),
        }))
    }
}

/// Deserializes an int64 field strictly (type errors become serde errors).
pub(super) fn int64<'de, D: de::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Int64::deserialize(deserializer)?
        .0
        .map_err(de::Error::custom)
}

/// An enum value: a string, or its numeric code.
struct EnumText(String);

impl<'de> Deserialize<'de> for EnumText {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(EnumText(text)),
            serde_json::Value::Number(number) => Ok(EnumText(number.to_string())),
            other => Err(de::Error::custom(format!(
                "expected an enum name, got {other}"
            ))),
        }
    }
}

pub(super) fn enum_text<'de, D: de::Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    Ok(EnumText::deserialize(deserializer)?.0)
}

/// `2026-11-28T17:56:49.467701754Z` (or with a `+hh:mm` offset) → nanoseconds since the epoch.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut nanos: i64 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<9}", &fraction[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const STARTED: &str = r#"{"eventId": "1", "eventTime": "2026-11-28T17:56:49.467701754Z", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
        "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"}, "originalExecutionRunId": "r", "workflowId": "w"}}"#;

    #[test]
    fn loads_sdk_and_pascal_case_spellings() {
        let text = format!(
            r#"{{"events": [{STARTED}, {{"eventId": 2, "eventType": "WorkflowTaskScheduled", "workflowTaskScheduledEventAttributes": {{}}}},
            {{"eventId": "3", "eventType": "TimerStarted", "timerStartedEventAttributes": {{"timerId": "1", "startToFireTimeout": "2s"}}}}]}}"#
        );
        let history = parse_history(&text, "h.json").unwrap();
        assert_eq!(history.events.len(), 3);
        assert_eq!(history.events[2].event_type, EventType::TimerStarted);
        assert!(
            matches!(&history.events[2].attributes, Attributes::TimerStarted { timer_id } if timer_id == "1")
        );
        assert_eq!(history.workflow_started().unwrap().workflow_type, "W");
        assert_eq!(history.events[0].time_nanos, 1_795_888_609_467_701_754);
    }

    #[test]
    fn malformed_fields_name_the_event_and_the_field() {
        let text = format!(
            r#"{{"events": [{STARTED}, {{"eventId": "2", "eventType": "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",
            "activityTaskCompletedEventAttributes": {{"scheduledEventId": "five"}}}}]}}"#
        );
        let error = parse_history(&text, "h.json").unwrap_err().to_string();
        assert_eq!(
            error,
            "h.json: event #1 (eventId 2): field `activityTaskCompletedEventAttributes.scheduledEventId`: expected an int64, got \"five\""
        );
        let text = format!(
            r#"{{"events": [{STARTED}, {{"eventId": "2", "eventType": "EVENT_TYPE_NOPE"}}]}}"#
        );
        let error = parse_history(&text, "h.json").unwrap_err().to_string();
        assert_eq!(
            error,
            "h.json: event #1 (eventId 2): field `eventType`: unknown event type `EVENT_TYPE_NOPE`"
        );
        let text = format!(r#"{{"events": [{STARTED}, {{"eventId": "x2"}}]}}"#);
        let error = parse_history(&text, "h.json").unwrap_err().to_string();
        assert_eq!(
            error,
            "h.json: event #1: field `eventId`: expected an int64, got \"x2\""
        );
    }

    #[test]
    fn rejects_non_histories() {
        assert!(matches!(
            parse_history("[]", "a"),
            Err(HistoryError::NotAHistory { .. })
        ));
        assert!(matches!(
            parse_history("{\"x\": 1}", "a"),
            Err(HistoryError::NotAHistory { .. })
        ));
        assert!(matches!(
            parse_history("{", "a"),
            Err(HistoryError::NotAHistory { .. })
        ));
        let gap = format!(
            r#"{{"events": [{STARTED}, {{"eventId": "3", "eventType": "TimerStarted"}}]}}"#
        );
        assert!(
            parse_history(&gap, "a")
                .unwrap_err()
                .to_string()
                .contains("consecutive")
        );
    }

    #[test]
    fn parses_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("1970-01-01T01:00:00.5+01:00"),
            Some(500_000_000)
        );
        assert_eq!(parse_rfc3339("nope"), None);
    }
}
