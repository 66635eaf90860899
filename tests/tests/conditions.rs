//! Standard conditions from the declaration, and the merge rules of Go's
//! `meta.SetStatusCondition`, checked by hand and over random histories.

use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::{
    Condition, ConditionStatus, ConditionType, find_condition, merge_conditions, reason_for,
    set_condition,
};
use proptest::prelude::*;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(deploy: Pending -> Running), event(pause: Running -> Pausing))]
#[lifecycle(event(settle: Pausing -> Paused), event(resume: Paused | Pausing -> Running))]
#[lifecycle(event(fail: Pending | Running | Pausing -> Failed), event(retry: Failed -> Pending))]
enum Phase {
    #[lifecycle(initial, reconciling)]
    Pending,
    #[lifecycle(ready)]
    Running,
    #[lifecycle(reconciling)]
    Pausing,
    #[lifecycle(ready)]
    Paused,
    #[lifecycle(stalled)]
    Failed,
}

const PHASES: [Phase; 5] = [
    Phase::Pending,
    Phase::Running,
    Phase::Pausing,
    Phase::Paused,
    Phase::Failed,
];

/// Which condition each phase stands for, written out by hand from the declaration.
fn stands_for(phase: Phase) -> &'static str {
    match phase {
        Phase::Running | Phase::Paused => "Ready",
        Phase::Pending | Phase::Pausing => "Reconciling",
        Phase::Failed => "Stalled",
    }
}

fn condition(type_: &str, status: ConditionStatus, at: &str) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status,
        observed_generation: Some(1),
        last_transition_time: at.to_owned(),
        reason: "Because".to_owned(),
        message: "so".to_owned(),
    }
}

#[test]
fn the_machine_knows_which_states_stand_for_which_condition() {
    let m = Phase::machine();
    assert_eq!(m.ready, [1, 3]);
    assert_eq!(m.reconciling, [0, 2]);
    assert_eq!(m.stalled, [4]);
    assert_eq!(m.condition_of(2), Some(ConditionType::Reconciling));
    assert_eq!(
        m.condition_types(),
        [
            ConditionType::Ready,
            ConditionType::Reconciling,
            ConditionType::Stalled
        ]
    );
}

/// A pause that is asked for: `Paused` is where the object rests on purpose.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(pause: Running -> Pausing), event(settle: Pausing -> Paused))]
#[lifecycle(event(resume: Paused -> Running))]
enum Held {
    #[lifecycle(initial, ready)]
    Running,
    #[lifecycle(reconciling)]
    Pausing,
    #[lifecycle(suspended)]
    Paused,
}

#[test]
fn a_suspended_state_is_ready_and_suspended_and_the_others_are_not_suspended() {
    let m = Held::machine();
    assert_eq!(m.suspended, [2]);
    assert_eq!(m.condition_of(2), Some(ConditionType::Suspended));
    assert_eq!(
        m.condition_types(),
        [
            ConditionType::Ready,
            ConditionType::Reconciling,
            ConditionType::Suspended
        ]
    );
    let holds = |phase: Held| -> Vec<(String, ConditionStatus)> {
        let conditions = phase.conditions(Some(1), "2026-01-01T00:00:00Z");
        conditions
            .into_iter()
            .map(|c| (c.type_, c.status))
            .collect()
    };
    use ConditionStatus::{False, True};
    let row = |r, c, s| {
        vec![
            ("Ready".to_owned(), r),
            ("Reconciling".to_owned(), c),
            ("Suspended".to_owned(), s),
        ]
    };
    assert_eq!(holds(Held::Running), row(True, False, False));
    assert_eq!(holds(Held::Pausing), row(False, True, False));
    assert_eq!(holds(Held::Paused), row(True, False, True));
    let paused = Held::Paused.conditions(Some(1), "2026-01-01T00:00:00Z");
    assert!(paused.iter().all(|c| c.reason == "Paused"));
}

#[test]
fn each_phase_makes_one_true_condition_and_the_others_false() {
    for phase in PHASES {
        let conditions = phase.conditions(Some(7), "2026-01-01T00:00:00Z");
        let types: Vec<&str> = conditions.iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, ["Ready", "Reconciling", "Stalled"]);
        for c in &conditions {
            let want = if c.type_ == stands_for(phase) {
                ConditionStatus::True
            } else {
                ConditionStatus::False
            };
            assert_eq!(c.status, want, "{phase:?} {}", c.type_);
            assert_eq!(c.reason, phase.name());
            assert_eq!(c.observed_generation, Some(7));
            assert_eq!(c.last_transition_time, "2026-01-01T00:00:00Z");
        }
    }
}

#[test]
fn a_lifecycle_without_condition_marks_owns_no_condition() {
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    enum Door {
        #[lifecycle(initial)]
        Closed,
        Opened,
    }
    assert!(
        Door::Closed
            .conditions(None, "2026-01-01T00:00:00Z")
            .is_empty()
    );
}

#[test]
fn a_condition_serializes_as_metav1_condition() {
    let c = &Phase::Failed.conditions(Some(3), "2026-01-01T00:00:00Z")[2];
    assert_eq!(
        serde_json::to_value(c).unwrap(),
        serde_json::json!({
            "type": "Stalled",
            "status": "True",
            "observedGeneration": 3,
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "reason": "Failed",
            "message": "Phase is Failed",
        })
    );
}

