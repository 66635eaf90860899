//! The invariants the simulation checks after every step and on every write.

use std::collections::BTreeMap;
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use lifecycle_model::Lifecycle;

use crate::{Op, Store, World, Writer};
use numaflow_model::pipeline::{DesiredPhase, FINALIZER, Pipeline, PipelinePhase, ResumeStrategy};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole, VertexStatusPhase};

/// The invariants, numbered as the design lists them. Each is judged from the checker's
/// own view of the world (pods, buffers, the user's requests and the clock), never from
/// what the controllers report about themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invariant {
    /// 1. A vertex whose `spec` says Paused runs no pod once the vertex controller has
    ///    reconciled it from an up-to-date read, whatever its status claims.
    PausedVerticesRunNothing,
    /// 2. No vertex but a source is paused before the checker sees the sources stopped
    ///    and the buffers empty, or the grace period of this pause (or of the deletion)
    ///    ends.
    NoEarlyPause,
    /// 3. No message is lost: every message that entered was consumed or is still
    ///    buffered, a pause that claims to have drained left nothing behind, and none is
    ///    stranded by a deletion before its grace period ends.
    NoMessageLost,
    /// 4. Fast resume restores the pre-pause replicas; slow resume restarts at the
    ///    default.
    ResumeRestoresReplicas,
    /// 5. Deleting never goes back.
    DeletingIsFinal,
    /// 6. Status phases only follow the declared pipeline machine.
    DeclaredMovesOnly,
    /// 7. Writes stay minimal: no controller write leaves its object as it was, and every
    ///    lifecycle write changes a vertex's desired phase.
    MinimalWrites,
    /// 8. The pipeline's finalizer goes only after the checker sees it drained, or after
    ///    the deletion grace period.
    FinalizerAfterDrain,
    /// 9. A vertex the vertex controller has reconciled from an up-to-date read follows
    ///    its spec: running with replicas asked for, it runs pods; either way its
    ///    `status.phase` says what the spec says.
    VerticesFollowTheirSpec,
    /// The world settles where the last operation asked.
    Settles,
}

