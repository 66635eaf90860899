//! The transitions a reconcile's writes make, as Events and metrics report them.

use super::*;
use crate::controller::condition;

/// The transitions of the writes one reconcile of `p` over `vertices` plans.
fn transitions_of(p: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Transition> {
    reconcile_pipeline(p, vertices, observed)
        .writes
        .iter()
        .filter_map(|w| w.transition())
        .collect()
}

#[test]
fn a_status_write_that_moves_the_phase_is_a_pipeline_transition() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let t = transitions_of(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(
        t,
        [Transition::Pipeline {
            event: PipelinePhaseEvent::Pause,
            from: PipelinePhase::Running,
            to: PipelinePhase::Pausing,
        }]
    );
    assert_eq!(t[0].reason(), "UpdatePipelinePhase");
    assert_eq!(t[0].note(), "Running → Pausing");

    // A first phase, a phase written again, and conditions alone: no transition, though
    // each is a status write.
    for (desired, status, metadata) in [
        ("Running", None, json!({})),
        // A stale stamp: the pause starts over, Pausing written again with its stamp.
        ("Paused", phase("Pausing"), stamped(NOW)),
        // Settled: only the conditions go out.
        ("Running", phase("Running"), json!({})),
    ] {
        let p = pl(desired, status, metadata, json!({}));
        let mut p = p;
        p.metadata.generation = Some(2);
        let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
        assert!(
            actions
                .writes
                .iter()
                .any(|w| matches!(w, Write::PipelineStatus(_))),
            "{desired}: {:?}",
            actions.patches()
        );
        assert!(
            actions
                .writes
                .iter()
                .filter_map(Write::transition)
                .all(|t| !matches!(t, Transition::Pipeline { .. })),
            "{desired}: {:?}",
            actions.patches()
        );
    }
}

#[test]
fn vertex_pauses_and_resumes_carry_numaflows_reasons() {
    let pausing = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    let pause = transitions_of(&pausing, &sources_paused(), &drained(plus(now(), 1)));
    assert_eq!(
        pause[0],
        Transition::Vertex {
            vertex: "simple-cat".to_owned(),
            event: VertexPhaseEvent::Pause,
            from: VertexPhase::Running,
            to: VertexPhase::Paused,
        }
    );
    assert_eq!(pause[0].reason(), "UpdateVertexDesiredPhase");
    assert_eq!(pause[0].note(), "Vertex simple-cat: Running → Paused");

    let resuming = pl("Running", phase("Paused"), json!({}), json!({}));
    let resume = transitions_of(&resuming, &simple_vertices("Paused"), &busy(now()));
    let vertex = resume
        .iter()
        .find(|t| matches!(t, Transition::Vertex { .. }))
        .expect("a vertex resumes");
    assert_eq!(vertex.reason(), "ResumeVertexLifecycle");
    assert_eq!(vertex.note(), "Vertex simple-in: Paused → Running");
}

#[test]
fn every_move_of_a_whole_pause_is_one_transition() {
    let mut p = pl("Paused", phase("Running"), json!({}), json!({}));
    let mut vs = simple_vertices("Running");
    let mut seen = Vec::new();
    for step in 0..4 {
        let actions = reconcile_pipeline(&p, &vs, &drained(plus(now(), step)));
        seen.extend(
            actions
                .writes
                .iter()
                .filter_map(Write::transition)
                .map(|t| t.note()),
        );
        plan::apply(&mut p, &mut vs, &actions.patches());
    }
    assert_eq!(
        seen,
        [
            "Running → Pausing",
            "Vertex simple-in: Running → Paused",
            "Vertex simple-cat: Running → Paused",
            "Vertex simple-out: Running → Paused",
            "Pausing → Paused",
        ]
    );
}

#[test]
fn reconciling_says_when_a_pause_waits_on_unknown_buffers() {
    let p = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    let unknown = Observations {
        buffers: Err("cannot reach NumaFlow's daemon at http://127.0.0.1:1".into()),
        ..Observations::drained_at(plus(now(), 5))
    };
    let actions = reconcile_pipeline(&p, &sources_paused(), &unknown);
    let patches = actions.patches();
    let status = &patches.last().expect("a status patch").body["status"];
    let reconciling = condition(status, "Reconciling");
    assert_eq!(reconciling["status"], "True");
    assert_eq!(
        reconciling["message"],
        "Pausing: the buffers cannot be read, so only the grace period ends the wait: \
         cannot reach NumaFlow's daemon at http://127.0.0.1:1"
    );
    // Buffers read and empty: the pause completes, and no such message is left.
    let actions = reconcile_pipeline(&p, &sources_paused(), &drained(plus(now(), 5)));
    let patches = actions.patches();
    let status = &patches.last().expect("a status patch").body["status"];
    assert_eq!(status["phase"], "Paused");
    assert_eq!(
        condition(status, "Reconciling")["message"],
        "PipelinePhase is Paused"
    );
}
