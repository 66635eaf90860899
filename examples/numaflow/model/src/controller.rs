//! The Pipeline and Vertex controllers as pure reconcile functions, written on the typed
//! API. The simulation and the `numaflow-controller` binary drive the same functions.
//!
//! - The Pipeline controller keeps the vertices in step with the pipeline's spec
//!   (created, updated in place, deleted) and plans lifecycle patches; it is the only
//!   writer of a vertex's `spec.lifecycle`.
//! - The Vertex controller reads its own vertex alone and writes its status:
//!   `desiredReplicas` from [`VertexSpec::desired_replicas`] and `phase` from the desired
//!   phase.
//!
//! Both are idempotent: a reconcile over an unchanged world sends nothing.

use jiff::Timestamp;
use lifecycle_model::conditions::{ConditionType, merge_conditions};
use lifecycle_model::{Lifecycle, RoleMarker, StateMarker, Typed};
use serde_json::{Map, Value, json};

use crate::conditions::{
    DEPLOYED, VERTICES_HEALTHY, condition_time, pipeline_conditions, vertex_caught_up,
    vertex_conditions, vertex_healthy,
};
use crate::patch::merge_patch_between;
pub use crate::pipeline::vertex_object_name;
use crate::pipeline::{Pipeline, PipelinePhase, declared_vertices};
use crate::plan::{self, Observations, Patch, PatchTarget};
use crate::pods::PodsSeen;
use crate::vertex::{
    HASH_ANNOTATION, Vertex, VertexOps, VertexPhase, VertexPhaseTyped, VertexRole, VertexSpec,
    VertexStatus, VertexStatusPhase, phase, vertex_labels,
};
pub use crate::write::Transition;
use crate::write::{PipelineStatusWrite, Write};

/// What one reconcile of a pipeline asks for.
#[derive(Debug, Clone, Default)]
pub struct PipelineActions {
    /// Vertices to create.
    pub create: Vec<Vertex>,
    /// Writes to send, in order: spec updates of changed vertices first, then the
    /// lifecycle.
    pub writes: Vec<Write>,
    /// Vertices the pipeline no longer declares, by object name, to delete.
    pub delete: Vec<String>,
    /// While the vertices are on their way to what was asked of them, the pipeline's
    /// status says so from this time at the latest: look again then
    /// ([`CONDITIONS_SETTLE`]).
    pub recheck_at: Option<Timestamp>,
}

/// How long the pipeline's vertices may be on their way to what was asked of them (one
/// missing, or yet to report the phase and generation asked of it) before the pipeline's
/// status says so: a progress deadline, as a Deployment's `progressDeadlineSeconds` is
/// one. Until then `Deployed` and `VerticesHealthy` stay as they were written, where they
/// would say `Progressing` for a moment and change back, and the first status write
/// waits; a vertex still on its way this long after the status was last written (or the
/// pipeline created) is reported. A vertex whose pods are unhealthy is reported at once,
/// and a write that moves the phase goes out at once.
///
/// A minute: with a thousand pipelines pausing at once on a busy API server, a vertex can
/// queue behind the others for more than ten seconds before its controller reaches it,
/// and the pipeline's status would say so twice for nothing.
pub const CONDITIONS_SETTLE: std::time::Duration = std::time::Duration::from_secs(60);

impl PipelineActions {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.writes.is_empty() && self.delete.is_empty()
    }

    /// The writes as the merge patches that are sent, in order.
    pub fn patches(&self) -> Vec<Patch> {
        crate::write::patches(&self.writes)
    }

    /// What is sent, the writes rendered: what a client or a simulated server receives.
    pub fn requests(&self) -> Requests {
        Requests {
            create: self.create.clone(),
            patches: self.patches(),
            delete: self.delete.clone(),
        }
    }
}

/// One reconcile's requests as they are sent: vertices created, merge patches, vertices
/// deleted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requests {
    /// Vertices to create.
    pub create: Vec<Vertex>,
    /// Merge patches to send, in order.
    pub patches: Vec<Patch>,
    /// Vertices to delete, by object name.
    pub delete: Vec<String>,
}

