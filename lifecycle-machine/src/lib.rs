//! The plain-data model of a lifecycle, its graph checks and its renderings.
//!
//! A [`Machine`] holds states, events, roles and actions by index. The `Lifecycle` derive
//! builds one while it expands and runs [`Machine::problems`] on it; the runtime
//! (`lifecycle-model`, which re-exports this crate as `lifecycle_model::machine`) builds
//! the same value from a derived type with `Lifecycle::machine()`, and anyone can build
//! one by hand. Mermaid, DOT and CEL text all come from here, so the compile-time
//! checks, the diagrams and the API server's rules cannot drift apart. With the `json`
//! feature, [`Machine::to_json`] writes the machine as a versioned document any client can
//! read back ([`json`]).
//!
//! ```
//! use lifecycle_machine::{EventSpec, Machine};
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

// Both the derive and the runtime depend on this crate: keep it std-only, apart from
// the optional layout crate behind `svg` and serde behind `json`.

use std::collections::VecDeque;

mod admission;
mod argocd;
mod audit;
pub mod bits;
mod cel;
mod condition;
mod diagram;
pub mod diff;
#[cfg(test)]
mod diff_tests;
#[cfg(feature = "json")]
pub mod json;
#[cfg(all(test, feature = "json"))]
mod json_tests;
mod problem;
#[cfg(feature = "svg")]
mod svg;

#[cfg(feature = "svg")]
pub use crate::svg::PICTURE_ARROWS;

pub use crate::admission::{
    Operation, WriteRequest, WriterRule, WriterValidation, Writers, verb_problem,
};
#[cfg(feature = "json")]
pub use crate::audit::{StrandedObject, stranded};
pub use crate::cel::{ActionRule, is_field_path};
pub use crate::condition::ConditionType;
pub use crate::problem::Problem;

/// A lifecycle as plain data: every reference between parts is an index into `states`,
/// `roles` or `actions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Machine {
    /// The machine's name, usually the phase enum's name.
    pub name: String,
    /// The states, by their serialized names.
    pub states: Vec<String>,
    /// Indices of the states an object may start in.
    pub initial: Vec<usize>,
    /// Whether the API server refuses a phase whose first value is not initial
    /// ([`Machine::initial_rule`]); `#[lifecycle(enforce_initial)]` sets it.
    pub enforce_initial: bool,
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
    /// Indices of the states that stand for a steady, healthy object
    /// ([`ConditionType::Ready`]).
    pub ready: Vec<usize>,
    /// Indices of the states in which the object moves toward its desired state
    /// ([`ConditionType::Reconciling`]).
    pub reconciling: Vec<usize>,
    /// Indices of the states the object cannot leave without help
    /// ([`ConditionType::Stalled`]).
    pub stalled: Vec<usize>,
    /// Indices of the states an object rests in because it was asked to, such as
    /// `Paused` ([`ConditionType::Suspended`]). Reached, they are settled: `Ready` holds
    /// there as well, so that kstatus reads the object as current.
    pub suspended: Vec<usize>,
    /// Former names of states, each with the index of the state it now names
    /// (`#[lifecycle(alias = "Retrying")]`): a stored phase that holds an old name reads
    /// as that state ([`Machine::resolve`]), the API server's rules admit it as that
    /// state, and a move from it to its new name is always allowed, so that a
    /// controller's next write renames it.
    pub aliases: Vec<(String, usize)>,
    /// Indices of retired states (`#[lifecycle(retired)]`): states a version keeps only
    /// for the objects stored in them. No object starts in one and no event leads into
    /// one; the events that leave one are its exits, so a stored object can only move
    /// out.
    pub retired: Vec<usize>,
}

/// A named event: it moves an object from any of `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventSpec {
    /// The event's name, as its method is called.
    pub name: String,
    /// Indices of the states the event may fire from.
    pub from: Vec<usize>,
    /// Index of the state the event leads to.
    pub to: usize,
    /// The RBAC verb that grants the event's moves on the object's resource, if any
    /// ([`Writers`]): `kubectl auth can-i pause pipelines`.
    pub verb: Option<String>,
}

impl EventSpec {
    /// An event named `name` from the states `from` to the state `to`, granted by no
    /// verb; name one with [`EventSpec::with_verb`].
    pub fn new(name: impl Into<String>, from: impl IntoIterator<Item = usize>, to: usize) -> Self {
        EventSpec {
            name: name.into(),
            from: from.into_iter().collect(),
            to,
            verb: None,
        }
    }

