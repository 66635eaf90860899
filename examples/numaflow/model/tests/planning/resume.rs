//! Resume.

use super::*;

#[test]
fn resume_fast_from_paused() {
    let p = pl(
        "Running",
        Some(json!({ "phase": "Paused", "drainedOnPause": true })),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = planned(&p, &simple_vertices("Paused"), &busy(now()));
    assert_eq!(
        patches,
        vec![
            unstamp(),
            status(json!({ "phase": "Running", "drainedOnPause": false })),
            to_vertex("in", "Running"),
            to_vertex("cat", "Running"),
            to_vertex("out", "Running"),
        ]
    );
}

#[test]
fn resume_fast_keeps_replicas() {
    let mut p = pl(
        "Running",
        phase("Paused"),
        json!({ "annotations": { PAUSE_TS: NOW, RESUME: "fast" } }),
        json!({}),
    );
    let mut vs = simple_vertices("Paused");
    vs[1].spec.replicas = Some(4);
    let step = planned(&p, &vs, &busy(now()));
    assert!(
        step.iter()
            .all(|patch| patch.body.pointer("/spec/replicas").is_none())
    );
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(vs[1].spec.replicas, Some(4));
    assert_eq!(
        vs[1].spec.desired_replicas(),
        4,
        "back at its pre-pause count"
    );
    assert!(all_vertices_in(&vs, VertexPhase::Running));
    assert_eq!(annotation(&p, PAUSE_TS), None);
    assert_eq!(p.phase(), Some(PipelinePhase::Running));
    assert_eq!(p.status.as_ref().unwrap().drained_on_pause, Some(false));
    assert_eq!(planned(&p, &vs, &busy(now())), vec![]);
}

#[test]
fn resume_slow_also_nulls_replicas() {
    let mut p = pl(
        "Running",
        Some(json!({ "phase": "Paused", "drainedOnPause": false })),
        json!({ "annotations": { PAUSE_TS: TEN_SECONDS_AGO, RESUME: "slow" } }),
        json!({}),
    );
    let mut vs = simple_vertices("Paused");
    vs[1].spec.replicas = Some(4);
    vs[1].spec.scale = common::spec(json!({ "scale": { "min": 2 } })).vertex.scale;
    let step = planned(&p, &vs, &busy(now()));
    assert_eq!(
        step,
        vec![
            unstamp(),
            status(json!({ "phase": "Running", "drainedOnPause": false })),
            slow_resume("in"),
            slow_resume("cat"),
            slow_resume("out"),
        ]
    );
    plan::apply(&mut p, &mut vs, &step);
    assert!(vs.iter().all(|v| v.spec.replicas.is_none()));
    assert_eq!(vs[0].spec.desired_replicas(), 1, "restarts at its default");
    assert_eq!(
        vs[1].spec.desired_replicas(),
        2,
        "the default 1, clamped to min"
    );
    assert_eq!(
        annotation(&p, RESUME).as_deref(),
        Some("slow"),
        "the strategy annotation stays"
    );
    assert_eq!(annotation(&p, PAUSE_TS), None);
    assert_eq!(planned(&p, &vs, &busy(now())), vec![]);
}

#[test]
fn resume_mid_pause_goes_back_to_running() {
    let p = pl(
        "Running",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = planned(&p, &sources_paused(), &busy(now()));
    assert_eq!(
        patches,
        vec![
            unstamp(),
            status(json!({ "phase": "Running", "drainedOnPause": false })),
            to_vertex("in", "Running"),
        ]
    );
    // Before the sources were paused: only the status moves back.
    let p = pl("Running", phase("Pausing"), json!({}), json!({}));
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(
            json!({ "phase": "Running", "drainedOnPause": false })
        )]
    );
}

/// numaflow.md, Resume step 1: "The pause timestamp annotation is removed", whatever it
/// holds, so even an unreadable stamp goes.
#[test]
fn resume_removes_an_unreadable_pause_stamp() {
    let p = pl("Running", phase("Paused"), stamped("yesterday"), json!({}));
    let patches = planned(&p, &simple_vertices("Paused"), &busy(now()));
    assert_eq!(
        patches.first(),
        Some(&unstamp()),
        "resume must remove the pause-timestamp annotation even when it is not a valid \
         RFC 3339 time; got {patches:?}"
    );
}

#[test]
fn resume_patches_only_vertices_that_are_paused() {
    let p = pl("Running", phase("Paused"), json!({}), json!({}));
    let vertices = vec![
        vertex("in", "source", Some("Paused")),
        vertex("cat", "map", None),
        vertex("agg", "reduce", Some("Paused")),
        vertex("out", "sink", Some("Running")),
    ];
    assert_eq!(
        planned(&p, &vertices, &busy(now())),
        vec![
            status(json!({ "phase": "Running", "drainedOnPause": false })),
            to_vertex("in", "Running"),
            to_vertex("agg", "Running"),
        ]
    );
}

#[test]
fn running_pipeline_sends_nothing() {
    for desired in [
        json!({}),
        json!({ "lifecycle": { "desiredPhase": "Running" } }),
    ] {
        let p = pipeline(desired, json!({}), phase("Running"));
        assert_eq!(
            planned(&p, &simple_vertices("Running"), &busy(now())),
            vec![]
        );
    }
    // A failed pipeline whose spec is good recovers, as NumaFlow's next good reconcile
    // sets the phase back to the desired one.
    let p = pl("Running", phase("Failed"), json!({}), json!({}));
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(
            json!({ "phase": "Running", "drainedOnPause": false })
        )]
    );
}

#[test]
fn running_pipeline_resumes_stray_paused_vertices_and_stale_stamp() {
    let p = pl(
        "Running",
        phase("Running"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(now())),
        vec![unstamp(), to_vertex("in", "Running")]
    );
}

#[test]
fn new_running_pipeline_without_status_becomes_running() {
    let p = pipeline(json!({}), json!({}), None);
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({ "phase": "Running" }))]
    );
    let p = pl("Running", Some(json!({})), json!({}), json!({}));
    assert_eq!(
        planned(&p, &[], &busy(now())),
        vec![status(json!({ "phase": "Running" }))],
        "a status without a phase is no status"
    );
}
