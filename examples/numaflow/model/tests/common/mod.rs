//! Builders shared by the NumaFlow model's integration tests. Every test crate uses a
//! different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use numaflow_model::pipeline::Pipeline;
use numaflow_model::plan::{self, BufferDepth, Observations, Patch};
use numaflow_model::vertex::{HASH_ANNOTATION, Vertex, VertexSpec};
use serde_json::{Value, json};

/// The pipeline every planning test uses.
pub(crate) const PIPELINE: &str = "simple";
/// The pause-timestamp annotation, spelled out rather than taken from the crate.
pub(crate) const PAUSE_TS: &str = "numaflow.numaproj.io/pause-timestamp";
/// The resume-strategy annotation, spelled out rather than taken from the crate.
pub(crate) const RESUME: &str = "numaflow.numaproj.io/resume-strategy";

/// What [`plan::plan`] plans, as the merge patches that are sent: the form the tests
/// compare with NumaFlow's own.
pub(crate) fn planned(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    observed: &Observations,
) -> Vec<Patch> {
    numaflow_model::write::patches(&plan::plan(pipeline, vertices, observed))
}

/// A vertex spec from NumaFlow-shaped JSON.
pub(crate) fn spec(value: Value) -> VertexSpec {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not a vertex spec: {value}: {e}"))
}

/// A timestamp from RFC 3339 text.
pub(crate) fn ts(text: &str) -> Timestamp {
    text.parse()
        .unwrap_or_else(|e| panic!("bad timestamp {text}: {e}"))
}

/// `t` moved by `seconds`.
pub(crate) fn plus(t: Timestamp, seconds: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(seconds)).unwrap()
}

/// The role part of a vertex spec, by short name.
pub(crate) fn role_json(role: &str) -> Value {
    match role {
        "source" => json!({ "source": { "generator": { "rpu": 5 } } }),
        "sink" => json!({ "sink": { "log": {} } }),
        "map" => json!({ "udf": { "builtin": { "name": "cat" } } }),
        "reduce" => {
            json!({ "udf": { "groupBy": { "keyed": true, "window": { "fixed": { "length": "60s" } } } }, "partitions": 2 })
        }
        "none" => json!({}),
        other => panic!("unknown role {other}"),
    }
}

/// A Vertex object of pipeline [`PIPELINE`] named `<pipeline>-<name>`, with the given role
/// and desired phase (`None`: no `lifecycle` at all), annotated with its spec's hash as
/// the Pipeline controller annotates the vertices it makes: the simple pipeline declares
/// its vertices with the same role JSON, so it sees them as up to date.
pub(crate) fn vertex(name: &str, role: &str, desired: Option<&str>) -> Vertex {
    let mut spec = role_json(role);
    spec["name"] = json!(name);
    spec["pipelineName"] = json!(PIPELINE);
    if let Some(phase) = desired {
        spec["lifecycle"] = json!({ "desiredPhase": phase });
    }
    let mut vertex: Vertex = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": { "name": format!("{PIPELINE}-{name}"), "namespace": "default" },
        "spec": spec,
    }))
    .unwrap();
    vertex.metadata.annotations = Some([(HASH_ANNOTATION.to_owned(), vertex.spec.hash())].into());
    vertex
}

/// The simple pipeline's three vertices `in -> cat -> out`, all in `desired`.
pub(crate) fn simple_vertices(desired: &str) -> Vec<Vertex> {
    vec![
        vertex("in", "source", Some(desired)),
        vertex("cat", "map", Some(desired)),
        vertex("out", "sink", Some(desired)),
    ]
}

/// A Pipeline object named [`PIPELINE`]: `spec` is merged over the three simple vertices,
/// `metadata` over the name, and `status` is set when given.
pub(crate) fn pipeline(spec: Value, metadata: Value, status: Option<Value>) -> Pipeline {
    let mut object = json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": PIPELINE, "namespace": "default" },
        "spec": {
            "vertices": [
                { "name": "in", "source": { "generator": { "rpu": 5 } } },
                { "name": "cat", "udf": { "builtin": { "name": "cat" } } },
                { "name": "out", "sink": { "log": {} } }
            ],
            "edges": [ { "from": "in", "to": "cat" }, { "from": "cat", "to": "out" } ]
        }
    });
    json_patch::merge(&mut object["spec"], &spec);
    json_patch::merge(&mut object["metadata"], &metadata);
    if let Some(status) = status {
        object["status"] = status;
    }
    serde_json::from_value(object.clone())
        .unwrap_or_else(|e| panic!("not a pipeline: {object}: {e}"))
}

/// Observations at `now` of a pipeline that has not drained: a message still pending.
pub(crate) fn busy(now: Timestamp) -> Observations {
    Observations {
        now,
        source_pods: 0,
        buffers: Ok(vec![BufferDepth {
            name: "default-simple-cat-0".into(),
            pending: 3,
            ack_pending: 0,
        }]),
    }
}

/// Observations at `now` of a drained pipeline, with its buffers listed and empty.
pub(crate) fn drained(now: Timestamp) -> Observations {
    Observations {
        now,
        source_pods: 0,
        buffers: Ok(vec![
            BufferDepth {
                name: "default-simple-cat-0".into(),
                pending: 0,
                ack_pending: 0,
            },
            BufferDepth {
                name: "default-simple-out-0".into(),
                pending: 0,
                ack_pending: 0,
            },
        ]),
    }
}
