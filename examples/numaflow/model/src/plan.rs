//! Lifecycle propagation as pure planning functions.
//!
//! [`plan`] reads a pipeline, its vertices and what the controller observed, and returns
//! the merge patches to send: one reconcile's worth, and only for values that change, so
//! a second plan over the patched world sends nothing.
//!
//! Pausing a vertex that is not a source takes a [`DrainProof`], a value that only a
//! drained observation or an expired grace period can produce. Pausing the downstream
//! vertices too early cannot be written:
//!
//! ```compile_fail
//! use numaflow_model::plan::DrainProof;
//! let proof = DrainProof { drained: true }; // private: no way to forge one
//! ```

use jiff::{SignedDuration, Timestamp};
use lifecycle_model::{Lifecycle, Typed};
use serde_json::{Value, json};

pub use crate::patch::{Patch, PatchTarget};
use crate::pipeline::{
    DEPRECATED_FINALIZER, DesiredPhase, FINALIZER, InvalidSpec, PAUSE_TIMESTAMP_ANNOTATION,
    Pipeline, PipelinePhase, PipelinePhaseEvents, PipelinePhaseTyped, ResumeStrategy,
    pipeline_phase,
};
use crate::vertex::{
    Vertex, VertexPhase, VertexPhaseEvents, VertexPhaseTyped, VertexRole, phase, role,
};

/// One inter-step buffer, as the controller observed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BufferDepth {
    /// The buffer's name.
    pub name: String,
    /// Messages waiting to be read.
    pub pending: u64,
    /// Messages read but not yet acknowledged.
    pub ack_pending: u64,
}

/// What the controller observed of the world besides the objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observations {
    /// The time now.
    pub now: Timestamp,
    /// Source pods still running.
    pub source_pods: u32,
    /// Every inter-step buffer of the pipeline, as NumaFlow's daemon reported them; or
    /// why they could not be read. Unknown buffers never count as drained: only the
    /// grace period ends the wait then.
    pub buffers: Result<Vec<BufferDepth>, String>,
}

impl Observations {
    /// Observations at `now` of a drained pipeline: no source pods, empty buffers.
    pub fn drained_at(now: Timestamp) -> Self {
        Observations {
            now,
            source_pods: 0,
            buffers: Ok(Vec::new()),
        }
    }

    /// Whether no source pod runs and every buffer is known to be empty and
    /// acknowledged.
    pub fn drained(&self) -> bool {
        self.source_pods == 0
            && self
                .buffers
                .as_ref()
                .is_ok_and(|b| b.iter().all(|b| b.pending == 0 && b.ack_pending == 0))
    }

    /// Proof that the downstream vertices may be paused: the pipeline drained, or
    /// `grace_seconds` have passed since `since`. `None` while neither holds.
    pub fn drain_proof(&self, since: Timestamp, grace_seconds: i64) -> Option<DrainProof> {
        if self.drained() {
            Some(DrainProof { drained: true })
        } else if self.now
            >= since
                .saturating_add(SignedDuration::from_secs(grace_seconds))
                .ok()?
        {
            Some(DrainProof { drained: false })
        } else {
            None
        }
    }
}

/// Proof that pausing every vertex is safe now. Only [`Observations::drain_proof`] makes
/// one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainProof {
    drained: bool,
}

impl DrainProof {
    /// A paused pipeline is proof in itself: it could only reach `Paused` with one.
    /// Vertices created or reset since then are paused on its strength.
    pub fn paused(pipeline: &Typed<Pipeline, pipeline_phase::Paused>) -> Self {
        DrainProof {
            drained: pipeline
                .status
                .as_ref()
                .and_then(|s| s.drained_on_pause)
                .unwrap_or(false),
        }
    }

    /// True when the buffers really drained; false when the grace period ran out.
    pub fn drained(self) -> bool {
        self.drained
    }
}

fn vertex_patch(vertex: &Vertex, body: Value) -> Patch {
    Patch {
        target: PatchTarget::object_of(vertex),
        body,
    }
}

