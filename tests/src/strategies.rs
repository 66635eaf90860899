//! Machines for tests, built with the runtime model: proptest strategies for random ones,
//! and a ring of any size for the cost and growth checks.

use lifecycle_model::machine::{ActionSpec, EventSpec, Machine, RoleSpec};
use proptest::prelude::*;
use proptest::sample::subsequence;

/// A state name in one of the styles serde renames produce, or one that a
/// `#[serde(rename = "...")]` may hold: quotes, backslashes, spaces and non-ASCII, which
/// CEL, Mermaid and DOT must all escape. The index keeps it unique.
fn state_name(style: u8, index: usize) -> String {
    match style {
        0 => format!("S{index}"),
        1 => format!("state-{index}"),
        2 => format!("st_{index}"),
        3 => format!("stateNo{index}"),
        4 => format!("{index}th"),
        5 => format!("it's {index}"),
        6 => format!("back\\slash{index}"),
        7 => format!("Zustand ä{index}"),
        _ => format!("say \"{index}\""),
    }
}

/// A subset of `0..n` with between `min` and `max` members, in random order.
fn indices(n: usize, min: usize, max: usize) -> impl Strategy<Value = Vec<usize>> {
    let max = max.min(n);
    subsequence((0..n).collect::<Vec<_>>(), min.min(max)..=max).prop_shuffle()
}

/// A random machine of 2 to 12 states, with names in every style serde renames
/// produce, random events of one to three sources, initial and terminal states, a default,
/// up to three roles and three actions. Its graph need not pass the derive's checks: the
/// table, the renderings and the rules must agree on any graph.
pub fn machine() -> impl Strategy<Value = Machine> {
    (2usize..=12, 0usize..=3).prop_flat_map(|(n, role_count)| {
        let names = prop::collection::vec(0u8..9, n);
        let initial = indices(n, 0, 3);
        let terminal = indices(n, 0, n / 2);
        let default_state = prop::option::of(0..n);
        let events = prop::collection::vec((indices(n, 1, 3), 0..n), 0..=2 * n);
        let roles = prop::collection::vec(any::<bool>(), role_count);
        let actions = prop::collection::vec(
            (
                indices(n, 1, n),
                indices(role_count, 0, role_count),
                prop::option::of(prop::sample::select(vec!["replicas", "spec.traffic"])),
            ),
            0..=3,
        );
        let phase_field = prop::option::of(prop::sample::select(vec!["phase", "status.phase"]));
        (
            names,
            initial,
            terminal,
            default_state,
            events,
            roles,
            actions,
            phase_field,
        )
            .prop_map(
                move |(
                    names,
                    initial,
                    terminal,
                    default_state,
                    events,
                    roles,
                    actions,
                    phase_field,
                )| {
                    let mut machine = Machine::new(
                        "Random",
                        names.iter().enumerate().map(|(i, &s)| state_name(s, i)),
                    );
                    machine.initial = initial;
                    machine.terminal = terminal;
                    machine.default_state = default_state;
                    machine.events = events
                        .into_iter()
                        .enumerate()
                        .map(|(i, (from, to))| EventSpec::new(format!("e{i}"), from, to))
                        .collect();
                    machine.roles = roles
                        .into_iter()
                        .enumerate()
                        .map(|(i, has_cel)| {
                            RoleSpec::new(
                                format!("R{i}"),
                                has_cel.then(|| format!("self.kind == 'r{i}'")),
                            )
                        })
                        .collect();
                    machine.actions = actions
                        .into_iter()
                        .enumerate()
                        .map(|(i, (states, roles, field))| {
                            let action = ActionSpec::new(format!("a{i}"), states, roles);
                            match field {
                                Some(field) => action.with_field(field),
                                None => action,
                            }
                        })
                        .collect();
                    machine.phase_field = phase_field.map(str::to_owned);
                    machine
                },
            )
    })
}

/// A ring of `n` states where each state has four exits, the next four states: a machine
/// whose transition rule grows with `n` and whose every state is reachable.
pub fn ring(n: usize) -> Machine {
    let mut m = Machine::new("Ring", (0..n).map(|i| format!("State{i:03}")));
    m.initial = vec![0];
    for i in 0..n {
        for step in 1..=4 {
            m.events
                .push(EventSpec::new(format!("go{i}_{step}"), [i], (i + step) % n));
        }
    }
    m
}
