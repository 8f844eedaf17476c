//! Self-contained replay tests: small synthetic histories (built here, shaped like the SDK's
//! recordings) against small workflow sources. They need nothing from `../shared`.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::{Verdict, replay_history_file};

/// Builds history JSON the way the server records it.
struct HistoryBuilder {
    events: Vec<String>,
}

fn payload(json: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    format!(
        r#"{{"metadata": {{"encoding": "{}"}}, "data": "{}"}}"#,
        engine.encode("json/plain"),
        engine.encode(json)
    )
}

impl HistoryBuilder {
    fn new(workflow_type: &str, input: &[&str]) -> Self {
        let inputs: Vec<String> = input.iter().map(|i| payload(i)).collect();
        let mut builder = HistoryBuilder { events: Vec::new() };
        builder.push(
            "WORKFLOW_EXECUTION_STARTED",
            &format!(
                r#""workflowExecutionStartedEventAttributes": {{"workflowType": {{"name": "{workflow_type}"}}, "taskQueue": {{"name": "q"}}, "input": {{"payloads": [{}]}}, "originalExecutionRunId": "01a2234d-78bb-7ab0-9038-5f129d9f247f", "firstExecutionRunId": "01a2234d-78bb-7ab0-9038-5f129d9f247f", "attempt": 1, "workflowId": "wf-1"}}"#,
                inputs.join(", ")
            ),
        );
        builder
    }

    fn next_id(&self) -> usize {
        self.events.len() + 1
    }

