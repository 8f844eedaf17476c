//! The sdk-core model: workflow tasks applied one at a time, one FIFO of commands that command
//! events pop from the front (never cleared at task boundaries), other events routed to the
//! machine that created them, lookahead for patch and local-activity markers and accepted
//! updates, and activations built from the jobs in sdk-core's order.

mod machines;

use std::collections::{HashMap, HashSet, VecDeque};

use self::machines::{LocalActivityState, Machine, MachineError, Responses, UpdateState};
use crate::history::{Attributes, Event, EventType, History};
use crate::interp::Loc;
use crate::protocol::{
    Activation, ActivityResult, Command, CommandKind, Job, LangFailure, UpdateResponse as R,
};

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

    fn add_flags_from_next_completion(&mut self, from_id: i64) {
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

    /// `find_end_index_of_next_wft_seq` over the whole (complete) history.
    fn sequence_end(&self, start: usize) -> Option<usize> {
        let events = &self.events[start..];
        if events.is_empty() {
            return None;
        }
        let mut saw_command = false;
        let mut saw_command_or_started = false;
        let mut started_indices: Vec<(i64, usize)> = Vec::new();
        for (offset, event) in events.iter().enumerate() {
            if event.is_command_event() {
                saw_command = true;
                saw_command_or_started = true;
            }
            if event.event_type == EventType::WorkflowExecutionStarted {
                saw_command_or_started = true;
            }
            if event.is_final() {
                return Some(start + offset);
            }
            if event.event_type == EventType::WorkflowTaskStarted {
                started_indices.push((event.id, offset));
                if let Some(next) = events.get(offset + 1) {
                    if matches!(
                        next.event_type,
                        EventType::WorkflowTaskFailed
                            | EventType::WorkflowTaskTimedOut
                            | EventType::WorkflowExecutionTimedOut
                            | EventType::WorkflowExecutionTerminated
                            | EventType::WorkflowExecutionCanceled
                    ) {
                        started_indices.pop();
                        continue;
                    }
                    if next.event_type == EventType::WorkflowTaskCompleted
                        && let Some(after) = events.get(offset + 2)
                    {
                        if !saw_command && after.event_type == EventType::WorkflowTaskScheduled {
                            continue;
                        }
                        if let Attributes::WorkflowExecutionUpdateAccepted(accepted) =
                            &after.attributes
                            && let Some((_, index)) = started_indices
                                .iter()
                                .rev()
                                .find(|(id, _)| *id < accepted.sequencing_event_id)
                        {
                            return Some(start + index);
                        }
                        return Some(start + offset);
                    }
                }
                if saw_command_or_started {
                    return Some(start + offset);
                }
            }
        }
        Some(self.events.len() - 1)
    }

    /// `apply_next_wft_from_history`: returns how many events were applied.
    fn apply_next_wft(&mut self) -> CoreResult<usize> {
        if self.have_seen_terminal_event {
            self.replaying = false;
            return Ok(0);
        }
        let Some(end) = self.sequence_end(self.cursor) else {
            self.replaying = false;
            return Ok(0);
        };
        let start = self.cursor;
        self.cursor = end + 1;
        let has_final_event = self.cursor >= self.events.len();
        let sequence: Vec<&'h Event> = self.events[start..=end]
            .iter()
            .filter(|e| e.id > self.last_processed_event)
            .collect();
        if !sequence.is_empty() {
            self.activation_index = 0;
        }
        for (position, event) in sequence.iter().enumerate() {
            if let Attributes::WorkflowTaskCompleted { core_used_flags } = &event.attributes {
                self.flags.extend(core_used_flags.iter().copied());
            }
            if position + 1 == sequence.len() {
                self.add_flags_from_next_completion(event.id);
            }
        }
        if sequence.is_empty() {
            self.replaying = false;
        }
        if let Some(last) = sequence.last()
            && last.event_type == EventType::WorkflowTaskStarted
        {
            self.next_started_event_id = last.id;
        }
        let mut skip_next = false;
        for (position, event) in sequence.iter().enumerate() {
            if self.replaying
                && has_final_event
                && event.id > self.previous_started_event_id
                && event.event_type != EventType::WorkflowTaskCompleted
                && !event.is_command_event()
            {
                self.replaying = false;
            }
            if skip_next {
                skip_next = false;
            } else {
                let next = sequence.get(position + 1).copied();
                skip_next = self.handle_event(event, next, has_final_event)?;
            }
            self.last_processed_event = event.id;
        }
        self.lookahead()?;
        self.release_held_resolutions_if_idle()?;
        Ok(sequence.len())
    }

    /// Scans the next workflow task for patch markers, local-activity markers and accepted updates.
    fn lookahead(&mut self) -> CoreResult<()> {
        let Some(end) = self.sequence_end(self.cursor) else {
            return Ok(());
        };
        for event in &self.events[self.cursor..=end] {
            if let Some(marker) = event.patch_marker() {
                self.patches.insert(marker.id.clone(), false);
                self.jobs.push(Job::NotifyHasPatch {
                    patch_id: marker.id,
                });
            } else if event.is_local_activity_marker() {
                let Some(marker) = event.local_activity_marker() else {
                    return Err(divergence(
                        Some(event),
                        format!("Local activity marker was unparsable: {}", event.display()),
                    ));
                };
                let should_queue = match self.by_command.get(&CommandId::LocalActivity(marker.seq))
                {
                    Some(&key) => matches!(
                        self.machines[key],
                        Machine::LocalActivity {
                            state: LocalActivityState::WaitingMarker,
                            ..
                        }
                    ),
                    None => true,
                };
                if should_queue {
                    let result = match &marker.failure {
                        Some(failure) => ActivityResult::Failed(failure.clone()),
                        None => ActivityResult::Completed(marker.result.first().cloned()),
                    };
                    if marker.has_backoff {
                        return Err(divergence(
                            Some(event),
                            "cannot follow a local activity retried with a backoff timer"
                                .to_string(),
                        ));
                    }
                    self.preresolutions.push_back(Preresolution {
                        seq: marker.seq,
                        activation_index: marker.activation_index,
                        result,
                    });
                    self.apply_peeked_resolutions(false)?;
                }
            } else if let Attributes::WorkflowExecutionUpdateAccepted(accepted) = &event.attributes
            {
                let key = self.machines.len();
                self.machines.push(Machine::Update {
                    state: UpdateState::RequestInitiated,
                });
                self.by_protocol
                    .insert(accepted.protocol_instance_id.clone(), key);
                self.jobs.push(Job::DoUpdate {
                    protocol_instance_id: accepted.protocol_instance_id.clone(),
                    name: accepted.name.clone(),
                    input: accepted.args.clone(),
                });
            }
        }
        Ok(())
    }

    fn is_held(&self, resolution: &Preresolution) -> bool {
        resolution
            .activation_index
            .is_some_and(|index| index > self.activation_index)
    }

    fn apply_peeked_resolutions(&mut self, include_held: bool) -> CoreResult<()> {
        while let Some(front) = self.preresolutions.front() {
            if !include_held && self.is_held(front) {
                break;
            }
            let Some(&key) = self.by_command.get(&CommandId::LocalActivity(front.seq)) else {
                break;
            };
            let Some(resolution) = self.preresolutions.pop_front() else {
                break;
            };
            if let Machine::LocalActivity { state, .. } = &mut self.machines[key] {
                if *state != LocalActivityState::WaitingMarker {
                    return Err(divergence(
                        None,
                        format!(
                            "Invalid transition resolving local activity (seq {}, from marker: true) in {state:?}",
                            resolution.seq
                        ),
                    ));
                }
                *state = LocalActivityState::ResolvedWaitingMarkerEvent;
                self.jobs.push(Job::ResolveActivity {
                    seq: resolution.seq,
                    result: resolution.result,
                    is_local: true,
                });
            } else {
                return Err(divergence(
                    None,
                    "Peeked local activity marker but the associated machine was of the wrong type"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    fn release_held_resolutions_if_idle(&mut self) -> CoreResult<()> {
        if self.jobs.is_empty() {
            self.apply_peeked_resolutions(true)?;
        }
        Ok(())
    }

    /// Returns whether the next event must be skipped (the upsert that goes with a patch marker).
    fn handle_event(
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
                    started: Box::new(started.clone()),
                });
            }
            Attributes::WorkflowExecutionSignaled { signal_name, input } => {
                self.jobs.push(Job::SignalWorkflow {
                    name: signal_name.clone(),
                    input: input.clone(),
                });
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
                EventType::WorkflowTaskStarted => {
                    self.wft_started = Some((event.id, event.time_nanos));
                    if event.id >= self.wft_expected_started {
                        self.task_started(self.wft_expected_started, event.time_nanos);
                    }
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

    fn id_checks(&self, last_task: bool) -> bool {
        last_task || self.flags.contains(&1)
    }

    #[allow(clippy::unnecessary_box_returns, reason = "see `divergence`")]
    fn machine_error(&self, error: MachineError, event: &Event) -> Box<Divergence> {
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

    fn process_responses(&mut self, key: usize, responses: Responses) {
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

    /// `push_commands_and_iterate`: lang's commands become machines and queued commands.
    fn push_commands(&mut self, commands: Vec<Command>) -> CoreResult<()> {
        let commands = if self.replaying && !self.flags.contains(&3) {
            let mut kept = Vec::new();
            for command in commands {
                let terminal = command.kind.is_terminal();
                kept.push(command);
                if terminal {
                    break;
                }
            }
            kept
        } else {
            let (mut regular, terminal): (Vec<_>, Vec<_>) =
                commands.into_iter().partition(|c| !c.kind.is_terminal());
            regular.extend(terminal.into_iter().next());
            regular
        };
        for command in commands {
            self.handle_lang_command(command)?;
        }
        self.apply_peeked_resolutions(false)?;
        self.release_held_resolutions_if_idle()?;
        let machines = &self.machines;
        self.commands
            .retain(|queued| !machines[queued.machine].cancelled_before_sent());
        while let Some(queued) = self.new_commands.pop_front() {
            if self.machines[queued.machine].cancelled_before_sent() {
                continue;
            }
            self.machines[queued.machine].handle_command();
            self.commands.push_back(queued);
        }
        Ok(())
    }

    fn add_machine(&mut self, machine: Machine, id: Option<CommandId>, command: &Command) -> usize {
        let key = self.machines.len();
        self.machines.push(machine);
        if let Some(id) = id {
            self.by_command.insert(id, key);
        }
        self.new_commands.push_back(Queued {
            machine: key,
            description: command.kind.describe(),
            loc: command.loc,
        });
        key
    }

    fn cancel_machine(&mut self, id: CommandId) -> CoreResult<()> {
        let Some(&key) = self.by_command.get(&id) else {
            return Err(divergence(
                None,
                format!("Missing associated machine for {id:?}"),
            ));
        };
        let responses = self.machines[key].cancel().map_err(|error| match error {
            MachineError::Nondeterminism(message) | MachineError::Fatal(message) => {
                divergence(None, message)
            }
        })?;
        self.process_responses(key, responses);
        Ok(())
    }

    fn handle_lang_command(&mut self, command: Command) -> CoreResult<()> {
        match &command.kind {
            CommandKind::StartTimer { seq, .. } => {
                self.add_machine(
                    Machine::Timer {
                        seq: *seq,
                        state: machines::TimerState::StartCommandCreated,
                        cancelled_before_sent: false,
                    },
                    Some(CommandId::Timer(*seq)),
                    &command,
                );
            }
            CommandKind::CancelTimer { seq } => self.cancel_machine(CommandId::Timer(*seq))?,
            CommandKind::ScheduleActivity {
                seq,
                activity_id,
                activity_type,
                cancellation,
            } => {
                let machine = Machine::Activity {
                    seq: *seq,
                    activity_id: activity_id.clone(),
                    activity_type: activity_type.clone(),
                    cancellation: *cancellation,
                    state: machines::ActivityState::ScheduleCommandCreated,
                    cancelled_before_sent: false,
                };
                self.add_machine(machine, Some(CommandId::Activity(*seq)), &command);
            }
            CommandKind::RequestCancelActivity { seq } => {
                self.cancel_machine(CommandId::Activity(*seq))?;
            }
            CommandKind::ScheduleLocalActivity {
                seq,
                activity_id,
                activity_type,
            } => {
                if !self.replaying {
                    return Err(divergence(None, "cannot follow a local activity that runs past the end of the recorded history".to_string()));
                }
                let key = self.machines.len();
                self.machines.push(Machine::LocalActivity {
                    seq: *seq,
                    activity_id: activity_id.clone(),
                    activity_type: activity_type.clone(),
                    state: LocalActivityState::WaitingMarker,
                    replaying_when_invoked: self.replaying,
                });
                self.by_command.insert(CommandId::LocalActivity(*seq), key);
            }
            CommandKind::RequestCancelLocalActivity { seq } => {
                let position = self
                    .preresolutions
                    .iter()
                    .position(|p| p.seq == *seq && !self.is_held(p));
                if let Some(position) = position
                    && let Some(resolution) = self.preresolutions.remove(position)
                {
                    if let Some(&key) = self.by_command.get(&CommandId::LocalActivity(*seq))
                        && let Machine::LocalActivity { state, .. } = &mut self.machines[key]
                    {
                        *state = LocalActivityState::ResolvedWaitingMarkerEvent;
                    }
                    self.jobs.push(Job::ResolveActivity {
                        seq: *seq,
                        result: resolution.result,
                        is_local: true,
                    });
                }
            }
            CommandKind::StartChildWorkflow {
                seq,
                workflow_id,
                workflow_type,
                cancellation,
            } => {
                let machine = Machine::Child {
                    seq: *seq,
                    workflow_id: workflow_id.clone(),
                    workflow_type: workflow_type.clone(),
                    cancellation: *cancellation,
                    state: machines::ChildState::StartCommandCreated,
                    cancelled_before_sent: false,
                };
                self.add_machine(machine, Some(CommandId::Child(*seq)), &command);
            }
            CommandKind::CancelChildWorkflow { seq } => {
                self.cancel_machine(CommandId::Child(*seq))?;
            }
            CommandKind::SignalExternalWorkflow { seq, .. } => {
                self.add_machine(
                    Machine::SignalExternal {
                        seq: *seq,
                        recorded: false,
                        done: false,
                        cancelled_before_sent: false,
                    },
                    Some(CommandId::SignalExternal(*seq)),
                    &command,
                );
            }
            CommandKind::CancelSignalWorkflow { seq } => {
                self.cancel_machine(CommandId::SignalExternal(*seq))?;
            }
            CommandKind::RequestCancelExternalWorkflow { seq, .. } => {
                self.add_machine(
                    Machine::CancelExternal {
                        seq: *seq,
                        recorded: false,
                        core_created: false,
                    },
                    Some(CommandId::CancelExternal(*seq)),
                    &command,
                );
            }
            CommandKind::UpsertSearchAttributes { .. } => {
                self.add_machine(Machine::Upsert { recorded: false }, None, &command);
            }
            CommandKind::ModifyWorkflowProperties => {
                self.add_machine(
                    Machine::ModifyProperties { recorded: false },
                    None,
                    &command,
                );
            }
            CommandKind::SetPatchMarker { patch_id, .. } => {
                let encountered = self.patches.get(patch_id).copied();
                if encountered != Some(true) {
                    let seen_in_peekahead = encountered.is_some();
                    self.add_machine(
                        Machine::Patch {
                            id: patch_id.clone(),
                            recorded: false,
                        },
                        None,
                        &command,
                    );
                    let flag_usable = if self.replaying {
                        self.flags.contains(&2)
                    } else {
                        true
                    };
                    if (!self.replaying || seen_in_peekahead) && flag_usable {
                        let key = self.machines.len();
                        self.machines.push(Machine::Upsert { recorded: false });
                        self.internal_machines.insert(key);
                        self.new_commands.push_back(Queued {
                            machine: key,
                            description: "upserts TemporalChangeVersion".to_string(),
                            loc: command.loc,
                        });
                    }
                    self.patches.insert(patch_id.clone(), true);
                }
            }
            CommandKind::UpdateResponse {
                protocol_instance_id,
                response,
            } => {
                let Some(&key) = self.by_protocol.get(protocol_instance_id) else {
                    return Err(divergence(
                        None,
                        format!(
                            "Missing associated machine for protocol message {protocol_instance_id}"
                        ),
                    ));
                };
                let Machine::Update { state, .. } = &mut self.machines[key] else {
                    return Ok(());
                };
                let (next, command_issued) = match (*response, *state) {
                    (R::Accepted, UpdateState::RequestInitiated) => (UpdateState::Accepted, true),
                    (R::Rejected, UpdateState::RequestInitiated) => (UpdateState::Rejected, false),
                    (R::Completed | R::Rejected, UpdateState::Accepted) => {
                        (UpdateState::CompletedImmediately, true)
                    }
                    (R::Completed | R::Rejected, UpdateState::AcceptCommandCreated) => {
                        (UpdateState::CompletedImmediatelyAcceptCreated, true)
                    }
                    (R::Completed | R::Rejected, UpdateState::AcceptCommandRecorded) => {
                        (UpdateState::Completed, true)
                    }
                    (_, current) => {
                        return Err(divergence(
                            None,
                            format!(
                                "Invalid transition while handling update response in state {current:?}"
                            ),
                        ));
                    }
                };
                *state = next;
                if command_issued {
                    self.new_commands.push_back(Queued {
                        machine: key,
                        description: command.kind.describe(),
                        loc: command.loc,
                    });
                }
            }
            CommandKind::CompleteWorkflow => {
                self.add_machine(Machine::Complete { recorded: false }, None, &command);
            }
            CommandKind::FailWorkflow { .. } => {
                self.add_machine(Machine::Fail { recorded: false }, None, &command);
            }
            CommandKind::CancelWorkflow => {
                self.add_machine(Machine::Cancel { recorded: false }, None, &command);
            }
            CommandKind::ContinueAsNew => {
                self.add_machine(Machine::ContinueAsNew { recorded: false }, None, &command);
            }
        }
        Ok(())
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