/// One reconcile of the Pipeline controller. While the pipeline lives and its spec is
/// valid, its vertices follow the spec as NumaFlow's do: missing ones are created,
/// changed ones updated in place ([`spec_update`]), undeclared ones deleted. Then the
/// lifecycle is planned, and the pipeline's conditions ([`pipeline_conditions`]) kept in
/// step: they ride on the status write the plan makes, or on one of their own when only
/// they changed; a write that moves no phase waits for the vertices to catch up
/// ([`CONDITIONS_SETTLE`]).
pub fn reconcile_pipeline(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    observed: &Observations,
) -> PipelineActions {
    let name = pipeline.metadata.name.clone().unwrap_or_default();
    let mut actions = PipelineActions::default();
    if pipeline.metadata.deletion_timestamp.is_none() && pipeline.spec.validate().is_ok() {
        let mut declared = Vec::new();
        for abstract_vertex in &pipeline.spec.vertices {
            let object = vertex_object_name(&name, &abstract_vertex.name);
            let spec = pipeline.vertex_spec(abstract_vertex);
            match vertices
                .iter()
                .find(|v| v.metadata.name.as_deref() == Some(object.as_str()))
            {
                None => actions.create.push(new_vertex(pipeline, &object, spec)),
                Some(existing) => actions.writes.extend(spec_update(existing, spec)),
            }
            declared.push(object);
        }
        actions.delete = vertices
            .iter()
            .filter_map(|v| v.metadata.name.clone())
            .filter(|n| !declared.contains(n))
            .collect();
    }
    actions
        .writes
        .extend(plan::plan(pipeline, vertices, observed));
    actions.recheck_at = with_conditions(pipeline, vertices, observed, &mut actions.writes);
    actions
}

/// While a declared vertex of a pipeline with a valid spec is missing or has not caught
/// up with its spec ([`vertex_caught_up`]), and less than [`CONDITIONS_SETTLE`] has
/// passed since the status was last written (or the pipeline created): until when.
fn settling_until(pipeline: &Pipeline, vertices: &[Vertex], now: Timestamp) -> Option<Timestamp> {
    if pipeline.spec.validate().is_err() {
        return None;
    }
    let catching_up = declared_vertices(pipeline, vertices)
        .any(|(_, found)| found.is_none_or(|v| !vertex_caught_up(v)));
    if !catching_up {
        return None;
    }
    let last_written = pipeline
        .status
        .as_ref()
        .and_then(|s| s.last_updated.as_deref())
        .and_then(|t| t.parse::<Timestamp>().ok())
        .or_else(|| pipeline.metadata.creation_timestamp.as_ref().map(|t| t.0))?;
    let until = last_written.checked_add(CONDITIONS_SETTLE).ok()?;
    (now < until).then_some(until)
}

/// A new vertex `object` of `pipeline` with `spec`, labelled with its pipeline and name
/// and annotated with the spec's hash.
fn new_vertex(pipeline: &Pipeline, object: &str, spec: VertexSpec) -> Vertex {
    let pipeline_name = pipeline.metadata.name.clone().unwrap_or_default();
    let hash = spec.hash();
    let mut vertex = Vertex::new(object, spec);
    vertex.metadata.namespace = pipeline.metadata.namespace.clone();
    vertex.metadata.labels = Some(vertex_labels(&pipeline_name, &vertex.spec.name));
    vertex.metadata.annotations = Some([(HASH_ANNOTATION.to_owned(), hash)].into());
    vertex
}

