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
