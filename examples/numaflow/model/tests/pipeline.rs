//! The Pipeline's own rules: grace periods, the resume strategy, the desired phase, the
//! status phase machine, and the spec of a new vertex (`Pipeline::vertex_spec`).

mod common;

use common::{PIPELINE, RESUME, pipeline};
use lifecycle_model::Lifecycle;
use numaflow_model::pipeline::{
    AbstractVertex, DEFAULT_GRACE_PERIOD_SECONDS, DesiredPhase, PAUSE_TIMESTAMP_ANNOTATION,
    PipelinePhase, RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
};
use numaflow_model::vertex::{VertexPhase, VertexRole};
use serde_json::{Value, json};

fn no_status(spec: Value, metadata: Value) -> numaflow_model::pipeline::Pipeline {
    pipeline(spec, metadata, None)
}

fn abstract_vertex(value: Value) -> AbstractVertex {
    serde_json::from_value(value).unwrap()
}

#[test]
fn annotation_names_and_default_are_numaflows() {
    assert_eq!(
        PAUSE_TIMESTAMP_ANNOTATION,
        "numaflow.numaproj.io/pause-timestamp"
    );
    assert_eq!(
        RESUME_STRATEGY_ANNOTATION,
        "numaflow.numaproj.io/resume-strategy"
    );
    assert_eq!(DEFAULT_GRACE_PERIOD_SECONDS, 30);
}

// ---------------------------------------------------------------------------------------
// Grace periods.
// ---------------------------------------------------------------------------------------

#[test]
fn deletion_grace_period_precedence() {
    let rows: &[(&str, Value, Value, i64)] = &[
        (
            "all three: deletionGracePeriodSeconds wins",
            json!({"lifecycle": {"deletionGracePeriodSeconds": 11, "deleteGracePeriodSeconds": 22}}),
            json!({"deletionGracePeriodSeconds": 33}),
            11,
        ),
        (
            "deletionGracePeriodSeconds alone",
            json!({"lifecycle": {"deletionGracePeriodSeconds": 11}}),
            json!({}),
            11,
        ),
        (
            "deletionGracePeriodSeconds: 0 is a value, not unset",
            json!({"lifecycle": {"deletionGracePeriodSeconds": 0, "deleteGracePeriodSeconds": 22}}),
            json!({"deletionGracePeriodSeconds": 33}),
            0,
        ),
        (
            "deprecated deleteGracePeriodSeconds beats metadata",
            json!({"lifecycle": {"deleteGracePeriodSeconds": 22}}),
            json!({"deletionGracePeriodSeconds": 33}),
            22,
        ),
        (
            "deprecated deleteGracePeriodSeconds alone",
            json!({"lifecycle": {"deleteGracePeriodSeconds": 22}}),
            json!({}),
            22,
        ),
        (
            "metadata.deletionGracePeriodSeconds as the last fallback",
            json!({"lifecycle": {"desiredPhase": "Running"}}),
            json!({"deletionGracePeriodSeconds": 33}),
            33,
        ),
        (
            "metadata only, no lifecycle at all",
            json!({}),
            json!({"deletionGracePeriodSeconds": 33}),
            33,
        ),
        ("nothing set: 30", json!({}), json!({}), 30),
        (
            "pauseGracePeriodSeconds does not count for deletion",
            json!({"lifecycle": {"pauseGracePeriodSeconds": 5}}),
            json!({}),
            30,
        ),
    ];
    for (case, spec, metadata, want) in rows {
        let p = no_status(spec.clone(), metadata.clone());
        assert_eq!(p.deletion_grace_period_seconds(), *want, "{case}");
    }
}