/// `vertex` with its `spec.replicas` clamped into its scale bounds, where the lifecycle
/// lets replicas change: a running source, sink or map whose scaling is not disabled. A
/// paused vertex keeps the replicas a fast resume restores (they are clamped when read),
/// and a reduce keeps its partitions' count; the Vertex CRD's rule forbids both changes.
fn clamp_replicas(vertex: Vertex) -> Vertex {
    fn clamped<S, R>(mut vertex: Typed<Vertex, S, R>) -> Vertex
    where
        S: StateMarker<Phase = VertexPhase> + phase::CanScale<R>,
        R: RoleMarker<Role = VertexRole>,
    {
        let spec = &vertex.spec;
        if let (Some(replicas), false) = (spec.replicas, spec.scale_disabled()) {
            let bounded = spec.clamp_to_scale(replicas);
            vertex.scale(bounded);
        }
        vertex.into_inner()
    }
    match VertexPhaseTyped::from_object(vertex) {
        Ok(VertexPhaseTyped::RunningSource(v)) => clamped(v),
        Ok(VertexPhaseTyped::RunningSink(v)) => clamped(v),
        Ok(VertexPhaseTyped::RunningMapUdf(v)) => clamped(v),
        Ok(other) => other.into_inner(),
        Err(mismatch) => mismatch.into_inner(),
    }
}

/// The in-place update of `existing` to the `declared` spec, or `None` when its
/// [`HASH_ANNOTATION`] already matches. As NumaFlow does, the update keeps the vertex's
/// `spec.lifecycle`, which only the lifecycle moves, and its `spec.replicas`, clamped
/// into the new scale bounds where the lifecycle lets them change ([`VertexOps::scale`]).
/// The write sets the annotation, changes what changed and removes what the declaration
/// no longer has.
///
/// ```
/// use numaflow_model::controller::spec_update;
/// use numaflow_model::pipeline::AbstractVertex;
/// use numaflow_model::vertex::{HASH_ANNOTATION, Scale, Vertex, VertexPhase, VertexSpec};
///
/// let udf = serde_json::from_value(serde_json::json!({ "builtin": { "name": "cat" } })).unwrap();
/// let cat = AbstractVertex { name: "cat".into(), udf: Some(udf), ..Default::default() };
/// let running = VertexSpec { vertex: cat.clone(), replicas: Some(7), ..Default::default() };
/// let vertex = Vertex::new("simple-cat", running.clone());
///
/// // The pipeline now caps the map at 3 replicas.
/// let declared = VertexSpec {
///     vertex: AbstractVertex { scale: Some(Scale { max: Some(3), ..Default::default() }), ..cat },
///     replicas: Some(1),
///     ..running
/// };
/// let patch = spec_update(&vertex, declared.clone()).expect("the hash differs").patch();
/// assert_eq!(patch.body["metadata"]["annotations"][HASH_ANNOTATION], declared.hash());
/// assert_eq!(patch.body["spec"]["scale"]["max"], 3);
/// assert_eq!(patch.body["spec"]["replicas"], 3, "7 clamped into [0, 3]");
/// assert!(patch.body["spec"].get("lifecycle").is_none(), "the lifecycle stays");
///
/// // Paused, it keeps its 7 for a fast resume.
/// let mut paused = vertex.clone();
/// paused.spec.set_desired_phase(VertexPhase::Paused);
/// let patch = spec_update(&paused, declared).expect("the hash differs").patch();
/// assert!(patch.body["spec"].get("replicas").is_none());
/// ```
pub fn spec_update(existing: &Vertex, declared: VertexSpec) -> Option<Write> {
    let hash = declared.hash();
    let current = existing
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(HASH_ANNOTATION));
    if current == Some(&hash) {
        return None;
    }
    let mut updated = existing.clone();
    updated.spec = VertexSpec {
        lifecycle: existing.spec.lifecycle.clone(),
        replicas: existing.spec.replicas,
        ..declared
    };
    let updated = clamp_replicas(updated);
    let from = serde_json::to_value(&existing.spec).unwrap_or_default();
    let to = serde_json::to_value(&updated.spec).unwrap_or_default();
    let spec = merge_patch_between(&from, &to);
    Some(Write::VertexSpec {
        vertex: existing.metadata.name.clone().unwrap_or_default(),
        hash,
        spec: spec
            .as_object()
            .is_some_and(|m| !m.is_empty())
            .then_some(spec),
    })
}

