//! Lifecycle propagation as pure planning functions.
//!
//! [`plan`] reads a pipeline, its vertices and what the controller observed, and returns
//! the writes to send ([`Write`]): one reconcile's worth, and only for values that change,
//! so a second plan over the written world sends nothing. Each phase it moves, it moves
//! with the typed event, which records the move the write carries.
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
use lifecycle_model::{Moved, Typed};

pub use crate::patch::{Patch, PatchTarget};
use crate::pipeline::{
    DEPRECATED_FINALIZER, DesiredPhase, FINALIZER, InvalidSpec, PAUSE_TIMESTAMP_ANNOTATION,
    Pipeline, PipelinePhase, PipelinePhaseEvents, PipelinePhaseTyped, ResumeStrategy,
    pipeline_phase,
};
use crate::vertex::{
    Vertex, VertexPhase, VertexPhaseEvents, VertexPhaseTyped, VertexRole, phase, role,
};
pub use crate::write::{PipelineStatusWrite, VertexLifecycleWrite, Write};

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

/// The writes of one reconcile of `pipeline`, given its `vertices` and what was
/// `observed`. Deletion comes first, then an invalid spec (the pipeline goes `Failed`),
/// then the desired phase decides.
pub fn plan(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Write> {
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
fn plan_fail(pipeline: &Pipeline, invalid: &InvalidSpec) -> Vec<Write> {
    let message = invalid.to_string();
    let mut write = match PipelinePhaseTyped::from_object(pipeline.clone()) {
        Ok(PipelinePhaseTyped::Running(p)) => status_moved(pipeline, p.record().fail(), None),
        Ok(PipelinePhaseTyped::Pausing(p)) => status_moved(pipeline, p.record().fail(), None),
        Ok(PipelinePhaseTyped::Paused(p)) => status_moved(pipeline, p.record().fail(), None),
        Ok(PipelinePhaseTyped::Failed(p)) => {
            let said = p.status.as_ref().and_then(|s| s.message.as_deref());
            if said == Some(message.as_str()) {
                return Vec::new();
            }
            status_write(pipeline, p.state(), None)
        }
        Ok(PipelinePhaseTyped::Deleting(_)) => return Vec::new(),
        Err(_) => status_write(pipeline, PipelinePhase::Failed, None),
    };
    write.message = Some(Some(message));
    vec![Write::PipelineStatus(write)]
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

/// The status write that puts `pipeline` in `phase` without a move: a first phase, or
/// the same phase written again. With it go the phase's message and `drained_on_pause`.
fn status_write(
    pipeline: &Pipeline,
    phase: PipelinePhase,
    drained_on_pause: Option<bool>,
) -> PipelineStatusWrite {
    let said = pipeline.status.as_ref().and_then(|s| s.message.as_deref());
    let message = match phase_message(phase) {
        Some(message) if said != Some(message) => Some(Some(message.to_owned())),
        // Running clears the message of the phase before; a failure's comes with it.
        None if phase != PipelinePhase::Failed && said.is_some() => Some(None),
        _ => None,
    };
    PipelineStatusWrite {
        phase: Some(phase),
        message,
        drained_on_pause,
        observed_generation: pipeline.metadata.generation,
        ..PipelineStatusWrite::of(pipeline)
    }
}

/// The status write of a move of `pipeline`'s phase, carrying the move.
fn status_moved<H>(
    pipeline: &Pipeline,
    moved: Moved<H, PipelinePhase>,
    drained_on_pause: Option<bool>,
) -> PipelineStatusWrite {
    let moved = moved.transition();
    PipelineStatusWrite {
        moved: Some(moved),
        ..status_write(pipeline, moved.to(), drained_on_pause)
    }
}

/// The write of a vertex's move.
fn vertex_moved<S, R>(
    moved: Moved<Typed<Vertex, S, R>, VertexPhase>,
    drop_replicas: bool,
) -> Write {
    let (vertex, moved) = moved.into_parts();
    Write::VertexLifecycle(VertexLifecycleWrite {
        vertex: vertex.metadata.name.clone().unwrap_or_default(),
        moved,
        drop_replicas,
    })
}

/// The write that pauses a running source. Sources go first, without waiting.
pub fn pause_source(source: Typed<Vertex, phase::Running, role::Source>) -> Write {
    vertex_moved(source.record().pause(), false)
}

/// The write that pauses any running vertex. It needs a [`DrainProof`]: downstream
/// vertices keep running until the buffers drain or the grace period ends.
pub fn pause_after_drain<R>(vertex: Typed<Vertex, phase::Running, R>, proof: DrainProof) -> Write
where
    R: lifecycle_model::RoleMarker<Role = VertexRole>,
{
    let _ = proof;
    vertex_moved(vertex.record().pause(), false)
}

/// The write that resumes a paused vertex; a slow resume also drops `spec.replicas`, so
/// the vertex restarts at its default.
pub fn resume_vertex<R>(vertex: Typed<Vertex, phase::Paused, R>, strategy: ResumeStrategy) -> Write
where
    R: lifecycle_model::RoleMarker<Role = VertexRole>,
{
    vertex_moved(vertex.record().resume(), strategy == ResumeStrategy::Slow)
}

/// Pauses every running source vertex.
fn pause_sources(vertices: Vec<VertexPhaseTyped<Vertex>>) -> Vec<Write> {
    vertices
        .into_iter()
        .filter_map(|v| match v {
            VertexPhaseTyped::RunningSource(source) => Some(pause_source(source)),
            _ => None,
        })
        .collect()
}

/// Where a pause or a resume takes a pipeline's vertices, with what the move needs.
#[derive(Clone, Copy)]
enum Toward {
    /// Paused, sources included, on the strength of the proof that the buffers drained
    /// or the grace period ended.
    Paused(DrainProof),
    /// Running, restarting as the resume strategy says.
    Running(ResumeStrategy),
}

/// Moves every vertex that is not yet where `toward` leads.
fn move_all(vertices: Vec<VertexPhaseTyped<Vertex>>, toward: Toward) -> Vec<Write> {
    use Toward::{Paused, Running};
    use VertexPhaseTyped as V;
    let each = |vertex| match (vertex, toward) {
        (V::RunningSource(v), Paused(proof)) => Some(pause_after_drain(v, proof)),
        (V::RunningSink(v), Paused(proof)) => Some(pause_after_drain(v, proof)),
        (V::RunningMapUdf(v), Paused(proof)) => Some(pause_after_drain(v, proof)),
        (V::RunningReduceUdf(v), Paused(proof)) => Some(pause_after_drain(v, proof)),
        (V::PausedSource(v), Running(strategy)) => Some(resume_vertex(v, strategy)),
        (V::PausedSink(v), Running(strategy)) => Some(resume_vertex(v, strategy)),
        (V::PausedMapUdf(v), Running(strategy)) => Some(resume_vertex(v, strategy)),
        (V::PausedReduceUdf(v), Running(strategy)) => Some(resume_vertex(v, strategy)),
        // Already there.
        (V::RunningSource(_) | V::RunningSink(_), Running(_))
        | (V::RunningMapUdf(_) | V::RunningReduceUdf(_), Running(_))
        | (V::PausedSource(_) | V::PausedSink(_), Paused(_))
        | (V::PausedMapUdf(_) | V::PausedReduceUdf(_), Paused(_)) => None,
    };
    vertices.into_iter().filter_map(each).collect()
}

fn stamp(pipeline: &Pipeline, at: Option<String>) -> Write {
    Write::PauseStamp {
        pipeline: pipeline.metadata.name.clone().unwrap_or_default(),
        at,
    }
}

/// Pause, one step per reconcile: status Pausing; then the sources and the pause
/// timestamp; then, once drained or out of grace, every other vertex and status Paused.
fn plan_pause(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Write> {
    let status = |write| vec![Write::PipelineStatus(write)];
    let Ok(typed) = PipelinePhaseTyped::from_object(pipeline.clone()) else {
        // No status yet: a pipeline asked to start paused begins in Pausing.
        return status(status_write(pipeline, PipelinePhase::Pausing, None));
    };
    match typed {
        PipelinePhaseTyped::Running(p) => status(status_moved(pipeline, p.record().pause(), None)),
        // Fixed while asked to pause: a pipeline whose vertices all are paused is Paused
        // again; any other pauses from the start.
        PipelinePhaseTyped::Failed(p) if all_paused(vertices) => {
            status(status_moved(pipeline, p.record().recover_paused(), None))
        }
        PipelinePhaseTyped::Failed(p) => status(status_moved(pipeline, p.record().pause(), None)),
        PipelinePhaseTyped::Pausing(p) => continue_pause(p, vertices, observed),
        PipelinePhaseTyped::Paused(p) => move_all(
            typed_vertices(vertices),
            Toward::Paused(DrainProof::paused(&p)),
        ),
        PipelinePhaseTyped::Deleting(_) => Vec::new(),
    }
}

fn continue_pause(
    pipeline: Typed<Pipeline, pipeline_phase::Pausing>,
    vertices: &[Vertex],
    observed: &Observations,
) -> Vec<Write> {
    let mut writes = pause_sources(typed_vertices(vertices));
    // A stamp counts only for the spec this pause began with: a pipeline resumed and
    // paused again while the controller looked away keeps a stale stamp, which would
    // make the new pause's grace period look over. Such a pause starts again now.
    let observed_generation = pipeline.status.as_ref().and_then(|s| s.observed_generation);
    let current = observed_generation == pipeline.metadata.generation;
    let Some(since) = pipeline.pause_timestamp().filter(|_| current) else {
        writes.push(stamp(&pipeline, Some(observed.now.to_string())));
        if !current {
            let again = status_write(&pipeline, pipeline.state(), None);
            writes.push(Write::PipelineStatus(again));
        }
        return writes;
    };
    if !writes.is_empty() {
        return writes;
    }
    let Some(proof) = observed.drain_proof(since, pipeline.spec.pause_grace_period_seconds())
    else {
        return Vec::new();
    };
    let mut writes = move_all(typed_vertices(vertices), Toward::Paused(proof));
    let before = Pipeline::clone(&pipeline);
    let paused = status_moved(
        &before,
        pipeline.record().finish_pause(),
        Some(proof.drained()),
    );
    writes.push(Write::PipelineStatus(paused));
    writes
}

/// Running: drop the pause stamp, settle the status and resume whatever is paused, in
/// one step.
fn plan_run(pipeline: &Pipeline, vertices: &[Vertex]) -> Vec<Write> {
    // The stamp goes first, so that no later pause can mistake it for its own; then the
    // status: should the reconcile stop halfway, no pipeline claims to be Paused while
    // some of its vertices already run again.
    let stamped = pipeline
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(PAUSE_TIMESTAMP_ANNOTATION));
    let mut writes: Vec<Write> = stamped.then(|| stamp(pipeline, None)).into_iter().collect();
    let status = match PipelinePhaseTyped::from_object(pipeline.clone()) {
        Ok(PipelinePhaseTyped::Pausing(p)) => {
            Some(status_moved(pipeline, p.record().resume(), Some(false)))
        }
        Ok(PipelinePhaseTyped::Paused(p)) => {
            Some(status_moved(pipeline, p.record().resume(), Some(false)))
        }
        Ok(PipelinePhaseTyped::Failed(p)) => {
            Some(status_moved(pipeline, p.record().recover(), Some(false)))
        }
        Ok(PipelinePhaseTyped::Running(_) | PipelinePhaseTyped::Deleting(_)) => None,
        Err(_) => Some(status_write(pipeline, PipelinePhase::Running, None)),
    };
    writes.extend(status.map(Write::PipelineStatus));
    let toward = Toward::Running(pipeline.resume_strategy());
    writes.extend(move_all(typed_vertices(vertices), toward));
    writes
}

/// Delete: status Deleting; sources paused; then, once drained or out of grace, the
/// rest paused and the finalizer released.
fn plan_delete(pipeline: &Pipeline, vertices: &[Vertex], observed: &Observations) -> Vec<Write> {
    let typed = PipelinePhaseTyped::from_object(pipeline.clone());
    let deleting = match typed {
        Ok(PipelinePhaseTyped::Deleting(p)) => p,
        Ok(PipelinePhaseTyped::Running(p)) => return deleting(pipeline, p.record().delete()),
        Ok(PipelinePhaseTyped::Failed(p)) => return deleting(pipeline, p.record().delete()),
        Ok(PipelinePhaseTyped::Pausing(p)) => return deleting(pipeline, p.record().delete()),
        Ok(PipelinePhaseTyped::Paused(p)) => return deleting(pipeline, p.record().delete()),
        Err(_) => {
            let first = status_write(pipeline, PipelinePhase::Deleting, None);
            return vec![Write::PipelineStatus(first)];
        }
    };
    let writes = pause_sources(typed_vertices(vertices));
    if !writes.is_empty() {
        return writes;
    }
    let since = deleting
        .metadata
        .deletion_timestamp
        .as_ref()
        .map_or(observed.now, |t| t.0);
    let Some(proof) = observed.drain_proof(since, deleting.deletion_grace_period_seconds()) else {
        return Vec::new();
    };
    let mut writes = move_all(typed_vertices(vertices), Toward::Paused(proof));
    // Only the controller's own finalizers go; other controllers' stay.
    let finalizers = deleting.metadata.finalizers.clone().unwrap_or_default();
    let kept: Vec<String> = finalizers
        .iter()
        .filter(|f| *f != FINALIZER && *f != DEPRECATED_FINALIZER)
        .cloned()
        .collect();
    if kept.len() != finalizers.len() {
        writes.push(Write::Finalizers {
            pipeline: deleting.metadata.name.clone().unwrap_or_default(),
            kept,
        });
    }
    writes
}

/// The status write of a move into `Deleting`.
fn deleting<H>(pipeline: &Pipeline, moved: Moved<H, PipelinePhase>) -> Vec<Write> {
    vec![Write::PipelineStatus(status_moved(pipeline, moved, None))]
}

/// Applies `patches` to in-memory copies of the objects, as the API server would apply
/// the merge patches ([`Write::patch`] renders a write as one): for tests, the simulation
/// and idempotency checks. Patches for other
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
