//! `plan::plan`, step by step: pause, resume and delete, each compared patch for patch
//! with the exact merge patches NumaFlow's pipeline controller sends; steps are chained
//! with `plan::apply`. Also `Observations::drain_proof`.

mod common;

use common::{
    PAUSE_TS, PIPELINE, RESUME, busy, drained, pipeline, plus, simple_vertices, ts, vertex,
};
use jiff::Timestamp;
use numaflow_model::controller::{Transition, reconcile_pipeline, reconcile_vertex};
use numaflow_model::pipeline::{Pipeline, PipelinePhase, PipelinePhaseEvent};
use numaflow_model::plan::{self, BufferDepth, Observations, Patch, PatchTarget, all_vertices_in};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexPhaseEvent};
use serde_json::{Value, json};

const NOW: &str = "2025-03-01T12:00:00Z";
const TEN_SECONDS_AGO: &str = "2025-03-01T11:59:50Z";
const FINALIZER: &str = "pipeline-controller";

fn now() -> Timestamp {
    ts(NOW)
}

/// A status patch of the pipeline; a phase NumaFlow describes comes with its message,
/// unless `body` says otherwise.
fn status(mut body: Value) -> Patch {
    let message = match body["phase"].as_str() {
        Some("Pausing") => Some("Pausing in progress"),
        Some("Paused") => Some("Pipeline paused"),
        Some("Deleting") => Some("Deleting in progress"),
        _ => None,
    };
    if let (Some(message), Some(fields)) = (message, body.as_object_mut()) {
        fields
            .entry("message")
            .or_insert_with(|| Value::from(message));
    }
    Patch {
        target: PatchTarget::status::<Pipeline>(PIPELINE),
        body: json!({ "status": body }),
    }
}

fn meta(body: Value) -> Patch {
    Patch {
        target: PatchTarget::object::<Pipeline>(PIPELINE),
        body: json!({ "metadata": body }),
    }
}

fn stamp(value: &str) -> Patch {
    meta(json!({ "annotations": { PAUSE_TS: value } }))
}

fn unstamp() -> Patch {
    meta(json!({ "annotations": { PAUSE_TS: null } }))
}

fn to_vertex(name: &str, phase: &str) -> Patch {
    Patch {
        target: PatchTarget::object::<Vertex>(format!("{PIPELINE}-{name}")),
        body: json!({ "spec": { "lifecycle": { "desiredPhase": phase } } }),
    }
}

fn slow_resume(name: &str) -> Patch {
    Patch {
        target: PatchTarget::object::<Vertex>(format!("{PIPELINE}-{name}")),
        body: json!({ "spec": { "lifecycle": { "desiredPhase": "Running" }, "replicas": null } }),
    }
}

/// A pipeline asked to be `desired`, in status `phase` (`None`: no status), with extra
/// `metadata` and `lifecycle` settings.
fn pl(desired: &str, phase: Option<Value>, metadata: Value, lifecycle: Value) -> Pipeline {
    let mut life = json!({ "desiredPhase": desired });
    json_patch::merge(&mut life, &lifecycle);
    pipeline(json!({ "lifecycle": life }), metadata, phase)
}

fn phase(p: &str) -> Option<Value> {
    Some(json!({ "phase": p }))
}

fn stamped(at: &str) -> Value {
    json!({ "annotations": { PAUSE_TS: at } })
}

/// `in` (source) paused, `cat` and `out` running: the state after pause step 2.
fn sources_paused() -> Vec<Vertex> {
    vec![
        vertex("in", "source", Some("Paused")),
        vertex("cat", "map", Some("Running")),
        vertex("out", "sink", Some("Running")),
    ]
}

fn phases(vertices: &[Vertex]) -> Vec<(String, VertexPhase)> {
    vertices
        .iter()
        .map(|v| (v.spec.name.clone(), v.spec.desired_phase()))
        .collect()
}

fn annotation(p: &Pipeline, key: &str) -> Option<String> {
    p.metadata.annotations.as_ref()?.get(key).cloned()
}

// ---------------------------------------------------------------------------------------
// Pause.
// ---------------------------------------------------------------------------------------

#[test]
fn pause_step_1_running_becomes_pausing() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let patches = plan::plan(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(patches, vec![status(json!({ "phase": "Pausing" }))]);
}

#[test]
fn pause_step_1_failed_becomes_pausing() {
    let p = pl("Paused", phase("Failed"), json!({}), json!({}));
    let patches = plan::plan(&p, &simple_vertices("Running"), &drained(now()));
    assert_eq!(patches, vec![status(json!({ "phase": "Pausing" }))]);
}

#[test]
fn pause_of_a_new_pipeline_without_status_starts_in_pausing() {
    let p = pl("Paused", None, json!({}), json!({}));
    let patches = plan::plan(&p, &simple_vertices("Running"), &drained(now()));
    assert_eq!(patches, vec![status(json!({ "phase": "Pausing" }))]);
}

#[test]
fn pause_step_2_pauses_only_the_sources_and_stamps_the_time() {
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let vertices = vec![
        vertex("in", "source", Some("Running")),
        vertex("in2", "source", None),
        vertex("cat", "map", Some("Running")),
        vertex("agg", "reduce", Some("Running")),
        vertex("out", "sink", Some("Running")),
    ];
    // Even when drained: the downstream vertices wait for the next pass.
    let patches = plan::plan(&p, &vertices, &drained(now()));
    assert_eq!(
        patches,
        vec![
            to_vertex("in", "Paused"),
            to_vertex("in2", "Paused"),
            stamp(NOW),
        ]
    );
}