#[test]
fn reasons_are_camel_case_words_that_start_with_a_letter() {
    assert_eq!(reason_for("Running"), "Running");
    assert_eq!(reason_for("in review"), "InReview");
    assert_eq!(reason_for("paused-for-drain"), "PausedForDrain");
    assert_eq!(reason_for("9lives"), "Phase9lives");
    assert_eq!(reason_for(""), "Phase");
}

#[test]
fn set_condition_appends_a_new_type() {
    let mut list = vec![condition("Deployed", ConditionStatus::True, "t0")];
    assert!(set_condition(
        &mut list,
        condition("Ready", ConditionStatus::False, "t1")
    ));
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].type_, "Ready");
}

#[test]
fn the_transition_time_moves_only_when_the_status_changes() {
    let mut list = vec![condition("Ready", ConditionStatus::False, "t0")];
    // Same status, new reason: the reason moves, the time stays.
    let mut same = condition("Ready", ConditionStatus::False, "t1");
    same.reason = "StillPausing".into();
    assert!(set_condition(&mut list, same));
    assert_eq!(list[0].reason, "StillPausing");
    assert_eq!(list[0].last_transition_time, "t0");
    // New status: the time moves.
    assert!(set_condition(
        &mut list,
        condition("Ready", ConditionStatus::True, "t2")
    ));
    assert_eq!(list[0].last_transition_time, "t2");
    assert_eq!(list[0].status, ConditionStatus::True);
    // Nothing new: nothing changes, not even the time.
    assert!(!set_condition(
        &mut list,
        condition("Ready", ConditionStatus::True, "t3")
    ));
    assert_eq!(list[0].last_transition_time, "t2");
}

#[test]
fn each_field_alone_counts_as_a_change() {
    let base = condition("Ready", ConditionStatus::True, "t0");
    let edits: [fn(&mut Condition); 3] = [
        |c| c.message = "other".into(),
        |c| c.observed_generation = Some(2),
        |c| c.reason = "Other".into(),
    ];
    for edit in edits {
        let mut list = vec![base.clone()];
        let mut new = base.clone();
        edit(&mut new);
        assert!(set_condition(&mut list, new.clone()));
        assert_eq!(list, [new]);
    }
}

#[test]
fn find_condition_finds_by_type() {
    let list = Phase::Running.conditions(None, "t");
    assert_eq!(
        find_condition(&list, "Ready").map(|c| c.status),
        Some(ConditionStatus::True)
    );
    assert!(find_condition(&list, "Deployed").is_none());
}

proptest! {
    /// Any history of phases, merged step by step into a list that also holds a
    /// condition the lifecycle does not own: every owned type appears once, says what the
    /// current phase stands for, and carries the time of its last status change; the
    /// foreign condition is untouched; merging the same step again changes nothing.
    #[test]
    fn merging_a_history_keeps_the_set_status_condition_rules(
        history in proptest::collection::vec(0..5usize, 1..20),
    ) {
        let foreign = condition("Deployed", ConditionStatus::True, "t-foreign");
        let mut list = vec![foreign.clone()];
        let mut changed_at: std::collections::BTreeMap<&str, (ConditionStatus, String)> =
            Default::default();
        for (step, &i) in history.iter().enumerate() {
            let phase = PHASES[i];
            let now = format!("t{step}");
            let computed = phase.conditions(Some(step as i64), &now);
            merge_conditions(&mut list, computed.clone());
            prop_assert!(!merge_conditions(&mut list, computed.clone()));
            for c in &computed {
                let entry = changed_at
                    .entry(match c.type_.as_str() {
                        "Ready" => "Ready",
                        "Reconciling" => "Reconciling",
                        _ => "Stalled",
                    })
                    .or_insert((c.status, now.clone()));
                if entry.0 != c.status {
                    *entry = (c.status, now.clone());
                }
            }
            prop_assert_eq!(&list[0], &foreign);
            prop_assert_eq!(list.len(), 4);
            for (type_, (status, at)) in &changed_at {
                let c = find_condition(&list, type_).unwrap();
                prop_assert_eq!(c.status, *status);
                prop_assert_eq!(&c.last_transition_time, at);
                let want = if stands_for(phase) == *type_ {
                    ConditionStatus::True
                } else {
                    ConditionStatus::False
                };
                prop_assert_eq!(c.status, want);
            }
        }
    }
}

#[test]
fn the_conditions_list_schema_is_structural_and_a_map_keyed_by_type() {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Status {
        #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
        conditions: Vec<Condition>,
    }
    let schema = serde_json::to_value(schemars::schema_for!(Status)).unwrap();
    let list = &schema["properties"]["conditions"];
    assert_eq!(list["x-kubernetes-list-type"], "map");
    assert_eq!(
        list["x-kubernetes-list-map-keys"],
        serde_json::json!(["type"])
    );
    let required = &list["items"]["required"];
    for key in ["type", "status", "lastTransitionTime", "reason", "message"] {
        assert!(
            required.as_array().unwrap().iter().any(|r| r == key),
            "{key} is required"
        );
    }
    let violations = lifecycle_tests::structural::check(list);
    assert!(violations.is_empty(), "{violations:?}");
}
