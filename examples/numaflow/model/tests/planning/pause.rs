//! Pause.

use super::*;

#[test]
fn pause_step_1_running_becomes_pausing() {
    let p = pl("Paused", phase("Running"), json!({}), json!({}));
    let patches = planned(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(patches, vec![status(json!({ "phase": "Pausing" }))]);
}

#[test]
fn pause_step_1_failed_becomes_pausing() {
    let p = pl("Paused", phase("Failed"), json!({}), json!({}));
    let patches = planned(&p, &simple_vertices("Running"), &drained(now()));
    assert_eq!(patches, vec![status(json!({ "phase": "Pausing" }))]);
}

#[test]
fn pause_of_a_new_pipeline_without_status_starts_in_pausing() {
    let p = pl("Paused", None, json!({}), json!({}));
    let patches = planned(&p, &simple_vertices("Running"), &drained(now()));
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
    let patches = planned(&p, &vertices, &drained(now()));
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
    let patches = planned(&p, &simple_vertices("Running"), &busy(at));
    assert_eq!(
        patches,
        vec![to_vertex("in", "Paused"), stamp("2031-07-04T08:09:10Z")]
    );
}

#[test]
fn pause_step_2_with_sources_already_paused_only_stamps() {
    let p = pl("Paused", phase("Pausing"), json!({}), json!({}));
    let patches = planned(&p, &sources_paused(), &drained(now()));
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
    let patches = planned(&p, &simple_vertices("Running"), &drained(plus(now(), 3600)));
    assert_eq!(
        patches,
        vec![to_vertex("in", "Paused")],
        "sources first; nothing downstream in the same pass, even drained and out of grace"
    );
}

#[test]
fn pause_with_an_unreadable_stamp_stamps_again() {
    let p = pl("Paused", phase("Pausing"), stamped("yesterday"), json!({}));
    let patches = planned(&p, &sources_paused(), &drained(now()));
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
    let patches = planned(&p, &sources_paused(), &busy(now()));
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
    let writes = plan::plan(&p, &sources_paused(), &busy(now()));
    assert!(
        writes
            .iter()
            .any(|write| write.desired_phase() == Some(VertexPhase::Paused)),
        "the grace period of the current stamp is over: {writes:?}"
    );
}

#[test]
fn every_status_patch_records_the_generation_it_saw() {
    let mut p = pl("Paused", phase("Running"), json!({}), json!({}));
    p.metadata.generation = Some(7);
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &busy(now())),
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
    assert_eq!(planned(&p, &sources_paused(), &busy(now())), vec![]);
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
    assert_eq!(planned(&p, &sources_paused(), &acking), vec![]);
    // Buffers empty, but a source pod still runs: not drained.
    let pods = Observations {
        source_pods: 1,
        ..Observations::drained_at(now())
    };
    assert_eq!(planned(&p, &sources_paused(), &pods), vec![]);
}

#[test]
fn pause_step_3_drained_pauses_the_rest_and_finishes() {
    let p = pl(
        "Paused",
        phase("Pausing"),
        stamped(TEN_SECONDS_AGO),
        json!({}),
    );
    let patches = planned(&p, &sources_paused(), &drained(now()));
    assert_eq!(
        patches,
        vec![
            to_vertex("cat", "Paused"),
            to_vertex("out", "Paused"),
            status(json!({ "phase": "Paused", "drainedOnPause": true })),
        ]
    );
    // No buffers listed at all counts as drained too.
    let patches = planned(&p, &sources_paused(), &Observations::drained_at(now()));
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
        planned(&p, &sources_paused(), &busy(plus(now(), 29))),
        vec![],
        "29 s into a 30 s grace period: still waiting"
    );
    let expired = vec![
        to_vertex("cat", "Paused"),
        to_vertex("out", "Paused"),
        status(json!({ "phase": "Paused", "drainedOnPause": false })),
    ];
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 30))),
        expired
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 600))),
        expired
    );
    // Source pods still running do not hold the pause past its grace period.
    let pods = Observations {
        source_pods: 2,
        ..busy(plus(now(), 30))
    };
    assert_eq!(planned(&p, &sources_paused(), &pods), expired);
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
        planned(&p, &sources_paused(), &unknown(29)),
        vec![],
        "no source pod, but the buffers are unknown: still waiting"
    );
    assert_eq!(
        planned(&p, &sources_paused(), &unknown(30)),
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
        planned(&p, &sources_paused(), &busy(plus(now(), 30))),
        vec![]
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 59))),
        vec![]
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 60))).last(),
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
        planned(&zero, &sources_paused(), &busy(now())).len(),
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
        planned(&p, &vertices, &drained(now())),
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
        planned(&p, &vertices, &drained(now())),
        vec![to_vertex("in", "Paused"), stamp(NOW)]
    );
    let mut vertices = sources_paused();
    vertices.push(vertex("odd", "none", Some("Running")));
    let p = pl("Paused", phase("Pausing"), stamped(NOW), json!({}));
    let patches = planned(&p, &vertices, &drained(now()));
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
        planned(&p, &vertices, &busy(now())),
        vec![to_vertex("late", "Paused")]
    );
    assert_eq!(
        planned(&p, &simple_vertices("Paused"), &busy(now())),
        vec![]
    );
}

#[test]
fn pause_end_to_end_with_apply() {
    let mut p = pl("Paused", phase("Running"), json!({}), json!({}));
    let mut vs = simple_vertices("Running");
    let t0 = now();

    // Step 1.
    let step = planned(&p, &vs, &busy(t0));
    assert_eq!(step, vec![status(json!({ "phase": "Pausing" }))]);
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(p.phase(), Some(PipelinePhase::Pausing));
    assert!(all_vertices_in(&vs, VertexPhase::Running));

    // Step 2, one requeue later.
    let t1 = plus(t0, 10);
    let step = planned(&p, &vs, &busy(t1));
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
    assert_eq!(planned(&p, &vs, &busy(t2)), vec![]);

    // Step 3: drained.
    let t3 = plus(t2, 10);
    let step = planned(&p, &vs, &drained(t3));
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
    assert_eq!(planned(&p, &vs, &drained(t3)), vec![]);
    assert_eq!(planned(&p, &vs, &busy(plus(t3, 3600))), vec![]);
}
