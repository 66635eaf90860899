//! The NumaFlow lifecycle demo: a pipeline on an embedded simulated cluster is created,
//! paused, resumed fast, paused again, resumed slow, and deleted, while the real
//! controllers drive it. It prints the state diagram, a table after every change, and a
//! progress line while a pause drains; `--timeline FILE.svg` also draws the run.
//!
//! `cargo run -p numaflow-sim --bin demo` runs it on the embedded cluster;
//! `--kubeconfig PATH` runs the same story on a real cluster. Only the flag selects a
//! cluster: `KUBECONFIG` in the environment does not, so the demo never touches a cluster
//! by accident.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use numaflow_operator::error_chain;
use numaflow_sim::demo::cluster::{self as on_cluster_story, Error};
use numaflow_sim::demo::story::{self, StoryError};

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
    /// Also draw the embedded run as an SVG picture in this file: pods per vertex over
    /// time, the pipeline's pauses shaded, the steps marked, the buffers draining.
    #[arg(long, value_name = "FILE.svg", conflicts_with = "kubeconfig")]
    timeline: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    numaflow_operator::cli::init_tracing("warn");
    match args.kubeconfig {
        Some(path) => on_cluster(&path),
        None => embedded(args.timeline.as_deref()),
    }
}

/// The story on the cluster in `kubeconfig`.
fn on_cluster(kubeconfig: &Path) -> ExitCode {
    let story = tokio::runtime::Runtime::new()
        .map_err(Error::Runtime)
        .and_then(|runtime| runtime.block_on(on_cluster_story::run(kubeconfig)));
    match story {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The story on the embedded simulated cluster, written to stdout, and drawn into
/// `timeline` if given.
fn embedded(timeline: Option<&Path>) -> ExitCode {
    let mut out = io::stdout().lock();
    let run = story::embedded(&mut out).and_then(|t| Ok(out.flush().map(|()| t)?));
    let run = match run {
        Ok(run) => run,
        // A reader that stops early (`demo | head`) is not an error.
        Err(StoryError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(path) = timeline else {
        return ExitCode::SUCCESS;
    };
    let written = run
        .svg()
        .map_err(|e| e.to_string())
        .and_then(|svg| std::fs::write(path, svg).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            eprintln!("demo: timeline written to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("demo: cannot write the timeline to {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