impl Invariant {
    /// The invariant's number; 0 for settling.
    pub fn number(self) -> u8 {
        match self {
            Invariant::PausedVerticesRunNothing => 1,
            Invariant::NoEarlyPause => 2,
            Invariant::NoMessageLost => 3,
            Invariant::ResumeRestoresReplicas => 4,
            Invariant::DeletingIsFinal => 5,
            Invariant::DeclaredMovesOnly => 6,
            Invariant::MinimalWrites => 7,
            Invariant::FinalizerAfterDrain => 8,
            Invariant::VerticesFollowTheirSpec => 9,
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
#[derive(Debug, Clone, Default)]
pub(crate) struct Checker {
    /// `spec.replicas` of each vertex when it was last paused.
    paused_with: BTreeMap<String, Option<i32>>,
    /// When the user last asked for a pause: the start of this pause's grace period.
    pause_requested: Option<Timestamp>,
    /// When the user deleted the pipeline.
    deletion_requested: Option<Timestamp>,
    /// Vertices the vertex controller has reconciled from an up-to-date read since their
    /// desired phase or replicas last changed, with that phase and those replicas.
    reconciled: BTreeMap<String, (VertexPhase, i32)>,
}

/// Whether the status may move from `from` to `to`: a first phase the machine may start
/// in, then the machine's moves.
fn legal_move(from: Option<PipelinePhase>, to: Option<PipelinePhase>) -> bool {
    match (from, to) {
        (Some(f), Some(t)) => PipelinePhase::can_transition(f, t),
        (None, Some(t)) => PipelinePhase::machine().may_start(t.index()),
        (None, None) => true,
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

/// The checker's own drain test: no source pod exists and every buffer is empty.
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

fn has_finalizer(pipeline: &Pipeline) -> bool {
    pipeline
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == FINALIZER))
}

impl Checker {
    /// Whether the grace period of the deletion under way has ended.
    fn deletion_grace_over(&self, pipeline: &Pipeline, now: Timestamp) -> bool {
        grace_over(
            self.deletion_requested,
            pipeline.deletion_grace_period_seconds(),
            now,
        )
    }

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
        if writer.is_controller() && before == after {
            return fail(
                Invariant::MinimalWrites,
                format!("a {writer:?} write to {name} changed nothing"),
            );
        }
        if writer == Writer::PipelineController && was == is {
            return fail(
                Invariant::MinimalWrites,
                format!("a lifecycle write to {name} left its desired phase at {was:?}"),
            );
        }
        if was != is {
            self.reconciled.remove(&name);
        }
        let Some(pipeline) = store.pipeline.as_ref() else {
            return Ok(());
        };
        if was == VertexPhase::Running && is == VertexPhase::Paused {
            self.paused_with.insert(name.clone(), before.spec.replicas);
            let allowed = is_source(before)
                || drained(store, world)
                || grace_over(
                    self.pause_requested,
                    pipeline.spec.pause_grace_period_seconds(),
                    now,
                )
                || self.deletion_grace_over(pipeline, now);
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

    /// Checks a write to the pipeline before it lands, and notes the user's requests.
    pub(crate) fn on_pipeline_write(
        &mut self,
        writer: Writer,
        before: &Pipeline,
        after: &Pipeline,
        store: &Store,
        world: &World,
        now: Timestamp,
    ) -> Check {
        if writer == Writer::User {
            // A pause asked for again before the resume between took effect (the status
            // never left `Pausing`) goes on with the pause under way: its grace period runs
            // from that pause's request, as NumaFlow's pause timestamp does.
            let continued =
                before.phase() == Some(PipelinePhase::Pausing) && self.pause_requested.is_some();
            if before.spec.desired_phase() != DesiredPhase::Paused
                && after.spec.desired_phase() == DesiredPhase::Paused
                && !continued
            {
                self.pause_requested = Some(now);
            }
            if before.metadata.deletion_timestamp.is_none() {
                self.deletion_requested = after.metadata.deletion_timestamp.as_ref().map(|t| t.0);
            }
        } else if before == after {
            return fail(
                Invariant::MinimalWrites,
                format!("a {writer:?} write to the pipeline changed nothing"),
            );
        }
        if has_finalizer(before)
            && !has_finalizer(after)
            && !drained(store, world)
            && !self.deletion_grace_over(after, now)
        {
            return fail(
                Invariant::FinalizerAfterDrain,
                format!(
                    "the finalizer went with {} messages buffered and the deletion grace period running",
                    world.buffered()
                ),
            );
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

    /// Checks a deletion that lets the pipeline go: messages still buffered are lost,
    /// which only the end of the deletion grace period excuses.
    pub(crate) fn on_release(
        &mut self,
        pipeline: &Pipeline,
        world: &World,
        now: Timestamp,
    ) -> Check {
        let stranded = world.buffered();
        if stranded > 0 && !self.deletion_grace_over(pipeline, now) {
            return fail(
                Invariant::NoMessageLost,
                format!("the deletion stranded {stranded} messages before its grace period ended"),
            );
        }
        Ok(())
    }

    /// Notes that the vertex controller reconciled `name` from an up-to-date read and
    /// its writes landed.
    pub(crate) fn vertex_reconciled(&mut self, name: &str, store: &Store) {
        if let Some(vertex) = store.vertices.get(name) {
            self.reconciled.insert(
                name.to_owned(),
                (vertex.spec.desired_phase(), vertex.spec.desired_replicas()),
            );
        }
    }

    /// Checks the whole state after a step.
    pub(crate) fn after_step(&mut self, store: &Store, world: &World) -> Check {
        if world.injected != world.consumed + world.buffered() + world.lost {
            return fail(
                Invariant::NoMessageLost,
                format!(
                    "{} messages entered; {} were consumed, {} are buffered and {} stranded",
                    world.injected,
                    world.consumed,
                    world.buffered(),
                    world.lost
                ),
            );
        }
        self.reconciled.retain(|name, &mut (phase, replicas)| {
            store.vertices.get(name).is_some_and(|v| {
                v.spec.desired_phase() == phase && v.spec.desired_replicas() == replicas
            })
        });
        for (name, &(phase, replicas)) in &self.reconciled {
            let pods = world.pods.get(name).copied().unwrap_or(0);
            let vertex = &store.vertices[name];
            if phase == VertexPhase::Paused && pods > 0 {
                return fail(
                    Invariant::PausedVerticesRunNothing,
                    format!(
                        "{name} is paused, reconciled, and still runs {pods} pods ({:?})",
                        vertex.spec.scale
                    ),
                );
            }
            if phase == VertexPhase::Running && replicas > 0 && pods == 0 {
                return fail(
                    Invariant::VerticesFollowTheirSpec,
                    format!(
                        "{name} is running and reconciled, but runs no pod of the {replicas} its spec asks for"
                    ),
                );
            }
            let reported = vertex.status.as_ref().and_then(|s| s.phase);
            if reported != Some(VertexStatusPhase::from(phase)) {
                return fail(
                    Invariant::VerticesFollowTheirSpec,
                    format!("{name} is {phase:?} and reconciled, but its status says {reported:?}"),
                );
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
