//! The plain-data model of a lifecycle, its graph checks and its renderings.
//!
//! A [`Machine`] holds states, events, roles and actions by index. The derive builds one
//! while it expands and runs [`Machine::problems`] on it; the runtime builds the same value
//! from a derived type with [`Lifecycle::machine`](crate::Lifecycle::machine), and anyone
//! can build one by hand. Mermaid, DOT and CEL text all come from here, so the compile-time
//! checks, the diagrams and the API server's rules cannot drift apart.
//!
//! ```
//! use lifecycle_model::machine::{EventSpec, Machine};
//!
//! let mut door = Machine::new("Door", ["Open", "Closed"]);
//! door.initial = vec![1];
//! door.events.push(EventSpec::new("open", [1], 0));
//! door.events.push(EventSpec::new("close", [0], 1));
//! assert!(door.problems().is_empty());
//! assert!(door.can_transition(0, 1));
//! assert_eq!(
//!     door.transition_rule().as_deref(),
//!     None, // every move between two states is legal, so the server needs no rule
//! );
//! ```

// This file is also compiled into `lifecycle-derive` through `#[path]`; keep it std-only.

use std::collections::VecDeque;
use std::fmt::Write as _;

/// A lifecycle as plain data: every reference between parts is an index into `states`,
/// `roles` or `actions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Machine {
    /// The machine's name, usually the phase enum's name.
    pub name: String,
    /// The states, by their serialized names.
    pub states: Vec<String>,
    /// Indices of the states an object may start in.
    pub initial: Vec<usize>,
    /// Indices of the states no event may leave.
    pub terminal: Vec<usize>,
    /// The state an absent phase field reads as, if any.
    pub default_state: Option<usize>,
    /// The named events.
    pub events: Vec<EventSpec>,
    /// The role axis; empty when the machine has none.
    pub roles: Vec<RoleSpec>,
    /// Capabilities gated by state and role.
    pub actions: Vec<ActionSpec>,
    /// Path of the phase field, relative to the object that carries action rules
    /// (`lifecycle.desiredPhase`). Needed only by actions that name a field.
    pub phase_field: Option<String>,
}

/// A named event: it moves an object from any of `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// The event's name, as its method is called.
    pub name: String,
    /// Indices of the states the event may fire from.
    pub from: Vec<usize>,
    /// Index of the state the event leads to.
    pub to: usize,
}

impl EventSpec {
    /// An event named `name` from the states `from` to the state `to`.
    pub fn new(name: impl Into<String>, from: impl IntoIterator<Item = usize>, to: usize) -> Self {
        EventSpec {
            name: name.into(),
            from: from.into_iter().collect(),
            to,
        }
    }
}

/// One value of the role axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// The role's name.
    pub name: String,
    /// A CEL predicate over the rule's object that holds for objects of this role,
    /// such as `has(self.source)`.
    pub cel: Option<String>,
}

/// A capability allowed in a set of states for a set of roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    /// The action's name.
    pub name: String,
    /// Indices of the states the action is allowed in.
    pub states: Vec<usize>,
    /// Indices of the roles the action is allowed for; ignored when the machine has no
    /// role axis.
    pub roles: Vec<usize>,
    /// The field the action mutates, relative to the rule's object (`replicas`).
    pub field: Option<String>,
}

/// Something wrong with a machine's graph, found by [`Machine::problems`].
#[derive(Debug, Clone, PartialEq, Eq)]
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
            Problem::MissingRolePredicate { action, role } => format!(
                "action `{}` names a field, so role `{}` needs a CEL predicate: `role({}, cel = \"...\")`",
                machine.actions[action].name, machine.roles[role].name, machine.roles[role].name
            ),
        }
    }
}

impl Machine {
    /// A machine with these states and nothing else yet.
    pub fn new<I, S>(name: impl Into<String>, states: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Machine {
            name: name.into(),
            states: states.into_iter().map(Into::into).collect(),
            ..Machine::default()
        }
    }

