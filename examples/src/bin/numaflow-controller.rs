//! Runs the NumaFlow Pipeline and Vertex controllers against the cluster in `KUBECONFIG`
//! (or `--kubeconfig PATH`) until interrupted.
//!
//! `numaflow-controller [--kubeconfig PATH] [--namespace NS]`

use std::path::PathBuf;
use std::process::ExitCode;

use lifecycle_examples::numaflow::cluster::{client_from, run_controllers};

#[tokio::main]
async fn main() -> ExitCode {
    let mut kubeconfig: Option<PathBuf> = std::env::var_os("KUBECONFIG").map(Into::into);
    let mut namespace: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kubeconfig" => kubeconfig = args.next().map(Into::into),
            "--namespace" => namespace = args.next(),
            "-h" | "--help" => {
                println!("usage: numaflow-controller [--kubeconfig PATH] [--namespace NS]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("numaflow-controller: unknown argument {other:?}; try --help");
                return ExitCode::FAILURE;
            }
        }
    }
    let Some(kubeconfig) = kubeconfig else {
        eprintln!("numaflow-controller: no cluster: pass --kubeconfig PATH or set KUBECONFIG");
        return ExitCode::FAILURE;
    };
    let client = match client_from(&kubeconfig).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("numaflow-controller: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("numaflow-controller: watching pipelines and vertices");
    run_controllers(client, namespace.as_deref(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    ExitCode::SUCCESS
}
