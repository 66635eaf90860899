//! What a change of a lifecycle does to the objects already stored, and to their clients:
//! [`Machine::diff`] compares two versions by name and classifies each change.
//!
//! ```
//! use lifecycle_machine::{EventSpec, Machine};
//! use lifecycle_machine::diff::Class;
//!
//! let mut old = Machine::new("Job", ["Queued", "Running", "Retrying", "Done"]);
//! old.initial = vec![0];
//! old.terminal = vec![3];
//! old.events.push(EventSpec::new("start", [0, 2], 1));
//! old.events.push(EventSpec::new("retry", [1], 2));
//! old.events.push(EventSpec::new("finish", [1], 3));
//!
//! let mut new = old.clone();
//! new.events.retain(|e| e.name != "retry");
//! let changes = old.diff(&new);
//! assert_eq!(changes[0].class, Class::Breaking);
//! assert_eq!(changes[0].to_string(), "breaking: objects in `Running` can no longer move to `Retrying`");
//! assert_eq!(changes[1].to_string(), "needs migration: event `retry` is gone: Events, metrics and callers that name it change");
//! ```

use std::fmt;

use crate::Machine;

/// How a change treats what exists: stored objects and the clients that write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing stored or sent before is refused or read differently.
    Safe,
    /// Existing objects and requests still work, but something must change with the
    /// upgrade: RBAC grants, a default, names Events and metrics use.
    Migration,
    /// Stored objects or requests that worked before are refused or stranded.
    Breaking,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Safe => "safe",
            Class::Migration => "needs migration",
            Class::Breaking => "breaking",
        })
    }
}

/// One change between two versions of a lifecycle, and what it means for objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How it treats what exists.
    pub class: Class,
    /// What changed, from the objects' point of view.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

fn change(class: Class, message: impl Into<String>) -> Change {
    Change {
        class,
        message: message.into(),
    }
}

/// The names of `indices` in `machine`'s states.
fn names<'a>(machine: &'a Machine, indices: &[usize]) -> Vec<&'a str> {
    indices
        .iter()
        .filter_map(|&i| machine.states.get(i).map(String::as_str))
        .collect()
}

/// Every move (from, to) by state names.
fn moves(machine: &Machine) -> Vec<(&str, &str)> {
    let mut moves = Vec::new();
    for e in &machine.events {
        for &from in &e.from {
            if let (Some(from), Some(to)) = (machine.states.get(from), machine.states.get(e.to))
                && !moves.contains(&(from.as_str(), to.as_str()))
            {
                moves.push((from.as_str(), to.as_str()));
            }
        }
    }
    moves
}

