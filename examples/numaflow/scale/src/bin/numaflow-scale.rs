//! `numaflow-scale`: the NumaFlow operator at scale on the test kube-apiserver. Prints
//! the report as Markdown; exits 1 when a check fails, 2 when the run could not be made.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use numaflow_scale::{Config, Fault, run};

/// Drives N pipelines through create, pause-all, resume-all and delete-all against
/// `numaflow-controller` on a real kube-apiserver, counting its requests from the audit
/// log.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// `numaflow-controller` as built (`cargo build --release -p numaflow-operator`).
    #[arg(long, value_name = "PATH")]
    controller: PathBuf,
    /// How many pipelines.
    #[arg(long, short = 'n', default_value_t = 100)]
    pipelines: usize,
    /// How many of the driver's requests are in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// The controller's `--concurrency`; the minimal client pauses as many pipelines at
    /// once (all of them for 0).
    #[arg(long, value_name = "N", default_value_t = 32)]
    controller_concurrency: u16,
    /// What goes wrong once a quarter of the pause has settled.
    #[arg(long, value_enum, default_value_t = Fault::None)]
    fault: Fault,
    /// Also send the pause's ideal writes as a minimal client, for the server's pace.
    #[arg(long)]
    limit: bool,
    /// The controllers' `RUST_LOG`, for their logs in `DIR/controller-N.log`.
    #[arg(long, value_name = "FILTER", default_value = "warn")]
    controller_log: String,
    /// Keep each request's body in the audit log (`DIR/audit.log`), to see what each
    /// write sent.
    #[arg(long)]
    audit_bodies: bool,
    /// Where to keep the server's data, the audit log and the controllers' logs; a
    /// fresh temporary directory when omitted.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("numaflow-scale-{}", std::process::id()))
    });
    let config = Config {
        controller: cli.controller,
        pipelines: cli.pipelines,
        concurrency: cli.concurrency,
        controller_concurrency: cli.controller_concurrency,
        fault: cli.fault,
        limit: cli.limit,
        audit_bodies: cli.audit_bodies,
        controller_log: cli.controller_log,
        dir,
    };
    match run(config).await {
        Ok(report) => {
            print!("{}", report.markdown());
            if report.checks.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("numaflow-scale: {}", lifecycle_apiserver::error_chain(&e));
            ExitCode::from(2)
        }
    }
}
