//! Graph checks: what can be wrong with a machine, and how to say it.

use crate::Machine;

/// Something wrong with a machine's graph, found by [`Machine::problems`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// No state is initial.
    NoInitialState,
    /// No path of events leads from an initial state to this state.
    Unreachable {
        /// The state's index.
        state: usize,
    },
    /// A state that is not terminal, yet no event leaves it.
    DeadEnd {
        /// The state's index.
        state: usize,
    },
    /// An event leaves a terminal state.
    TerminalExit {
        /// The event's index.
        event: usize,
        /// The terminal state's index.
        state: usize,
    },
    /// An event whose every source is its target: self-loops are implicit.
    SelfLoopOnly {
        /// The event's index.
        event: usize,
    },
    /// Roles are declared, but no action is gated by role.
    UnusedRoles,
    /// An action allowed in every state for every role gates nothing.
    UnusedAction {
        /// The action's index.
        action: usize,
    },
    /// An action names a field, but the machine does not say where its phase field is.
    MissingPhaseField {
        /// The action's index.
        action: usize,
    },
    /// An action names a field, and the rule needs this role's CEL predicate.
    MissingRolePredicate {
        /// The action's index.
        action: usize,
        /// The role's index.
        role: usize,
    },
    /// The machine enforces its initial states, yet an absent phase reads as a state that
    /// is not initial: no object could start there.
    DefaultNotInitial {
        /// The default state's index.
        state: usize,
    },
    /// An event leads into a retired state, which objects may only leave.
    RetiredEntered {
        /// The event's index.
        event: usize,
        /// The retired state's index.
        state: usize,
    },
    /// A retired state is initial: no object may start in one.
    RetiredInitial {
        /// The state's index.
        state: usize,
    },
    /// A retired state is terminal: objects leave one by its exits.
    RetiredTerminal {
        /// The state's index.
        state: usize,
    },
    /// A former name ([`Machine::aliases`]) that is a state's name or another state's
    /// former name too, so that a stored phase could not tell which it is.
    AliasTaken {
        /// The alias's index in [`Machine::aliases`].
        alias: usize,
    },
}

impl Problem {
    /// A one-line explanation of the problem, naming the parts of `machine` involved.
    pub fn message(&self, machine: &Machine) -> String {
        let state = |i: usize| &machine.states[i];
        match *self {
            Problem::NoInitialState => format!(
                "`{}` has no initial state; mark one or more variants with `#[lifecycle(initial)]`",
                machine.name
            ),
            Problem::Unreachable { state: s } => format!(
                "state `{}` is unreachable: no event leads to it from an initial state ({})",
                state(s),
                machine.list_states(&machine.initial)
            ),
            Problem::DeadEnd { state: s } => format!(
                "state `{}` is a dead end: no event leaves it; add an event or mark it `#[lifecycle(terminal)]`",
                state(s)
            ),
            Problem::TerminalExit { event, state: s } => format!(
                "event `{}` leaves terminal state `{}`; terminal states have no outgoing events",
                machine.events[event].name,
                state(s)
            ),
            Problem::SelfLoopOnly { event } => format!(
                "event `{}` never changes the state; staying in a state is always allowed, so drop it",
                machine.events[event].name
            ),
            Problem::UnusedRoles => format!(
                "the roles of `{}` are unused: no action is gated by role; name roles in an action or drop `roles`",
                machine.name
            ),
            Problem::UnusedAction { action } => format!(
                "action `{}` is allowed in every state for every role, so it gates nothing",
                machine.actions[action].name
            ),
            Problem::MissingPhaseField { action } => format!(
                "action `{}` names a field, so the CEL rule needs the phase's path: add `phase_field = \"...\"`",
                machine.actions[action].name
            ),
            Problem::DefaultNotInitial { state: s } => format!(
                "`#[default]` state `{}` is not initial, yet `enforce_initial` lets a phase start only in {}: an absent phase would read as a state no object may start in; mark `{}` `#[lifecycle(initial)]` or make an initial state the default",
                state(s),
                machine.list_states(&machine.initial),
                state(s)
            ),
            Problem::RetiredEntered { event, state: s } => format!(
                "event `{}` leads into `{}`, which is retired: objects stored in a retired state may only leave it; drop the move or the retirement",
                machine.events[event].name,
                state(s)
            ),
            Problem::RetiredInitial { state: s } => format!(
                "`{}` is retired, so no object may start in it; drop `initial` or the retirement",
                state(s)
            ),
            Problem::RetiredTerminal { state: s } => format!(
                "`{}` is retired, so objects stored in it leave it by its exits; drop `terminal` and declare the events that leave it",
                state(s)
            ),
            Problem::AliasTaken { alias } => {
                let (old, state) = &machine.aliases[alias];
                format!(
                    "`{old}` cannot be a former name of `{}`: it already names {}",
                    machine.states[*state],
                    match machine.state_index(old) {
                        Some(s) => format!("the state `{}`", machine.states[s]),
                        None => "another state".to_owned(),
                    }
                )
            }
            Problem::MissingRolePredicate { action, role } => format!(
                "action `{}` names a field, so role `{}` needs a CEL predicate: `role({}, cel = \"...\")`",
                machine.actions[action].name, machine.roles[role].name, machine.roles[role].name
            ),
        }
    }
}

