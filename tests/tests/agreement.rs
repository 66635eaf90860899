//! The three twins agree, pair by pair, on the NumaFlow machines: what compiles (the gate
//! traits, checked with `impls!`), what the runtime table allows, and what the CEL rules
//! in the CRDs admit.

use impls::impls;
use lifecycle_examples::numaflow::pipeline::{PipelinePhase, PipelinePhaseEvent, pipeline_phase};
use lifecycle_examples::numaflow::vertex::{
    VertexPhase, VertexPhaseAction, VertexPhaseEvent, VertexRole, phase, role,
};
use lifecycle_model::Lifecycle;
use lifecycle_tests::scenarios::{
    Scenario, client_verdict, pipeline, pipeline_schema, vertex, vertex_schema,
};
use serde_json::json;

/// `(state, gate implemented)` for every pipeline state, for one event gate.
macro_rules! pipeline_gate {
    ($gate:ident) => {
        [
            (PipelinePhase::Running, impls!(pipeline_phase::Running: pipeline_phase::$gate)),
            (PipelinePhase::Failed, impls!(pipeline_phase::Failed: pipeline_phase::$gate)),
            (PipelinePhase::Pausing, impls!(pipeline_phase::Pausing: pipeline_phase::$gate)),
            (PipelinePhase::Paused, impls!(pipeline_phase::Paused: pipeline_phase::$gate)),
            (PipelinePhase::Deleting, impls!(pipeline_phase::Deleting: pipeline_phase::$gate)),
        ]
    };
}

