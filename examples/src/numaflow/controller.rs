//! The Pipeline and Vertex controllers as pure reconcile functions, written on the typed
//! API. The simulation and the `numaflow-controller` binary drive the same functions.
//!
//! - The Pipeline controller creates missing vertices and plans lifecycle patches; it is
//!   the only writer of a vertex's `spec.lifecycle`.
//! - The Vertex controller reads its own vertex alone and writes its status:
//!   `desiredReplicas` from [`VertexSpec::desired_replicas`] and `phase` from the desired
//!   phase.
//!
//! Both are idempotent: a reconcile over an unchanged world sends nothing.

use serde_json::{Map, Value, json};

use crate::numaflow::pipeline::Pipeline;
use crate::numaflow::plan::{self, Observations, Patch, PatchTarget};
use crate::numaflow::vertex::{Vertex, VertexSpec, VertexStatus, VertexStatusPhase, vertex_labels};

/// What one reconcile of a pipeline asks for.
#[derive(Debug, Clone, Default)]
pub struct PipelineActions {
    /// Vertices to create.
    pub create: Vec<Vertex>,
    /// Merge patches to send.
    pub patches: Vec<Patch>,
}

impl PipelineActions {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.patches.is_empty()
    }
}

/// The object name of the vertex `vertex` of `pipeline`.
pub fn vertex_object_name(pipeline: &str, vertex: &str) -> String {
    format!("{pipeline}-{vertex}")
}

/// One reconcile of the Pipeline controller: create the vertices the pipeline declares and
/// the cluster lacks (not while deleting), then plan the lifecycle.
pub fn reconcile_pipeline(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    observed: &Observations,
) -> PipelineActions {
    let name = pipeline.metadata.name.clone().unwrap_or_default();
    let mut create = Vec::new();
    if pipeline.metadata.deletion_timestamp.is_none() {
        for declared in &pipeline.spec.vertices {
            let object = vertex_object_name(&name, &declared.name);
            if vertices
                .iter()
                .all(|v| v.metadata.name.as_deref() != Some(object.as_str()))
            {
                let mut vertex = Vertex::new(&object, pipeline.vertex_spec(declared));
                vertex.metadata.namespace = pipeline.metadata.namespace.clone();
                vertex.metadata.labels = Some(vertex_labels(&name, &declared.name));
                create.push(vertex);
            }
        }
    }
    PipelineActions {
        create,
        patches: plan::plan(pipeline, vertices, observed),
    }
}

/// The status the Vertex controller wants for `spec`.
pub fn desired_status(spec: &VertexSpec) -> (i32, String) {
    (
        spec.desired_replicas(),
        VertexStatus::selector_for(&spec.pipeline_name, &spec.name),
    )
}

/// One reconcile of the Vertex controller: a status patch with the fields that differ
/// from what the spec asks for, or `None` when the status is already right.
pub fn reconcile_vertex(vertex: &Vertex) -> Option<Patch> {
    let (replicas, selector) = desired_status(&vertex.spec);
    let phase = VertexStatusPhase::from(vertex.spec.desired_phase());
    let current = vertex.status.clone().unwrap_or_default();
    let mut status = Map::new();
    if current.desired_replicas != Some(replicas) {
        status.insert("desiredReplicas".to_owned(), json!(replicas));
    }
    if current.phase != Some(phase) {
        status.insert("phase".to_owned(), json!(phase));
    }
    if current.selector.as_deref() != Some(selector.as_str()) {
        status.insert("selector".to_owned(), json!(selector));
    }
    if status.is_empty() {
        return None;
    }
    Some(Patch {
        target: PatchTarget::status_of(vertex),
        body: json!({ "status": Value::Object(status) }),
    })
}
