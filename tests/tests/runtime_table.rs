//! The runtime twin of both shared machines, checked against tables written out by hand
//! from the declarations in `tests/src/lib.rs`.

use lifecycle_model::{Lifecycle, LifecycleError, Named, NoRole, Role};
use lifecycle_tests::{
    Channel, DoorState, DoorStateAction, DoorStateEvent, ReleasePhase, ReleasePhaseAction,
    ReleasePhaseEvent,
};

use Channel::{Canary, Hotfix, Stable};
use DoorState::{Closed, Demolished, Locked, Opened};
use ReleasePhase::{Archived, Built, Draft, Halted, Shipped};

/// Every legal move of `DoorState` other than staying put.
const DOOR_MOVES: &[(DoorState, DoorState)] = &[
    (Closed, Opened),
    (Opened, Closed),
    (Closed, Locked),
    (Locked, Closed),
    (Closed, Demolished),
    (Locked, Demolished),
];

/// Every legal move of `ReleasePhase` other than staying put.
const RELEASE_MOVES: &[(ReleasePhase, ReleasePhase)] = &[
    (Draft, Built),
    (Built, Shipped),
    (Built, Halted),
    (Shipped, Halted),
    (Halted, Draft),
    (Shipped, Archived),
    (Halted, Archived),
];

const ALL_DOOR: [DoorState; 4] = [Closed, Opened, Locked, Demolished];
const ALL_RELEASE: [ReleasePhase; 5] = [Draft, Built, Shipped, Halted, Archived];
const ALL_CHANNELS: [Channel; 3] = [Canary, Stable, Hotfix];
const ALL_RELEASE_ACTIONS: [ReleasePhaseAction; 2] =
    [ReleasePhaseAction::Promote, ReleasePhaseAction::Rollback];

/// Every (state, role, action) triple where `ReleasePhase` allows the action.
const RELEASE_ALLOWED: &[(ReleasePhase, Channel, ReleasePhaseAction)] = &[
    (Built, Canary, ReleasePhaseAction::Promote),
    (Built, Hotfix, ReleasePhaseAction::Promote),
    (Shipped, Canary, ReleasePhaseAction::Promote),
    (Shipped, Hotfix, ReleasePhaseAction::Promote),
    (Shipped, Canary, ReleasePhaseAction::Rollback),
    (Shipped, Stable, ReleasePhaseAction::Rollback),
    (Shipped, Hotfix, ReleasePhaseAction::Rollback),
    (Halted, Canary, ReleasePhaseAction::Rollback),
    (Halted, Stable, ReleasePhaseAction::Rollback),
    (Halted, Hotfix, ReleasePhaseAction::Rollback),
];

