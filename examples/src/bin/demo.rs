//! The NumaFlow lifecycle demo: a pipeline on an embedded simulated cluster is created,
//! paused, resumed fast, paused again, resumed slow, and deleted, while the real
//! controllers drive it. It prints the state diagram, a table after every change, and a
//! progress line while a pause drains.
//!
//! `cargo run -p lifecycle-examples --bin demo` runs it on the embedded cluster;
//! `--kubeconfig PATH` runs the same story on a real cluster. Only the flag selects a
//! cluster: `KUBECONFIG` in the environment does not, so the demo never touches a cluster
//! by accident.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lifecycle_examples::numaflow::cluster::{Error, error_chain, story};

use lifecycle_examples::numaflow::controller::vertex_object_name;
use lifecycle_examples::numaflow::demo::{progress, rows, table};
use lifecycle_examples::numaflow::pipeline::{PipelinePhase, RESUME_STRATEGY_ANNOTATION};
use lifecycle_examples::numaflow::sim::{Correct, Faults, Op, PIPELINE, Sim, SimConfig, shapes};
use lifecycle_examples::numaflow::vertex::VertexPhase;

/// The story: when each step happens, and what it is called.
const STORY: [(u64, Op, &str); 5] = [
    (12, Op::Pause, "pause"),
    (70, Op::ResumeFast, "resume (fast: replicas kept)"),
    (90, Op::Pause, "pause again"),
    (150, Op::ResumeSlow, "resume (slow: replicas reset)"),
    (170, Op::Delete, "delete"),
];

/// The NumaFlow lifecycle demo: a pipeline is created, paused, resumed fast, paused
/// again, resumed slow and deleted, while the real controllers drive it. By default it
/// runs on an embedded simulated cluster and touches no real one.
#[derive(Parser, Debug)]
#[command(name = "demo", version)]
struct Args {
    /// Run the story on the cluster in this kubeconfig (namespace `default`, with the
    /// CRDs installed) instead of the embedded one. `KUBECONFIG` is not read.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    lifecycle_examples::cli::init_tracing("warn");
    match args.kubeconfig {
        Some(path) => on_cluster(&path),
        None => {
            let mut out = io::stdout().lock();
            match embedded(&mut out).and_then(|code| out.flush().map(|()| code)) {
                Ok(code) => code,
                // A reader that stops early (`demo | head`) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("demo: cannot write to stdout: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The story on the cluster in `kubeconfig`.
fn on_cluster(kubeconfig: &std::path::Path) -> ExitCode {
    let story = tokio::runtime::Runtime::new()
        .map_err(Error::Runtime)
        .and_then(|runtime| runtime.block_on(story::run(kubeconfig)));
    match story {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The story on the embedded simulated cluster, written to `out`.
fn embedded(out: &mut impl Write) -> io::Result<ExitCode> {
    let Some(shape) = shapes::shapes()
        .into_iter()
        .find(|s| s.name.starts_with("mixed-") && s.vertices.len() <= 10)
    else {
        eprintln!("demo: the demo pipeline shape is missing");
        return Ok(ExitCode::FAILURE);
    };
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

    let config = SimConfig {
        seed: 0,
        shape: shape.clone(),
        faults: Faults::none(),
        ops: STORY.iter().map(|(t, op, _)| (*t, *op)).collect(),
        grace_seconds: 60,
        settle_ticks: 40,
        scaling: 0.0,
        autoscaler: Default::default(),
        crd_rules: true,
    };
    let end = STORY[STORY.len() - 1].0 + config.settle_ticks;
    let mut sim = Sim::new(config, &Correct);
    let mut last_frame = String::new();
    let mut peak = 0;
    let mut last_left = None;
    while sim.tick < end {
        if let Err(violation) = sim.step() {
            eprintln!("demo: {violation}");
            return Ok(ExitCode::FAILURE);
        }
        if let Some((_, _, name)) = STORY.iter().find(|(t, _, _)| *t == sim.tick) {
            writeln!(out, "t={:>3}s  >>> user: {name}", sim.tick)?;
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
    Ok(ExitCode::SUCCESS)
}
