//! The sdk-core model: workflow tasks applied one at a time, one FIFO of commands that command
//! events pop from the front (never cleared at task boundaries), other events routed to the
//! machine that created them, lookahead for patch and local-activity markers and accepted
//! updates, and activations built from the jobs in sdk-core's order.

mod commands;
mod machines;
mod tasks;

use std::collections::{HashMap, HashSet, VecDeque};

use self::machines::{Machine, MachineError, Responses};
use crate::history::{Attributes, Event, EventType, History};
use crate::interp::Loc;
use crate::protocol::{Activation, ActivityResult, Command, Job, LangFailure};

/// How a replay ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Ok,
    Nondeterministic(Divergence),
    Lang(LangFailure),
}

/// A divergence between history and code, with everything needed to explain it.
#[derive(Debug, Clone)]
pub(crate) struct Divergence {
    pub(crate) event_id: Option<i64>,
    /// sdk-core's own message (`[TMPRL1100]` text without the prefix).
    pub(crate) message: String,
    /// The event as recorded.
    pub(crate) recorded: Option<String>,
    /// What the code does instead (the command it issued there, if any).
    pub(crate) code: Option<(String, Option<Loc>)>,
}

/// The workflow runtime seen from core: takes an activation, returns commands.
pub(crate) trait Lang {
    fn activate(&mut self, activation: Activation) -> Result<Vec<Command>, LangFailure>;
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum CommandId {
    Timer(u32),
    Activity(u32),
    LocalActivity(u32),
    Child(u32),
    SignalExternal(u32),
    CancelExternal(u32),
}

struct Queued {
    machine: usize,
    description: String,
    loc: Option<Loc>,
}

struct Preresolution {
    seq: u32,
    activation_index: Option<u64>,
    result: ActivityResult,
}

struct Core<'h> {
    events: &'h [Event],
    /// Index of the next event not yet taken into a workflow task.
    cursor: usize,
    current_started_event_id: i64,
    next_started_event_id: i64,
    last_processed_event: i64,
    previous_started_event_id: i64,
    replaying: bool,
    have_seen_terminal_event: bool,
    flags: HashSet<u32>,
    machines: Vec<Machine>,
    internal_machines: HashSet<usize>,
    commands: VecDeque<Queued>,
    new_commands: VecDeque<Queued>,
    by_event_id: HashMap<i64, usize>,
    by_command: HashMap<CommandId, usize>,
    by_protocol: HashMap<String, usize>,
    patches: HashMap<String, bool>,
    preresolutions: VecDeque<Preresolution>,
    activation_index: u64,
    jobs: Vec<Job>,
    /// Set when core stops on something the model does not follow (the verdict is then
    /// inconclusive, not a divergence).
    unfollowable: Option<crate::protocol::LangFailure>,
    /// From the last `WorkflowTaskStarted` processed (`workflow.info()` reads them).
    history_size_bytes: i64,
    continue_as_new_suggested: bool,
    time_nanos: i128,
    wft_expected_started: i64,
    wft_started: Option<(i64, i128)>,
}

type CoreResult<T> = Result<T, Box<Divergence>>;

#[allow(
    clippy::unnecessary_box_returns,
    reason = "divergences travel in `CoreResult` errors, boxed to keep results small"
)]
fn divergence(event: Option<&Event>, message: String) -> Box<Divergence> {
    Box::new(Divergence {
        event_id: event.map(|e| e.id),
        message,
        recorded: event.map(describe_event),
        code: None,
    })
}

/// Replays `history` through `lang` the way sdk-core's replayer does.
pub(crate) fn replay(history: &History, lang: &mut dyn Lang) -> Outcome {
    let mut core = Core::new(history);
    match core.run(lang) {
        Ok(None) => Outcome::Ok,
        Ok(Some(failure)) => Outcome::Lang(failure),
        Err(_) if core.unfollowable.is_some() => {
            Outcome::Lang(core.unfollowable.take().expect("checked"))
        }
        Err(divergence) => Outcome::Nondeterministic(*divergence),
    }
}

