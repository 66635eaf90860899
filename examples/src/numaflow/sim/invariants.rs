//! The invariants the simulation checks after every step and on every write.

use std::collections::BTreeMap;
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use lifecycle_model::Lifecycle;

use crate::numaflow::pipeline::{DesiredPhase, Pipeline, PipelinePhase, ResumeStrategy};
use crate::numaflow::sim::{Op, Store, World, Writer};
use crate::numaflow::vertex::{Vertex, VertexPhase, VertexRole, VertexStatusPhase};

/// The invariants, numbered as the design lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invariant {
    /// 1. Once a pause converges, no source runs a replica.
    PausedSourcesRunNothing,
    /// 2. No non-source vertex is paused before the buffers drain or the grace period
    ///    ends.
    NoEarlyPause,
    /// 3. No message is lost; a pause that claims to have drained left nothing behind.
    NoMessageLost,
    /// 4. Fast resume restores the pre-pause replicas; slow resume restarts at the
    ///    default.
    ResumeRestoresReplicas,
    /// 5. Deleting never goes back.
    DeletingIsFinal,
    /// 6. Status phases only follow the declared pipeline machine.
    DeclaredMovesOnly,
    /// 7. Writes stay minimal: every lifecycle write changes a vertex's desired phase.
    MinimalWrites,
    /// The world settles where the last operation asked.
    Settles,
}

impl Invariant {
    /// The invariant's number; 0 for settling.
    pub fn number(self) -> u8 {
        match self {
            Invariant::PausedSourcesRunNothing => 1,
            Invariant::NoEarlyPause => 2,
            Invariant::NoMessageLost => 3,
            Invariant::ResumeRestoresReplicas => 4,
            Invariant::DeletingIsFinal => 5,
            Invariant::DeclaredMovesOnly => 6,
            Invariant::MinimalWrites => 7,
            Invariant::Settles => 0,
        }
    }
}

/// A broken invariant, with what it takes to replay it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub invariant: Invariant,
    /// What was seen.
    pub message: String,
    /// When.
    pub tick: u64,
    /// The simulation's seed.
    pub seed: u64,
    /// The pipeline's shape.
    pub shape: String,
    /// The command that replays it.
    pub replay: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} ({:?}) broken at tick {} (seed {}, shape {}): {}\n  replay: {}",
            self.invariant.number(),
            self.invariant,
            self.tick,
            self.seed,
            self.shape,
            self.message,
            self.replay
        )
    }
}

impl std::error::Error for Violation {}

type Check = Result<(), (Invariant, String)>;

fn fail(invariant: Invariant, message: String) -> Check {
    Err((invariant, message))
}

/// What the checker remembers between steps.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    /// `spec.replicas` of each vertex when it was last paused.
    paused_with: BTreeMap<String, Option<i32>>,
    /// The latest pause stamp ever written: a controller reading a stale cache may still
    /// act on a pause whose grace period has ended, after the stamp is gone.
    last_pause_stamp: Option<Timestamp>,
}

