//! The demo's story on the embedded simulated cluster: a pipeline is created, paused,
//! resumed fast, paused again, resumed slow and deleted while the real reconcile functions
//! drive it, and a MonoVertex beside it is paused and resumed by its user. It prints the
//! tables and progress lines of [`super`], a line per change of the MonoVertex, and
//! records a [`Timeline`] of the pipeline on the way.

use std::io::{self, Write};

use crate::demo::timeline::Timeline;
use crate::demo::{progress, rows, table};
use crate::{
    Correct, Faults, MONO_VERTEX, MonoVertexOp, Op, PIPELINE, Sim, SimConfig, Violation, shapes,
};
use numaflow_model::controller::vertex_object_name;
use numaflow_model::monovertex::MonoVertexPhase;
use numaflow_model::pipeline::{PipelinePhase, RESUME_STRATEGY_ANNOTATION};
use numaflow_model::vertex::VertexPhase;

/// The story: when each step happens (seconds after the start), and what it is called.
pub const STORY: [(u64, Op, &str); 5] = [
    (12, Op::Pause, "pause"),
    (70, Op::ResumeFast, "resume (fast: replicas kept)"),
    (90, Op::Pause, "pause again"),
    (150, Op::ResumeSlow, "resume (slow: replicas reset)"),
    (170, Op::Delete, "delete"),
];

/// The MonoVertex's part of the story: when its user pauses and resumes it.
pub const MONO_VERTEX_STORY: [(u64, MonoVertexOp, &str); 2] = [
    (30, MonoVertexOp::Pause, "pause MonoVertex"),
    (45, MonoVertexOp::Resume, "resume MonoVertex"),
];