#[test]
fn pause_step_2_stamps_the_observed_time() {
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let at = ts("2031-07-04T08:09:10Z");
    let patches = plan::plan(&p, &simple_vertices("Running"), &busy(at));
    assert_eq!(
        patches,
        vec![to_vertex("in", "Paused"), stamp("2031-07-04T08:09:10Z")]
    );
}

#[test]
fn pause_step_2_with_sources_already_paused_only_stamps() {
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let patches = plan::plan(&p, &sources_paused(), &drained(now()));
    assert_eq!(patches, vec![stamp(NOW)]);
}

#[test]
fn pause_with_a_stamp_but_a_running_source_pauses_it_and_keeps_the_stamp() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = plan::plan(&p, &simple_vertices("Running"), &drained(plus(now(), 3600)));
    assert_eq!(
        patches,
        vec![to_vertex("in", "Paused")],
        "sources first; nothing downstream in the same pass, even drained and out of grace"
    );
}

#[test]
fn pause_with_an_unreadable_stamp_stamps_again() {
    let p = pl("Paused", phase("Pausing"), stamped("yesterday"), json!({}));
    let patches = plan::plan(&p, &sources_paused(), &drained(now()));
    assert_eq!(patches, vec![stamp(NOW)]);
}

/// A stamp left by an earlier pause (the spec changed since the status last looked:
/// resumed and paused again while the controller was away) does not start this pause's
/// grace period: the pause starts again now, and the status records the generation.
#[test]
fn pause_with_a_stamp_from_an_earlier_generation_stamps_again() {
    let mut p = pl(
        "Paused",
        Some(json!({ "phase": "Pausing", "observedGeneration": 2 })),
        stamped("2025-03-01T11:00:00Z"),
        json!({ "pauseGracePeriodSeconds": 30 }),
    );
    p.metadata.generation = Some(4);
    let patches = plan::plan(&p, &sources_paused(), &busy(now()));
    assert_eq!(
        patches,
        vec![
            stamp(NOW),
            status(json!({ "phase": "Pausing", "observedGeneration": 4 })),
        ],
        "an hour-old stamp of generation 2 must not end generation 4's grace period"
    );
    // Once the status has seen generation 4, the same stamp counts.
    p.status.as_mut().unwrap().observed_generation = Some(4);
    let patches = plan::plan(&p, &sources_paused(), &busy(now()));
    assert!(
        patches
            .iter()
            .any(|patch| patch.desired_phase() == Some(VertexPhase::Paused)),
        "the grace period of the current stamp is over: {patches:?}"
    );
}

#[test]
fn every_status_patch_records_the_generation_it_saw() {
    let mut p = pl("Paused", phase("Running"), json!({}), json!({}));
    p.metadata.generation = Some(7);
    assert_eq!(
        plan::plan(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(
            json!({ "phase": "Pausing", "observedGeneration": 7 })
        )]
    );
}

#[test]
fn pause_step_3_waits_while_not_drained_within_grace() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    assert_eq!(plan::plan(&p, &sources_paused(), &busy(now())), vec![]);
    // Only acknowledgements pending: not drained either.
    let acking = Observations {
        now: now(),
        source_pods: 0,
        buffers: Ok(vec![BufferDepth {
            name: "b".into(),
            pending: 0,
            ack_pending: 1,
        }]),
    };
    assert_eq!(plan::plan(&p, &sources_paused(), &acking), vec![]);
    // Buffers empty, but a source pod still runs: not drained.
    let pods = Observations {
        source_pods: 1,
        ..Observations::drained_at(now())
    };
    assert_eq!(plan::plan(&p, &sources_paused(), &pods), vec![]);
}

#[test]
fn pause_step_3_drained_pauses_the_rest_and_finishes() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = plan::plan(&p, &sources_paused(), &drained(now()));
    assert_eq!(
        patches,
        vec![
            to_vertex("cat", "Paused"),
            to_vertex("out", "Paused"),
            status(json!({ "phase": "Paused", "drainedOnPause": true })),
        ]
    );
    // No buffers listed at all counts as drained too.
    let patches = plan::plan(&p, &sources_paused(), &Observations::drained_at(now()));
    assert_eq!(
        patches.last(),
        Some(&status(
            json!({ "phase": "Paused", "drainedOnPause": true })
        ))
    );
}

#[test]
fn pause_step_3_grace_expired_pauses_the_rest_undrained() {
    let p = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 29))),
        vec![],
        "29 s into a 30 s grace period: still waiting"
    );
    let expired = vec![
        to_vertex("cat", "Paused"),
        to_vertex("out", "Paused"),
        status(json!({ "phase": "Paused", "drainedOnPause": false })),
    ];
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 30))),
        expired
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 600))),
        expired
    );
    // Source pods still running do not hold the pause past its grace period.
    let pods = Observations {
        source_pods: 2,
        ..busy(plus(now(), 30))
    };
    assert_eq!(plan::plan(&p, &sources_paused(), &pods), expired);
}