/// Whether the status may move from `from` to `to`: any first phase, then the machine.
fn legal_move(from: Option<PipelinePhase>, to: Option<PipelinePhase>) -> bool {
    match (from, to) {
        (Some(f), Some(t)) => PipelinePhase::can_transition(f, t),
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// Whether the pipeline is where `last` asked it to be.
pub(crate) fn settled(store: &Store, last: Option<Op>) -> bool {
    let phase = store.pipeline.as_ref().and_then(Pipeline::phase);
    match last {
        Some(Op::Delete) => store.pipeline.is_none(),
        Some(Op::Pause) => phase == Some(PipelinePhase::Paused),
        _ => phase == Some(PipelinePhase::Running),
    }
}

fn is_source(vertex: &Vertex) -> bool {
    vertex.spec.role() == Some(VertexRole::Source)
}

fn drained(store: &Store, world: &World) -> bool {
    let source_pods: i32 = store
        .vertices
        .iter()
        .filter(|(_, v)| is_source(v))
        .map(|(name, _)| world.pods.get(name).copied().unwrap_or(0))
        .sum();
    source_pods == 0 && world.buffered() == 0
}

fn grace_over(since: Option<Timestamp>, seconds: i64, now: Timestamp) -> bool {
    since
        .and_then(|t| t.checked_add(SignedDuration::from_secs(seconds)).ok())
        .is_some_and(|end| now >= end)
}

impl Checker {
    /// Checks a write to a vertex before it lands.
    pub(crate) fn on_vertex_write(
        &mut self,
        writer: Writer,
        before: &Vertex,
        after: &Vertex,
        store: &Store,
        world: &World,
        now: Timestamp,
    ) -> Check {
        let name = before.metadata.name.clone().unwrap_or_default();
        let (was, is) = (before.spec.desired_phase(), after.spec.desired_phase());
        if writer == Writer::PipelineController && was == is {
            return fail(
                Invariant::MinimalWrites,
                format!("a lifecycle write to {name} left its desired phase at {was:?}"),
            );
        }
        let Some(pipeline) = store.pipeline.as_ref() else {
            return Ok(());
        };
        if was == VertexPhase::Running && is == VertexPhase::Paused {
            self.paused_with.insert(name.clone(), before.spec.replicas);
            let stamp = pipeline.pause_timestamp().or(self.last_pause_stamp);
            let deleting_since = pipeline.metadata.deletion_timestamp.as_ref().map(|t| t.0);
            let allowed = is_source(before)
                || drained(store, world)
                || grace_over(stamp, pipeline.spec.pause_grace_period_seconds(), now)
                || grace_over(
                    deleting_since,
                    pipeline.deletion_grace_period_seconds(),
                    now,
                )
                || pipeline.phase() == Some(PipelinePhase::Paused);
            if !allowed {
                return fail(
                    Invariant::NoEarlyPause,
                    format!(
                        "{name} paused with {} messages buffered and the grace period running",
                        world.buffered()
                    ),
                );
            }
        }
        if was == VertexPhase::Paused && is == VertexPhase::Running {
            let strategy = pipeline.resume_strategy();
            let expected = match strategy {
                ResumeStrategy::Slow => None,
                ResumeStrategy::Fast => self
                    .paused_with
                    .get(&name)
                    .copied()
                    .unwrap_or(before.spec.replicas),
            };
            if after.spec.replicas != expected {
                return fail(
                    Invariant::ResumeRestoresReplicas,
                    format!(
                        "{name} resumed ({strategy}) with replicas {:?}, expected {expected:?}",
                        after.spec.replicas
                    ),
                );
            }
        }
        Ok(())
    }

    /// Checks a write to the pipeline before it lands.
    pub(crate) fn on_pipeline_write(
        &mut self,
        _writer: Writer,
        before: &Pipeline,
        after: &Pipeline,
        world: &World,
    ) -> Check {
        if let Some(stamp) = after.pause_timestamp() {
            self.last_pause_stamp = Some(stamp);
        }
        let (was, is) = (before.phase(), after.phase());
        if was == Some(PipelinePhase::Deleting) && is != was {
            return fail(
                Invariant::DeletingIsFinal,
                format!("the status left Deleting for {is:?}"),
            );
        }
        if was != is && !legal_move(was, is) {
            return fail(
                Invariant::DeclaredMovesOnly,
                format!("the status moved {was:?} -> {is:?}, which PipelinePhase does not declare"),
            );
        }
        let drained_claim = after.status.as_ref().and_then(|s| s.drained_on_pause);
        if is == Some(PipelinePhase::Paused)
            && was != is
            && drained_claim == Some(true)
            && world.buffered() > 0
        {
            return fail(
                Invariant::NoMessageLost,
                format!(
                    "paused claiming drained with {} messages still buffered",
                    world.buffered()
                ),
            );
        }
        Ok(())
    }

    /// Checks the whole state after a step.
    pub(crate) fn after_step(&mut self, store: &Store, world: &World) -> Check {
        if world.injected != world.consumed + world.buffered() {
            return fail(
                Invariant::NoMessageLost,
                format!(
                    "{} messages entered, {} were consumed and {} are buffered",
                    world.injected,
                    world.consumed,
                    world.buffered()
                ),
            );
        }
        let Some(pipeline) = store.pipeline.as_ref() else {
            return Ok(());
        };
        let converged = pipeline.spec.desired_phase() == DesiredPhase::Paused
            && pipeline.phase() == Some(PipelinePhase::Paused)
            && store.vertices.values().all(|v| {
                v.status.as_ref().and_then(|s| s.phase) == Some(VertexStatusPhase::Paused)
            });
        if converged {
            for (name, vertex) in store.vertices.iter().filter(|(_, v)| is_source(v)) {
                let pods = world.pods.get(name).copied().unwrap_or(0);
                if pods > 0 {
                    return fail(
                        Invariant::PausedSourcesRunNothing,
                        format!(
                            "{name} runs {pods} pods in a paused pipeline ({:?})",
                            vertex.spec.scale
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// Checks where the world settled, given the last operation.
    pub(crate) fn at_end(&mut self, store: &Store, world: &World, last: Option<Op>) -> Check {
        let phase = store.pipeline.as_ref().and_then(Pipeline::phase);
        if !settled(store, last) {
            return fail(
                Invariant::Settles,
                format!(
                    "after {last:?} the pipeline is {phase:?} (exists: {})",
                    store.pipeline.is_some()
                ),
            );
        }
        if phase == Some(PipelinePhase::Paused) {
            let claim = store
                .pipeline
                .as_ref()
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.drained_on_pause);
            if world.buffered() > 0 && claim != Some(false) {
                return fail(
                    Invariant::NoMessageLost,
                    format!(
                        "ended Paused with {} messages buffered but drainedOnPause {claim:?}",
                        world.buffered()
                    ),
                );
            }
        }
        Ok(())
    }
}
