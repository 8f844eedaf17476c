//! The one code -> rule table. Each rule's documentation is the doc comment of its violation
//! struct, captured by [`violation!`](crate::rules::violation).

use crate::diagnostic::Severity;

/// Where the documentation (`docs/` of the repository) is published.
pub const DOCS_URL: &str = "https://tempolint.dev";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
}

macro_rules! define_rules {
    ($( $code:literal => $variant:ident, $name:literal, $severity:ident, $fix:ident, $default:literal, $module:path; )*) => {
        /// Every rule tempolint knows, in code order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( $variant, )*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$( Rule::$variant, )*];

            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// The kebab-case name (`wall-clock`).
            pub fn name(self) -> &'static str {
                match self { $( Rule::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$severity, )* }
            }

            pub fn fix_availability(self) -> FixAvailability {
                match self { $( Rule::$variant => FixAvailability::$fix, )* }
            }

            /// Enabled when no `select` is given (opt-in rules are not).
            pub fn is_default(self) -> bool {
                match self { $( Rule::$variant => $default, )* }
            }

            /// The rule's documentation (Markdown), from its violation's doc comment.
            pub fn doc(self) -> &'static str {
                use $crate::rules::*;
                match self { $( Rule::$variant => { use $module as m; m::DOC } )* }
            }
        }
    };
}