#[test]
fn buffers_nobody_could_read_wait_out_the_grace_period_undrained() {
    let p = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    let unknown = |seconds| Observations {
        buffers: Err(
            "GET http://127.0.0.1:1/api/v1/pipelines/simple/buffers: connection refused".into(),
        ),
        ..Observations::drained_at(plus(now(), seconds))
    };
    assert!(!unknown(0).drained());
    assert_eq!(
        plan::plan(&p, &sources_paused(), &unknown(29)),
        vec![],
        "no source pod, but the buffers are unknown: still waiting"
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &unknown(30)),
        vec![
            to_vertex("cat", "Paused"),
            to_vertex("out", "Paused"),
            status(json!({ "phase": "Paused", "drainedOnPause": false })),
        ]
    );
}

#[test]
fn pause_step_3_honours_pause_grace_period_seconds() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(NOW),
        json!({ "pauseGracePeriodSeconds": 60, "deletionGracePeriodSeconds": 5 }),
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 30))),
        vec![]
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 59))),
        vec![]
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 60))).last(),
        Some(&status(
            json!({ "phase": "Paused", "drainedOnPause": false })
        ))
    );
    let zero = pl(
        "Paused",
        phase("Pausing"),
        stamped(NOW),
        json!({ "pauseGracePeriodSeconds": 0 }),
    );
    assert_eq!(
        plan::plan(&zero, &sources_paused(), &busy(now())).len(),
        3,
        "a zero grace period expires at once"
    );
}

#[test]
fn pause_step_3_patches_only_vertices_still_running() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let vertices = vec![
        vertex("in", "source", Some("Paused")),
        vertex("cat", "map", Some("Paused")),
        vertex("agg", "reduce", None),
        vertex("out", "sink", Some("Running")),
    ];
    assert_eq!(
        plan::plan(&p, &vertices, &drained(now())),
        vec![
            to_vertex("agg", "Paused"),
            to_vertex("out", "Paused"),
            status(json!({ "phase": "Paused", "drainedOnPause": true })),
        ]
    );
}

#[test]
fn vertices_without_a_role_are_left_alone() {
    let mut vertices = simple_vertices("Running");
    vertices.push(vertex("odd", "none", Some("Running")));
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    assert_eq!(
        plan::plan(&p, &vertices, &drained(now())),
        vec![to_vertex("in", "Paused"), stamp(NOW)]
    );
    let mut vertices = sources_paused();
    vertices.push(vertex("odd", "none", Some("Running")));
    let p = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    let patches = plan::plan(&p, &vertices, &drained(now()));
    assert!(
        !patches.contains(&to_vertex("odd", "Paused")),
        "a vertex without a role is never patched: {patches:?}"
    );
    assert_eq!(patches.len(), 3);
}