/// Puts the pipeline's conditions, merged into the ones it has, on the status write in
/// `writes`, or adds a status write when they changed and there is none; a status write
/// that goes out says when (`lastUpdated`). While a pause or deletion waits on buffers
/// nobody could read, `Reconciling` says so. While the vertices are on their way
/// ([`CONDITIONS_SETTLE`]), the first status write waits and `Deployed` and
/// `VerticesHealthy` stay as written: then, until when.
fn with_conditions(
    pipeline: &Pipeline,
    vertices: &[Vertex],
    observed: &Observations,
    writes: &mut Vec<Write>,
) -> Option<Timestamp> {
    let released = writes.iter().any(|w| matches!(w, Write::Finalizers { .. }));
    let settling = settling_until(pipeline, vertices, observed.now);
    // A planned first status write, which moves no phase, waits like the rest.
    if let Some(until) = settling
        && let Some(first) = writes.iter().position(|w| {
            matches!(w, Write::PipelineStatus(status)
                if status.moved.is_none() && status.phase.is_some() && pipeline.phase().is_none())
        })
    {
        writes.remove(first);
        return Some(until);
    }
    let planned = writes.iter_mut().find_map(|w| match w {
        Write::PipelineStatus(status) => Some(status),
        _ => None,
    });
    let phase = planned
        .as_ref()
        .map_or(pipeline.phase(), |status| status.phase)?;
    let mut conditions = pipeline
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    let mut wanted = pipeline_conditions(pipeline, phase, vertices, &condition_time(observed.now));
    // Vertices on their way to what was asked of them leave `Deployed` and
    // `VerticesHealthy` as they were written, for CONDITIONS_SETTLE at most.
    let mut recheck = None;
    if let Some(until) = settling
        && only_on_their_way(pipeline, vertices)
    {
        wanted.retain(|c| c.type_ != DEPLOYED && c.type_ != VERTICES_HEALTHY);
        recheck = Some(until);
    }
    // Stalled says what failed.
    let failure = match &planned {
        Some(status) => status.message.clone().flatten(),
        None => pipeline.status.as_ref().and_then(|s| s.message.clone()),
    };
    if phase == PipelinePhase::Failed
        && let Some(failure) = failure
        && let Some(stalled) = wanted
            .iter_mut()
            .find(|c| c.type_ == ConditionType::Stalled.as_str())
    {
        stalled.message = failure;
    }
    if matches!(phase, PipelinePhase::Pausing | PipelinePhase::Deleting)
        && observed.source_pods == 0
        && let Err(reason) = &observed.buffers
        && let Some(reconciling) = wanted
            .iter_mut()
            .find(|c| c.type_ == ConditionType::Reconciling.as_str())
    {
        reconciling.message = format!(
            "{}: the buffers cannot be read, so only the grace period ends the wait: {reason}",
            phase.name()
        );
    }
    let changed = merge_conditions(&mut conditions, wanted);
    // The vertex counts follow the spec.
    let counts = Some(pipeline.spec.vertex_counts())
        .filter(|counts| pipeline.status.as_ref().map(|s| s.counts) != Some(*counts));
    let last_updated = Some(condition_time(observed.now));
    match planned {
        Some(status) => {
            status.conditions = Some(conditions);
            status.counts = counts;
            status.last_updated = last_updated;
        }
        // A pipeline whose finalizer goes is about to be gone: nothing more to say of it.
        None if released => {}
        None if changed || counts.is_some() => {
            writes.push(Write::PipelineStatus(PipelineStatusWrite {
                conditions: Some(conditions),
                counts,
                observed_generation: pipeline.metadata.generation,
                last_updated,
                ..PipelineStatusWrite::of(pipeline)
            }));
        }
        None => {}
    }
    recheck
}

/// Whether every declared vertex of `pipeline` that is not healthy is only on its way:
/// missing, or yet to catch up with its spec ([`vertex_caught_up`]).
fn only_on_their_way(pipeline: &Pipeline, vertices: &[Vertex]) -> bool {
    declared_vertices(pipeline, vertices)
        .all(|(_, found)| found.is_none_or(|v| vertex_healthy(v) || !vertex_caught_up(v)))
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
