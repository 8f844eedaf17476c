//! Which executions to replay: one visibility query per workflow type (the most recent
//! `limit`, open and closed), narrowed by `--since` and the user's own `--query`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::RemoteError;

/// What to list.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The workflow types to list (those the given source defines).
    pub workflow_types: Vec<String>,
    /// A visibility query ANDed to each type's (`--query`).
    pub query: Option<String>,
    /// Only executions started at or after this RFC 3339 instant (`--since`).
    pub since: Option<String>,
    /// The most recent executions per workflow type (`--limit`).
    pub limit: usize,
}

impl Selection {
    /// `(workflow type, visibility query)` pairs, one per type, in the order given.
    pub fn queries(&self) -> Vec<(String, String)> {
        self.workflow_types
            .iter()
            .map(|workflow_type| {
                let mut clauses = vec![format!("WorkflowType = {}", quote(workflow_type))];
                if let Some(since) = &self.since {
                    clauses.push(format!("StartTime >= {}", quote(since)));
                }
                if let Some(query) = self
                    .query
                    .as_deref()
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                {
                    clauses.push(format!("({query})"));
                }
                (workflow_type.clone(), clauses.join(" AND "))
            })
            .collect()
    }
}

/// A string literal of the visibility query language.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `--since`: a duration back from `now` (`90s`, `30m`, `24h`, `7d`) or an RFC 3339 timestamp
/// (`2026-01-31T00:00:00Z`), as the RFC 3339 instant the query compares `StartTime` with.
pub fn parse_since(text: &str, now: SystemTime) -> Result<String, RemoteError> {
    let text = text.trim();
    let bad = || {
        RemoteError::Usage(format!(
            "--since {text}: expected a duration (`30m`, `24h`, `7d`) or an RFC 3339 timestamp (`2026-01-31T00:00:00Z`)"
        ))
    };
    if looks_like_timestamp(text) {
        return Ok(text.to_string());
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    let back = Duration::from_secs(number.checked_mul(seconds).ok_or_else(bad)?);
    let instant = now.checked_sub(back).ok_or_else(bad)?;
    let since_epoch = instant.duration_since(UNIX_EPOCH).map_err(|_| bad())?;
    Ok(rfc3339(since_epoch.as_secs()))
}

/// `YYYY-MM-DDTHH:MM:SS…`, checked by shape only (the server parses it).
fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't' | b' ')
        && bytes[13] == b':'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(|range| bytes[range].iter().all(u8::is_ascii_digit))
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC), as prost's
/// `Timestamp` prints it.
fn rfc3339(seconds: u64) -> String {
    prost_types::Timestamp {
        seconds: i64::try_from(seconds).unwrap_or(i64::MAX),
        nanos: 0,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_per_type_with_since_and_user_query() {
        let selection = Selection {
            workflow_types: vec!["Order".to_string(), "It's".to_string()],
            query: Some("TaskQueue = 'q'".to_string()),
            since: Some("2026-01-02T03:04:05Z".to_string()),
            limit: 5,
        };
        assert_eq!(
            selection.queries(),
            vec![
                (
                    "Order".to_string(),
                    "WorkflowType = 'Order' AND StartTime >= '2026-01-02T03:04:05Z' AND (TaskQueue = 'q')".to_string()
                ),
                (
                    "It's".to_string(),
                    "WorkflowType = 'It\\'s' AND StartTime >= '2026-01-02T03:04:05Z' AND (TaskQueue = 'q')".to_string()
                ),
            ]
        );
        let plain = Selection {
            workflow_types: vec!["Order".to_string()],
            query: Some("  ".to_string()),
            since: None,
            limit: 5,
        };
        assert_eq!(plain.queries()[0].1, "WorkflowType = 'Order'");
    }

    #[test]
    fn since_durations_and_timestamps() {
        let now = UNIX_EPOCH + Duration::from_hours(490_896); // 2026-01-01T00:00:00Z
        assert_eq!(parse_since("1d", now).unwrap(), "2025-12-31T00:00:00Z");
        assert_eq!(parse_since("90m", now).unwrap(), "2025-12-31T22:30:00Z");
        assert_eq!(parse_since("2w", now).unwrap(), "2025-12-18T00:00:00Z");
        assert_eq!(
            parse_since("2024-02-29T12:00:00Z", now).unwrap(),
            "2024-02-29T12:00:00Z"
        );
        for bad in ["", "7", "7y", "d", "yesterday", "99999999999999999999d"] {
            let error = parse_since(bad, now).expect_err(bad);
            assert!(error.to_string().contains("--since"), "{error}");
        }
    }

    #[test]
    fn rfc3339_leap_years() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_709_164_800 + 43_200), "2024-02-29T12:00:00Z");
    }
}