#[test]
fn paused_pipeline_pauses_a_vertex_found_running() {
    let p = pl(
        "Paused",
        Some(json!({ "phase": "Paused", "drainedOnPause": true })),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let mut vertices = simple_vertices("Paused");
    vertices.push(vertex("late", "map", Some("Running")));
    // Not drained now, but the pipeline already reached Paused: no new wait.
    assert_eq!(
        plan::plan(&p, &vertices, &busy(now())),
        vec![to_vertex("late", "Paused")]
    );
    assert_eq!(
        plan::plan(&p, &simple_vertices("Paused"), &busy(now())),
        vec![]
    );
}

#[test]
fn pause_end_to_end_with_apply() {
    let mut p = pl("Paused", phase("Running"), json!({}), json!({}));
    let mut vs = simple_vertices("Running");
    let t0 = now();

    // Step 1.
    let step = plan::plan(&p, &vs, &busy(t0));
    assert_eq!(step, vec![status(json!({ "phase": "Pausing" }))]);
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(p.phase(), Some(PipelinePhase::Pausing));
    assert!(all_vertices_in(&vs, VertexPhase::Running));

    // Step 2, one requeue later.
    let t1 = plus(t0, 10);
    let step = plan::plan(&p, &vs, &busy(t1));
    assert_eq!(
        step,
        vec![to_vertex("in", "Paused"), stamp("2025-03-01T12:00:10Z")]
    );
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(
        annotation(&p, PAUSE_TS).as_deref(),
        Some("2025-03-01T12:00:10Z")
    );
    assert_eq!(
        phases(&vs),
        vec![
            ("in".into(), VertexPhase::Paused),
            ("cat".into(), VertexPhase::Running),
            ("out".into(), VertexPhase::Running),
        ]
    );
    assert_eq!(vs[0].spec.desired_replicas(), 0);
    assert_eq!(
        vs[1].spec.desired_replicas(),
        1,
        "downstream keeps running to drain"
    );

    // Step 3: not drained yet.
    let t2 = plus(t1, 10);
    assert_eq!(plan::plan(&p, &vs, &busy(t2)), vec![]);

    // Step 3: drained.
    let t3 = plus(t2, 10);
    let step = plan::plan(&p, &vs, &drained(t3));
    assert_eq!(
        step,
        vec![
            to_vertex("cat", "Paused"),
            to_vertex("out", "Paused"),
            status(json!({ "phase": "Paused", "drainedOnPause": true })),
        ]
    );
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(p.phase(), Some(PipelinePhase::Paused));
    assert_eq!(p.status.as_ref().unwrap().drained_on_pause, Some(true));
    assert!(all_vertices_in(&vs, VertexPhase::Paused));
    assert!(vs.iter().all(|v| v.spec.desired_replicas() == 0));

    // Converged: a reconcile over the unchanged world sends nothing, drained or not.
    assert_eq!(plan::plan(&p, &vs, &drained(t3)), vec![]);
    assert_eq!(plan::plan(&p, &vs, &busy(plus(t3, 3600))), vec![]);
}

// ---------------------------------------------------------------------------------------
// Resume.
// ---------------------------------------------------------------------------------------

#[test]
fn resume_fast_from_paused() {
    let p = pl(
        "Running",
        Some(json!({ "phase": "Paused", "drainedOnPause": true })),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = plan::plan(&p, &simple_vertices("Paused"), &busy(now()));
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
    let step = plan::plan(&p, &vs, &busy(now()));
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
    assert_eq!(plan::plan(&p, &vs, &busy(now())), vec![]);
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
    vs[1].spec.scale = common::spec(json!({ "scale": { "min": 2 } })).scale;
    let step = plan::plan(&p, &vs, &busy(now()));
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
    assert_eq!(plan::plan(&p, &vs, &busy(now())), vec![]);
}

#[test]
fn resume_mid_pause_goes_back_to_running() {
    let p = pl(
        "Running",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = plan::plan(&p, &sources_paused(), &busy(now()));
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
        plan::plan(&p, &simple_vertices("Running"), &busy(now())),
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
    let patches = plan::plan(&p, &simple_vertices("Paused"), &busy(now()));
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
        plan::plan(&p, &vertices, &busy(now())),
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
            plan::plan(&p, &simple_vertices("Running"), &busy(now())),
            vec![]
        );
    }
    // A failed pipeline whose spec is good recovers, as NumaFlow's next good reconcile
    // sets the phase back to the desired one.
    let p = pl("Running", phase("Failed"), json!({}), json!({}));
    assert_eq!(
        plan::plan(&p, &simple_vertices("Running"), &busy(now())),
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
        plan::plan(&p, &sources_paused(), &busy(now())),
        vec![unstamp(), to_vertex("in", "Running")]
    );
}

#[test]
fn new_running_pipeline_without_status_becomes_running() {
    let p = pipeline(json!({}), json!({}), None);
    assert_eq!(
        plan::plan(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({ "phase": "Running" }))]
    );
    let p = pl("Running", Some(json!({})), json!({}), json!({}));
    assert_eq!(
        plan::plan(&p, &[], &busy(now())),
        vec![status(json!({ "phase": "Running" }))],
        "a status without a phase is no status"
    );
}

// ---------------------------------------------------------------------------------------
// Delete.
// ---------------------------------------------------------------------------------------

fn deleted(status: Option<Value>, finalizers: bool, lifecycle: Value) -> Pipeline {
    let mut metadata = json!({ "deletionTimestamp": NOW });
    if finalizers {
        metadata["finalizers"] = json!([FINALIZER]);
    }
    pl("Running", status, metadata, lifecycle)
}

#[test]
fn delete_step_1_status_becomes_deleting() {
    for from in [
        phase("Running"),
        phase("Pausing"),
        phase("Paused"),
        phase("Failed"),
        None,
    ] {
        let p = deleted(from.clone(), true, json!({}));
        assert_eq!(
            plan::plan(&p, &simple_vertices("Running"), &drained(now())),
            vec![status(json!({ "phase": "Deleting" }))],
            "from {from:?}"
        );
    }
    // Deletion comes before the desired phase.
    let mut p = deleted(phase("Paused"), true, json!({}));
    p.spec.lifecycle.as_mut().unwrap().desired_phase =
        Some(numaflow_model::pipeline::DesiredPhase::Paused);
    assert_eq!(
        plan::plan(&p, &simple_vertices("Paused"), &drained(now())),
        vec![status(json!({ "phase": "Deleting" }))]
    );
}

#[test]
fn delete_step_2_pauses_the_sources() {
    let p = deleted(phase("Deleting"), true, json!({}));
    assert_eq!(
        plan::plan(&p, &simple_vertices("Running"), &drained(now())),
        vec![to_vertex("in", "Paused")]
    );
}

#[test]
fn delete_step_3_waits_for_drain_or_grace() {
    let p = deleted(phase("Deleting"), true, json!({}));
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 29))),
        vec![]
    );
    let expired = vec![
        to_vertex("cat", "Paused"),
        to_vertex("out", "Paused"),
        meta(json!({ "finalizers": null })),
    ];
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 30))),
        expired
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &drained(plus(now(), 1))),
        expired
    );
}

#[test]
fn delete_uses_the_deletion_grace_period() {
    // deletionGracePeriodSeconds: 10, while pauseGracePeriodSeconds says 100.
    let p = deleted(
        phase("Deleting"),
        true,
        json!({ "deletionGracePeriodSeconds": 10, "pauseGracePeriodSeconds": 100 }),
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 9))),
        vec![]
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 10))).len(),
        3
    );
    // The deprecated spelling, then metadata's.
    let p = deleted(
        phase("Deleting"),
        true,
        json!({ "deleteGracePeriodSeconds": 5 }),
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 4))),
        vec![]
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 5))).len(),
        3
    );
    let mut p = deleted(phase("Deleting"), true, json!({}));
    p.metadata.deletion_grace_period_seconds = Some(7);
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 6))),
        vec![]
    );
    assert_eq!(
        plan::plan(&p, &sources_paused(), &busy(plus(now(), 7))).len(),
        3
    );
}