#[test]
fn pause_grace_period_defaults_to_thirty() {
    let rows: &[(&str, Value, i64)] = &[
        ("unset", json!({}), 30),
        (
            "lifecycle without it",
            json!({"lifecycle": {"desiredPhase": "Paused"}}),
            30,
        ),
        (
            "set",
            json!({"lifecycle": {"pauseGracePeriodSeconds": 5}}),
            5,
        ),
        (
            "set to 0",
            json!({"lifecycle": {"pauseGracePeriodSeconds": 0}}),
            0,
        ),
        (
            "deletion grace does not count for pausing",
            json!({"lifecycle": {"deletionGracePeriodSeconds": 7, "deleteGracePeriodSeconds": 8}}),
            30,
        ),
    ];
    for (case, spec, want) in rows {
        let p = no_status(spec.clone(), json!({"deletionGracePeriodSeconds": 9}));
        assert_eq!(p.spec.pause_grace_period_seconds(), *want, "{case}");
    }
}

// ---------------------------------------------------------------------------------------
// Resume strategy, desired phase, status phase.
// ---------------------------------------------------------------------------------------

#[test]
fn slow_resume_is_read_from_the_annotation() {
    let rows: &[(&str, Value, bool)] = &[
        ("slow", json!({"annotations": {RESUME: "slow"}}), true),
        (
            "slow among other annotations",
            json!({"annotations": {"a": "b", RESUME: "slow"}}),
            true,
        ),
        ("fast", json!({"annotations": {RESUME: "fast"}}), false),
        ("empty value", json!({"annotations": {RESUME: ""}}), false),
        (
            "other annotations only",
            json!({"annotations": {"a": "slow"}}),
            false,
        ),
        ("no annotations: fast is the default", json!({}), false),
        (
            "unknown value: fast, as upstream reads it",
            json!({"annotations": {RESUME: "Slow"}}),
            false,
        ),
    ];
    for (case, metadata, want) in rows {
        assert_eq!(
            no_status(json!({}), metadata.clone()).resume_strategy() == ResumeStrategy::Slow,
            *want,
            "{case}"
        );
    }
}

#[test]
fn resume_strategies_parse_strictly_and_print_as_the_annotation_values() {
    for strategy in [ResumeStrategy::Fast, ResumeStrategy::Slow] {
        assert_eq!(strategy.to_string().parse(), Ok(strategy));
        assert_eq!(strategy.to_string(), strategy.as_str());
    }
    assert_eq!(ResumeStrategy::default(), ResumeStrategy::Fast);
    for bad in ["", "Slow", "SLOW", " slow", "medium"] {
        let error = bad.parse::<ResumeStrategy>().unwrap_err();
        assert_eq!(error.value, bad);
        assert_eq!(
            error.to_string(),
            format!(
                "unknown resume strategy {bad:?} in annotation `{RESUME}`: expected `fast` or `slow`"
            )
        );
        assert_eq!(
            ResumeStrategy::from_annotation(Some(bad)),
            ResumeStrategy::Fast
        );
    }
    assert_eq!(ResumeStrategy::from_annotation(None), ResumeStrategy::Fast);
}

#[test]
fn desired_phase_defaults_to_running() {
    assert_eq!(
        no_status(json!({}), json!({})).spec.desired_phase(),
        DesiredPhase::Running
    );
    assert_eq!(
        no_status(json!({"lifecycle": {}}), json!({}))
            .spec
            .desired_phase(),
        DesiredPhase::Running
    );
    assert_eq!(
        no_status(json!({"lifecycle": {"desiredPhase": "Running"}}), json!({}))
            .spec
            .desired_phase(),
        DesiredPhase::Running
    );
    assert_eq!(
        no_status(json!({"lifecycle": {"desiredPhase": "Paused"}}), json!({}))
            .spec
            .desired_phase(),
        DesiredPhase::Paused
    );
}

#[test]
fn status_phase_unset_means_unknown() {
    assert_eq!(no_status(json!({}), json!({})).phase(), None);
    assert_eq!(
        pipeline(json!({}), json!({}), Some(json!({}))).phase(),
        None
    );
    for phase in PipelinePhase::STATES {
        let p = pipeline(json!({}), json!({}), Some(json!({"phase": phase.name()})));
        assert_eq!(p.phase(), Some(*phase));
    }
}