impl Machine {
    /// Every graph problem, in a stable order: initial states, then states, events,
    /// roles and actions.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.initial.is_empty() {
            out.push(Problem::NoInitialState);
        } else {
            let reachable = self.reachable();
            // A retired state is out of reach by design: objects are only stored there.
            out.extend(
                (0..self.states.len())
                    .filter(|&s| !reachable[s] && !self.retired.contains(&s))
                    .map(|state| Problem::Unreachable { state }),
            );
        }
        for (s, targets) in self.successors().iter().enumerate() {
            if !self.terminal.contains(&s) && targets.is_empty() {
                out.push(Problem::DeadEnd { state: s });
            }
        }
        for (i, e) in self.events.iter().enumerate() {
            if e.from.iter().all(|&f| f == e.to) {
                out.push(Problem::SelfLoopOnly { event: i });
                continue;
            }
            for &f in &e.from {
                if f != e.to && self.terminal.contains(&f) {
                    out.push(Problem::TerminalExit { event: i, state: f });
                }
            }
        }
        if let Some(d) = self.default_state
            && self.enforce_initial
            && !self.initial.is_empty()
            && !self.initial.contains(&d)
        {
            out.push(Problem::DefaultNotInitial { state: d });
        }
        for &state in &self.retired {
            if self.initial.contains(&state) {
                out.push(Problem::RetiredInitial { state });
            }
            if self.terminal.contains(&state) {
                out.push(Problem::RetiredTerminal { state });
            }
        }
        for (event, e) in self.events.iter().enumerate() {
            if self.retired.contains(&e.to) && e.from.iter().any(|&f| f != e.to) {
                out.push(Problem::RetiredEntered { event, state: e.to });
            }
        }
        for (i, (old, state)) in self.aliases.iter().enumerate() {
            let earlier = self.aliases[..i]
                .iter()
                .any(|(o, s)| o == old && s != state);
            if self.state_index(old).is_some() || earlier {
                out.push(Problem::AliasTaken { alias: i });
            }
        }
        if !self.roles.is_empty()
            && self
                .actions
                .iter()
                .all(|a| (0..self.roles.len()).all(|r| a.roles.contains(&r)))
        {
            out.push(Problem::UnusedRoles);
        }
        for (i, a) in self.actions.iter().enumerate() {
            let every_state = (0..self.states.len()).all(|s| a.states.contains(&s));
            let every_role =
                self.roles.is_empty() || (0..self.roles.len()).all(|r| a.roles.contains(&r));
            if every_state && every_role {
                out.push(Problem::UnusedAction { action: i });
                continue;
            }
            if a.field.is_some() {
                if self.phase_field.is_none() {
                    out.push(Problem::MissingPhaseField { action: i });
                }
                for (r, role) in self.roles.iter().enumerate() {
                    if role.cel.is_none() {
                        out.push(Problem::MissingRolePredicate { action: i, role: r });
                    }
                }
            }
        }
        out
    }
}