#[test]
fn delete_without_finalizers_has_nothing_to_release() {
    let p = deleted(phase("Deleting"), false, json!({}));
    assert_eq!(
        plan::plan(&p, &sources_paused(), &drained(now())),
        vec![to_vertex("cat", "Paused"), to_vertex("out", "Paused")]
    );
    let mut p = deleted(phase("Deleting"), false, json!({}));
    p.metadata.finalizers = Some(vec![]);
    assert_eq!(
        plan::plan(&p, &simple_vertices("Paused"), &drained(now())),
        vec![]
    );
}

#[test]
fn delete_releases_only_the_controllers_own_finalizers() {
    let ours = numaflow_model::pipeline::FINALIZER;
    let mut p = deleted(phase("Deleting"), false, json!({}));
    p.metadata.finalizers = Some(vec![
        "backup.example.com/hold".to_owned(),
        ours.to_owned(),
        FINALIZER.to_owned(),
    ]);
    let step = plan::plan(&p, &simple_vertices("Paused"), &drained(now()));
    assert_eq!(
        step,
        vec![meta(json!({ "finalizers": ["backup.example.com/hold"] }))]
    );
    let mut vs = simple_vertices("Paused");
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(
        p.metadata.finalizers,
        Some(vec!["backup.example.com/hold".to_owned()])
    );
    // Nothing of ours is left: the other controller's finalizer is not ours to remove.
    assert_eq!(plan::plan(&p, &vs, &drained(plus(now(), 5))), vec![]);
}

#[test]
fn delete_end_to_end_with_apply() {
    let mut p = deleted(phase("Running"), true, json!({}));
    let mut vs = simple_vertices("Running");
    let step = plan::plan(&p, &vs, &busy(now()));
    assert_eq!(step, vec![status(json!({ "phase": "Deleting" }))]);
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(p.phase(), Some(PipelinePhase::Deleting));

    let step = plan::plan(&p, &vs, &busy(plus(now(), 5)));
    assert_eq!(step, vec![to_vertex("in", "Paused")]);
    plan::apply(&mut p, &mut vs, &step);

    assert_eq!(plan::plan(&p, &vs, &busy(plus(now(), 10))), vec![]);

    let step = plan::plan(&p, &vs, &drained(plus(now(), 15)));
    assert_eq!(
        step,
        vec![
            to_vertex("cat", "Paused"),
            to_vertex("out", "Paused"),
            meta(json!({ "finalizers": null })),
        ]
    );
    plan::apply(&mut p, &mut vs, &step);
    assert!(all_vertices_in(&vs, VertexPhase::Paused));
    assert_eq!(p.metadata.finalizers, None);
    assert_eq!(p.phase(), Some(PipelinePhase::Deleting));
    assert_eq!(plan::plan(&p, &vs, &drained(plus(now(), 20))), vec![]);
}

// ---------------------------------------------------------------------------------------
// Drain proof, patches, apply.
// ---------------------------------------------------------------------------------------

#[test]
fn drain_proof_drained() {
    let since = now();
    let proof = drained(plus(since, 1))
        .drain_proof(since, 30)
        .expect("drained");
    assert!(proof.drained());
    let proof = Observations::drained_at(since)
        .drain_proof(since, 30)
        .expect("drained at once");
    assert!(proof.drained());
    // Drained wins over an expired grace period: it really drained.
    let proof = drained(plus(since, 999)).drain_proof(since, 30).unwrap();
    assert!(proof.drained());
}

#[test]
fn drain_proof_grace_expired() {
    let since = now();
    let proof = busy(plus(since, 30))
        .drain_proof(since, 30)
        .expect("expired");
    assert!(!proof.drained());
    let proof = busy(plus(since, 31))
        .drain_proof(since, 30)
        .expect("expired");
    assert!(!proof.drained());
    let proof = busy(since).drain_proof(since, 0).expect("zero grace");
    assert!(!proof.drained());
}

#[test]
fn drain_proof_neither() {
    let since = now();
    assert_eq!(busy(since).drain_proof(since, 30), None);
    assert_eq!(busy(plus(since, 29)).drain_proof(since, 30), None);
    let pods = Observations {
        source_pods: 1,
        ..Observations::drained_at(plus(since, 5))
    };
    assert!(!pods.drained());
    assert_eq!(pods.drain_proof(since, 30), None);
    let acking = Observations {
        now: since,
        source_pods: 0,
        buffers: Ok(vec![
            BufferDepth {
                name: "a".into(),
                pending: 0,
                ack_pending: 0,
            },
            BufferDepth {
                name: "b".into(),
                pending: 0,
                ack_pending: 2,
            },
        ]),
    };
    assert!(!acking.drained());
    assert_eq!(acking.drain_proof(since, 30), None);
}

#[test]
fn patch_desired_phase_reads_the_vertex_patch() {
    assert_eq!(
        to_vertex("in", "Paused").desired_phase(),
        Some(VertexPhase::Paused)
    );
    assert_eq!(
        slow_resume("in").desired_phase(),
        Some(VertexPhase::Running)
    );
    assert_eq!(status(json!({ "phase": "Paused" })).desired_phase(), None);
    assert_eq!(stamp(NOW).desired_phase(), None);
}

