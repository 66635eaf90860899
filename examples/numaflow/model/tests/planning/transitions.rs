//! The transitions a reconcile's patches make, as Events and metrics report them.

use super::*;
use crate::controller::condition;

#[test]
fn a_status_patch_that_moves_the_phase_is_a_pipeline_transition() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let t = Transition::of(&status(json!({ "phase": "Pausing" })), &p, &[]).expect("a move");
    assert_eq!(
        t,
        Transition::Pipeline {
            event: PipelinePhaseEvent::Pause,
            from: PipelinePhase::Running,
            to: PipelinePhase::Pausing,
        }
    );
    assert_eq!(t.reason(), "UpdatePipelinePhase");
    assert_eq!(t.note(), "Running → Pausing");

    // Staying put, writing only conditions, or a first phase: no transition.
    assert_eq!(
        Transition::of(&status(json!({ "phase": "Running" })), &p, &[]),
        None
    );
    assert_eq!(
        Transition::of(&status(json!({ "conditions": [] })), &p, &[]),
        None
    );
    let fresh = pl("Running", None, json!({}), json!({}));
    assert_eq!(
        Transition::of(&status(json!({ "phase": "Running" })), &fresh, &[]),
        None
    );
    // The pause stamp is no transition either.
    assert_eq!(Transition::of(&stamp(NOW), &p, &[]), None);
}

#[test]
fn vertex_pauses_and_resumes_carry_numaflows_reasons() {
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let running = simple_vertices("Running");
    let pause = Transition::of(&to_vertex("cat", "Paused"), &p, &running).expect("a move");
    assert_eq!(
        pause,
        Transition::Vertex {
            vertex: "simple-cat".to_owned(),
            event: VertexPhaseEvent::Pause,
            from: VertexPhase::Running,
            to: VertexPhase::Paused,
        }
    );
    assert_eq!(pause.reason(), "UpdateVertexDesiredPhase");
    assert_eq!(pause.note(), "Vertex simple-cat: Running → Paused");

    let paused = simple_vertices("Paused");
    let resume = Transition::of(&to_vertex("in", "Running"), &p, &paused).expect("a move");
    assert_eq!(resume.reason(), "ResumeVertexLifecycle");
    assert_eq!(resume.note(), "Vertex simple-in: Paused → Running");

    // A vertex that already is where the patch puts it, or one not listed: nothing.
    assert_eq!(
        Transition::of(&to_vertex("in", "Paused"), &p, &paused),
        None
    );
    assert_eq!(
        Transition::of(&to_vertex("gone", "Paused"), &p, &running),
        None
    );
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
                .patches
                .iter()
                .filter_map(|patch| Transition::of(patch, &p, &vs))
                .map(|t| t.note()),
        );
        plan::apply(&mut p, &mut vs, &actions.patches);
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
    let status = &actions.patches.last().expect("a status patch").body["status"];
    let reconciling = condition(status, "Reconciling");
    assert_eq!(reconciling["status"], "True");
    assert_eq!(
        reconciling["message"],
        "Pausing: the buffers cannot be read, so only the grace period ends the wait: \
         cannot reach NumaFlow's daemon at http://127.0.0.1:1"
    );
    // Buffers read and empty: the pause completes, and no such message is left.
    let actions = reconcile_pipeline(&p, &sources_paused(), &drained(plus(now(), 5)));
    let status = &actions.patches.last().expect("a status patch").body["status"];
    assert_eq!(status["phase"], "Paused");
    assert_eq!(
        condition(status, "Reconciling")["message"],
        "PipelinePhase is Paused"
    );
}
