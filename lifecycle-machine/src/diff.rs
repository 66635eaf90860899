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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActionSpec, EventSpec};

    /// Queued → Running ⇄ Retrying, Running → Done; `scale` in Running.
    fn job() -> Machine {
        let mut m = Machine::new("Job", ["Queued", "Running", "Retrying", "Done"]);
        m.initial = vec![0];
        m.terminal = vec![3];
        m.default_state = Some(0);
        m.phase_field = Some("status.phase".to_owned());
        m.events
            .push(EventSpec::new("start", [0, 2], 1).with_verb("start"));
        m.events.push(EventSpec::new("retry", [1], 2));
        m.events.push(EventSpec::new("finish", [1], 3));
        m.actions
            .push(ActionSpec::new("scale", [1], []).with_field("replicas"));
        m
    }

    fn diff(edit: impl FnOnce(&mut Machine)) -> Vec<String> {
        let mut new = job();
        edit(&mut new);
        job().diff(&new).iter().map(ToString::to_string).collect()
    }

    /// A change made to [`job`].
    type Edit = Box<dyn FnOnce(&mut Machine)>;

    #[test]
    fn each_kind_of_change_is_classified_with_its_meaning_for_objects() {
        let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
            ("unchanged", Box::new(|_| {}), vec![]),
            (
                "a state added",
                Box::new(|m| m.states.push("Cancelled".into())),
                vec!["safe: `Cancelled` is a new state"],
            ),
            (
                "a state removed",
                Box::new(|m| {
                    m.states[2] = "Backoff".into();
                }),
                vec![
                    "breaking: `Retrying` is no longer a state: objects in `Retrying` can no longer be read or written",
                    "safe: `Backoff` is a new state",
                ],
            ),
            (
                "a state retired: no way in, its exit kept",
                Box::new(|m| {
                    m.retired = vec![2];
                    m.events.retain(|e| e.name != "retry");
                }),
                vec![
                    "needs migration: `Retrying` is retired: objects stored in it stay and may only leave, to Running; none starts in it or moves into it any more",
                    "needs migration: objects in `Running` can no longer move to `Retrying`, which is retired",
                    "needs migration: event `retry` is gone: Events, metrics and callers that name it change",
                ],
            ),
            (
                "a state renamed, its old name kept as an alias",
                Box::new(|m| {
                    m.states[2] = "Backoff".into();
                    m.aliases.push(("Retrying".into(), 2));
                }),
                vec![
                    "needs migration: `Retrying` is now called `Backoff`: stored objects in `Retrying` read as `Backoff` and are renamed on their next write; clients that compare the stored name see both until then",
                ],
            ),
            (
                "the only way out of a state dropped",
                Box::new(|m| m.events[0].from = vec![0]),
                vec![
                    "breaking: objects in `Retrying` can no longer move: no event leaves it any more",
                ],
            ),
            (
                "one move dropped, another kept",
                Box::new(|m| m.events.retain(|e| e.name != "finish")),
                vec![
                    "breaking: objects in `Running` can no longer move to `Done`",
                    "needs migration: event `finish` is gone: Events, metrics and callers that name it change",
                ],
            ),
            (
                "a move added",
                Box::new(|m| m.events.push(EventSpec::new("cancel", [0], 3))),
                vec![
                    "safe: objects in `Queued` may now move to `Done`",
                    "safe: event `cancel` is new",
                ],
            ),
            (
                "an initial state dropped where the server enforces them",
                Box::new(|m| {
                    m.enforce_initial = true;
                    m.initial = vec![1];
                }),
                vec![
                    "breaking: `Queued` is no longer initial: a create in `Queued` will be refused",
                    "needs migration: the server now refuses creates that do not start in Running; stored objects keep their phase",
                    "safe: `Running` is now initial",
                ],
            ),
            (
                "an initial state dropped where nothing enforces them",
                Box::new(|m| m.initial = vec![1]),
                vec![
                    "safe: `Queued` is no longer initial; the server does not enforce initial states, so creates in it still pass",
                    "safe: `Running` is now initial",
                ],
            ),
            (
                "the default changed",
                Box::new(|m| m.default_state = Some(1)),
                vec![
                    "needs migration: objects without a phase read as `Running` instead of `Queued`",
                ],
            ),
            (
                "a verb changed and one added",
                Box::new(|m| {
                    m.events[0].verb = Some("run".into());
                    m.events[1].verb = Some("retry".into());
                }),
                vec![
                    "needs migration: `start` now needs RBAC verb `run`: grant it before upgrading",
                    "needs migration: `retry` now needs RBAC verb `retry`: grant it before upgrading",
                ],
            ),
            (
                "a verb dropped",
                Box::new(|m| m.events[0].verb = None),
                vec![
                    "needs migration: `start` no longer needs RBAC verb `start`: only the named writers may fire it",
                ],
            ),
            (
                "an action narrowed and widened",
                Box::new(|m| m.actions[0].states = vec![2]),
                vec![
                    "breaking: action `scale` is no longer allowed in `Running`: such changes will be refused",
                    "safe: action `scale` is now allowed in `Retrying`",
                ],
            ),
            (
                "an action added and one dropped",
                Box::new(|m| {
                    m.actions[0] = ActionSpec::new("resize", [0], []).with_field("size");
                }),
                vec![
                    "breaking: action `resize` is new: changes it gates are refused outside Queued",
                    "safe: action `scale` is no longer gated: its field may change in every state",
                ],
            ),
            (
                "the phase field moved",
                Box::new(|m| m.phase_field = Some("spec.phase".into())),
                vec![
                    "breaking: the phase field moves from `status.phase` to `spec.phase`: stored phases are not where the new version reads them",
                ],
            ),
        ];
        for (what, edit, expected) in cases {
            assert_eq!(diff(edit), expected, "{what}");
        }
    }

    #[test]
    fn a_machine_has_no_changes_from_itself() {
        assert_eq!(job().diff(&job()), []);
    }
}