#[test]
fn apply_merges_like_the_api_server() {
    let mut p = pl(
        "Paused",
        phase("Running"),
        json!({ "annotations": { "keep": "me" } }),
        json!({}),
    );
    let mut vs = simple_vertices("Running");
    plan::apply(
        &mut p,
        &mut vs,
        &[
            stamp(NOW),
            status(json!({ "phase": "Pausing" })),
            to_vertex("cat", "Paused"),
            to_vertex("missing", "Paused"),
        ],
    );
    assert_eq!(annotation(&p, PAUSE_TS).as_deref(), Some(NOW));
    assert_eq!(annotation(&p, "keep").as_deref(), Some("me"));
    assert_eq!(p.phase(), Some(PipelinePhase::Pausing));
    assert_eq!(
        phases(&vs),
        vec![
            ("in".into(), VertexPhase::Running),
            ("cat".into(), VertexPhase::Paused),
            ("out".into(), VertexPhase::Running),
        ]
    );
    plan::apply(&mut p, &mut vs, &[unstamp()]);
    assert_eq!(annotation(&p, PAUSE_TS), None);
    assert_eq!(annotation(&p, "keep").as_deref(), Some("me"));
}

// ---------------------------------------------------------------------------------------
// The reconcile functions around the planner.
// ---------------------------------------------------------------------------------------

fn names(vertices: &[Vertex]) -> Vec<String> {
    vertices
        .iter()
        .map(|v| v.metadata.name.clone().unwrap_or_default())
        .collect()
}

#[test]
fn the_pipeline_controller_creates_only_the_missing_vertices() {
    let p = pl("Running", phase("Running"), json!({}), json!({}));
    let fresh = reconcile_pipeline(&p, &[], &busy(now()));
    assert_eq!(
        names(&fresh.create),
        ["simple-in", "simple-cat", "simple-out"]
    );
    assert!(!fresh.is_empty());
    let created = &fresh.create[1];
    assert_eq!(created.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        created.metadata.labels.as_ref().map(|l| l.len()),
        Some(2),
        "pipeline-name and vertex-name labels: {:?}",
        created.metadata.labels
    );

    // With `cat` already there, only `in` and `out` are created.
    let some = vec![vertex("cat", "map", Some("Running"))];
    let actions = reconcile_pipeline(&p, &some, &busy(now()));
    assert_eq!(names(&actions.create), ["simple-in", "simple-out"]);

    // With all three there and running, only the conditions are left to write; once
    // written, nothing is left to do.
    let mut p = p;
    let mut all = simple_vertices("Running");
    let first = reconcile_pipeline(&p, &all, &busy(now()));
    assert!(first.create.is_empty());
    assert_eq!(first.patches.len(), 1, "{:?}", first.patches);
    assert_eq!(first.patches[0].target, PatchTarget::status_of(&p));
    plan::apply(&mut p, &mut all, &first.patches);
    let settled = reconcile_pipeline(&p, &all, &busy(now()));
    assert!(settled.create.is_empty() && settled.patches.is_empty());
    assert!(settled.is_empty());
}

/// The condition `type_` in `status`.
fn condition<'a>(status: &'a Value, type_: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["type"] == type_))
        .unwrap_or_else(|| panic!("no {type_} condition in {status}"))
}

#[test]
fn a_pause_writes_its_conditions_with_the_phase_in_one_patch() {
    let mut p = pl(
        "Paused",
        phase("Running"),
        json!({ "generation": 3 }),
        json!({}),
    );
    let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(actions.patches.len(), 1);
    let status = &actions.patches[0].body["status"];
    assert_eq!(status["phase"], "Pausing");
    assert_eq!(status["observedGeneration"], 3);
    for (type_, holds, reason) in [
        ("Ready", "False", "Pausing"),
        ("Reconciling", "True", "Pausing"),
        ("Stalled", "False", "Pausing"),
        ("Configured", "True", "Successful"),
        ("Deployed", "True", "Successful"),
        // The vertices have not reported a status yet.
        ("VerticesHealthy", "False", "Progressing"),
    ] {
        let c = condition(status, type_);
        assert_eq!(
            (c["status"].as_str(), c["reason"].as_str()),
            (Some(holds), Some(reason)),
            "{c}"
        );
        assert_eq!(c["observedGeneration"], 3, "{c}");
        assert_eq!(c["lastTransitionTime"], NOW, "{c}");
    }

    // Ten seconds on, the sources are paused: Reconciling keeps its transition time.
    let mut vertices = simple_vertices("Running");
    plan::apply(&mut p, &mut vertices, &actions.patches);
    let later: Timestamp = ts("2025-03-01T12:00:10Z");
    let actions = reconcile_pipeline(&p, &vertices, &busy(later));
    let status_patch = actions
        .patches
        .iter()
        .find(|patch| patch.target == PatchTarget::status_of(&p));
    assert!(
        status_patch.is_none(),
        "no condition changed: {:?}",
        actions.patches
    );
}

