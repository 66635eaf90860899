//! The metrics and the Event of a transition, without a cluster.

use lifecycle_model::Lifecycle;
use lifecycle_model::kube::{status_body, transition_event};
use lifecycle_model::metrics::LifecycleMetrics;
use lifecycle_tests::{ReleasePhase, ReleasePhaseEvent};
use prometheus_client::registry::Registry;

#[test]
fn transitions_count_per_event_and_states() {
    let metrics = LifecycleMetrics::default();
    let (draft, built) = (ReleasePhase::Draft, ReleasePhase::Built);
    metrics.transition(ReleasePhaseEvent::Build, draft, built);
    metrics.transition(ReleasePhaseEvent::Build, draft, built);
    assert_eq!(
        metrics.transitions(ReleasePhaseEvent::Build, draft, built),
        2
    );
    assert_eq!(
        metrics.transitions(ReleasePhaseEvent::Ship, built, ReleasePhase::Shipped),
        0
    );
}

#[test]
fn a_state_that_empties_reads_zero() {
    let metrics = LifecycleMetrics::default();
    metrics.set_objects([
        ReleasePhase::Draft,
        ReleasePhase::Draft,
        ReleasePhase::Built,
    ]);
    assert_eq!(metrics.objects(ReleasePhase::Draft), 2);
    assert_eq!(metrics.objects(ReleasePhase::Built), 1);
    metrics.set_objects([ReleasePhase::Built]);
    assert_eq!(metrics.objects(ReleasePhase::Draft), 0);
    assert_eq!(metrics.objects(ReleasePhase::Shipped), 0);

    metrics.transition(
        ReleasePhaseEvent::Ship,
        ReleasePhase::Built,
        ReleasePhase::Shipped,
    );
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    // Labels carry the wire names (`rename_all = "lowercase"`, one `rename`).
    for state in ["draft", "built", "shipped", "halted", "archived-for-good"] {
        assert!(
            text.contains(&format!(
                "lifecycle_objects{{machine=\"ReleasePhase\",state=\"{state}\"}}"
            )),
            "{state} missing from:\n{text}"
        );
    }
    assert!(
        text.contains("# TYPE lifecycle_transitions counter"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"lifecycle_transitions_total{machine="ReleasePhase",event="ship",from="built",to="shipped"} 1"#
        ),
        "{text}"
    );
}

#[test]
fn the_event_of_a_transition_names_it_for_kubectl_describe() {
    let event = transition_event(
        ReleasePhaseEvent::Ship,
        ReleasePhase::Built,
        ReleasePhase::Shipped,
    );
    assert_eq!(event.reason, "Ship");
    assert_eq!(event.action, "ship");
    assert_eq!(event.note.as_deref(), Some("built → shipped"));
    assert_eq!(format!("{:?}", event.type_), "Normal");
}

#[test]
fn the_status_body_holds_phase_conditions_and_generation() {
    let conditions = ReleasePhase::Built.conditions(Some(4), "2026-01-01T00:00:00Z");
    let body = status_body(ReleasePhase::Built, &conditions, Some(4));
    assert_eq!(body["phase"], "built");
    assert_eq!(body["observedGeneration"], 4);
    assert_eq!(
        body["conditions"].as_array().map(Vec::len),
        Some(conditions.len())
    );
    let without = status_body(ReleasePhase::Built, &[], None);
    assert!(without.get("observedGeneration").is_none());
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(deploy: Pending -> Running), event(fail: Pending | Running -> Failed))]
enum TaskPhase {
    #[lifecycle(initial, reconciling)]
    Pending,
    #[lifecycle(ready)]
    Running,
    #[lifecycle(terminal, stalled)]
    Failed,
}

#[test]
fn a_status_patch_merges_its_conditions_into_the_read_list_and_names_only_its_fields() {
    use lifecycle_model::conditions::{ConditionStatus, find_condition};
    use lifecycle_model::kube::StatusPatch;

    let (t0, t1) = ("2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z");
    let mut read = TaskPhase::Pending.conditions(Some(2), t0);
    let mut foreign = read[0].clone();
    foreign.type_ = "Deployed".to_owned();
    read.push(foreign);
    let patch = StatusPatch::new(TaskPhase::Running, t1).field("attempts", 2);
    let body = patch.body(&read);
    // Not planned from a read: no precondition, no generation.
    assert!(body.get("metadata").is_none());
    assert!(body["status"].get("observedGeneration").is_none());
    assert_eq!(body["status"]["attempts"], 2);
    let conditions: Vec<lifecycle_model::conditions::Condition> =
        serde_json::from_value(body["status"]["conditions"].clone()).unwrap();
    assert!(
        find_condition(&conditions, "Deployed").is_some(),
        "other writers' types stay"
    );
    let ready = find_condition(&conditions, "Ready").unwrap();
    assert_eq!(
        (ready.status, ready.last_transition_time.as_str()),
        (ConditionStatus::True, t1)
    );
    let stalled = find_condition(&conditions, "Stalled").unwrap();
    assert_eq!(
        stalled.last_transition_time, t0,
        "unchanged, so its time stays"
    );
    // Without a message of the caller's, the conditions say the phase; with one, why.
    assert_eq!(ready.message, "TaskPhase is Running");
    let body = StatusPatch::new(TaskPhase::Pending, t1)
        .message("waiting for a node")
        .body(&read);
    let conditions: Vec<lifecycle_model::conditions::Condition> =
        serde_json::from_value(body["status"]["conditions"].clone()).unwrap();
    for type_ in ["Ready", "Reconciling", "Stalled"] {
        let condition = find_condition(&conditions, type_).unwrap();
        assert_eq!(condition.message, "waiting for a node", "{type_}");
    }
    assert_ne!(
        find_condition(&conditions, "Deployed").unwrap().message,
        "waiting for a node",
        "another writer's condition keeps its words"
    );
    // The lifecycle's own fields win over a caller's field of the same name.
    let body = StatusPatch::new(TaskPhase::Failed, t1)
        .field("phase", "Running")
        .body(&[]);
    assert_eq!(body["status"]["phase"], "Failed");
}
