//! Delete.

use super::*;

pub(crate) fn deleted(status: Option<Value>, finalizers: bool, lifecycle: Value) -> Pipeline {
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
            planned(&p, &simple_vertices("Running"), &drained(now())),
            vec![status(json!({ "phase": "Deleting" }))],
            "from {from:?}"
        );
    }
    // Deletion comes before the desired phase.
    let mut p = deleted(phase("Paused"), true, json!({}));
    p.spec.lifecycle.as_mut().unwrap().desired_phase =
        Some(numaflow_model::pipeline::DesiredPhase::Paused);
    assert_eq!(
        planned(&p, &simple_vertices("Paused"), &drained(now())),
        vec![status(json!({ "phase": "Deleting" }))]
    );
}

#[test]
fn delete_step_2_pauses_the_sources() {
    let p = deleted(phase("Deleting"), true, json!({}));
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &drained(now())),
        vec![to_vertex("in", "Paused")]
    );
}

#[test]
fn delete_step_3_waits_for_drain_or_grace() {
    let p = deleted(phase("Deleting"), true, json!({}));
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 29))),
        vec![]
    );
    let expired = vec![
        to_vertex("cat", "Paused"),
        to_vertex("out", "Paused"),
        meta(json!({ "finalizers": null })),
    ];
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 30))),
        expired
    );
    assert_eq!(
        planned(&p, &sources_paused(), &drained(plus(now(), 1))),
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
        planned(&p, &sources_paused(), &busy(plus(now(), 9))),
        vec![]
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 10))).len(),
        3
    );
    // The deprecated spelling, then metadata's.
    let p = deleted(
        phase("Deleting"),
        true,
        json!({ "deleteGracePeriodSeconds": 5 }),
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 4))),
        vec![]
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 5))).len(),
        3
    );
    let mut p = deleted(phase("Deleting"), true, json!({}));
    p.metadata.deletion_grace_period_seconds = Some(7);
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 6))),
        vec![]
    );
    assert_eq!(
        planned(&p, &sources_paused(), &busy(plus(now(), 7))).len(),
        3
    );
}

#[test]
fn delete_without_finalizers_has_nothing_to_release() {
    let p = deleted(phase("Deleting"), false, json!({}));
    assert_eq!(
        planned(&p, &sources_paused(), &drained(now())),
        vec![to_vertex("cat", "Paused"), to_vertex("out", "Paused")]
    );
    let mut p = deleted(phase("Deleting"), false, json!({}));
    p.metadata.finalizers = Some(vec![]);
    assert_eq!(
        planned(&p, &simple_vertices("Paused"), &drained(now())),
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
    let step = planned(&p, &simple_vertices("Paused"), &drained(now()));
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
    assert_eq!(planned(&p, &vs, &drained(plus(now(), 5))), vec![]);
}

#[test]
fn delete_end_to_end_with_apply() {
    let mut p = deleted(phase("Running"), true, json!({}));
    let mut vs = simple_vertices("Running");
    let step = planned(&p, &vs, &busy(now()));
    assert_eq!(step, vec![status(json!({ "phase": "Deleting" }))]);
    plan::apply(&mut p, &mut vs, &step);
    assert_eq!(p.phase(), Some(PipelinePhase::Deleting));

    let step = planned(&p, &vs, &busy(plus(now(), 5)));
    assert_eq!(step, vec![to_vertex("in", "Paused")]);
    plan::apply(&mut p, &mut vs, &step);

    assert_eq!(planned(&p, &vs, &busy(plus(now(), 10))), vec![]);

    let step = planned(&p, &vs, &drained(plus(now(), 15)));
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
    assert_eq!(planned(&p, &vs, &drained(plus(now(), 20))), vec![]);
}