#[test]
fn conditions_the_lifecycle_does_not_own_are_kept() {
    let mut p = pl(
        "Running",
        Some(json!({ "phase": "Running", "conditions": [{
            "type": "DaemonServiceHealthy", "status": "True", "reason": "Healthy",
            "message": "daemon up", "lastTransitionTime": TEN_SECONDS_AGO,
        }] })),
        json!({}),
        json!({}),
    );
    let mut vertices = simple_vertices("Running");
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    let status = &actions.patches[0].body["status"];
    let foreign = condition(status, "DaemonServiceHealthy");
    assert_eq!(foreign["lastTransitionTime"], TEN_SECONDS_AGO);
    assert_eq!(foreign["message"], "daemon up");
    assert_eq!(condition(status, "Ready")["status"], "True");
    plan::apply(&mut p, &mut vertices, &actions.patches);
    assert_eq!(p.status.as_ref().unwrap().conditions.len(), 7);
}

#[test]
fn vertices_healthy_waits_for_every_vertex_to_report_its_generation() {
    let mut p = pl("Running", phase("Running"), json!({}), json!({}));
    let mut vertices = simple_vertices("Running");
    for v in &mut vertices {
        v.metadata.generation = Some(2);
    }
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches);
    let healthy = |p: &Pipeline| {
        lifecycle_model::conditions::find_condition(
            &p.status.as_ref().unwrap().conditions,
            "VerticesHealthy",
        )
        .map(|c| (c.status.to_string(), c.message.clone()))
    };
    assert_eq!(
        healthy(&p),
        Some((
            "False".into(),
            "Vertices not healthy yet: in, cat, out".into()
        ))
    );

    // Each vertex controller writes its status; the last one makes them all healthy.
    for i in 0..vertices.len() {
        let patch =
            reconcile_vertex(&vertices[i], None, now()).expect("a fresh vertex gets a status");
        assert_eq!(patch.body["status"]["observedGeneration"], 2);
        let _ = patch.merge_into(&mut vertices[i]);
        let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
        plan::apply(&mut p, &mut vertices, &actions.patches);
    }
    assert_eq!(
        healthy(&p),
        Some(("True".into(), "All vertices are healthy".into()))
    );

    // A new generation of one vertex, not yet seen by its controller: unhealthy again.
    vertices[1].metadata.generation = Some(3);
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches);
    assert_eq!(
        healthy(&p),
        Some(("False".into(), "Vertices not healthy yet: cat".into()))
    );
}

#[test]
fn actions_with_patches_but_nothing_to_create_are_not_empty() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
    assert!(actions.create.is_empty());
    assert_eq!(actions.patches.len(), 1);
    assert!(!actions.is_empty());
}

#[test]
fn a_deleting_pipeline_creates_no_vertex() {
    let p = pl(
        "Running",
        phase("Deleting"),
        json!({ "deletionTimestamp": NOW, "finalizers": [FINALIZER] }),
        json!({}),
    );
    let actions = reconcile_pipeline(&p, &[], &busy(now()));
    assert!(actions.create.is_empty(), "{:?}", names(&actions.create));
}

#[test]
fn all_vertices_in_needs_every_vertex_in_the_phase() {
    assert!(all_vertices_in(
        &simple_vertices("Paused"),
        VertexPhase::Paused
    ));
    assert!(!all_vertices_in(
        &simple_vertices("Running"),
        VertexPhase::Paused
    ));
    assert!(!all_vertices_in(&sources_paused(), VertexPhase::Paused));
    assert!(!all_vertices_in(&sources_paused(), VertexPhase::Running));
    assert!(all_vertices_in(&[], VertexPhase::Paused), "vacuously");
}

#[test]
fn the_vertex_controller_writes_only_the_status_fields_that_differ() {
    let fresh = vertex("cat", "map", Some("Running"));
    let patch = reconcile_vertex(&fresh, None, now()).expect("a fresh vertex gets a status");
    let condition = |type_: &str, reason: &str, message: &str| {
        json!({ "type": type_, "status": "True", "reason": reason, "message": message,
                "lastTransitionTime": NOW })
    };
    assert_eq!(
        patch.body,
        json!({ "status": {
            "desiredReplicas": 1,
            "phase": "Running",
            "selector": "numaflow.numaproj.io/pipeline-name=simple,numaflow.numaproj.io/vertex-name=cat",
            "conditions": [
                condition("Ready", "Running", "VertexPhase is Running"),
                condition("Deployed", "Successful", "Successful"),
                condition("PodsHealthy", "NoPodsFound", "No Pods found"),
            ],
        } })
    );
    let mut settled = fresh.clone();
    let _ = patch.merge_into(&mut settled);
    assert_eq!(
        reconcile_vertex(&settled, None, now()),
        None,
        "nothing differs"
    );

    // Only the selector is off: only the selector is sent.
    settled.status.as_mut().unwrap().selector = Some("app=other".into());
    let patch = reconcile_vertex(&settled, None, now()).expect("the selector differs");
    assert_eq!(
        patch.body,
        json!({ "status": {
            "selector": "numaflow.numaproj.io/pipeline-name=simple,numaflow.numaproj.io/vertex-name=cat",
        } })
    );
}

// ---------------------------------------------------------------------------------------
// The transitions a reconcile's patches make, as Events and metrics report them.

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

// ---------------------------------------------------------------------------------------
// Failed: an invalid spec, and the recovery once it is fixed.