/// The patches of one reconcile of `pipeline`, given its `vertices` and what was
/// `observed`. Deletion comes first, then an invalid spec (the pipeline goes `Failed`),
/// then the desired phase decides.
pub fn plan(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Patch> {
    if pipeline.metadata.deletion_timestamp.is_some() {
        return plan_delete(pipeline, vertices, observed);
    }
    if let Err(invalid) = pipeline.spec.validate() {
        return plan_fail(pipeline, &invalid);
    }
    match pipeline.spec.desired_phase() {
        DesiredPhase::Paused => plan_pause(pipeline, vertices, observed),
        DesiredPhase::Running => plan_run(pipeline, vertices),
    }
}

/// Typed views of the vertices, in input order; vertices without a role are skipped, as
/// NumaFlow cannot run them.
fn typed_vertices(vertices: &[Vertex]) -> Vec<VertexPhaseTyped<Vertex>> {
    vertices
        .iter()
        .filter_map(|v| VertexPhaseTyped::from_object(v.clone()).ok())
        .collect()
}

/// An invalid spec: the pipeline goes `Failed`, its message naming the field; its
/// vertices are left as they are.
fn plan_fail(pipeline: &Pipeline, invalid: &InvalidSpec) -> Vec<Patch> {
    let message = invalid.to_string();
    let failed = match PipelinePhaseTyped::from_object(pipeline.clone()) {
        Ok(PipelinePhaseTyped::Running(p)) => p.fail().state(),
        Ok(PipelinePhaseTyped::Pausing(p)) => p.fail().state(),
        Ok(PipelinePhaseTyped::Paused(p)) => p.fail().state(),
        Ok(PipelinePhaseTyped::Failed(p)) => {
            let said = p.status.as_ref().and_then(|s| s.message.as_deref());
            if said == Some(message.as_str()) {
                return Vec::new();
            }
            p.state()
        }
        Ok(PipelinePhaseTyped::Deleting(_)) => return Vec::new(),
        Err(_) => PipelinePhase::Failed,
    };
    let mut patch = status_patch(pipeline, failed, None);
    patch.body["status"]["message"] = json!(message);
    vec![patch]
}

/// The `status.message` NumaFlow writes with `phase`: `Pausing in progress`, `Pipeline
/// paused`, `Deleting in progress`, and none while running. A failure's message says
/// what failed, so `Failed` has none of its own.
///
/// ```
/// use numaflow_model::pipeline::PipelinePhase;
/// use numaflow_model::plan::phase_message;
///
/// assert_eq!(phase_message(PipelinePhase::Pausing), Some("Pausing in progress"));
/// assert_eq!(phase_message(PipelinePhase::Running), None);
/// ```
pub fn phase_message(phase: PipelinePhase) -> Option<&'static str> {
    match phase {
        PipelinePhase::Pausing => Some("Pausing in progress"),
        PipelinePhase::Paused => Some("Pipeline paused"),
        PipelinePhase::Deleting => Some("Deleting in progress"),
        PipelinePhase::Running | PipelinePhase::Failed => None,
    }
}

fn status_patch(
    pipeline: &Pipeline,
    phase: PipelinePhase,
    drained_on_pause: Option<bool>,
) -> Patch {
    let mut status = json!({ "phase": phase.name() });
    let said = pipeline.status.as_ref().and_then(|s| s.message.as_deref());
    match phase_message(phase) {
        Some(message) if said != Some(message) => status["message"] = json!(message),
        // Running clears the message of the phase before; a failure's comes with it.
        None if phase != PipelinePhase::Failed && said.is_some() => {
            status["message"] = Value::Null;
        }
        _ => {}
    }
    if let Some(drained) = drained_on_pause {
        status["drainedOnPause"] = json!(drained);
    }
    if let Some(generation) = pipeline.metadata.generation {
        status["observedGeneration"] = json!(generation);
    }
    Patch {
        target: PatchTarget::status_of(pipeline),
        body: json!({ "status": status }),
    }
}

/// The patch that pauses a running source. Sources go first, without waiting.
pub fn pause_source(source: Typed<Vertex, phase::Running, role::Source>) -> Patch {
    let paused = source.pause();
    vertex_patch(&paused, lifecycle_body(paused.state()))
}

/// The patch that pauses any running vertex. It needs a [`DrainProof`]: downstream
/// vertices keep running until the buffers drain or the grace period ends.
pub fn pause_after_drain<R>(vertex: Typed<Vertex, phase::Running, R>, proof: DrainProof) -> Patch
where
    R: lifecycle_model::RoleMarker<Role = VertexRole>,
{
    let _ = proof;
    let paused = vertex.pause();
    vertex_patch(&paused, lifecycle_body(paused.state()))
}

/// The patch that resumes a paused vertex; a slow resume also drops `spec.replicas`, so
/// the vertex restarts at its default.
pub fn resume_vertex<R>(vertex: Typed<Vertex, phase::Paused, R>, strategy: ResumeStrategy) -> Patch
where
    R: lifecycle_model::RoleMarker<Role = VertexRole>,
{
    let running = vertex.resume();
    let mut body = lifecycle_body(running.state());
    if strategy == ResumeStrategy::Slow {
        body["spec"]["replicas"] = Value::Null;
    }
    vertex_patch(&running, body)
}

fn lifecycle_body(phase: VertexPhase) -> Value {
    json!({ "spec": { "lifecycle": { "desiredPhase": phase.name() } } })
}

