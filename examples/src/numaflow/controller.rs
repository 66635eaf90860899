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

use jiff::Timestamp;
use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::merge_conditions;
use serde_json::{Map, Value, json};

use crate::numaflow::conditions::{condition_time, pipeline_conditions, vertex_conditions};
use crate::numaflow::pipeline::{Pipeline, PipelinePhase, PipelinePhaseEvent};
use crate::numaflow::plan::{self, Observations, Patch, PatchTarget};
use crate::numaflow::pods::PodsSeen;
use crate::numaflow::vertex::{
    Vertex, VertexPhase, VertexPhaseEvent, VertexSpec, VertexStatus, VertexStatusPhase,
    vertex_labels,
};

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
/// the cluster lacks (not while deleting), then plan the lifecycle, and keep the
/// pipeline's conditions ([`pipeline_conditions`]) in step: they ride on the status patch
/// the plan sends, or on one of their own when only they changed.
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
    let mut patches = plan::plan(pipeline, vertices, observed);
    with_conditions(pipeline, vertices, observed, &mut patches);
    PipelineActions { create, patches }
}

/// Puts the pipeline's conditions, merged into the ones it has, on the status patch in
/// `patches`, or adds a status patch when they changed and there is none. While a pause
/// or deletion waits on buffers nobody could read, `Reconciling` says so.
fn with_conditions(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    observed: &Observations,
    patches: &mut Vec<Patch>,
) {
    let target = PatchTarget::status_of(pipeline);
    let planned = patches.iter_mut().find(|p| p.target == target);
    let phase = match &planned {
        Some(patch) => patch.body["status"]["phase"]
            .as_str()
            .and_then(PipelinePhase::from_name),
        None => pipeline.phase(),
    };
    let Some(phase) = phase else {
        return;
    };
    let mut conditions = pipeline
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    let mut wanted = pipeline_conditions(pipeline, phase, vertices, &condition_time(observed.now));
    // Stalled says what failed.
    let failure = match &planned {
        Some(patch) => patch.body["status"]["message"].as_str().map(str::to_owned),
        None => pipeline.status.as_ref().and_then(|s| s.message.clone()),
    };
    if phase == PipelinePhase::Failed
        && let Some(failure) = failure
        && let Some(stalled) = wanted.iter_mut().find(|c| c.type_ == "Stalled")
    {
        stalled.message = failure;
    }
    if matches!(phase, PipelinePhase::Pausing | PipelinePhase::Deleting)
        && observed.source_pods == 0
        && let Err(reason) = &observed.buffers
        && let Some(reconciling) = wanted.iter_mut().find(|c| c.type_ == "Reconciling")
    {
        reconciling.message = format!(
            "{}: the buffers cannot be read, so only the grace period ends the wait: {reason}",
            phase.name()
        );
    }
    let changed = merge_conditions(&mut conditions, wanted);
    // The vertex counts follow the spec.
    let current = pipeline.status.clone().unwrap_or_default();
    let counts: Vec<(&str, u32)> = pipeline
        .spec
        .counts()
        .into_iter()
        .filter(|(field, n)| current.count(field) != Some(*n))
        .collect();
    let changed = changed || !counts.is_empty();
    match planned {
        Some(patch) => {
            patch.body["status"]["conditions"] = json!(conditions);
            for (field, n) in counts {
                patch.body["status"][field] = json!(n);
            }
        }
        None if changed => {
            let mut status = json!({ "conditions": conditions });
            for (field, n) in counts {
                status[field] = json!(n);
            }
            if let Some(generation) = pipeline.metadata.generation {
                status["observedGeneration"] = json!(generation);
            }
            patches.push(Patch {
                target,
                body: json!({ "status": status }),
            });
        }
        None => {}
    }
}

/// The status the Vertex controller wants for `spec`.
pub fn desired_status(spec: &VertexSpec) -> (i32, String) {
    (
        spec.desired_replicas(),
        VertexStatus::selector_for(&spec.pipeline_name, &spec.name),
    )
}