/// `p` with the map's scale bounds crossed.
fn broken(mut p: Pipeline) -> Pipeline {
    p.spec.vertices[1].scale = serde_json::from_value(json!({ "min": 3, "max": 2 })).ok();
    p
}

const CROSSED: &str = "spec.vertices[1].scale: min 3 is greater than max 2";

#[test]
fn an_invalid_spec_fails_the_pipeline_with_the_field_named() {
    for from in ["Running", "Pausing", "Paused"] {
        let p = broken(pl("Running", phase(from), json!({}), json!({})));
        assert_eq!(
            plan::plan(&p, &simple_vertices("Running"), &busy(now())),
            vec![status(json!({ "phase": "Failed", "message": CROSSED }))],
            "from {from}"
        );
    }
    // Already failed for that reason: nothing to write; for another: the new message.
    let failed = broken(pl(
        "Running",
        Some(json!({ "phase": "Failed", "message": CROSSED })),
        json!({}),
        json!({}),
    ));
    assert_eq!(
        plan::plan(&failed, &simple_vertices("Running"), &busy(now())),
        vec![]
    );
    let mut other = failed.clone();
    other.spec.vertices[1].scale = serde_json::from_value(json!({ "min": -1 })).ok();
    assert_eq!(
        plan::plan(&other, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({
            "phase": "Failed",
            "message": "spec.vertices[1].scale.min: -1 is negative; the floor must be 0 or more",
        }))]
    );
    // Deletion still goes ahead.
    let deleting = broken(deleted(phase("Running"), true, json!({})));
    assert_eq!(
        plan::plan(&deleting, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({ "phase": "Deleting" }))]
    );
}

#[test]
fn a_fixed_pipeline_recovers_to_the_phase_it_is_asked_for() {
    let failed = Some(json!({ "phase": "Failed", "message": CROSSED }));
    // Asked to run: Running, the message cleared, paused vertices resumed.
    let p = pl("Running", failed.clone(), json!({}), json!({}));
    assert_eq!(
        plan::plan(&p, &simple_vertices("Paused"), &busy(now())),
        vec![
            status(json!({ "phase": "Running", "drainedOnPause": false, "message": null })),
            to_vertex("in", "Running"),
            to_vertex("cat", "Running"),
            to_vertex("out", "Running"),
        ]
    );
    // Asked to pause, every vertex paused: straight back to Paused, the failure's
    // message replaced by the phase's.
    let p = pl("Paused", failed.clone(), json!({}), json!({}));
    assert_eq!(
        plan::plan(&p, &simple_vertices("Paused"), &busy(now())),
        vec![status(
            json!({ "phase": "Paused", "message": "Pipeline paused" })
        )]
    );
    // Asked to pause with vertices still running: the pause starts over.
    assert_eq!(
        plan::plan(&p, &simple_vertices("Running"), &busy(now())),
        vec![status(
            json!({ "phase": "Pausing", "message": "Pausing in progress" })
        )]
    );
}

#[test]
fn a_paused_pipeline_goes_failed_and_back_with_conditions_that_say_so() {
    let mut p = broken(pl("Paused", phase("Paused"), json!({}), json!({})));
    let mut vs = simple_vertices("Paused");
    let step = reconcile_pipeline(&p, &vs, &busy(now()));
    plan::apply(&mut p, &mut vs, &step.patches);
    assert_eq!(p.phase(), Some(PipelinePhase::Failed));
    let conditions = &p.status.as_ref().unwrap().conditions;
    let stalled = lifecycle_model::conditions::find_condition(conditions, "Stalled").unwrap();
    assert_eq!(stalled.status.to_string(), "True");
    assert_eq!(stalled.message, CROSSED);
    assert!(
        all_vertices_in(&vs, VertexPhase::Paused),
        "vertices are left alone"
    );

    p.spec.vertices[1].scale = None;
    let step = reconcile_pipeline(&p, &vs, &busy(plus(now(), 5)));
    plan::apply(&mut p, &mut vs, &step.patches);
    assert_eq!(p.phase(), Some(PipelinePhase::Paused));
    assert_eq!(
        p.status.as_ref().unwrap().message.as_deref(),
        Some("Pipeline paused")
    );
    let conditions = &p.status.as_ref().unwrap().conditions;
    let stalled = lifecycle_model::conditions::find_condition(conditions, "Stalled").unwrap();
    assert_eq!(stalled.status.to_string(), "False");
}

#[test]
fn the_vertex_counts_follow_the_spec_once_written() {
    let mut p = pl("Running", phase("Running"), json!({}), json!({}));
    let mut vs = simple_vertices("Running");
    let actions = reconcile_pipeline(&p, &vs, &busy(now()));
    let status = &actions.patches[0].body["status"];
    for (field, n) in [
        ("vertexCount", 3),
        ("sourceCount", 1),
        ("sinkCount", 1),
        ("udfCount", 1),
        ("mapUDFCount", 1),
        ("reduceUDFCount", 0),
    ] {
        assert_eq!(status[field], n, "{field} in {status}");
    }
    plan::apply(&mut p, &mut vs, &actions.patches);
    let again = reconcile_pipeline(&p, &vs, &busy(now()));
    assert!(again.patches.is_empty(), "{:?}", again.patches);
}