impl<'h> Core<'h> {
    fn new(history: &'h History) -> Core<'h> {
        let events = history.events.as_slice();
        let mut previous = 0;
        let mut current = 0;
        for (index, event) in events.iter().enumerate() {
            if event.event_type == EventType::WorkflowTaskStarted {
                let next = events.get(index + 1);
                if next.is_none_or(|n| n.event_type == EventType::WorkflowTaskCompleted) {
                    previous = current;
                    current = event.id;
                }
            }
        }
        let mut core = Core {
            events,
            cursor: 0,
            current_started_event_id: 0,
            next_started_event_id: 0,
            last_processed_event: 0,
            previous_started_event_id: previous,
            replaying: previous > 0,
            have_seen_terminal_event: false,
            flags: HashSet::new(),
            machines: Vec::new(),
            internal_machines: HashSet::new(),
            commands: VecDeque::new(),
            new_commands: VecDeque::new(),
            by_event_id: HashMap::new(),
            by_command: HashMap::new(),
            by_protocol: HashMap::new(),
            patches: HashMap::new(),
            preresolutions: VecDeque::new(),
            activation_index: 0,
            jobs: Vec::new(),
            time_nanos: 0,
            history_size_bytes: 0,
            continue_as_new_suggested: false,
            unfollowable: None,
            wft_expected_started: 0,
            wft_started: None,
        };
        core.add_flags_from_next_completion(0);
        core
    }

    fn run(&mut self, lang: &mut dyn Lang) -> CoreResult<Option<LangFailure>> {
        loop {
            if self.jobs.is_empty() {
                self.apply_next_wft()?;
            }
            if self.jobs.is_empty() {
                return Ok(None);
            }
            let mut jobs = std::mem::take(&mut self.jobs);
            jobs.sort_by_key(Job::ordinal);
            self.activation_index += 1;
            let activation = Activation {
                jobs,
                timestamp_nanos: self.time_nanos,
                is_replaying: self.replaying,
                history_length: self.last_processed_event,
                history_size_bytes: self.history_size_bytes,
                continue_as_new_suggested: self.continue_as_new_suggested,
            };
            let commands = match lang.activate(activation) {
                Ok(commands) => commands,
                Err(failure) => return Ok(Some(failure)),
            };
            self.push_commands(commands)?;
            if self.jobs.is_empty() {
                loop {
                    let consumed = self.apply_next_wft()?;
                    if consumed == 0 || !self.replaying || !self.jobs.is_empty() {
                        break;
                    }
                }
            }
        }
    }

    pub(super) fn add_flags_from_next_completion(&mut self, from_id: i64) {
        if let Some(Attributes::WorkflowTaskCompleted { core_used_flags }) = self
            .events
            .iter()
            .filter(|e| e.id >= from_id)
            .find(|e| e.event_type == EventType::WorkflowTaskCompleted)
            .map(|e| &e.attributes)
        {
            self.flags.extend(core_used_flags.iter().copied());
        }
    }

    /// Returns whether the next event must be skipped (the upsert that goes with a patch marker).
    pub(super) fn handle_event(
        &mut self,
        event: &'h Event,
        next: Option<&'h Event>,
        last_task: bool,
    ) -> CoreResult<bool> {
        if event.is_final() {
            self.have_seen_terminal_event = true;
        }
        if event.worker_may_ignore && matches!(event.attributes, Attributes::Other) {
            return Ok(false);
        }
        if matches!(
            event.event_type,
            EventType::WorkflowExecutionTerminated | EventType::WorkflowExecutionTimedOut
        ) {
            return Ok(false);
        }
        if event.is_command_event() {
            return self.handle_command_event(event, next, last_task);
        }
        if let Some(initial) = event.initial_command_event_id() {
            let Some(&key) = self.by_event_id.get(&initial) else {
                return Err(divergence(
                    Some(event),
                    format!(
                        "During event handling, this event had an initial command ID but we could not find a matching command for it: {}",
                        event.display()
                    ),
                ));
            };
            let checks = self.id_checks(last_task);
            let responses = self.machines[key]
                .handle_event(event, checks)
                .map_err(|error| self.machine_error(error, event))?;
            self.process_responses(key, responses);
            return Ok(false);
        }
        match &event.attributes {
            Attributes::WorkflowExecutionStarted(started) => {
                self.time_nanos = self.time_nanos.max(event.time_nanos);
                self.jobs.push(Job::InitializeWorkflow {
                    randomness_seed: crate::interp::rng::seed_from_run_id(
                        &started.original_execution_run_id,
                    ),
                    start_time_nanos: event.time_nanos,
                    started: started.clone(),
                });
            }
            Attributes::WorkflowExecutionSignaled { signal_name, input } => {
                self.jobs.push(Job::SignalWorkflow {
                    name: signal_name.clone(),
                    input: input.clone(),
                });
            }
            Attributes::WorkflowTaskStarted {
                history_size_bytes,
                suggest_continue_as_new,
            } => {
                self.history_size_bytes = *history_size_bytes;
                self.continue_as_new_suggested = *suggest_continue_as_new;
                self.wft_started = Some((event.id, event.time_nanos));
                if event.id >= self.wft_expected_started {
                    self.task_started(self.wft_expected_started, event.time_nanos);
                }
            }
            Attributes::WorkflowExecutionCancelRequested { cause } => {
                self.jobs.push(Job::CancelWorkflow {
                    reason: cause.clone(),
                });
            }
            _ => match event.event_type {
                EventType::WorkflowTaskScheduled => {
                    self.wft_expected_started = self.next_started_event_id;
                    self.wft_started = None;
                }
                EventType::WorkflowTaskCompleted => {
                    if let Some((id, time)) = self.wft_started {
                        self.task_started(id, time);
                    }
                }
                EventType::WorkflowTaskFailed
                | EventType::WorkflowTaskTimedOut
                | EventType::WorkflowExecutionUpdateAdmitted => {}
                _ => {}
            },
        }
        Ok(false)
    }

    fn task_started(&mut self, started_id: i64, time: i128) {
        self.current_started_event_id = started_id;
        self.time_nanos = self.time_nanos.max(time);
    }

    pub(super) fn id_checks(&self, last_task: bool) -> bool {
        last_task || self.flags.contains(&1)
    }

    #[allow(clippy::unnecessary_box_returns, reason = "see `divergence`")]
    pub(super) fn machine_error(&self, error: MachineError, event: &Event) -> Box<Divergence> {
        match error {
            MachineError::Nondeterminism(message) | MachineError::Fatal(message) => {
                divergence(Some(event), message)
            }
        }
    }

    fn handle_command_event(
        &mut self,
        event: &'h Event,
        next: Option<&'h Event>,
        last_task: bool,
    ) -> CoreResult<bool> {
        if event.is_local_activity_marker() {
            let Some(marker) = event.local_activity_marker() else {
                return Err(divergence(
                    Some(event),
                    format!("Local activity marker was unparsable: {}", event.display()),
                ));
            };
            let Some(&key) = self.by_command.get(&CommandId::LocalActivity(marker.seq)) else {
                return Err(divergence(
                    Some(event),
                    format!(
                        "Missing associated machine for LocalActivity({})",
                        marker.seq
                    ),
                ));
            };
            let checks = self.id_checks(last_task);
            let responses = self.machines[key]
                .handle_event(event, checks)
                .map_err(|error| self.machine_error(error, event))?;
            self.process_responses(key, responses);
            return Ok(false);
        }
        let patch = event.patch_marker();
        loop {
            let front_patch =
                self.commands
                    .front()
                    .and_then(|queued| match &self.machines[queued.machine] {
                        Machine::Patch { id, .. } => Some(id.clone()),
                        _ => None,
                    });
            match (&patch, &front_patch) {
                (Some(marker), Some(id)) if marker.deprecated && *id != marker.id => {
                    return Ok(skips_upsert(next));
                }
                (Some(marker), None) if marker.deprecated => return Ok(skips_upsert(next)),
                (Some(marker), None) => {
                    return Err(divergence(
                        Some(event),
                        format!(
                            "Non-deprecated patch marker encountered for change {}, but there is no corresponding change command!",
                            marker.id
                        ),
                    ));
                }
                (None, Some(_)) => {
                    self.commands.pop_front();
                    continue;
                }
                _ => {}
            }
            let Some(queued) = self.commands.pop_front() else {
                return Err(divergence(
                    Some(event),
                    format!("No command scheduled for event {}", event.display()),
                ));
            };
            if self.machines[queued.machine].cancelled_before_sent() {
                continue;
            }
            let checks = self.id_checks(last_task);
            let responses = match self.machines[queued.machine].handle_event(event, checks) {
                Ok(responses) => responses,
                Err(error) => {
                    let mut divergence = self.machine_error(error, event);
                    divergence.code = Some((queued.description.clone(), queued.loc));
                    return Err(divergence);
                }
            };
            self.process_responses(queued.machine, responses);
            self.by_event_id.insert(event.id, queued.machine);
            return Ok(false);
        }
    }

    pub(super) fn process_responses(&mut self, key: usize, responses: Responses) {
        if !self.internal_machines.contains(&key) {
            self.jobs.extend(responses.jobs);
        }
        if responses.command {
            let description = match &self.machines[key] {
                Machine::Timer { seq, .. } => format!("cancels timer {seq}"),
                Machine::Activity { seq, .. } => format!("requests cancellation of activity {seq}"),
                other => format!("issues a {} command", other.name()),
            };
            self.new_commands.push_back(Queued {
                machine: key,
                description,
                loc: None,
            });
        }
        if let Some(workflow_id) = responses.cancel_external {
            let cancel = self.machines.len();
            self.machines.push(Machine::CancelExternal {
                seq: 0,
                recorded: false,
                core_created: true,
            });
            self.internal_machines.insert(cancel);
            self.new_commands.push_back(Queued {
                machine: cancel,
                description: format!("requests cancellation of child workflow {workflow_id}"),
                loc: None,
            });
        }
    }
}

fn skips_upsert(next: Option<&Event>) -> bool {
    matches!(next.map(|e| &e.attributes), Some(Attributes::UpsertWorkflowSearchAttributes { keys, .. }) if keys.iter().any(|k| k == crate::history::VERSION_SEARCH_ATTRIBUTE))
}

/// What the history recorded at an event, in words.
pub(crate) fn describe_event(event: &Event) -> String {
    let detail = match &event.attributes {
        Attributes::ActivityTaskScheduled {
            activity_id,
            activity_type,
            ..
        } => format!(": activity `{activity_type}` (activity id {activity_id})"),
        Attributes::TimerStarted { timer_id } => format!(": timer {timer_id}"),
        Attributes::StartChildWorkflowExecutionInitiated {
            workflow_id,
            workflow_type,
            ..
        } => format!(": child workflow `{workflow_type}` (workflow id {workflow_id})"),
        Attributes::SignalExternalWorkflowExecutionInitiated {
            signal_name,
            workflow_id,
            ..
        } => format!(": signal `{signal_name}` to {workflow_id}"),
        Attributes::MarkerRecorded(marker) => {
            match (event.patch_marker(), event.local_activity_marker()) {
                (Some(patch), _) => format!(
                    ": patch marker `{}`{}",
                    patch.id,
                    if patch.deprecated {
                        " (deprecated)"
                    } else {
                        ""
                    }
                ),
                (None, Some(la)) => format!(
                    ": local activity `{}` (activity id {})",
                    la.activity_type, la.activity_id
                ),
                _ => format!(": marker `{}`", marker.name),
            }
        }
        Attributes::WorkflowExecutionUpdateAccepted(accepted) => {
            format!(": update `{}`", accepted.name)
        }
        _ => String::new(),
    };
    format!(
        "{} (event {}){detail}",
        event.event_type.pascal_name(),
        event.id
    )
}
