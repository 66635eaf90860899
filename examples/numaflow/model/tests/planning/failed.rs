//! Failed: an invalid spec, and the recovery once it is fixed.

use super::*;
use crate::delete::deleted;

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
            planned(&p, &simple_vertices("Running"), &busy(now())),
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
        planned(&failed, &simple_vertices("Running"), &busy(now())),
        vec![]
    );
    let mut other = failed.clone();
    other.spec.vertices[1].scale = serde_json::from_value(json!({ "min": -1 })).ok();
    assert_eq!(
        planned(&other, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({
            "phase": "Failed",
            "message": "spec.vertices[1].scale.min: -1 is negative; the floor must be 0 or more",
        }))]
    );
    // Deletion still goes ahead.
    let deleting = broken(deleted(phase("Running"), true, json!({})));
    assert_eq!(
        planned(&deleting, &simple_vertices("Running"), &busy(now())),
        vec![status(json!({ "phase": "Deleting" }))]
    );
}

#[test]
fn a_fixed_pipeline_recovers_to_the_phase_it_is_asked_for() {
    let failed = Some(json!({ "phase": "Failed", "message": CROSSED }));
    // Asked to run: Running, the message cleared, paused vertices resumed.
    let p = pl("Running", failed.clone(), json!({}), json!({}));
    assert_eq!(
        planned(&p, &simple_vertices("Paused"), &busy(now())),
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
        planned(&p, &simple_vertices("Paused"), &busy(now())),
        vec![status(
            json!({ "phase": "Paused", "message": "Pipeline paused" })
        )]
    );
    // Asked to pause with vertices still running: the pause starts over.
    assert_eq!(
        planned(&p, &simple_vertices("Running"), &busy(now())),
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
    plan::apply(&mut p, &mut vs, &step.patches());
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
    plan::apply(&mut p, &mut vs, &step.patches());
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
    let status = &actions.patches()[0].body["status"];
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
    plan::apply(&mut p, &mut vs, &actions.patches());
    let again = reconcile_pipeline(&p, &vs, &busy(now()));
    assert!(again.patches().is_empty(), "{:?}", again.patches());
}
