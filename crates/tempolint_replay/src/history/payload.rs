//! Payloads (`{"metadata": {"encoding": <base64>}, "data": <base64>}`) and failures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// One `temporal.api.common.v1.Payload`, kept base64-encoded until someone reads it.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    metadata: Vec<(String, String)>,
    data: String,
}

impl<'de> Deserialize<'de> for PayloadWire {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(default)]
        #[derive(Default)]
        struct Wire {
            metadata: std::collections::BTreeMap<String, String>,
            data: String,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(PayloadWire(Payload {
            metadata: wire.metadata.into_iter().collect(),
            data: wire.data,
        }))
    }
}

/// Serde adapter: payloads as they appear on the wire.
pub(crate) struct PayloadWire(pub(crate) Payload);

/// `{"payloads": [...]}`.
#[derive(Default)]
pub(crate) struct PayloadsWire(pub(crate) Vec<Payload>);

impl<'de> Deserialize<'de> for PayloadsWire {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Wire {
            payloads: Vec<PayloadWire>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(PayloadsWire(
            wire.payloads.into_iter().map(|p| p.0).collect(),
        ))
    }
}

impl Payload {
    /// A `json/plain` payload holding `json` (used by tests and synthetic events).
    pub fn json_payload(json: &str) -> Self {
        Self {
            metadata: vec![("encoding".to_string(), STANDARD.encode("json/plain"))],
            data: STANDARD.encode(json),
        }
    }

    fn metadata_value(&self, key: &str) -> Option<String> {
        let (_, value) = self.metadata.iter().find(|(name, _)| name == key)?;
        let bytes = STANDARD.decode(value).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// The decoded `encoding` metadata (`json/plain`, `binary/null`, ...).
    pub fn encoding(&self) -> String {
        self.metadata_value("encoding").unwrap_or_default()
    }

    /// Size of the decoded data in bytes, computed from the base64 text without decoding.
    pub fn data_len(&self) -> usize {
        let text = self.data.trim_end_matches('=');
        text.len() * 3 / 4
    }

    pub fn data(&self) -> Result<Vec<u8>, String> {
        STANDARD
            .decode(&self.data)
            .map_err(|error| format!("payload data is not base64: {error}"))
    }

    /// The payload as JSON: `json/plain` data parsed, `binary/null` as `null`.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        let encoding = self.encoding();
        match encoding.as_str() {
            "binary/null" => Ok(serde_json::Value::Null),
            "json/plain" => {
                let data = self.data()?;
                serde_json::from_slice(&data)
                    .map_err(|error| format!("json/plain payload does not parse: {error}"))
            }
            "binary/plain" => {
                let data = self.data()?;
                Ok(serde_json::Value::String(
                    String::from_utf8_lossy(&data).into_owned(),
                ))
            }
            other => Err(format!("payload encoding `{other}` is not supported")),
        }
    }
}

/// `temporal.api.failure.v1.Failure`, as far as the failure converter needs it.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub message: String,
    pub cause: Option<Box<Failure>>,
    pub info: FailureInfo,
}

/// Which kind of failure it is (`applicationFailureInfo`, `canceledFailureInfo`, ...).
#[derive(Debug, Clone, Default)]
pub enum FailureInfo {
    Application {
        error_type: String,
        non_retryable: bool,
        details: Vec<Payload>,
    },
    Canceled {
        details: Vec<Payload>,
    },
    Timeout {
        timeout_type: String,
    },
    Terminated,
    Server {
        non_retryable: bool,
    },
    Activity {
        activity_type: String,
        activity_id: String,
        retry_state: String,
    },
    ChildWorkflow {
        workflow_type: String,
        workflow_id: String,
        retry_state: String,
    },
    #[default]
    Other,
}

impl<'de> Deserialize<'de> for Failure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Application {
            #[serde(rename = "type")]
            error_type: String,
            non_retryable: bool,
            details: PayloadsWire,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Canceled {
            details: PayloadsWire,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Timeout {
            timeout_type: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Server {
            non_retryable: bool,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Named {
            name: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct ActivityInfo {
            activity_type: Named,
            activity_id: String,
            retry_state: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Execution {
            workflow_id: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Child {
            workflow_type: Named,
            workflow_execution: Execution,
            retry_state: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Wire {
            message: String,
            cause: Option<Box<Failure>>,
            application_failure_info: Option<Application>,
            canceled_failure_info: Option<Canceled>,
            timeout_failure_info: Option<Timeout>,
            terminated_failure_info: Option<serde::de::IgnoredAny>,
            server_failure_info: Option<Server>,
            activity_failure_info: Option<ActivityInfo>,
            child_workflow_execution_failure_info: Option<Child>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let info = if let Some(app) = wire.application_failure_info {
            FailureInfo::Application {
                error_type: app.error_type,
                non_retryable: app.non_retryable,
                details: app.details.0,
            }
        } else if let Some(canceled) = wire.canceled_failure_info {
            FailureInfo::Canceled {
                details: canceled.details.0,
            }
        } else if let Some(timeout) = wire.timeout_failure_info {
            FailureInfo::Timeout {
                timeout_type: timeout.timeout_type,
            }
        } else if wire.terminated_failure_info.is_some() {
            FailureInfo::Terminated
        } else if let Some(server) = wire.server_failure_info {
            FailureInfo::Server {
                non_retryable: server.non_retryable,
            }
        } else if let Some(activity) = wire.activity_failure_info {
            FailureInfo::Activity {
                activity_type: activity.activity_type.name,
                activity_id: activity.activity_id,
                retry_state: activity.retry_state,
            }
        } else if let Some(child) = wire.child_workflow_execution_failure_info {
            FailureInfo::ChildWorkflow {
                workflow_type: child.workflow_type.name,
                workflow_id: child.workflow_execution.workflow_id,
                retry_state: child.retry_state,
            }
        } else {
            FailureInfo::Other
        };
        Ok(Failure {
            message: wire.message,
            cause: wire.cause,
            info,
        })
    }
}

impl Failure {
    /// The failure sdk-core builds around an activity's own failure.
    pub fn wrap_activity(
        message: &str,
        activity_type: &str,
        activity_id: &str,
        retry_state: &str,
        cause: Option<Failure>,
    ) -> Self {
        Failure {
            message: message.to_string(),
            cause: cause.map(Box::new),
            info: FailureInfo::Activity {
                activity_type: activity_type.to_string(),
                activity_id: activity_id.to_string(),
                retry_state: retry_state.to_string(),
            },
        }
    }

    pub fn canceled(message: &str) -> Self {
        Failure {
            message: message.to_string(),
            cause: None,
            info: FailureInfo::Canceled {
                details: Vec::new(),
            },
        }
    }
}