/// Why the story stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// The output could not be written.
    #[error("cannot write the story: {0}")]
    Io(#[from] io::Error),
    /// The simulation's shapes have no demo pipeline.
    #[error("the demo pipeline shape is missing")]
    NoShape,
    /// An invariant broke: a bug in the controllers, with the command that replays it.
    #[error("{0}")]
    Violation(#[from] Violation),
}

/// Runs the story on the embedded cluster, writing it to `out`, and returns the
/// timeline of the run: pods per vertex, messages waiting, the pipeline's phase and the
/// user's steps, second by second.
///
/// ```
/// use numaflow_sim::demo::story;
///
/// let timeline = story::embedded(&mut std::io::sink()).unwrap();
/// assert_eq!(timeline.marks.len(), story::STORY.len());
/// ```
pub fn embedded(out: &mut impl Write) -> Result<Timeline, StoryError> {
    let shape = shapes::shapes()
        .into_iter()
        .find(|s| s.name.starts_with("mixed-") && s.vertices.len() <= 10)
        .ok_or(StoryError::NoShape)?;
    writeln!(
        out,
        "NumaFlow lifecycle demo on an embedded simulated cluster"
    )?;
    writeln!(
        out,
        "pipeline `{PIPELINE}`: {} vertices; pause grace period 60 s\n",
        shape.vertices.len()
    )?;
    writeln!(out, "The pipeline's status phase (PipelinePhase):\n")?;
    writeln!(out, "{}", PipelinePhase::MERMAID)?;
    writeln!(out, "A vertex's desired phase (VertexPhase):\n")?;
    writeln!(out, "{}", VertexPhase::MERMAID)?;
    writeln!(
        out,
        "Beside it, the MonoVertex `{MONO_VERTEX}`, paused and resumed by its user (MonoVertexPhase):\n"
    )?;
    writeln!(out, "{}", MonoVertexPhase::MERMAID)?;

    let config = SimConfig {
        seed: 0,
        shape: shape.clone(),
        faults: Faults::none(),
        ops: STORY.iter().map(|(t, op, _)| (*t, *op)).collect(),
        mono_ops: MONO_VERTEX_STORY
            .iter()
            .map(|(t, op, _)| (*t, *op))
            .collect(),
        grace_seconds: 60,
        settle_ticks: 40,
        scaling: 0.0,
        autoscaler: Default::default(),
        crd_rules: true,
    };
    let end = STORY[STORY.len() - 1].0 + config.settle_ticks;
    let mut sim = Sim::new(config, &Correct);
    let mut timeline = Timeline::new(PIPELINE, end);
    let mut last_frame = String::new();
    let mut peak = 0;
    let mut last_left = None;
    let mut last_mono = String::new();
    while sim.tick < end {
        sim.step()?;
        if let Some((_, _, name)) = STORY.iter().find(|(t, _, _)| *t == sim.tick) {
            writeln!(out, "t={:>3}s  >>> user: {name}", sim.tick)?;
            timeline.mark(sim.tick, name);
        }
        if let Some((_, _, name)) = MONO_VERTEX_STORY.iter().find(|(t, _, _)| *t == sim.tick) {
            writeln!(out, "t={:>3}s  >>> user: {name} {MONO_VERTEX}", sim.tick)?;
        }
        let mono = mono_line(&sim);
        if mono != last_mono {
            writeln!(out, "t={:>3}s  {mono}", sim.tick)?;
            last_mono = mono;
        }
        let pipeline = sim.store.pipeline.as_ref();
        let vertices: Vec<_> = sim.store.vertices.values().map(|v| (**v).clone()).collect();
        let pods = |name: &str| sim.world.pods.get(name).copied().unwrap_or(0);
        let rows = rows(
            &shape.vertices,
            &shape.edges,
            PIPELINE,
            &vertices,
            pods,
            &sim.world.buffers,
        );
        timeline.record(sim.tick, sim.pipeline_phase(), &rows);
        let pausing = sim.pipeline_phase() == Some(PipelinePhase::Pausing);
        let sources_stopped = shape
            .vertices
            .iter()
            .filter(|v| v.source.is_some())
            .all(|v| pods(&vertex_object_name(PIPELINE, &v.name)) == 0);
        if pausing && sources_stopped {
            let left = sim.world.buffered();
            peak = peak.max(left);
            if last_left != Some(left) && (last_left.is_none() || left.is_multiple_of(5)) {
                writeln!(out, "t={:>3}s  {}", sim.tick, progress(left, peak))?;
                last_left = Some(left);
            }
        } else {
            last_left = None;
            peak = 0;
        }
        // A frame whenever something other than the message counts changed.
        let key: String = format!(
            "{:?}{:?}{:?}",
            pipeline.map(|p| (
                p.phase(),
                p.spec.desired_phase(),
                p.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(RESUME_STRATEGY_ANNOTATION).cloned())
            )),
            rows.iter()
                .map(|r| (&r.desired, &r.replicas, &r.target, r.pods))
                .collect::<Vec<_>>(),
            pipeline.is_some()
        );
        if key != last_frame {
            last_frame = key;
            let title = format!("t={}s", sim.tick);
            write!(out, "{}", table(&title, pipeline, &rows))?;
            if pipeline.is_none() {
                writeln!(out, "  (the pipeline and its vertices are gone)")?;
            }
        }
    }
    let world = &sim.world;
    writeln!(
        out,
        "\ndone: {} messages produced, {} consumed by sinks, {} left in buffers; {} writes",
        world.injected,
        world.consumed,
        world.buffered(),
        sim.report.writes
    )?;
    writeln!(out, "every invariant held after every step.")?;
    Ok(timeline)
}

/// The MonoVertex as a line: desired and reported phase, pods, and its message.
fn mono_line(sim: &Sim<'_>) -> String {
    let mvtx = &sim.mono.object;
    let status = mvtx.status.clone().unwrap_or_default();
    let reported = status
        .phase
        .map(|p| format!("{p:?}"))
        .unwrap_or_else(|| "-".to_owned());
    let mut line = format!(
        "MonoVertex {MONO_VERTEX}: desired {:?}, reports {reported}, {} of {} pods",
        mvtx.spec.desired_phase(),
        sim.mono.pods,
        mvtx.spec.desired_replicas()
    );
    if let Some(message) = status.message {
        line.push_str(&format!(" ({message})"));
    }
    line
}
