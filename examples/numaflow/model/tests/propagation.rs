//! The Pipeline controller keeps its vertices in step with the pipeline's spec, as
//! NumaFlow's does: new ones created with the spec hash, changed ones updated in place
//! (their lifecycle and clamped replicas kept), undeclared ones deleted; and nothing of
//! the kind while the spec is invalid or the pipeline goes away.

mod common;

use common::{PIPELINE, busy, pipeline, simple_vertices, ts};
use numaflow_model::controller::reconcile_pipeline;
use numaflow_model::patch::merge_patch_between;
use numaflow_model::pipeline::Pipeline;
use numaflow_model::plan::{self, PatchTarget};
use numaflow_model::vertex::{HASH_ANNOTATION, Vertex, VertexPhase};
use proptest::prelude::*;
use serde_json::{Value, json};

fn now() -> jiff::Timestamp {
    ts("2025-03-01T12:00:00Z")
}

fn hash_of(vertex: &Vertex) -> Option<&str> {
    vertex
        .metadata
        .annotations
        .as_ref()?
        .get(HASH_ANNOTATION)
        .map(String::as_str)
}

/// The simple pipeline, settled in `phase` (`Running` or `Paused`), with `cat` declared
/// as `cat`.
fn settled_pipeline(phase: &str, cat: Value) -> Pipeline {
    pipeline(
        json!({
            "vertices": [
                { "name": "in", "source": { "generator": { "rpu": 5 } } },
                cat,
                { "name": "out", "sink": { "log": {} } }
            ],
            "lifecycle": { "desiredPhase": phase }
        }),
        json!({}),
        Some(json!({ "phase": phase })),
    )
}

/// `cat` with arguments, a ceiling of 3 replicas and a read limit the model does not read.
fn edited_cat() -> Value {
    json!({
        "name": "cat",
        "udf": { "builtin": { "name": "cat", "args": ["--verbose"] } },
        "scale": { "max": 3 },
        "limits": { "readBatchSize": 100 }
    })
}

#[test]
fn new_vertices_carry_the_hash_of_the_spec_they_were_built_from() {
    let p = settled_pipeline(
        "Paused",
        json!({ "name": "cat", "udf": { "builtin": { "name": "cat" } } }),
    );
    let actions = reconcile_pipeline(&p, &[], &busy(now()));
    assert_eq!(actions.create.len(), 3);
    for vertex in &actions.create {
        assert_eq!(hash_of(vertex), Some(vertex.spec.hash().as_str()));
        assert_eq!(vertex.spec.replicas, Some(0), "created while paused");
    }
    assert!(actions.delete.is_empty());
}

#[test]
fn an_edited_vertex_is_updated_in_place_keeping_its_lifecycle_and_clamped_replicas() {
    let mut vertices = simple_vertices("Running");
    vertices[1].spec.replicas = Some(7);
    let before = hash_of(&vertices[1]).map(str::to_owned);
    let mut p = settled_pipeline("Running", edited_cat());

    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    assert!(actions.create.is_empty() && actions.delete.is_empty());
    let patches = actions.patches();
    let updates: Vec<_> = patches
        .iter()
        .filter(|patch| patch.target.is::<Vertex>())
        .collect();
    assert_eq!(
        updates.len(),
        1,
        "only cat changed: {:?}",
        actions.patches()
    );
    assert_eq!(updates[0].target, PatchTarget::object_of(&vertices[1]));
    assert!(
        updates[0].body["spec"].get("lifecycle").is_none(),
        "{}",
        updates[0].body
    );

    plan::apply(&mut p, &mut vertices, &actions.patches());
    let cat = &vertices[1];
    assert_eq!(
        cat.spec.desired_phase(),
        VertexPhase::Running,
        "lifecycle kept"
    );
    assert_eq!(cat.spec.replicas, Some(3), "7 clamped into [0, 3]");
    assert_eq!(
        cat.spec.udf.as_ref().unwrap().extra["builtin"]["args"],
        json!(["--verbose"])
    );
    assert_eq!(cat.spec.extra["limits"], json!({ "readBatchSize": 100 }));
    assert_ne!(hash_of(cat).map(str::to_owned), before);
    assert_eq!(hash_of(cat), Some(cat.spec.hash().as_str()));

    // Up to date now: the next reconcile leaves every vertex alone.
    let again = reconcile_pipeline(&p, &vertices, &busy(now()));
    assert!(
        again
            .patches()
            .iter()
            .all(|patch| !patch.target.is::<Vertex>()),
        "{:?}",
        again.patches()
    );

    // Taking the read limit out again removes it from the vertex.
    let mut cat = edited_cat();
    cat.as_object_mut().unwrap().remove("limits");
    let mut p = settled_pipeline("Running", cat);
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches());
    assert!(!vertices[1].spec.extra.contains_key("limits"));
    assert_eq!(vertices[1].spec.replicas, Some(3));
}