/// The pipeline phase machine of `numaflow.md`, pair by pair, including staying put.
#[test]
fn pipeline_phase_machine_matches_the_reference() {
    use PipelinePhase::{Deleting, Failed, Paused, Pausing, Running};
    let allowed: &[(PipelinePhase, &[PipelinePhase])] = &[
        (Running, &[Pausing, Failed, Deleting]),
        (Pausing, &[Paused, Running, Failed, Deleting]),
        (Paused, &[Running, Failed, Deleting]),
        (Failed, &[Running, Pausing, Paused, Deleting]),
        (Deleting, &[]),
    ];
    assert_eq!(PipelinePhase::STATES.len(), 5);
    for &(from, targets) in allowed {
        for &to in PipelinePhase::STATES {
            let want = from == to || targets.contains(&to);
            assert_eq!(
                PipelinePhase::can_transition(from, to),
                want,
                "{from:?} -> {to:?}"
            );
        }
    }
    let mut initial = PipelinePhase::INITIAL.to_vec();
    initial.sort_by_key(|p| p.index());
    assert_eq!(
        initial,
        vec![Running, Failed, Pausing, Deleting],
        "unset -> these"
    );
    assert_eq!(PipelinePhase::TERMINAL, &[Deleting]);
    let err = PipelinePhase::Running
        .transition(PipelinePhase::Paused)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Pausing"),
        "the error names the legal moves: {err}"
    );
}

#[test]
fn vertex_phase_machine_is_running_and_paused() {
    assert_eq!(
        VertexPhase::STATES,
        &[VertexPhase::Running, VertexPhase::Paused]
    );
    assert!(VertexPhase::can_transition(
        VertexPhase::Running,
        VertexPhase::Paused
    ));
    assert!(VertexPhase::can_transition(
        VertexPhase::Paused,
        VertexPhase::Running
    ));
    assert_eq!(VertexPhase::Running.fire("pause"), Ok(VertexPhase::Paused));
    assert_eq!(VertexPhase::Paused.fire("resume"), Ok(VertexPhase::Running));
    assert!(VertexPhase::Paused.fire("pause").is_err());
    assert_eq!(VertexPhase::default(), VertexPhase::Running);
}

// ---------------------------------------------------------------------------------------
// New vertices.
// ---------------------------------------------------------------------------------------

#[test]
fn new_vertex_has_zero_replicas_while_pausing_or_paused() {
    let vertices = [
        json!({"name": "in", "source": {"generator": {}}, "scale": {"min": 3}}),
        json!({"name": "cat", "udf": {}, "scale": {"min": 2, "max": 4}}),
        json!({"name": "agg", "udf": {"groupBy": {"keyed": true}}, "partitions": 4}),
        json!({"name": "out", "sink": {"log": {}}}),
    ];
    for phase in ["Pausing", "Paused"] {
        for desired in ["Running", "Paused"] {
            let p = pipeline(
                json!({"lifecycle": {"desiredPhase": desired}}),
                json!({}),
                Some(json!({"phase": phase})),
            );
            for v in &vertices {
                let spec = p.vertex_spec(&abstract_vertex(v.clone()));
                assert_eq!(
                    spec.replicas,
                    Some(0),
                    "status {phase}, desired {desired}, vertex {v}"
                );
            }
        }
    }
}