/// Pauses every running source vertex.
fn pause_sources(vertices: Vec<VertexPhaseTyped<Vertex>>) -> Vec<Patch> {
    vertices
        .into_iter()
        .filter_map(|v| match v {
            VertexPhaseTyped::RunningSource(source) => Some(pause_source(source)),
            _ => None,
        })
        .collect()
}

/// Pauses every running vertex, sources included, on the strength of `proof`.
fn pause_all(vertices: Vec<VertexPhaseTyped<Vertex>>, proof: DrainProof) -> Vec<Patch> {
    vertices
        .into_iter()
        .filter_map(|v| match v {
            VertexPhaseTyped::RunningSource(v) => Some(pause_after_drain(v, proof)),
            VertexPhaseTyped::RunningSink(v) => Some(pause_after_drain(v, proof)),
            VertexPhaseTyped::RunningMapUdf(v) => Some(pause_after_drain(v, proof)),
            VertexPhaseTyped::RunningReduceUdf(v) => Some(pause_after_drain(v, proof)),
            VertexPhaseTyped::PausedSource(_)
            | VertexPhaseTyped::PausedSink(_)
            | VertexPhaseTyped::PausedMapUdf(_)
            | VertexPhaseTyped::PausedReduceUdf(_) => None,
        })
        .collect()
}

/// Resumes every paused vertex.
fn resume_all(vertices: Vec<VertexPhaseTyped<Vertex>>, strategy: ResumeStrategy) -> Vec<Patch> {
    vertices
        .into_iter()
        .filter_map(|v| match v {
            VertexPhaseTyped::PausedSource(v) => Some(resume_vertex(v, strategy)),
            VertexPhaseTyped::PausedSink(v) => Some(resume_vertex(v, strategy)),
            VertexPhaseTyped::PausedMapUdf(v) => Some(resume_vertex(v, strategy)),
            VertexPhaseTyped::PausedReduceUdf(v) => Some(resume_vertex(v, strategy)),
            VertexPhaseTyped::RunningSource(_)
            | VertexPhaseTyped::RunningSink(_)
            | VertexPhaseTyped::RunningMapUdf(_)
            | VertexPhaseTyped::RunningReduceUdf(_) => None,
        })
        .collect()
}

fn annotation_patch(pipeline: &Pipeline, value: Option<String>) -> Patch {
    Patch {
        target: PatchTarget::object_of(pipeline),
        body: json!({ "metadata": { "annotations": { PAUSE_TIMESTAMP_ANNOTATION: value } } }),
    }
}

/// Pause, one step per reconcile: status Pausing; then the sources and the pause
/// timestamp; then, once drained or out of grace, every other vertex and status Paused.
fn plan_pause(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Patch> {
    let Ok(typed) = PipelinePhaseTyped::from_object(pipeline.clone()) else {
        // No status yet: a pipeline asked to start paused begins in Pausing.
        return vec![status_patch(pipeline, PipelinePhase::Pausing, None)];
    };
    match typed {
        PipelinePhaseTyped::Running(p) => vec![status_patch(pipeline, p.pause().state(), None)],
        // Fixed while asked to pause: a pipeline whose vertices all are paused is Paused
        // again; any other pauses from the start.
        PipelinePhaseTyped::Failed(p) if all_paused(vertices) => {
            vec![status_patch(pipeline, p.recover_paused().state(), None)]
        }
        PipelinePhaseTyped::Failed(p) => vec![status_patch(pipeline, p.pause().state(), None)],
        PipelinePhaseTyped::Pausing(p) => continue_pause(p, vertices, observed),
        PipelinePhaseTyped::Paused(p) => {
            pause_all(typed_vertices(vertices), DrainProof::paused(&p))
        }
        PipelinePhaseTyped::Deleting(_) => Vec::new(),
    }
}

fn continue_pause(
    pipeline: Typed<Pipeline, pipeline_phase::Pausing>,
    vertices: &[Vertex],
    observed: &Observations,
) -> Vec<Patch> {
    let mut patches = pause_sources(typed_vertices(vertices));
    // A stamp counts only for the spec this pause began with: a pipeline resumed and
    // paused again while the controller looked away keeps a stale stamp, which would
    // make the new pause's grace period look over. Such a pause starts again now.
    let observed_generation = pipeline.status.as_ref().and_then(|s| s.observed_generation);
    let current = observed_generation == pipeline.metadata.generation;
    let Some(since) = pipeline.pause_timestamp().filter(|_| current) else {
        patches.push(annotation_patch(&pipeline, Some(observed.now.to_string())));
        if !current {
            patches.push(status_patch(&pipeline, pipeline.state(), None));
        }
        return patches;
    };
    if !patches.is_empty() {
        return patches;
    }
    let Some(proof) = observed.drain_proof(since, pipeline.spec.pause_grace_period_seconds())
    else {
        return Vec::new();
    };
    let mut patches = pause_all(typed_vertices(vertices), proof);
    let paused = pipeline.finish_pause();
    patches.push(status_patch(&paused, paused.state(), Some(proof.drained())));
    patches
}

/// Running: drop the pause stamp, settle the status and resume whatever is paused, in
/// one step.
fn plan_run(pipeline: &Pipeline, vertices: &[Vertex]) -> Vec<Patch> {
    // The stamp goes first, so that no later pause can mistake it for its own; then the
    // status: should the reconcile stop halfway, no pipeline claims to be Paused while
    // some of its vertices already run again.
    let stamped = pipeline
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(PAUSE_TIMESTAMP_ANNOTATION));
    let mut patches: Vec<Patch> = stamped
        .then(|| annotation_patch(pipeline, None))
        .into_iter()
        .collect();
    patches.extend(match PipelinePhaseTyped::from_object(pipeline.clone()) {
        Ok(PipelinePhaseTyped::Pausing(p)) => {
            vec![status_patch(pipeline, p.resume().state(), Some(false))]
        }
        Ok(PipelinePhaseTyped::Paused(p)) => {
            vec![status_patch(pipeline, p.resume().state(), Some(false))]
        }
        Ok(PipelinePhaseTyped::Failed(p)) => {
            vec![status_patch(pipeline, p.recover().state(), Some(false))]
        }
        Ok(PipelinePhaseTyped::Running(_) | PipelinePhaseTyped::Deleting(_)) => Vec::new(),
        Err(_) => vec![status_patch(pipeline, PipelinePhase::Running, None)],
    });
    patches.extend(resume_all(
        typed_vertices(vertices),
        pipeline.resume_strategy(),
    ));
    patches
}

