//! Workflow tasks: where each one ends in history (`find_end_index_of_next_wft_seq`), applying
//! its events, and the lookahead that pre-resolves patches, local activities and updates.

use super::machines::{LocalActivityState, Machine, UpdateState};
use super::{CommandId, Core, CoreResult, Preresolution, divergence};
use crate::history::{Attributes, Event, EventType};
use crate::protocol::{ActivityResult, Job};

impl<'h> Core<'h> {
    /// `find_end_index_of_next_wft_seq` over the whole (complete) history.
    pub(super) fn sequence_end(&self, start: usize) -> Option<usize> {
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
    pub(super) fn apply_next_wft(&mut self) -> CoreResult<usize> {
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
    pub(super) fn lookahead(&mut self) -> CoreResult<()> {
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

    pub(super) fn is_held(&self, resolution: &Preresolution) -> bool {
        resolution
            .activation_index
            .is_some_and(|index| index > self.activation_index)
    }

    pub(super) fn apply_peeked_resolutions(&mut self, include_held: bool) -> CoreResult<()> {
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

    pub(super) fn release_held_resolutions_if_idle(&mut self) -> CoreResult<()> {
        if self.jobs.is_empty() {
            self.apply_peeked_resolutions(true)?;
        }
        Ok(())
    }
}