#[test]
fn new_vertex_replicas_outside_a_pause() {
    let rows: &[(&str, Value, i32)] = &[
        ("a map starts at 1", json!({"name": "v", "udf": {}}), 1),
        (
            "a source starts at 1",
            json!({"name": "v", "source": {}}),
            1,
        ),
        ("a sink starts at 1", json!({"name": "v", "sink": {}}), 1),
        (
            "1 raised to min",
            json!({"name": "v", "udf": {}, "scale": {"min": 3}}),
            3,
        ),
        (
            "1 lowered to max 0",
            json!({"name": "v", "sink": {}, "scale": {"max": 0}}),
            0,
        ),
        (
            "negative min reads 0",
            json!({"name": "v", "sink": {}, "scale": {"min": -2}}),
            1,
        ),
        (
            "a keyed reduce starts at its partitions",
            json!({"name": "v", "udf": {"groupBy": {"keyed": true}}, "partitions": 3}),
            3,
        ),
        (
            "a keyed reduce is not clamped",
            json!({"name": "v", "udf": {"groupBy": {"keyed": true}}, "partitions": 3, "scale": {"max": 1}}),
            3,
        ),
        (
            "a non-keyed reduce counts one partition",
            json!({"name": "v", "udf": {"groupBy": {}}, "partitions": 3}),
            1,
        ),
    ];
    for status in [None, Some("Running"), Some("Failed"), Some("Deleting")] {
        let p = pipeline(
            json!({}),
            json!({}),
            status.map(|phase| json!({"phase": phase})),
        );
        for (case, v, want) in rows {
            let spec = p.vertex_spec(&abstract_vertex(v.clone()));
            assert_eq!(spec.replicas, Some(*want), "{case} (status {status:?})");
        }
    }
}

#[test]
fn new_vertex_copies_the_desired_phase_and_the_vertex() {
    let v = abstract_vertex(json!({
        "name": "agg",
        "udf": {"groupBy": {"keyed": true}},
        "scale": {"min": 1, "max": 8, "disabled": false},
        "partitions": 2
    }));
    for (desired, want) in [
        (None, VertexPhase::Running),
        (Some("Running"), VertexPhase::Running),
        (Some("Paused"), VertexPhase::Paused),
    ] {
        let lifecycle = desired.map_or(json!({}), |d| json!({"lifecycle": {"desiredPhase": d}}));
        let p = pipeline(lifecycle, json!({}), Some(json!({"phase": "Running"})));
        let spec = p.vertex_spec(&v);
        assert_eq!(spec.desired_phase(), want, "desired {desired:?}");
        assert_eq!(
            serde_json::to_value(&spec).unwrap()["lifecycle"],
            json!({"desiredPhase": want.name()}),
            "the phase is written out, not left to the default"
        );
        assert_eq!(spec.name, "agg");
        assert_eq!(spec.pipeline_name, PIPELINE);
        assert_eq!(spec.scale, v.scale);
        assert_eq!(spec.udf, v.udf);
        assert_eq!(spec.partitions, Some(2));
        assert_eq!(spec.source, None);
        assert_eq!(spec.sink, None);
        assert_eq!(spec.role(), Some(VertexRole::ReduceUdf));
    }
}

#[test]
fn new_vertex_of_a_pipeline_asked_to_pause_but_still_running() {
    // NumaFlow counts a pause as under way from the moment it is asked for: the new
    // vertex is written with no replicas, as its own spec decides too.
    let p = pipeline(
        json!({"lifecycle": {"desiredPhase": "Paused"}}),
        json!({}),
        Some(json!({"phase": "Running"})),
    );
    assert!(p.lifecycle_change_under_way());
    let spec = p.vertex_spec(&abstract_vertex(json!({"name": "cat", "udf": {}})));
    assert_eq!(spec.replicas, Some(0));
    assert_eq!(spec.desired_phase(), VertexPhase::Paused);
    assert_eq!(spec.desired_replicas(), 0);
}

#[test]
fn new_vertex_of_a_pipeline_with_a_pause_stamp_has_no_replicas() {
    // Resumed while the stamp is still there: the pause has not been wound down yet.
    let p = pipeline(
        json!({"lifecycle": {"desiredPhase": "Running"}}),
        json!({"annotations": {"numaflow.numaproj.io/pause-timestamp": "2025-03-01T12:00:00Z"}}),
        Some(json!({"phase": "Running"})),
    );
    assert!(p.lifecycle_change_under_way());
    let spec = p.vertex_spec(&abstract_vertex(json!({"name": "cat", "udf": {}})));
    assert_eq!(spec.replicas, Some(0));
    assert_eq!(spec.desired_phase(), VertexPhase::Running);
}