    /// The index of the state serialized as `name`.
    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s == name)
    }

    /// Whether an object may move from `from` to `to`. Staying put is always allowed.
    pub fn can_transition(&self, from: usize, to: usize) -> bool {
        from == to
            || self
                .events
                .iter()
                .any(|e| e.to == to && e.from.contains(&from))
    }

    /// For every state, the states reachable from it in one event, other than itself,
    /// in declaration order: [`Machine::targets`] of every state in one pass.
    pub fn successors(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.states.len()];
        for e in &self.events {
            for &f in &e.from {
                if f != e.to {
                    out[f].push(e.to);
                }
            }
        }
        for targets in &mut out {
            targets.sort_unstable();
            targets.dedup();
        }
        out
    }

    /// The states reachable from `from` in one event, other than `from` itself, in
    /// declaration order.
    pub fn targets(&self, from: usize) -> Vec<usize> {
        (0..self.states.len())
            .filter(|&to| to != from && self.can_transition(from, to))
            .collect()
    }

    /// The event that moves `from` to `to`, if one does.
    pub fn event_between(&self, from: usize, to: usize) -> Option<usize> {
        self.events
            .iter()
            .position(|e| e.to == to && e.from.contains(&from))
    }

    /// Whether `action` is allowed in `state` for `role` (`None` when the machine has no
    /// role axis).
    pub fn allows(&self, state: usize, role: Option<usize>, action: usize) -> bool {
        let spec = &self.actions[action];
        spec.states.contains(&state)
            && (self.roles.is_empty() || role.is_some_and(|r| spec.roles.contains(&r)))
    }

    /// For each state, whether a path of events leads to it from an initial state.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.states.len()];
        let mut queue: VecDeque<usize> = self.initial.iter().copied().collect();
        for &s in &self.initial {
            seen[s] = true;
        }
        let successors = self.successors();
        while let Some(from) = queue.pop_front() {
            for &to in &successors[from] {
                if !seen[to] {
                    seen[to] = true;
                    queue.push_back(to);
                }
            }
        }
        seen
    }

    /// Every graph problem, in a stable order: initial states, then states, events,
    /// roles and actions.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.initial.is_empty() {
            out.push(Problem::NoInitialState);
        } else {
            let reachable = self.reachable();
            out.extend(
                (0..self.states.len())
                    .filter(|&s| !reachable[s])
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

    fn list_states(&self, states: &[usize]) -> String {
        let names: Vec<&str> = states.iter().map(|&s| self.states[s].as_str()).collect();
        names.join(", ")
    }

    /// A Mermaid `stateDiagram-v2` of the machine.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        // Names Mermaid cannot take as ids (dashes, spaces) get an alias.
        let ids: Vec<String> = self
            .states
            .iter()
            .enumerate()
            .map(|(i, name)| match is_identifier(name) {
                true => name.clone(),
                false => {
                    let _ = writeln!(out, "    state \"{}\" as s{i}", name.replace('"', "#quot;"));
                    format!("s{i}")
                }
            })
            .collect();
        for &s in &self.initial {
            let _ = writeln!(out, "    [*] --> {}", ids[s]);
        }
        for e in &self.events {
            for &f in &e.from {
                let _ = writeln!(out, "    {} --> {}: {}", ids[f], ids[e.to], e.name);
            }
        }
        for &s in &self.terminal {
            let _ = writeln!(out, "    {} --> [*]", ids[s]);
        }
        out
    }

    /// A Graphviz DOT digraph of the machine: initial states hang off a start point,
    /// terminal states are drawn with a double border.
    pub fn dot(&self) -> String {
        let mut out = format!(
            "digraph {} {{\n    rankdir=LR;\n    node [shape=box, style=rounded];\n",
            dot_id(&self.name)
        );
        if !self.initial.is_empty() {
            out.push_str("    __start [shape=point];\n");
        }
        for (i, s) in self.states.iter().enumerate() {
            let border = if self.terminal.contains(&i) {
                ", peripheries=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} [label={}{}];",
                dot_id(s),
                dot_string(s),
                border
            );
        }
        for &s in &self.initial {
            let _ = writeln!(out, "    __start -> {};", dot_id(&self.states[s]));
        }
        for e in &self.events {
            for &f in &e.from {
                let _ = writeln!(
                    out,
                    "    {} -> {} [label=\"{}\"];",
                    dot_id(&self.states[f]),
                    dot_id(&self.states[e.to]),
                    e.name
                );
            }
        }
        out.push_str("}\n");
        out
    }

    /// The CEL transition rule for the phase field itself, or `None` when every move is
    /// legal. It reads `self == oldSelf || (oldSelf == 'A' && self in ['B']) || ...`: one
    /// clause per state with somewhere to go, so its length grows linearly with the
    /// transitions.
    pub fn transition_rule(&self) -> Option<String> {
        let n = self.states.len();
        let mut rule = String::from("self == oldSelf");
        let mut all_legal = true;
        for from in 0..n {
            let targets = self.targets(from);
            all_legal &= targets.len() + 1 == n;
            if targets.is_empty() {
                continue;
            }
            let _ = write!(
                rule,
                " || (oldSelf == {} && self in [{}])",
                cel_string(&self.states[from]),
                self.cel_list(&targets)
            );
        }
        (!all_legal).then_some(rule)
    }

    /// The one-line message that goes with [`Machine::transition_rule`]: it names the
    /// field and lists the legal moves.
    pub fn transition_message(&self) -> String {
        let field = self
            .phase_field
            .as_deref()
            .and_then(|p| p.rsplit('.').next())
            .unwrap_or(&self.name);
        let mut moves = Vec::new();
        for from in 0..self.states.len() {
            let targets = self.targets(from);
            if !targets.is_empty() {
                let to: Vec<&str> = targets.iter().map(|&t| self.states[t].as_str()).collect();
                moves.push(format!("{} -> {}", self.states[from], to.join(" | ")));
            }
        }
        let mut message = format!("{field} may only follow the {} lifecycle: ", self.name);
        let mut listed = moves.join("; ");
        if listed.len() > MESSAGE_LIST_LIMIT {
            let cut = listed[..MESSAGE_LIST_LIMIT].rfind(';').unwrap_or(0);
            listed.truncate(cut);
            listed.push_str("; ...");
        }
        message.push_str(&listed);
        message
    }

    /// The object-level CEL rule of `action`, or `None` when the action names no field or
    /// is allowed everywhere. While the phase stays the same in a state where the action
    /// is not allowed for the object's role, the field must keep its value: set stays set
    /// to the same value, unset stays unset.
    pub fn action_rule(&self, action: usize) -> Option<ActionRule> {
        let spec = &self.actions[action];
        let field = spec.field.as_deref()?;
        let phase = self.phase_field.as_deref()?;
        let new_phase = self.phase_value("self", phase);
        let old_phase = self.phase_value("oldSelf", phase);

        // Group roles by the states they may not act in, so the rule stays short.
        let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        let role_count = self.roles.len().max(1);
        for r in 0..role_count {
            let role = (!self.roles.is_empty()).then_some(r);
            let forbidden: Vec<usize> = (0..self.states.len())
                .filter(|&s| !self.allows(s, role, action))
                .collect();
            if forbidden.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|(states, _)| *states == forbidden) {
                Some((_, roles)) => roles.push(r),
                None => groups.push((forbidden, vec![r])),
            }
        }
        if groups.is_empty() {
            return None;
        }
        let clauses: Vec<String> = groups
            .iter()
            .map(|(states, roles)| {
                // With a default, the phase is always some state: "in every state" is true.
                let everywhere = states.len() == self.states.len() && self.default_state.is_some();
                let in_states = match everywhere {
                    true => "true".to_owned(),
                    false => format!("{new_phase} in [{}]", self.cel_list(states)),
                };
                if self.roles.is_empty() {
                    return in_states;
                }
                let preds: Vec<String> = roles
                    .iter()
                    .map(|&r| format!("({})", self.roles[r].cel.as_deref().unwrap_or("false")))
                    .collect();
                format!("(({}) && {in_states})", preds.join(" || "))
            })
            .collect();
        let present_new = presence("self", field);
        let present_old = presence("oldSelf", field);
        let rule = format!(
            "!({new_phase} == {old_phase} && ({})) || (({present_new}) == ({present_old}) && (!({present_new}) || self.{field} == oldSelf.{field}))",
            clauses.join(" || ")
        );
        Some(ActionRule {
            rule,
            message: self.action_message(action, field),
            field_path: format!(".{field}"),
        })
    }

    fn action_message(&self, action: usize, field: &str) -> String {
        let spec = &self.actions[action];
        let allowed_in = |role: Option<usize>| -> Vec<usize> {
            (0..self.states.len())
                .filter(|&s| self.allows(s, role, action))
                .collect()
        };
        let detail = if self.roles.is_empty() {
            format!("only in {}", self.list_states(&allowed_in(None)))
        } else {
            // Roles that share the same allowed states are listed together.
            let mut groups: Vec<(Vec<usize>, Vec<&str>)> = Vec::new();
            for (r, role) in self.roles.iter().enumerate() {
                let states = allowed_in(Some(r));
                match groups.iter_mut().find(|(s, _)| *s == states) {
                    Some((_, names)) => names.push(&role.name),
                    None => groups.push((states, vec![&role.name])),
                }
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|(states, names)| match states.is_empty() {
                    true => format!("never for {}", names.join(", ")),
                    false => format!("for {} in {}", names.join(", "), self.list_states(states)),
                })
                .collect();
            parts.join("; ")
        };
        format!(
            "{field} must not change while the phase stays put: `{}` is allowed {detail}",
            spec.name
        )
    }

    /// The CEL value of the phase at `path` under `root`, falling back to the default
    /// state when the field is absent.
    fn phase_value(&self, root: &str, path: &str) -> String {
        let value = format!("{root}.{path}");
        let fallback = match self.default_state {
            Some(d) => cel_string(&self.states[d]),
            // An absent phase matches no state, so no clause fires.
            None => "''".to_owned(),
        };
        format!("({} ? {value} : {fallback})", presence(root, path))
    }

    fn cel_list(&self, states: &[usize]) -> String {
        let items: Vec<String> = states
            .iter()
            .map(|&s| cel_string(&self.states[s]))
            .collect();
        items.join(", ")
    }
}