    fn push(&mut self, kind: &str, attributes: &str) -> usize {
        let id = self.next_id();
        self.events.push(format!(r#"{{"eventId": "{id}", "eventTime": "2026-01-01T00:00:{:02}Z", "eventType": "EVENT_TYPE_{kind}", {attributes}}}"#, id % 60));
        id
    }

    /// WorkflowTaskScheduled + Started (+ Completed with the SDK flags when `complete`).
    fn task(&mut self, complete: bool) -> &mut Self {
        let scheduled = self.push(
            "WORKFLOW_TASK_SCHEDULED",
            r#""workflowTaskScheduledEventAttributes": {}"#,
        );
        let started = self.push(
            "WORKFLOW_TASK_STARTED",
            &format!(
                r#""workflowTaskStartedEventAttributes": {{"scheduledEventId": "{scheduled}"}}"#
            ),
        );
        if complete {
            let flags = if scheduled == 2 {
                r#""sdkMetadata": {"coreUsedFlags": [1, 2, 3]}"#
            } else {
                r#""sdkMetadata": {}"#
            };
            self.push(
                "WORKFLOW_TASK_COMPLETED",
                &format!(r#""workflowTaskCompletedEventAttributes": {{"scheduledEventId": "{scheduled}", "startedEventId": "{started}", {flags}}}"#),
            );
        }
        self
    }

    fn activity(&mut self, activity_type: &str, activity_id: &str) -> usize {
        self.push(
            "ACTIVITY_TASK_SCHEDULED",
            &format!(r#""activityTaskScheduledEventAttributes": {{"activityId": "{activity_id}", "activityType": {{"name": "{activity_type}"}}}}"#),
        )
    }

    fn activity_done(&mut self, scheduled: usize, result: &str) -> &mut Self {
        let started = self.push("ACTIVITY_TASK_STARTED", &format!(r#""activityTaskStartedEventAttributes": {{"scheduledEventId": "{scheduled}", "attempt": 1}}"#));
        self.push(
            "ACTIVITY_TASK_COMPLETED",
            &format!(r#""activityTaskCompletedEventAttributes": {{"scheduledEventId": "{scheduled}", "startedEventId": "{started}", "result": {{"payloads": [{}]}}}}"#, payload(result)),
        );
        self
    }

    fn timer(&mut self, timer_id: &str) -> usize {
        self.push("TIMER_STARTED", &format!(r#""timerStartedEventAttributes": {{"timerId": "{timer_id}", "startToFireTimeout": "1s"}}"#))
    }

    fn timer_fired(&mut self, started: usize, timer_id: &str) -> &mut Self {
        self.push("TIMER_FIRED", &format!(r#""timerFiredEventAttributes": {{"timerId": "{timer_id}", "startedEventId": "{started}"}}"#));
        self
    }

    fn signal(&mut self, name: &str, input: &str) -> &mut Self {
        self.push("WORKFLOW_EXECUTION_SIGNALED", &format!(r#""workflowExecutionSignaledEventAttributes": {{"signalName": "{name}", "input": {{"payloads": [{}]}}}}"#, payload(input)));
        self
    }

    fn completed(&mut self, result: &str) -> &mut Self {
        let completed = self.next_id() - 1;
        self.push(
            "WORKFLOW_EXECUTION_COMPLETED",
            &format!(r#""workflowExecutionCompletedEventAttributes": {{"result": {{"payloads": [{}]}}, "workflowTaskCompletedEventId": "{completed}"}}"#, payload(result)),
        );
        self
    }

    fn json(&self) -> String {
        let mut out = String::from("{\"events\": [\n");
        for (index, event) in self.events.iter().enumerate() {
            let _ = write!(out, "{}{event}", if index == 0 { "" } else { ",\n" });
        }
        out.push_str("\n]}\n");
        out
    }
}

/// Writes the history and the workflow source into a fresh folder and replays them.
fn replay(name: &str, history: &HistoryBuilder, source: &str) -> crate::ReplayResult {
    let dir = std::env::temp_dir().join(format!(
        "tempolint-replay-unit-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let history_path = dir.join("history.json");
    std::fs::write(&history_path, history.json()).unwrap();
    let source_path = dir.join(format!("{name}.py"));
    std::fs::write(&source_path, source).unwrap();
    let result = replay_history_file(
        &history_path,
        None,
        &[PathBuf::from(&source_path)],
        &crate::ReplayOptions::default(),
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    result
}

const PREAMBLE: &str = "from dataclasses import dataclass, field\nfrom datetime import timedelta\nimport asyncio\nfrom temporalio import activity, workflow\n\n\n@activity.defn\nasync def greet(name: str) -> str:\n    return name\n\n\n@activity.defn(name=\"shout\")\nasync def shout_impl(name: str) -> str:\n    return name\n";

/// One activity `greet` then completion: the shape most tests start from.
fn one_activity(activity_type: &str) -> HistoryBuilder {
    let mut history = HistoryBuilder::new("W", &["\"Ada\""]);
    history.task(true);
    let scheduled = history.activity(activity_type, "1");
    history
        .activity_done(scheduled, "\"hi Ada\"")
        .task(true)
        .completed("\"hi Ada\"");
    history
}

fn workflow(body: &str) -> String {
    format!(
        "{PREAMBLE}\n\n@workflow.defn(name=\"W\")\nclass Wf:\n    @workflow.run\n    async def run(self, name: str) -> str:\n{body}"
    )
}

#[test]
fn a_matching_activity_replays_ok() {
    let source = workflow(
        "        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n",
    );
    let result = replay("ok", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Ok, "{}", result.message);
}

#[test]
fn a_renamed_activity_is_nondeterministic_at_its_line() {
    let source = workflow(
        "        return await workflow.execute_activity(shout_impl, name, start_to_close_timeout=timedelta(seconds=5))\n",
    );
    let result = replay("renamed", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Nondeterministic);
    assert_eq!(result.event_id, Some(5));
    assert!(result.message.contains("Activity type of scheduled event 'greet' does not match activity type of activity command 'shout'"), "{}", result.message);
    let location = result.location.unwrap();
    assert_eq!(location.row, 21);
    assert!(location.line.contains("execute_activity(shout_impl"));
}

#[test]
fn computed_names_follow_python_semantics() {
    // Dataclass defaults, default factories, comprehensions, closures, f-strings, try/except,
    // **kwargs and str methods all decide the activity name here.
    let source = format!(
        "{PREAMBLE}\n\n@dataclass\nclass Plan:\n    prefix: str\n    parts: list[str] = field(default_factory=list)\n    count: int = 2\n\n\ndef build(plan: Plan, **extra) -> str:\n    def join(items):\n        return \"_\".join(items)\n    try:\n        {{}}[\"missing\"]\n    except KeyError as error:\n        suffix = str(error).strip(\"'\")\n    finally:\n        plan.count += 1\n    words = [w.lower() for w in plan.parts if w] + [extra.get('tail', 'x')]\n    return f\"{{plan.prefix}}{{join(words)[:2]}}{{suffix[0]}}{{plan.count}}\"\n\n\n@workflow.defn(name=\"W\")\nclass Wf:\n    @workflow.run\n    async def run(self, name: str) -> str:\n        activity_type = build(Plan(\"g\", [\"RE\", \"\", \"et\"]), tail=\"z\")\n        return await workflow.execute_activity(activity_type, name, start_to_close_timeout=timedelta(seconds=5))\n"
    );
    let result = replay("computed", &one_activity("grem3"), &source);
    assert_eq!(result.verdict, Verdict::Ok, "{}", result.message);
}

#[test]
fn sleeps_are_timers_but_asyncio_sleep_zero_is_not() {
    let mut history = HistoryBuilder::new("W", &["\"Ada\""]);
    history.task(true);
    let timer = history.timer("1");
    history
        .timer_fired(timer, "1")
        .task(true)
        .completed("\"Ada\"");
    let with_timer =
        workflow("        await workflow.sleep(timedelta(seconds=2))\n        return name\n");
    assert_eq!(replay("sleep", &history, &with_timer).verdict, Verdict::Ok);
    let asyncio_timer = workflow("        await asyncio.sleep(2)\n        return name\n");
    assert_eq!(
        replay("asyncio_sleep", &history, &asyncio_timer).verdict,
        Verdict::Ok
    );
    let zero = workflow("        await asyncio.sleep(0)\n        return name\n");
    let result = replay("sleep_zero", &history, &zero);
    assert_eq!(result.verdict, Verdict::Nondeterministic);
    assert_eq!(result.event_id, Some(5));
}

#[test]
fn gather_order_is_command_order() {
    let mut history = HistoryBuilder::new("W", &["\"Ada\""]);
    history.task(true);
    let first = history.activity("greet", "1");
    let second = history.activity("shout", "2");
    history
        .activity_done(first, "\"a\"")
        .activity_done(second, "\"b\"")
        .task(true)
        .completed("\"ab\"");
    let same = workflow(
        "        a, b = await asyncio.gather(\n            workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5)),\n            workflow.execute_activity(shout_impl, name, start_to_close_timeout=timedelta(seconds=5)),\n        )\n        return a + b\n",
    );
    assert_eq!(replay("gather", &history, &same).verdict, Verdict::Ok);
    let swapped = workflow(
        "        b, a = await asyncio.gather(\n            workflow.execute_activity(shout_impl, name, start_to_close_timeout=timedelta(seconds=5)),\n            workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5)),\n        )\n        return a + b\n",
    );
    let result = replay("gather_swapped", &history, &swapped);
    assert_eq!(result.verdict, Verdict::Nondeterministic);
    assert_eq!(result.event_id, Some(5));
}

#[test]
fn signals_drive_wait_condition() {
    let mut history = HistoryBuilder::new("W", &["\"Ada\""]);
    history.task(true).signal("approve", "true").task(true);
    let scheduled = history.activity("greet", "1");
    history
        .activity_done(scheduled, "\"ok\"")
        .task(true)
        .completed("\"ok\"");
    let source = format!(
        "{PREAMBLE}\n\n@workflow.defn(name=\"W\")\nclass Wf:\n    def __init__(self) -> None:\n        self.approved = None\n\n    @workflow.run\n    async def run(self, name: str) -> str:\n        await workflow.wait_condition(lambda: self.approved is not None)\n        if self.approved:\n            return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n        return 'rejected'\n\n    @workflow.signal\n    def approve(self, value: bool) -> None:\n        self.approved = value\n"
    );
    assert_eq!(replay("signal", &history, &source).verdict, Verdict::Ok);
    let renamed = source.replace("def approve(", "def approve_v2(");
    let result = replay("signal_renamed", &history, &renamed);
    assert_eq!(
        result.verdict,
        Verdict::Nondeterministic,
        "{}",
        result.message
    );
}

#[test]
fn sandbox_restricted_calls_are_errors() {
    let source = workflow(
        "        from datetime import datetime\n        stamp = datetime.now()\n        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n",
    );
    let result = replay("restricted", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Error);
    assert!(
        result
            .message
            .contains("Cannot access datetime.datetime.now.__call__ from inside a workflow"),
        "{}",
        result.message
    );
    assert_eq!(result.location.unwrap().row, 22);
}

#[test]
fn unfollowable_code_is_inconclusive() {
    let source = workflow(
        "        import requests\n        requests.get('http://example.invalid')\n        return name\n",
    );
    let result = replay("inconclusive", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert!(
        result.message.contains("requests.get"),
        "{}",
        result.message
    );
}

#[test]
fn a_patch_without_a_marker_takes_the_old_path() {
    let source = workflow(
        "        if workflow.patched('v2'):\n            return await workflow.execute_activity(shout_impl, name, start_to_close_timeout=timedelta(seconds=5))\n        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n",
    );
    assert_eq!(
        replay("patched", &one_activity("greet"), &source).verdict,
        Verdict::Ok
    );
}

#[test]
fn an_exception_escaping_the_workflow_is_an_error() {
    let source = workflow("        rates = {'EUR': 1}\n        return str(rates['JPY'])\n");
    let result = replay("keyerror", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Error);
    assert!(result.message.contains("KeyError"), "{}", result.message);
}

#[test]
fn an_unregistered_workflow_type_is_an_error() {
    let source =
        workflow("        return name\n").replace("@workflow.defn(name=\"W\")", "@workflow.defn");
    let result = replay("unregistered", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Error);
    assert!(
        result.message.contains("not registered"),
        "{}",
        result.message
    );
}

#[test]
fn library_results_flow_into_arguments_but_not_into_decisions() {
    let as_argument = workflow(
        "        import hashlib\n        digest = hashlib.sha256(name.encode()).hexdigest()\n        return await workflow.execute_activity(greet, f\"{digest}-x\", start_to_close_timeout=timedelta(seconds=5))\n",
    );
    let result = replay("inert_argument", &one_activity("greet"), &as_argument);
    assert_eq!(result.verdict, Verdict::Ok, "{}", result.message);
    let as_decision = workflow(
        "        import hashlib\n        digest = hashlib.sha256(name.encode()).hexdigest()\n        if digest.startswith('a'):\n            return name\n        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n",
    );
    let result = replay("inert_decision", &one_activity("greet"), &as_decision);
    assert_eq!(result.verdict, Verdict::Inconclusive, "{}", result.message);
}

#[test]
fn classes_enums_and_custom_exceptions() {
    let source = format!(
        "{PREAMBLE}\nfrom enum import Enum\nfrom temporalio.exceptions import ApplicationError\n\n\nclass Tier(str, Enum):\n    GOLD = 'gold'\n    BASIC = 'basic'\n\n\nclass Declined(ApplicationError):\n    def __init__(self, reason: str) -> None:\n        super().__init__(f'declined: {{reason}}', type='Declined', non_retryable=True)\n        self.reason = reason\n\n\nclass Base:\n    def kind(self) -> str:\n        return 'base'\n\n    def label(self) -> str:\n        return self.kind() + '!'\n\n\nclass Child(Base):\n    def kind(self) -> str:\n        return 'child-' + super().kind()\n\n\n@workflow.defn(name=\"W\")\nclass Wf:\n    @workflow.run\n    async def run(self, name: str) -> str:\n        tier = Tier('gold')\n        assert tier is Tier.GOLD and tier == 'gold' and tier.value == 'gold'\n        try:\n            raise Declined('card')\n        except ApplicationError as error:\n            assert error.type == 'Declined' and error.reason == 'card' and str(error) == 'declined: card'\n        assert Child().label() == 'child-base!'\n        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n"
    );
    let result = replay("classes", &one_activity("greet"), &source);
    assert_eq!(result.verdict, Verdict::Ok, "{}", result.message);
}

#[test]
fn python_semantics_match_cpython() {
    let checks = r#"
        items = {"b": 2, "a": 1, "c": 3}
        assert list(items) == ["b", "a", "c"]
        assert sorted(items, key=lambda k: -items[k]) == ["c", "b", "a"]
        assert [k for k, v in items.items() if v > 1] == ["b", "c"]
        assert {v: k for k, v in items.items()}[3] == "c"
        assert sum(v * 2 for v in items.values()) == 12
        assert any(v > 2 for v in items.values()) and not all(v > 2 for v in items.values())
        assert min(items.values()) == 1 and max(items, key=len) == "b"
        assert list(zip([1, 2], "ab")) == [(1, "a"), (2, "b")]
        assert [i for i, _ in enumerate("xyz", start=1)] == [1, 2, 3]
        assert "x,y,z".split(",")[1:] == ["y", "z"] and "abc"[::-1] == "cba"
        assert f"{3.14159:.2f}|{7:03d}|{'ab':>4}|{1234567:,}" == "3.14|007|  ab|1,234,567"
        assert "%s-%d-%.1f" % ("a", 5, 2.25) == "a-5-2.2" and "{}-{name}".format(1, name="n") == "1-n"
        assert 7 // 2 == 3 and -7 // 2 == -4 and -7 % 3 == 2 and divmod(7, 2) == (3, 1) and 2 ** 10 == 1024
        assert round(2.5) == 2
        assert round(3.5) == 4
        assert round(2.675, 2) == 2.67
        assert str(1.0) == "1.0" and repr("it's") == '"it\'s"' and str([1, "a"]) == "[1, 'a']"
        counter = 0
        def bump(by=1):
            nonlocal counter
            counter += by
            return counter
        bump(); bump(by=3)
        assert counter == 4
        def collect(*args, **kwargs):
            return args, kwargs
        assert collect(1, 2, x=3) == ((1, 2), {"x": 3})
        first, *rest = [1, 2, 3]
        assert first == 1 and rest == [2, 3]
        total = 0
        for n in range(10):
            if n % 2:
                continue
            if n > 6:
                break
            total += n
        else:
            total = -1
        assert total == 12
        try:
            int("x")
        except ValueError as error:
            message = str(error)
        else:
            message = "no error"
        finally:
            total += 1
        assert message == "invalid literal for int() with base 10: 'x'" and total == 13
        assert timedelta(minutes=1, seconds=30).total_seconds() == 90.0
        assert isinstance(True, int) and not isinstance("a", int)
        value = None
        assert (value or "default") == "default" and (value if value else 5) == 5
"#;
    let source = workflow(&format!(
        "{checks}        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))\n"
    ));
    let result = replay("semantics", &one_activity("greet"), &source);
    assert_eq!(
        result.verdict,
        Verdict::Ok,
        "{} at {:?}",
        result.message,
        result.location
    );
}

mod real_code;