impl Machine {
    /// The changes from `self` to `new`, breaking ones first, each with what it means for
    /// objects stored under `self`. States, roles and events are matched by name.
    pub fn diff(&self, new: &Machine) -> Vec<Change> {
        let mut changes = Vec::new();
        // A state the new version keeps under a new name, its old one a former name
        // (`alias`), is compared under the new name.
        let mut renamed = self.clone();
        for state in renamed.states.iter_mut() {
            if new.state_index(state).is_some() {
                continue;
            }
            if let Some(now) = new.resolve(state) {
                let now = &new.states[now];
                changes.push(change(
                    Class::Migration,
                    format!(
                        "`{state}` is now called `{now}`: stored objects in `{state}` read as `{now}` and are renamed on their next write; clients that compare the stored name see both until then"
                    ),
                ));
                *state = now.clone();
            }
        }
        let old = &renamed;
        if old.phase_field != new.phase_field {
            changes.push(change(
                Class::Breaking,
                format!(
                    "the phase field moves from `{}` to `{}`: stored phases are not where the new version reads them",
                    old.phase_field.as_deref().unwrap_or("(unnamed)"),
                    new.phase_field.as_deref().unwrap_or("(unnamed)")
                ),
            ));
        }
        // States.
        for state in &old.states {
            if new.state_index(state).is_none() {
                changes.push(change(
                    Class::Breaking,
                    format!("`{state}` is no longer a state: objects in `{state}` can no longer be read or written"),
                ));
            }
        }
        for state in &new.states {
            if old.state_index(state).is_none() {
                changes.push(change(Class::Safe, format!("`{state}` is a new state")));
            }
        }
        for &retired in &new.retired {
            let state = &new.states[retired];
            let was = old.state_index(state);
            if was.is_some_and(|s| !old.retired.contains(&s)) {
                let exits: Vec<&str> = new
                    .targets(retired)
                    .iter()
                    .map(|&t| new.states[t].as_str())
                    .collect();
                changes.push(change(
                    Class::Migration,
                    format!(
                        "`{state}` is retired: objects stored in it stay and may only leave, to {}; none starts in it or moves into it any more",
                        crate::cel::or_words(&exits)
                    ),
                ));
            }
        }
        // Moves, from the states both versions have.
        let (old_moves, new_moves) = (moves(old), moves(new));
        for state in old.states.iter().filter(|s| new.state_index(s).is_some()) {
            let lost: Vec<&str> = old_moves
                .iter()
                .filter(|(f, t)| f == state && new.state_index(t).is_some())
                .filter(|m| !new_moves.contains(m))
                .map(|(_, t)| *t)
                .collect();
            let left = new_moves.iter().any(|(f, _)| f == state);
            if !lost.is_empty() && !left {
                changes.push(change(
                    Class::Breaking,
                    format!("objects in `{state}` can no longer move: no event leaves it any more"),
                ));
            } else {
                for to in lost {
                    // A move into a state now retired goes with the retirement.
                    let retired = new
                        .state_index(to)
                        .is_some_and(|t| new.retired.contains(&t));
                    changes.push(match retired {
                        true => change(
                            Class::Migration,
                            format!("objects in `{state}` can no longer move to `{to}`, which is retired"),
                        ),
                        false => change(
                            Class::Breaking,
                            format!("objects in `{state}` can no longer move to `{to}`"),
                        ),
                    });
                }
            }
        }
        for (from, to) in &new_moves {
            if !old_moves.contains(&(from, to))
                && old.state_index(from).is_some()
                && old.state_index(to).is_some()
            {
                changes.push(change(
                    Class::Safe,
                    format!("objects in `{from}` may now move to `{to}`"),
                ));
            }
        }
        // Where objects start.
        let (old_initial, new_initial) = (names(old, &old.initial), names(new, &new.initial));
        for state in old_initial.iter().filter(|s| new.state_index(s).is_some()) {
            if !new_initial.contains(state) {
                changes.push(if new.enforce_initial {
                    change(
                        Class::Breaking,
                        format!("`{state}` is no longer initial: a create in `{state}` will be refused"),
                    )
                } else {
                    change(
                        Class::Safe,
                        format!("`{state}` is no longer initial; the server does not enforce initial states, so creates in it still pass"),
                    )
                });
            }
        }
        for state in new_initial.iter().filter(|s| !old_initial.contains(s)) {
            changes.push(change(Class::Safe, format!("`{state}` is now initial")));
        }
        if new.enforce_initial && !old.enforce_initial {
            changes.push(change(
                Class::Migration,
                format!(
                    "the server now refuses creates that do not start in {}; stored objects keep their phase",
                    new_initial.join(", ")
                ),
            ));
        }
        if old.enforce_initial && !new.enforce_initial {
            changes.push(change(
                Class::Safe,
                "the server no longer enforces initial states",
            ));
        }
        let (old_default, new_default) = (
            old.default_state.and_then(|i| old.states.get(i)),
            new.default_state.and_then(|i| new.states.get(i)),
        );
        if old_default != new_default {
            changes.push(change(
                Class::Migration,
                format!(
                    "objects without a phase read as {} instead of {}",
                    new_default.map_or("nothing".to_owned(), |s| format!("`{s}`")),
                    old_default.map_or("nothing".to_owned(), |s| format!("`{s}`"))
                ),
            ));
        }
        // Events, their names and their verbs.
        for e in &old.events {
            match new.events.iter().find(|n| n.name == e.name) {
                None => changes.push(change(
                    Class::Migration,
                    format!("event `{}` is gone: Events, metrics and callers that name it change", e.name),
                )),
                Some(n) if n.verb != e.verb => changes.push(change(
                    Class::Migration,
                    match (&e.verb, &n.verb) {
                        (_, Some(verb)) => format!(
                            "`{}` now needs RBAC verb `{verb}`: grant it before upgrading",
                            e.name
                        ),
                        (Some(verb), None) => format!(
                            "`{}` no longer needs RBAC verb `{verb}`: only the named writers may fire it",
                            e.name
                        ),
                        (None, None) => unreachable!("verbs differ"),
                    },
                )),
                Some(_) => {}
            }
        }
        for n in &new.events {
            if !old.events.iter().any(|e| e.name == n.name) {
                changes.push(change(Class::Safe, format!("event `{}` is new", n.name)));
            }
        }
        // Actions: where a field may change.
        for a in &old.actions {
            match new.actions.iter().find(|n| n.name == a.name) {
                None => changes.push(change(
                    Class::Safe,
                    format!(
                        "action `{}` is no longer gated: its field may change in every state",
                        a.name
                    ),
                )),
                Some(n) => {
                    let (was, is) = (names(old, &a.states), names(new, &n.states));
                    for state in was
                        .iter()
                        .filter(|s| !is.contains(s) && new.state_index(s).is_some())
                    {
                        changes.push(change(
                            Class::Breaking,
                            format!("action `{}` is no longer allowed in `{state}`: such changes will be refused", a.name),
                        ));
                    }
                    for state in is.iter().filter(|s| !was.contains(s)) {
                        changes.push(change(
                            Class::Safe,
                            format!("action `{}` is now allowed in `{state}`", a.name),
                        ));
                    }
                }
            }
        }
        for n in &new.actions {
            if !old.actions.iter().any(|a| a.name == n.name) {
                changes.push(change(
                    Class::Breaking,
                    format!(
                        "action `{}` is new: changes it gates are refused outside {}",
                        n.name,
                        names(new, &n.states).join(", ")
                    ),
                ));
            }
        }
        changes.sort_by_key(|c| std::cmp::Reverse(c.class));
        changes
    }
}
