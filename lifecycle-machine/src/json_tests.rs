//! The JSON document's tests: random machines round-trip, bad documents say what is wrong.

use crate::json::FORMAT;
use crate::{ActionSpec, EventSpec, Machine, RoleSpec};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 _\"\\\\-]{0,8}"
}

/// Machines with unique state and role names, every index in range.
fn any_machine() -> impl Strategy<Value = Machine> {
    (
        prop::collection::btree_set(name(), 1..6),
        prop::collection::btree_set(name(), 0..3),
    )
        .prop_flat_map(|(states, roles)| {
            let states: Vec<String> = states.into_iter().collect();
            let roles: Vec<String> = roles.into_iter().collect();
            let n = states.len();
            let r = roles.len();
            let list = move || prop::collection::vec(0..n, 0..4);
            let event = (
                name(),
                prop::collection::vec(0..n, 1..3),
                0..n,
                prop::option::of(name()),
            );
            let action = (
                name(),
                prop::collection::vec(0..n, 0..3),
                if r == 0 {
                    Just(Vec::new()).boxed()
                } else {
                    prop::collection::vec(0..r, 0..3).boxed()
                },
                prop::option::of(name()),
            );
            (
                Just((states, roles)),
                (list(), any::<bool>(), list(), prop::option::of(0..n)),
                prop::collection::vec(event, 0..5),
                prop::collection::vec(prop::option::of(name()), r),
                prop::collection::vec(action, 0..3),
                (
                    prop::option::of(name()),
                    prop::collection::vec(prop::option::of(0..4usize), n),
                    prop::collection::vec((name(), 0..n), 0..3),
                    list(),
                ),
            )
        })
        .prop_map(
            |(
                (states, roles),
                (initial, enforce_initial, terminal, default_state),
                events,
                cels,
                actions,
                (phase_field, marks, aliases, retired),
            )| Machine {
                name: "Random".to_owned(),
                states,
                initial,
                enforce_initial,
                terminal,
                default_state,
                events: events
                    .into_iter()
                    .map(|(name, from, to, verb)| EventSpec {
                        name,
                        from,
                        to,
                        verb,
                    })
                    .collect(),
                roles: roles
                    .into_iter()
                    .zip(cels)
                    .map(|(name, cel)| RoleSpec { name, cel })
                    .collect(),
                actions: actions
                    .into_iter()
                    .map(|(name, states, roles, field)| ActionSpec {
                        name,
                        states,
                        roles,
                        field,
                    })
                    .collect(),
                phase_field,
                // Each state stands for one condition at most.
                ready: marked(&marks, 0),
                reconciling: marked(&marks, 1),
                stalled: marked(&marks, 2),
                suspended: marked(&marks, 3),
                aliases,
                retired,
            },
        )
}

/// The states whose mark is `condition`.
fn marked(marks: &[Option<usize>], condition: usize) -> Vec<usize> {
    (0..marks.len())
        .filter(|&s| marks[s] == Some(condition))
        .collect()
}

proptest! {
    #[test]
    fn a_machine_round_trips_through_its_document(machine in any_machine()) {
        let json = machine.to_json();
        prop_assert_eq!(Machine::from_json(&json), Ok(machine.clone()), "{}", json);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&value["format"], FORMAT);
    }
}

fn door() -> Machine {
    let mut door = Machine::new("Door", ["Open", "Closed"]);
    door.initial = vec![1];
    door.roles.push(RoleSpec::new("Front", None::<String>));
    door.actions.push(ActionSpec::new("paint", [1], [0]));
    door
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&door().to_json()).unwrap();
    edit(&mut value);
    value.to_string()
}

#[test]
fn unknown_members_are_ignored() {
    let json = edited(|v| v["addedLater"] = serde_json::json!({ "any": 1 }));
    assert_eq!(Machine::from_json(&json), Ok(door()));
}

#[test]
fn each_bad_document_says_what_is_wrong() {
    let cases: Vec<(String, &str)> = vec![
        (
            r#"{"format": "lifecycle.machine/v1", "name": "Door"}"#.to_owned(),
            "not a machine document: missing field `states` at line 1 column 50",
        ),
        (
            edited(|v| v["format"] = "lifecycle.machine/v2".into()),
            "format `lifecycle.machine/v2` is not one this version reads; it reads `lifecycle.machine/v1`",
        ),
        (
            edited(|v| v["states"] = serde_json::json!(["Open", "Open"])),
            "state `Open` is listed twice",
        ),
        (
            edited(|v| v["roles"] = serde_json::json!([{ "name": "Front" }, { "name": "Front" }])),
            "role `Front` is listed twice",
        ),
        (
            edited(|v| v["initial"] = serde_json::json!(["Shut"])),
            "an initial state is `Shut`, which is not a state of `Door`; its states are: Open, Closed",
        ),
        (
            edited(|v| v["conditions"]["stalled"] = serde_json::json!(["Stuck"])),
            "a stalled state is `Stuck`, which is not a state of `Door`; its states are: Open, Closed",
        ),
        (
            edited(|v| {
                v["conditions"]["ready"] = serde_json::json!(["Open"]);
                v["conditions"]["suspended"] = serde_json::json!(["Open"]);
            }),
            "state `Open` is listed under both `ready` and `suspended`; a state stands for one condition at most",
        ),
        (
            edited(|v| v["conditions"]["suspended"] = serde_json::json!(["Held"])),
            "a suspended state is `Held`, which is not a state of `Door`; its states are: Open, Closed",
        ),
        (
            edited(|v| v["actions"][0]["states"] = serde_json::json!(["Ajar"])),
            "action `paint` is allowed in `Ajar`, which is not a state of `Door`; its states are: Open, Closed",
        ),
        (
            edited(|v| v["actions"][0]["roles"] = serde_json::json!(["Back"])),
            "action `paint` names role `Back`, which is not declared; the roles are: Front",
        ),
        (
            edited(|v| {
                v["events"] =
                    serde_json::json!([{ "name": "open", "from": ["Shut"], "to": "Open" }])
            }),
            "event `open` fires from `Shut`, which is not a state of `Door`; its states are: Open, Closed",
        ),
    ];
    for (json, message) in cases {
        assert_eq!(
            Machine::from_json(&json).unwrap_err().to_string(),
            message,
            "{json}"
        );
    }
}

#[test]
fn an_index_out_of_range_is_written_so_that_it_is_refused() {
    let mut broken = door();
    broken.terminal = vec![7];
    let json = broken.to_json();
    assert!(json.contains("\"#7\""), "{json}");
    assert_eq!(
        Machine::from_json(&json).unwrap_err().to_string(),
        "a terminal state is `#7`, which is not a state of `Door`; its states are: Open, Closed"
    );
}
