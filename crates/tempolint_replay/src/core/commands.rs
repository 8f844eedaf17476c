//! Commands from the workflow: machines created, cancels applied, and the queue they join
//! (`handle_driven_results` and `prepare_commands` in sdk-core).

use super::machines::{self, LocalActivityState, Machine, MachineError, UpdateState};
use super::{CommandId, Core, CoreResult, Queued, divergence};
use crate::protocol::{Command, CommandKind, Job, UpdateResponse as R};

impl Core<'_> {
    /// `push_commands_and_iterate`: lang's commands become machines and queued commands.
    pub(super) fn push_commands(&mut self, commands: Vec<Command>) -> CoreResult<()> {
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

    pub(super) fn add_machine(
        &mut self,
        machine: Machine,
        id: Option<CommandId>,
        command: &Command,
    ) -> usize {
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

    pub(super) fn cancel_machine(&mut self, id: CommandId) -> CoreResult<()> {
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

    pub(super) fn handle_lang_command(&mut self, command: Command) -> CoreResult<()> {
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
                // The marker of a local activity that ran in the last workflow task (the one that
                // completes the workflow) is peeked from history like any other: core resolves it
                // from there whether or not it is replaying (hello_local_activity).
                let peeked = self.preresolutions.iter().any(|p| p.seq == *seq);
                if !self.replaying && !peeked {
                    // What the SDK does then depends on whether the history is still open and
                    // on the local activity itself: not modelled, so not a verdict either way.
                    let message = "cannot follow a local activity that runs past the end of the recorded history".to_string();
                    self.unfollowable = Some(crate::protocol::LangFailure {
                        kind: crate::protocol::LangFailureKind::Inconclusive,
                        message: message.clone(),
                        loc: command.loc,
                    });
                    return Err(divergence(None, message));
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