    /// The same event, granted to whoever holds the RBAC verb `verb` on the object.
    ///
    /// ```
    /// let pause = lifecycle_machine::EventSpec::new("pause", [0], 1).with_verb("pause");
    /// assert_eq!(pause.verb.as_deref(), Some("pause"));
    /// ```
    pub fn with_verb(mut self, verb: impl Into<String>) -> Self {
        self.verb = Some(verb.into());
        self
    }
}

/// One value of the role axis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleSpec {
    /// The role's name.
    pub name: String,
    /// A CEL predicate over the rule's object that holds for objects of this role,
    /// such as `has(self.source)`.
    pub cel: Option<String>,
}

impl RoleSpec {
    /// A role named `name`, with the CEL predicate that picks out its objects, if any.
    ///
    /// ```
    /// let source = lifecycle_machine::RoleSpec::new("Source", Some("has(self.source)"));
    /// assert_eq!(source.cel.as_deref(), Some("has(self.source)"));
    /// ```
    pub fn new(name: impl Into<String>, cel: Option<impl Into<String>>) -> Self {
        RoleSpec {
            name: name.into(),
            cel: cel.map(Into::into),
        }
    }
}

/// A capability allowed in a set of states for a set of roles.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl ActionSpec {
    /// An action named `name`, allowed in the states `states` for the roles `roles`,
    /// mutating no particular field; name one with [`ActionSpec::with_field`].
    ///
    /// ```
    /// let scale = lifecycle_machine::ActionSpec::new("scale", [0], [0, 1]).with_field("replicas");
    /// assert_eq!(scale.field.as_deref(), Some("replicas"));
    /// ```
    pub fn new(
        name: impl Into<String>,
        states: impl IntoIterator<Item = usize>,
        roles: impl IntoIterator<Item = usize>,
    ) -> Self {
        ActionSpec {
            name: name.into(),
            states: states.into_iter().collect(),
            roles: roles.into_iter().collect(),
            field: None,
        }
    }

    /// The same action, freezing `field` where it is not allowed.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
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

    /// The state `name` stands for: the state of that name, or the state it is a former
    /// name of ([`Machine::aliases`]).
    ///
    /// ```
    /// let mut job = lifecycle_machine::Machine::new("Job", ["Running", "Backoff"]);
    /// job.aliases.push(("Retrying".to_owned(), 1));
    /// assert_eq!(job.resolve("Backoff"), Some(1));
    /// assert_eq!(job.resolve("Retrying"), Some(1));
    /// assert_eq!(job.state_index("Retrying"), None);
    /// assert_eq!(job.resolve("Waiting"), None);
    /// ```
    pub fn resolve(&self, name: &str) -> Option<usize> {
        self.state_index(name).or_else(|| {
            let alias = self.aliases.iter().find(|(old, _)| old == name);
            alias.map(|(_, state)| *state)
        })
    }

    /// The names `state` is stored under: its name, then its former names.
    pub fn names_of(&self, state: usize) -> Vec<&str> {
        let former = self.aliases.iter().filter(|(_, s)| *s == state);
        let mut names: Vec<&str> = self
            .states
            .get(state)
            .map(String::as_str)
            .into_iter()
            .collect();
        names.extend(former.map(|(old, _)| old.as_str()));
        names
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

    /// Whether an object may start in `state`: always, unless the machine enforces its
    /// initial states, and then only in one of them. The client-side twin of
    /// [`Machine::initial_rule`].
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut door = Machine::new("Door", ["Closed", "Open", "Broken"]);
    /// door.initial = vec![0, 1];
    /// assert!(door.may_start(2), "initial states are advice until enforced");
    /// door.enforce_initial = true;
    /// assert!(door.may_start(1) && !door.may_start(2));
    /// ```
    pub fn may_start(&self, state: usize) -> bool {
        !self.enforce_initial || self.initial.contains(&state)
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

    /// The states at `states`, by name, comma-separated.
    pub(crate) fn list_states(&self, states: &[usize]) -> String {
        let names: Vec<&str> = states.iter().map(|&s| self.states[s].as_str()).collect();
        names.join(", ")
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