/// Delete: status Deleting; sources paused; then, once drained or out of grace, the
/// rest paused and the finalizer released.
fn plan_delete(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Patch> {
    let typed = PipelinePhaseTyped::from_object(pipeline.clone());
    let deleting = match typed {
        Ok(PipelinePhaseTyped::Deleting(p)) => p,
        Ok(PipelinePhaseTyped::Running(p)) => {
            return vec![status_patch(pipeline, p.delete().state(), None)];
        }
        Ok(PipelinePhaseTyped::Failed(p)) => {
            return vec![status_patch(pipeline, p.delete().state(), None)];
        }
        Ok(PipelinePhaseTyped::Pausing(p)) => {
            return vec![status_patch(pipeline, p.delete().state(), None)];
        }
        Ok(PipelinePhaseTyped::Paused(p)) => {
            return vec![status_patch(pipeline, p.delete().state(), None)];
        }
        Err(_) => return vec![status_patch(pipeline, PipelinePhase::Deleting, None)],
    };
    let patches = pause_sources(typed_vertices(vertices));
    if !patches.is_empty() {
        return patches;
    }
    let since = deleting
        .metadata
        .deletion_timestamp
        .as_ref()
        .map_or(observed.now, |t| t.0);
    let Some(proof) = observed.drain_proof(since, deleting.deletion_grace_period_seconds()) else {
        return Vec::new();
    };
    let mut patches = pause_all(typed_vertices(vertices), proof);
    // Only the controller's own finalizers go; other controllers' stay.
    let finalizers = deleting.metadata.finalizers.clone().unwrap_or_default();
    let kept: Vec<&String> = finalizers
        .iter()
        .filter(|f| *f != FINALIZER && *f != DEPRECATED_FINALIZER)
        .collect();
    if kept.len() != finalizers.len() {
        let value = if kept.is_empty() {
            Value::Null
        } else {
            json!(kept)
        };
        patches.push(Patch {
            target: PatchTarget::object_of(&*deleting),
            body: json!({ "metadata": { "finalizers": value } }),
        });
    }
    patches
}

/// Applies `patches` to in-memory copies of the objects, as the API server would apply
/// the merge patches: for tests, the simulation and idempotency checks. Patches for other
/// objects, and patches whose result does not read back, change nothing.
pub fn apply(pipeline: &mut Pipeline, vertices: &mut [Vertex], patches: &[Patch]) {
    for patch in patches {
        if patch.target.targets(pipeline) {
            let _ = patch.merge_into(pipeline);
        } else if let Some(vertex) = vertices.iter_mut().find(|v| patch.target.targets(&**v)) {
            let _ = patch.merge_into(vertex);
        }
    }
}

/// Whether there are vertices and every one of them is paused.
fn all_paused(vertices: &[Vertex]) -> bool {
    !vertices.is_empty() && all_vertices_in(vertices, VertexPhase::Paused)
}

/// Whether every vertex is in `phase`.
pub fn all_vertices_in(vertices: &[Vertex], phase: VertexPhase) -> bool {
    vertices.iter().all(|v| v.spec.desired_phase() == phase)
}