#[test]
fn door_can_transition_matches_the_table_for_every_pair() {
    let machine = DoorState::machine();
    let mut checked = 0;
    for from in ALL_DOOR {
        for to in ALL_DOOR {
            let expected = from == to || DOOR_MOVES.contains(&(from, to));
            assert_eq!(
                DoorState::can_transition(from, to),
                expected,
                "{from:?} -> {to:?}"
            );
            assert_eq!(
                machine.can_transition(from.index(), to.index()),
                expected,
                "machine: {from:?} -> {to:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

#[test]
fn release_can_transition_matches_the_table_for_every_pair() {
    let machine = ReleasePhase::machine();
    let mut legal = 0;
    for from in ALL_RELEASE {
        for to in ALL_RELEASE {
            let expected = from == to || RELEASE_MOVES.contains(&(from, to));
            legal += usize::from(expected);
            assert_eq!(
                ReleasePhase::can_transition(from, to),
                expected,
                "{from:?} -> {to:?}"
            );
            assert_eq!(
                machine.can_transition(from.index(), to.index()),
                expected,
                "machine: {from:?} -> {to:?}"
            );
        }
    }
    assert_eq!(legal, 5 + RELEASE_MOVES.len());
}

#[test]
fn release_allows_matches_the_table_for_every_triple() {
    let machine = ReleasePhase::machine();
    let mut allowed = 0;
    for state in ALL_RELEASE {
        for role in ALL_CHANNELS {
            for action in ALL_RELEASE_ACTIONS {
                let expected = RELEASE_ALLOWED.contains(&(state, role, action));
                allowed += usize::from(expected);
                assert_eq!(
                    state.allows(role, action),
                    expected,
                    "{state:?} {role:?} {action:?}"
                );
                let action_index = ReleasePhase::ACTIONS
                    .iter()
                    .position(|&a| a == action)
                    .unwrap();
                assert_eq!(
                    machine.allows(state.index(), Some(role.index()), action_index),
                    expected,
                    "machine: {state:?} {role:?} {action:?}"
                );
                // A machine with a role axis never allows an action for no role.
                assert!(!machine.allows(state.index(), None, action_index));
                let by_name = state.check_action(role, action.name());
                assert_eq!(by_name.is_ok(), expected, "check_action {state:?} {role:?}");
            }
        }
    }
    assert_eq!(allowed, RELEASE_ALLOWED.len());
}

#[test]
fn door_has_no_actions() {
    assert!(DoorState::ACTIONS.is_empty());
    assert!(DoorState::machine().actions.is_empty());
    assert_eq!("anything".parse::<DoorStateAction>().ok(), None);
    // The action enum is uninhabited: a match with no arms type-checks.
    let _exhaustive = |action: DoorStateAction| -> u8 { match action {} };
}

#[test]
fn consts_list_states_events_and_actions() {
    assert_eq!(DoorState::NAME, "DoorState");
    assert_eq!(DoorState::STATES, &ALL_DOOR);
    assert_eq!(DoorState::INITIAL, &[Closed]);
    assert_eq!(DoorState::TERMINAL, &[Demolished]);
    assert_eq!(
        DoorState::EVENTS,
        &[
            DoorStateEvent::Open,
            DoorStateEvent::Close,
            DoorStateEvent::Lock,
            DoorStateEvent::Unlock,
            DoorStateEvent::Demolish,
        ]
    );
    assert_eq!(<DoorState as Lifecycle>::Role::ROLES, &[NoRole]);

    assert_eq!(ReleasePhase::NAME, "ReleasePhase");
    assert_eq!(ReleasePhase::STATES, &ALL_RELEASE);
    assert_eq!(ReleasePhase::INITIAL, &[Draft]);
    assert_eq!(ReleasePhase::TERMINAL, &[Archived]);
    assert_eq!(
        ReleasePhase::EVENTS,
        &[
            ReleasePhaseEvent::Build,
            ReleasePhaseEvent::Ship,
            ReleasePhaseEvent::Halt,
            ReleasePhaseEvent::Retry,
            ReleasePhaseEvent::Archive,
        ]
    );
    assert_eq!(ReleasePhase::ACTIONS, &ALL_RELEASE_ACTIONS);
    assert_eq!(Channel::ROLES, &ALL_CHANNELS);
    let role_names: Vec<&str> = Channel::ROLES.iter().map(|r| r.name()).collect();
    assert_eq!(role_names, ["Canary", "Stable", "Hotfix"]);
    assert_eq!(Channel::only(), None);
    assert_eq!(NoRole::only(), Some(NoRole));

    for (i, s) in ALL_DOOR.iter().enumerate() {
        assert_eq!(s.index(), i);
    }
    for (i, s) in ALL_RELEASE.iter().enumerate() {
        assert_eq!(s.index(), i);
    }
    for (i, r) in ALL_CHANNELS.iter().enumerate() {
        assert_eq!(r.index(), i);
    }
}

#[test]
fn machine_data_mirrors_the_declaration() {
    let door = DoorState::machine();
    assert_eq!(door.name, "DoorState");
    assert_eq!(door.states, ["Closed", "Opened", "Locked", "Demolished"]);
    assert_eq!(door.initial, [0]);
    assert_eq!(door.terminal, [3]);
    assert_eq!(door.default_state, None);
    assert!(door.roles.is_empty());
    assert_eq!(door.phase_field, None);
    assert!(door.problems().is_empty(), "{:?}", door.problems());

    let release = ReleasePhase::machine();
    assert_eq!(
        release.states,
        ["draft", "built", "shipped", "halted", "archived-for-good"]
    );
    assert_eq!(release.default_state, Some(0));
    assert_eq!(release.phase_field.as_deref(), Some("status.phase"));
    let roles: Vec<(&str, Option<&str>)> = release
        .roles
        .iter()
        .map(|r| (r.name.as_str(), r.cel.as_deref()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Canary", Some("self.channel == 'canary'")),
            ("Stable", Some("self.channel == 'stable'")),
            ("Hotfix", Some("self.channel == 'hotfix'")),
        ]
    );
    let promote = &release.actions[0];
    assert_eq!(
        (
            promote.name.as_str(),
            &promote.states[..],
            &promote.roles[..],
            promote.field.as_deref()
        ),
        ("promote", &[1, 2][..], &[0, 2][..], Some("traffic"))
    );
    let rollback = &release.actions[1];
    assert_eq!(
        (
            rollback.name.as_str(),
            &rollback.states[..],
            &rollback.roles[..],
            rollback.field.as_deref()
        ),
        ("rollback", &[2, 3][..], &[0, 1, 2][..], None)
    );
    assert!(release.problems().is_empty(), "{:?}", release.problems());
}

#[test]
fn on_and_fire_follow_the_events() {
    // (state, event, result) for every pair, by hand.
    let door_events: &[(DoorStateEvent, &str, &[DoorState], DoorState)] = &[
        (DoorStateEvent::Open, "open", &[Closed], Opened),
        (DoorStateEvent::Close, "close", &[Opened], Closed),
        (DoorStateEvent::Lock, "lock", &[Closed], Locked),
        (DoorStateEvent::Unlock, "unlock", &[Locked], Closed),
        (
            DoorStateEvent::Demolish,
            "demolish",
            &[Closed, Locked],
            Demolished,
        ),
    ];
    for &(event, name, from, to) in door_events {
        assert_eq!(event.to_string(), name);
        assert_eq!(name.parse::<DoorStateEvent>().ok(), Some(event));
        for state in ALL_DOOR {
            let by_value = state.on(event);
            let by_name = state.fire(name);
            assert_eq!(by_value, by_name, "{state:?} {name}");
            if from.contains(&state) {
                assert_eq!(by_value, Ok(to), "{state:?} {name}");
            } else {
                assert_eq!(
                    by_value,
                    Err(LifecycleError::EventNotAllowed {
                        machine: "DoorState",
                        event: name,
                        from: state.name(),
                        allowed_from: from.iter().map(|s| s.name()).collect(),
                    }),
                    "{state:?} {name}"
                );
            }
        }
    }

    let release_events: &[(ReleasePhaseEvent, &str, &[ReleasePhase], ReleasePhase)] = &[
        (ReleasePhaseEvent::Build, "build", &[Draft], Built),
        (ReleasePhaseEvent::Ship, "ship", &[Built], Shipped),
        (ReleasePhaseEvent::Halt, "halt", &[Built, Shipped], Halted),
        (ReleasePhaseEvent::Retry, "retry", &[Halted], Draft),
        (
            ReleasePhaseEvent::Archive,
            "archive",
            &[Shipped, Halted],
            Archived,
        ),
    ];
    for &(event, name, from, to) in release_events {
        assert_eq!(event.to_string(), name);
        assert_eq!(name.parse::<ReleasePhaseEvent>().ok(), Some(event));
        for state in ALL_RELEASE {
            let by_value = state.on(event);
            assert_eq!(by_value, state.fire(name), "{state:?} {name}");
            assert_eq!(by_value.is_ok(), from.contains(&state), "{state:?} {name}");
            if let Ok(next) = by_value {
                assert_eq!(next, to);
            }
        }
    }
    assert_eq!("Build".parse::<ReleasePhaseEvent>().ok(), None);
}

#[test]
fn transition_checks_the_table() {
    for from in ALL_RELEASE {
        for to in ALL_RELEASE {
            let result = from.transition(to);
            if from == to || RELEASE_MOVES.contains(&(from, to)) {
                assert_eq!(result, Ok(to));
            } else {
                let allowed: Vec<&str> = ALL_RELEASE
                    .iter()
                    .filter(|&&t| RELEASE_MOVES.contains(&(from, t)))
                    .map(|t| t.name())
                    .collect();
                assert_eq!(
                    result,
                    Err(LifecycleError::IllegalTransition {
                        machine: "ReleasePhase",
                        from: from.name(),
                        to: to.name(),
                        allowed,
                    })
                );
            }
        }
    }
    assert_eq!(Closed.transition(Closed), Ok(Closed));
    assert_eq!(Closed.transition(Demolished), Ok(Demolished));
    assert!(Opened.transition(Locked).is_err());
}

#[test]
fn check_action_by_name() {
    assert_eq!(Built.check_action(Canary, "promote"), Ok(()));
    assert_eq!(Halted.check_action(Stable, "rollback"), Ok(()));
    assert_eq!(
        Draft.check_action(Canary, "promote"),
        Err(LifecycleError::ActionNotAllowed {
            machine: "ReleasePhase",
            action: "promote",
            state: "draft",
            role: "Canary",
            allowed_in: vec!["built", "shipped"],
        })
    );
    assert_eq!(
        Built.check_action(Stable, "promote"),
        Err(LifecycleError::ActionNotAllowed {
            machine: "ReleasePhase",
            action: "promote",
            state: "built",
            role: "Stable",
            allowed_in: vec![],
        })
    );
    assert_eq!(
        Built.check_action(Canary, "Promote"),
        Err(LifecycleError::UnknownAction {
            machine: "ReleasePhase",
            action: "Promote".to_owned(),
            known: vec!["promote", "rollback"],
        })
    );
    assert_eq!(
        "rollback".parse::<ReleasePhaseAction>().ok(),
        Some(ReleasePhaseAction::Rollback)
    );
    assert_eq!(ReleasePhaseAction::Promote.name(), "promote");
    assert_eq!(
        Closed.check_action(NoRole, "paint"),
        Err(LifecycleError::UnknownAction {
            machine: "DoorState",
            action: "paint".to_owned(),
            known: vec![],
        })
    );
}

#[test]
fn names_follow_serde() {
    let door_names = ["Closed", "Opened", "Locked", "Demolished"];
    for (state, name) in ALL_DOOR.into_iter().zip(door_names) {
        assert_eq!(state.name(), name);
        assert_eq!(DoorState::from_name(name), Some(state));
        assert_eq!(serde_json::to_value(state).unwrap(), name);
    }
    // rename_all = "camelCase", and one explicit rename.
    let release_names = ["draft", "built", "shipped", "halted", "archived-for-good"];
    for (state, name) in ALL_RELEASE.into_iter().zip(release_names) {
        assert_eq!(state.name(), name);
        assert_eq!(ReleasePhase::from_name(name), Some(state));
        assert_eq!(serde_json::to_value(state).unwrap(), name);
        let back: ReleasePhase = serde_json::from_value(name.into()).unwrap();
        assert_eq!(back, state);
    }
    assert_eq!(ReleasePhase::from_name("Draft"), None);
    assert_eq!(ReleasePhase::from_name("archived"), None);
    assert_eq!(ReleasePhase::from_name("Archived"), None);
    assert_eq!(DoorState::from_name("closed"), None);
    assert_eq!(DoorState::from_name(""), None);
}

#[test]
fn error_messages_are_exact() {
    assert_eq!(
        Draft.transition(Shipped).unwrap_err().to_string(),
        "`ReleasePhase` cannot move from `draft` to `shipped`; from `draft` it may move to: built"
    );
    assert_eq!(
        Archived.transition(Draft).unwrap_err().to_string(),
        "`ReleasePhase` cannot move from `archived-for-good` to `draft`; from `archived-for-good` it may move to: nothing"
    );
    assert_eq!(
        Halted.transition(Built).unwrap_err().to_string(),
        "`ReleasePhase` cannot move from `halted` to `built`; from `halted` it may move to: draft, archived-for-good"
    );
    assert_eq!(
        Opened.on(DoorStateEvent::Demolish).unwrap_err().to_string(),
        "event `demolish` cannot fire from `Opened` in `DoorState`; it fires from: Closed, Locked"
    );
    assert_eq!(
        Draft.fire("ship").unwrap_err().to_string(),
        "event `ship` cannot fire from `draft` in `ReleasePhase`; it fires from: built"
    );
    assert_eq!(
        Closed.fire("kick").unwrap_err().to_string(),
        "`DoorState` has no event `kick`; its events are: open, close, lock, unlock, demolish"
    );
    assert_eq!(
        Draft
            .check_action(Hotfix, "promote")
            .unwrap_err()
            .to_string(),
        "`promote` is not allowed in `draft` for role `Hotfix` in `ReleasePhase`; for `Hotfix` it is allowed in: built, shipped"
    );
    assert_eq!(
        Built
            .check_action(Stable, "promote")
            .unwrap_err()
            .to_string(),
        "`promote` is not allowed in `built` for role `Stable` in `ReleasePhase`; for `Stable` it is allowed in: nothing"
    );
    assert_eq!(
        Built
            .check_action(Stable, "deploy")
            .unwrap_err()
            .to_string(),
        "`ReleasePhase` has no action `deploy`; its actions are: promote, rollback"
    );
    assert_eq!(
        Closed
            .check_action(NoRole, "paint")
            .unwrap_err()
            .to_string(),
        "`DoorState` has no action `paint`; its actions are: nothing"
    );
}

/// A state's index is its place in the declaration, whatever discriminant it sets.
#[derive(lifecycle_model::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(raise: Low -> High), event(lower: High -> Low))]
#[repr(u8)]
enum Level {
    #[lifecycle(initial)]
    Low = 7,
    High = 3,
}

#[test]
fn explicit_discriminants_do_not_move_the_indices() {
    assert_eq!(Level::Low.index(), 0);
    assert_eq!(Level::High.index(), 1);
    assert_eq!(Level::High.name(), "High");
    assert_eq!(Level::Low.on(LevelEvent::Raise).unwrap(), Level::High);
}

/// Seventy states: each state's row of moves, and each event's row of sources, spans two
/// 64-bit words, and the events cross from one word to the other. A chain of `next`
/// events reaches every state.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[rustfmt::skip]
#[lifecycle(event(next0: S0 -> S1), event(next1: S1 -> S2), event(next2: S2 -> S3), event(next3: S3 -> S4), event(next4: S4 -> S5), event(next5: S5 -> S6), event(next6: S6 -> S7), event(next7: S7 -> S8), event(next8: S8 -> S9), event(next9: S9 -> S10), event(next10: S10 -> S11), event(next11: S11 -> S12), event(next12: S12 -> S13), event(next13: S13 -> S14), event(next14: S14 -> S15), event(next15: S15 -> S16), event(next16: S16 -> S17), event(next17: S17 -> S18), event(next18: S18 -> S19), event(next19: S19 -> S20), event(next20: S20 -> S21), event(next21: S21 -> S22), event(next22: S22 -> S23), event(next23: S23 -> S24), event(next24: S24 -> S25), event(next25: S25 -> S26), event(next26: S26 -> S27), event(next27: S27 -> S28), event(next28: S28 -> S29), event(next29: S29 -> S30), event(next30: S30 -> S31), event(next31: S31 -> S32), event(next32: S32 -> S33), event(next33: S33 -> S34), event(next34: S34 -> S35), event(next35: S35 -> S36), event(next36: S36 -> S37), event(next37: S37 -> S38), event(next38: S38 -> S39), event(next39: S39 -> S40), event(next40: S40 -> S41), event(next41: S41 -> S42), event(next42: S42 -> S43), event(next43: S43 -> S44), event(next44: S44 -> S45), event(next45: S45 -> S46), event(next46: S46 -> S47), event(next47: S47 -> S48), event(next48: S48 -> S49), event(next49: S49 -> S50), event(next50: S50 -> S51), event(next51: S51 -> S52), event(next52: S52 -> S53), event(next53: S53 -> S54), event(next54: S54 -> S55), event(next55: S55 -> S56), event(next56: S56 -> S57), event(next57: S57 -> S58), event(next58: S58 -> S59), event(next59: S59 -> S60), event(next60: S60 -> S61), event(next61: S61 -> S62), event(next62: S62 -> S63), event(next63: S63 -> S64), event(next64: S64 -> S65), event(next65: S65 -> S66), event(next66: S66 -> S67), event(next67: S67 -> S68), event(next68: S68 -> S69))]
#[lifecycle(event(cross: S0 | S63 -> S64), event(far: S1 -> S69), event(back: S64 | S69 -> S0))]
enum Wide {
    #[lifecycle(initial)]
    S0,
    S1,
    S2,
    S3,
    S4,
    S5,
    S6,
    S7,
    S8,
    S9,
    S10,
    S11,
    S12,
    S13,
    S14,
    S15,
    S16,
    S17,
    S18,
    S19,
    S20,
    S21,
    S22,
    S23,
    S24,
    S25,
    S26,
    S27,
    S28,
    S29,
    S30,
    S31,
    S32,
    S33,
    S34,
    S35,
    S36,
    S37,
    S38,
    S39,
    S40,
    S41,
    S42,
    S43,
    S44,
    S45,
    S46,
    S47,
    S48,
    S49,
    S50,
    S51,
    S52,
    S53,
    S54,
    S55,
    S56,
    S57,
    S58,
    S59,
    S60,
    S61,
    S62,
    S63,
    S64,
    S65,
    S66,
    S67,
    S68,
    S69,
}

#[test]
fn seventy_states_move_and_fire_across_both_words() {
    use Wide::{S0, S1, S63, S64, S69};
    assert_eq!(Wide::STATES.len(), 70);
    let next = |s: Wide| Wide::STATES.get(s.index() + 1).copied();
    let moves = [(S0, S64), (S1, S69), (S64, S0), (S69, S0)];
    for &from in Wide::STATES {
        for &to in Wide::STATES {
            let legal = from == to || next(from) == Some(to) || moves.contains(&(from, to));
            assert_eq!(Wide::can_transition(from, to), legal, "{from:?} -> {to:?}");
        }
    }
    let events: [(WideEvent, &[Wide], Wide); 4] = [
        (WideEvent::Next63, &[S63], S64),
        (WideEvent::Cross, &[S0, S63], S64),
        (WideEvent::Far, &[S1], S69),
        (WideEvent::Back, &[S64, S69], S0),
    ];
    for (event, sources, to) in events {
        for &from in Wide::STATES {
            let expected = match sources.contains(&from) {
                true => Ok(to),
                false => Err(LifecycleError::EventNotAllowed {
                    machine: "Wide",
                    event: event.name(),
                    from: from.name(),
                    allowed_from: sources.iter().map(|s| s.name()).collect(),
                }),
            };
            assert_eq!(from.on(event), expected, "{from:?} {event}");
        }
    }
}