#[test]
fn new_vertices_of_the_simple_pipeline() {
    let p = pipeline(json!({}), json!({}), Some(json!({"phase": "Running"})));
    let roles: Vec<_> = p
        .spec
        .vertices
        .iter()
        .map(|v| p.vertex_spec(v).role())
        .collect();
    assert_eq!(
        roles,
        vec![
            Some(VertexRole::Source),
            Some(VertexRole::MapUdf),
            Some(VertexRole::Sink)
        ]
    );
    // The source keeps its content.
    let source = p.vertex_spec(&p.spec.vertices[0]);
    assert_eq!(
        serde_json::to_value(&source).unwrap()["source"],
        json!({"generator": {"rpu": 5}})
    );
}

// ---------------------------------------------------------------------------------------
// Validation: what NumaFlow's validator would refuse, named by field.

#[test]
fn invalid_specs_name_the_field_and_what_is_allowed() {
    let rows: &[(Value, &str)] = &[
        (
            json!({"vertices": [{"name": "in", "source": {}, "scale": {"min": -1}}]}),
            "spec.vertices[0].scale.min: -1 is negative; the floor must be 0 or more",
        ),
        (
            json!({"vertices": [{"name": "in", "source": {}}, {"name": "cat", "udf": {}, "scale": {"min": 3, "max": 2}}]}),
            "spec.vertices[1].scale: min 3 is greater than max 2",
        ),
        (
            json!({"vertices": [{"name": "cat", "udf": {}, "scale": {"min": 51}}]}),
            "spec.vertices[0].scale: min 51 is greater than max 50",
        ),
        (
            json!({"vertices": [{"name": "in", "source": {}, "partitions": 2}]}),
            "spec.vertices[0].partitions: 2, but a source has one partition",
        ),
        (
            json!({"vertices": [{"name": "agg", "udf": {"groupBy": {}}, "partitions": 3}]}),
            "spec.vertices[0].partitions: 3, but a reduce that is not keyed has one partition",
        ),
        (
            json!({"vertices": [{"name": "agg", "udf": {"groupBy": {"keyed": true}}, "partitions": -1}]}),
            "spec.vertices[0].partitions: -1 is negative",
        ),
        (
            json!({"vertices": [{"name": "in", "source": {}}, {"name": "in", "sink": {}}]}),
            "spec.vertices[1].name: \"in\" is declared twice",
        ),
        (
            json!({"vertices": [{"name": "x"}]}),
            "spec.vertices[0]: vertex \"x\" needs one of `source`, `sink` and `udf`",
        ),
        (
            json!({"vertices": [{"name": "x", "source": {}, "sink": {}}]}),
            "spec.vertices[0]: vertex \"x\" may have only one of `source`, `sink` and `udf`",
        ),
        (
            json!({"vertices": [{"name": "in", "source": {}}], "edges": [{"from": "in", "to": "out"}]}),
            "spec.edges[0].to: no vertex is named \"out\"",
        ),
    ];
    for (spec, message) in rows {
        let spec: numaflow_model::pipeline::PipelineSpec =
            serde_json::from_value(spec.clone()).unwrap();
        assert_eq!(
            spec.validate().map_err(|e| e.to_string()),
            Err((*message).to_owned())
        );
    }
    let good: numaflow_model::pipeline::PipelineSpec = serde_json::from_value(json!({
        "vertices": [
            {"name": "in", "source": {}, "scale": {"min": 0, "max": 0}},
            {"name": "agg", "udf": {"groupBy": {"keyed": true}}, "partitions": 4},
            {"name": "out", "sink": {}, "partitions": 1}
        ],
        "edges": [{"from": "in", "to": "agg"}, {"from": "agg", "to": "out"}]
    }))
    .unwrap();
    assert_eq!(good.validate(), Ok(()));
}