/// A CEL rule for an object schema's `x-kubernetes-validations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRule {
    /// The CEL expression.
    pub rule: String,
    /// The one-line message the API server returns when the rule fails.
    pub message: String,
    /// The path of the frozen field, relative to the rule's object (`.replicas`).
    pub field_path: String,
}

/// How long the list of moves in a transition message may grow before it is cut.
const MESSAGE_LIST_LIMIT: usize = 480;

/// `has(root.a) && has(root.a.b)`: true when every step of `path` is present.
fn presence(root: &str, path: &str) -> String {
    let mut prefix = root.to_owned();
    let mut checks = Vec::new();
    for part in path.split('.') {
        prefix.push('.');
        prefix.push_str(part);
        checks.push(format!("has({prefix})"));
    }
    checks.join(" && ")
}

/// A CEL single-quoted string literal.
fn cel_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A DOT identifier: bare when it is a plain identifier, quoted otherwise.
fn dot_id(s: &str) -> String {
    const KEYWORDS: [&str; 6] = ["node", "edge", "graph", "digraph", "subgraph", "strict"];
    let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s));
    if is_identifier(s) && !keyword {
        s.to_owned()
    } else {
        dot_string(s)
    }
}

/// A DOT double-quoted string.
fn dot_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `path` is a dotted path of identifiers (`spec.replicas`), as CEL field
/// selection needs.
pub fn is_field_path(path: &str) -> bool {
    path.split('.').all(is_identifier)
}
