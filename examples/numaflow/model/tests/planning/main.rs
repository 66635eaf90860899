//! `plan::plan`, step by step: pause, resume and delete, each compared patch for patch
//! with the exact merge patches NumaFlow's pipeline controller sends; steps are chained
//! with `plan::apply`. Also `Observations::drain_proof`.

#[path = "../common/mod.rs"]
mod common;
mod controller;
mod delete;
mod drain_and_apply;
mod failed;
mod pause;
mod resume;
mod transitions;

use common::{
    PAUSE_TS, PIPELINE, RESUME, busy, drained, pipeline, planned, plus, simple_vertices, ts, vertex,
};
use jiff::Timestamp;
use numaflow_model::controller::{Transition, reconcile_pipeline, reconcile_vertex};
use numaflow_model::pipeline::{Pipeline, PipelinePhase, PipelinePhaseEvent};
use numaflow_model::plan::{self, BufferDepth, Observations, Patch, PatchTarget, all_vertices_in};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexPhaseEvent};
use numaflow_model::write::Write;
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