#[test]
fn pipeline_events_agree_at_compile_time_run_time_and_on_the_server() {
    let compile_time = [
        (PipelinePhaseEvent::Pause, pipeline_gate!(CanPause)),
        (
            PipelinePhaseEvent::FinishPause,
            pipeline_gate!(CanFinishPause),
        ),
        (PipelinePhaseEvent::Resume, pipeline_gate!(CanResume)),
        (PipelinePhaseEvent::Recover, pipeline_gate!(CanRecover)),
        (
            PipelinePhaseEvent::RecoverPaused,
            pipeline_gate!(CanRecoverPaused),
        ),
        (PipelinePhaseEvent::Fail, pipeline_gate!(CanFail)),
        (PipelinePhaseEvent::Delete, pipeline_gate!(CanDelete)),
    ];
    assert_eq!(compile_time.len(), PipelinePhase::EVENTS.len());
    let schema = pipeline_schema();
    let machine = PipelinePhase::machine();
    let mut compared = 0;
    for (event, states) in compile_time {
        let spec = &machine.events[PipelinePhase::EVENTS
            .iter()
            .position(|&e| e == event)
            .unwrap()];
        let target = PipelinePhase::STATES[spec.to];
        for (from, compiles) in states {
            let runtime = from.on(event).is_ok();
            let scenario = Scenario {
                name: format!("{event:?} from {from:?}"),
                old: pipeline("agreement", from),
                patch: json!({ "status": { "phase": target.name() } }),
                admitted: compiles,
                scale_only: false,
            };
            let server = client_verdict(&schema, &scenario).is_ok();
            assert_eq!(
                compiles, runtime,
                "{}: compile time vs run time",
                scenario.name
            );
            // An event that does not compile may still be a legal move by another event.
            let legal_move = PipelinePhase::can_transition(from, target);
            assert_eq!(server, legal_move, "{}: CEL vs the table", scenario.name);
            assert!(
                !compiles || server,
                "{}: compiles but the server rejects it",
                scenario.name
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 35);
}

#[test]
fn every_pipeline_move_is_legal_exactly_when_some_compiling_event_makes_it() {
    let machine = PipelinePhase::machine();
    let gates = [
        pipeline_gate!(CanPause),
        pipeline_gate!(CanFinishPause),
        pipeline_gate!(CanResume),
        pipeline_gate!(CanRecover),
        pipeline_gate!(CanRecoverPaused),
        pipeline_gate!(CanFail),
        pipeline_gate!(CanDelete),
    ];
    let schema = pipeline_schema();
    for (f, &from) in PipelinePhase::STATES.iter().enumerate() {
        for (t, &to) in PipelinePhase::STATES.iter().enumerate() {
            let by_types = from == to
                || machine
                    .events
                    .iter()
                    .zip(&gates)
                    .any(|(event, gate)| event.to == t && gate[f].1);
            let scenario = Scenario {
                name: format!("{from:?} -> {to:?}"),
                old: pipeline("pairs", from),
                patch: json!({ "status": { "phase": to.name() } }),
                admitted: by_types,
                scale_only: false,
            };
            let server = client_verdict(&schema, &scenario).is_ok();
            assert_eq!(
                by_types,
                PipelinePhase::can_transition(from, to),
                "{}",
                scenario.name
            );
            assert_eq!(by_types, server, "{}", scenario.name);
            // The event a move reports, read off the table, is the machine's.
            let event = machine
                .event_between(f, t)
                .map(|i| PipelinePhase::EVENTS[i]);
            assert_eq!(
                PipelinePhase::event_between(from, to),
                event,
                "{}",
                scenario.name
            );
            assert_eq!(event.is_some(), from != to && by_types, "{}", scenario.name);
        }
    }
}

/// `(role, name in scenarios, compiles)` for scaling in one state.
macro_rules! scale_gate {
    ($state:ident) => {
        [
            (VertexRole::Source, "source", impls!(phase::$state: phase::CanScale<role::Source>)),
            (VertexRole::Sink, "sink", impls!(phase::$state: phase::CanScale<role::Sink>)),
            (VertexRole::MapUdf, "map", impls!(phase::$state: phase::CanScale<role::MapUdf>)),
            (VertexRole::ReduceUdf, "reduce", impls!(phase::$state: phase::CanScale<role::ReduceUdf>)),
        ]
    };
}

#[test]
fn vertex_scaling_agrees_at_compile_time_run_time_and_on_the_server() {
    let schema = vertex_schema();
    let mut compared = 0;
    for (state, roles) in [
        (VertexPhase::Running, scale_gate!(Running)),
        (VertexPhase::Paused, scale_gate!(Paused)),
    ] {
        for (role, role_name, compiles) in roles {
            let runtime = state.allows(role, VertexPhaseAction::Scale);
            let scenario = Scenario {
                name: format!("scale {role:?} in {state:?}"),
                old: vertex("agreement", role_name, state.name(), Some(2)),
                patch: json!({ "spec": { "replicas": 5 } }),
                admitted: compiles,
                scale_only: true,
            };
            let server = client_verdict(&schema, &scenario).is_ok();
            assert_eq!(
                compiles, runtime,
                "{}: compile time vs run time",
                scenario.name
            );
            assert_eq!(compiles, server, "{}: compile time vs CEL", scenario.name);
            compared += 1;
        }
    }
    assert_eq!(compared, 8);
}

#[test]
fn vertex_events_agree_at_compile_time_run_time_and_on_the_server() {
    let schema = vertex_schema();
    // (event, from, fires): written out by hand, not read from the machine.
    let cases = [
        (
            VertexPhaseEvent::Pause,
            VertexPhase::Running,
            true,
            impls!(phase::Running: phase::CanPause),
        ),
        (
            VertexPhaseEvent::Pause,
            VertexPhase::Paused,
            false,
            impls!(phase::Paused: phase::CanPause),
        ),
        (
            VertexPhaseEvent::Resume,
            VertexPhase::Running,
            false,
            impls!(phase::Running: phase::CanResume),
        ),
        (
            VertexPhaseEvent::Resume,
            VertexPhase::Paused,
            true,
            impls!(phase::Paused: phase::CanResume),
        ),
    ];
    for (event, from, fires, compiles) in cases {
        assert_eq!(compiles, fires, "{event:?} from {from:?}: compile time");
        assert_eq!(
            from.on(event).is_ok(),
            fires,
            "{event:?} from {from:?}: run time"
        );
        if let Ok(to) = from.on(event) {
            let scenario = Scenario {
                name: format!("{event:?} from {from:?}"),
                old: vertex("events", "source", from.name(), Some(2)),
                patch: json!({ "spec": { "lifecycle": { "desiredPhase": to.name() } } }),
                admitted: true,
                scale_only: false,
            };
            assert!(
                client_verdict(&schema, &scenario).is_ok(),
                "{}",
                scenario.name
            );
        }
    }
}