define_rules! {
    "DET101" => WallClock, "wall-clock", Error, Sometimes, true, determinism::wall_clock;
    "DET102" => Randomness, "randomness", Error, Sometimes, true, determinism::randomness;
    "DET103" => UuidGeneration, "uuid-generation", Error, Sometimes, true, determinism::uuid_generation;
    "DET104" => FileSystemAccess, "file-system-access", Error, None, true, determinism::file_system_access;
    "DET105" => NetworkAccess, "network-access", Error, None, true, determinism::network_access;
    "DET106" => ThreadsAndProcesses, "threads-and-processes", Error, None, true, determinism::threads_and_processes;
    "DET107" => HostEnvironment, "host-environment", Error, None, true, determinism::host_environment;
    "DET108" => WorkflowTimeSleep, "workflow-time-sleep", Error, Sometimes, true, determinism::workflow_time_sleep;
    "DET109" => SandboxRestricted, "sandbox-restricted", Error, None, true, determinism::sandbox_restricted;
    "DET201" => AsyncioWait, "asyncio-wait", Error, Sometimes, true, determinism::asyncio_wait;
    "DET202" => SetIteration, "set-iteration", Warning, Sometimes, true, determinism::set_iteration;
    "DET203" => HashOrId, "hash-or-id", Warning, None, true, determinism::hash_or_id;
    "DET204" => GlobalMutation, "global-mutation", Warning, None, true, determinism::global_mutation;
    "DET301" => ImportTimeRestricted, "import-time-restricted", Error, None, true, determinism::import_time_restricted;
    "DET302" => UnpassedImport, "unpassed-import", Warning, None, true, determinism::unpassed_import;
    "DET401" => WorkflowLogging, "workflow-logging", Warning, Sometimes, true, determinism::workflow_logging;
    "TMO101" => MissingActivityTimeout, "missing-activity-timeout", Error, Sometimes, true, timeouts::missing_activity_timeout;
    "TMO102" => HeartbeatTimeoutWithoutHeartbeat, "heartbeat-timeout-without-heartbeat", Warning, None, true, timeouts::heartbeat_timeout_without_heartbeat;
    "TMO103" => HeartbeatWithoutTimeout, "heartbeat-without-timeout", Warning, None, true, timeouts::heartbeat_without_timeout;
    "TMO104" => UnboundedRetries, "unbounded-retries", Info, None, false, timeouts::unbounded_retries;
    "BLK101" => AsyncSleep, "async-activity-sleep", Error, Sometimes, true, blocking::async_activity_sleep;
    "BLK102" => BlockingNetwork, "blocking-network", Error, None, true, blocking::blocking_network;
    "BLK103" => BlockingFileIo, "blocking-file-io", Warning, None, true, blocking::blocking_file_io;
    "BLK104" => BlockingWait, "blocking-wait", Error, None, true, blocking::blocking_wait;
    "BLK105" => SyncClient, "sync-client", Warning, None, true, blocking::sync_client;
    "PAY101" => OversizedPayload, "oversized-payload", Error, None, true, payload::oversized_payload;
    "PAY102" => WholeContentReturn, "whole-content-return", Warning, None, true, payload::whole_content_return;
    "PAY103" => UnboundedHistory, "unbounded-history", Warning, None, true, payload::unbounded_history;
    "API101" => ExtraPositionalArguments, "extra-positional-arguments", Error, Sometimes, true, api::extra_positional_arguments;
    "API102" => NonTimedeltaDuration, "non-timedelta-duration", Error, Sometimes, true, api::non_timedelta_duration;
    "API103" => UnawaitedCall, "unawaited-call", Error, Sometimes, true, api::unawaited_call;
    "API104" => ArgumentMismatch, "argument-mismatch", Error, None, true, api::argument_mismatch;
    "API105" => UnregisteredName, "unregistered-name", Warning, Sometimes, true, api::unregistered_name;
    "API106" => InvalidWorkflowDefinition, "invalid-workflow-definition", Error, None, true, api::invalid_workflow_definition;
    "API107" => WorkflowTaskException, "workflow-task-exception", Warning, None, true, api::workflow_task_exception;
    "API108" => WrongContextCall, "wrong-context-call", Error, None, true, api::wrong_context_call;
    "API109" => UnknownSdkName, "unknown-sdk-name", Error, None, true, api::unknown_sdk_name;
    "API110" => UndecoratedActivity, "undecorated-activity", Error, None, true, api::undecorated_activity;
    "API111" => AwaitedSyncCall, "awaited-sync-call", Error, Sometimes, true, api::awaited_sync_call;
    "API112" => WaitConditionResult, "wait-condition-result", Error, None, true, api::wait_condition_result;
    "REP101" => ReplayDivergence, "replay-divergence", Error, None, true, replay::replay_divergence;
    "REP102" => HistoryPayloadSize, "history-payload-size", Warning, None, true, replay::history_payload_size;
    "REP103" => HistoryLength, "history-length", Warning, None, true, replay::history_length;
    "SYN001" => SyntaxError, "syntax-error", Error, None, true, syntax_error;
    "SUP001" => UnusedSuppression, "unused-suppression", Warning, None, false, unused_suppression;
}

impl Rule {
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(code))
    }

    /// The first sentence of the rule's "What it does" section, on one line.
    pub fn summary(self) -> String {
        let doc = self.doc();
        let section = doc
            .split_once("## What it does")
            .map_or(doc, |(_, rest)| rest);
        let paragraph = section
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or_default();
        let words: Vec<&str> = paragraph.split_whitespace().collect();
        let text = words.join(" ");
        match text.find(". ") {
            Some(end) => text[..=end].to_string(),
            None => text,
        }
    }

    /// The rule's documentation page: `docs/rules/<CODE>.md` in the repository, served under
    /// [`DOCS_URL`].
    /// Whether `tempolint replay` reports this rule rather than `check`.
    pub fn is_replay(self) -> bool {
        self.code().starts_with("REP")
    }

    pub fn url(self) -> String {
        format!("{DOCS_URL}/rules/{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_with_the_fixed_sections() {
        for rule in Rule::ALL {
            let doc = rule.doc();
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(doc.contains(section), "{} lacks {section}", rule.code());
            }
            assert!(!rule.summary().is_empty(), "{}", rule.code());
        }
    }

    #[test]
    fn codes_are_unique() {
        let codes: Vec<_> = Rule::ALL.iter().map(|rule| rule.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes.len(), sorted.len());
    }
}