#[test]
fn a_paused_vertex_keeps_the_replicas_a_fast_resume_restores() {
    let mut vertices = simple_vertices("Paused");
    vertices[1].spec.replicas = Some(7);
    let mut p = settled_pipeline("Paused", edited_cat());
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches());
    let cat = &vertices[1];
    assert_eq!(cat.spec.desired_phase(), VertexPhase::Paused);
    assert_eq!(
        cat.spec.replicas,
        Some(7),
        "the Vertex CRD forbids a change here"
    );
    assert_eq!(cat.spec.desired_replicas(), 0);
    assert_eq!(cat.spec.extra["limits"], json!({ "readBatchSize": 100 }));
    assert_eq!(hash_of(cat), Some(cat.spec.hash().as_str()));
}

#[test]
fn replicas_of_a_vertex_whose_scaling_is_disabled_are_kept_as_they_are() {
    let mut vertices = simple_vertices("Running");
    vertices[1].spec.replicas = Some(7);
    let mut p = pipeline(
        json!({ "vertices": [
            { "name": "in", "source": { "generator": { "rpu": 5 } } },
            { "name": "cat", "udf": { "builtin": { "name": "cat" } }, "scale": { "disabled": true, "max": 3 } },
            { "name": "out", "sink": { "log": {} } }
        ] }),
        json!({}),
        Some(json!({ "phase": "Running" })),
    );
    let actions = reconcile_pipeline(&p, &vertices, &busy(now()));
    plan::apply(&mut p, &mut vertices, &actions.patches());
    assert_eq!(vertices[1].spec.replicas, Some(7));
    assert_eq!(
        vertices[1].spec.scale.as_ref().unwrap().disabled,
        Some(true)
    );
}

#[test]
fn a_vertex_no_longer_declared_is_deleted() {
    let p = pipeline(
        json!({
            "vertices": [
                { "name": "in", "source": { "generator": { "rpu": 5 } } },
                { "name": "out", "sink": { "log": {} } }
            ],
            "edges": [ { "from": "in", "to": "out" } ]
        }),
        json!({}),
        Some(json!({ "phase": "Running" })),
    );
    let actions = reconcile_pipeline(&p, &simple_vertices("Running"), &busy(now()));
    assert_eq!(actions.delete, [format!("{PIPELINE}-cat")]);
    assert!(actions.create.is_empty());
    assert!(!actions.is_empty());
}

#[test]
fn an_invalid_or_deleted_pipeline_leaves_its_vertices_as_they_are() {
    // Invalid (min > max on `cat`): `in2` is new and `in` and `out` are gone, but nothing
    // follows a spec the controller refuses.
    let invalid = pipeline(
        json!({ "vertices": [
            { "name": "in2", "source": { "generator": { "rpu": 5 } } },
            { "name": "cat", "udf": { "builtin": { "name": "cat" } }, "scale": { "min": 3, "max": 2 } }
        ] }),
        json!({}),
        Some(json!({ "phase": "Running" })),
    );
    let actions = reconcile_pipeline(&invalid, &simple_vertices("Running"), &busy(now()));
    assert!(actions.create.is_empty() && actions.delete.is_empty());
    assert!(
        actions
            .patches()
            .iter()
            .all(|patch| !patch.target.is::<Vertex>()),
        "{:?}",
        actions.patches()
    );

    let deleted = pipeline(
        json!({ "vertices": [ { "name": "in", "source": { "generator": { "rpu": 5 } } } ] }),
        json!({ "deletionTimestamp": "2025-03-01T11:59:00Z", "finalizers": ["numaflow.numaproj.io/pipeline-controller"] }),
        Some(json!({ "phase": "Deleting" })),
    );
    let actions = reconcile_pipeline(&deleted, &simple_vertices("Paused"), &busy(now()));
    assert!(actions.create.is_empty() && actions.delete.is_empty());
}

/// JSON without nulls: what a spec serializes to.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Applied to `from`, the merge patch between two objects gives `to`; between equal
    /// objects it is empty.
    #[test]
    fn the_merge_patch_between_two_objects_turns_one_into_the_other(
        from in prop::collection::btree_map("[a-d]", json_value(), 0..4),
        to in prop::collection::btree_map("[a-d]", json_value(), 0..4),
    ) {
        let from = Value::Object(from.into_iter().collect());
        let to = Value::Object(to.into_iter().collect());
        let patch = merge_patch_between(&from, &to);
        let mut applied = from.clone();
        json_patch::merge(&mut applied, &patch);
        prop_assert_eq!(&applied, &to);
        prop_assert_eq!(merge_patch_between(&to, &to), json!({}));
    }
}