/// One reconcile of the Vertex controller at `now`: a status patch with the fields that
/// differ from what the spec asks for (conditions and `observedGeneration` included), or
/// `None` when the status is already right. With the `pods` it saw, `replicas` and
/// `readyReplicas` are theirs, and `PodsHealthy` judges them.
pub fn reconcile_vertex(vertex: &Vertex, pods: Option<&PodsSeen>, now: Timestamp) -> Option<Patch> {
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
    if let Some(seen) = pods {
        if current.replicas != Some(seen.running) {
            status.insert("replicas".to_owned(), json!(seen.running));
        }
        let ready = seen.ready.min(replicas.max(0));
        if current.ready_replicas != Some(ready) {
            status.insert("readyReplicas".to_owned(), json!(ready));
        }
    }
    let mut conditions = current.conditions.clone();
    let wanted = vertex_conditions(vertex, pods, &condition_time(now));
    if merge_conditions(&mut conditions, wanted) {
        status.insert("conditions".to_owned(), json!(conditions));
    }
    if let Some(generation) = vertex.metadata.generation
        && (!status.is_empty() || current.observed_generation != Some(generation))
    {
        status.insert("observedGeneration".to_owned(), json!(generation));
    }
    if status.is_empty() {
        return None;
    }
    Some(Patch {
        target: PatchTarget::status_of(vertex),
        body: json!({ "status": Value::Object(status) }),
    })
}

/// A lifecycle move that one patch makes: what Events and metrics report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The pipeline's status phase moves.
    Pipeline {
        /// The event that moves it.
        event: PipelinePhaseEvent,
        /// The phase it leaves.
        from: PipelinePhase,
        /// The phase it reaches.
        to: PipelinePhase,
    },
    /// A vertex's desired phase moves.
    Vertex {
        /// The vertex's object name.
        vertex: String,
        /// The event that moves it.
        event: VertexPhaseEvent,
        /// The phase it leaves.
        from: VertexPhase,
        /// The phase it reaches.
        to: VertexPhase,
    },
}

impl Transition {
    /// The transition `patch` makes when applied to `pipeline` or to one of `vertices`:
    /// a status patch that moves the pipeline's phase, or a lifecycle patch that moves a
    /// vertex's desired phase. A first phase, set where there was none, is no transition.
    pub fn of(patch: &Patch, pipeline: &Pipeline, vertices: &[Vertex]) -> Option<Transition> {
        if patch.target == PatchTarget::status_of(pipeline) {
            let from = pipeline.phase()?;
            let to = PipelinePhase::from_name(patch.body["status"]["phase"].as_str()?)?;
            let event = PipelinePhase::event_between(from, to)?;
            return Some(Transition::Pipeline { event, from, to });
        }
        let vertex = vertices
            .iter()
            .find(|v| patch.target == PatchTarget::object_of(*v))?;
        let from = vertex.spec.desired_phase();
        let to = VertexPhase::from_name(patch.body["spec"]["lifecycle"]["desiredPhase"].as_str()?)?;
        let event = VertexPhase::event_between(from, to)?;
        Some(Transition::Vertex {
            vertex: vertex.metadata.name.clone().unwrap_or_default(),
            event,
            from,
            to,
        })
    }

    /// The reason NumaFlow gives the Event of this transition: `UpdatePipelinePhase`,
    /// `UpdateVertexDesiredPhase` for a pause, `ResumeVertexLifecycle` for a resume.
    pub fn reason(&self) -> &'static str {
        match self {
            Transition::Pipeline { .. } => "UpdatePipelinePhase",
            Transition::Vertex {
                event: VertexPhaseEvent::Pause,
                ..
            } => "UpdateVertexDesiredPhase",
            Transition::Vertex {
                event: VertexPhaseEvent::Resume,
                ..
            } => "ResumeVertexLifecycle",
        }
    }

    /// The Event's note: `Running → Pausing` for the pipeline, `Vertex simple-in:
    /// Running → Paused` for a vertex.
    pub fn note(&self) -> String {
        match self {
            Transition::Pipeline { from, to, .. } => format!("{} → {}", from.name(), to.name()),
            Transition::Vertex {
                vertex, from, to, ..
            } => format!("Vertex {vertex}: {} → {}", from.name(), to.name()),
        }
    }
}
