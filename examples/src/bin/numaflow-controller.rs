//! Runs the NumaFlow Pipeline and Vertex controllers until interrupted.
//!
//! `numaflow-controller [--kubeconfig PATH] [--namespace NS]`; logs go to stderr, filtered
//! by `RUST_LOG` (default `info`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lifecycle_examples::numaflow::cluster::{client, error_chain, run_controllers};

/// Runs the NumaFlow Pipeline and Vertex controllers against a cluster until
/// interrupted (Ctrl-C or SIGTERM).
#[derive(Parser, Debug)]
#[command(name = "numaflow-controller", version)]
struct Args {
    /// The kubeconfig to use. Without it, the usual lookup: `KUBECONFIG`,
    /// `~/.kube/config`, then the in-cluster service account.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// Watch pipelines and vertices in this namespace only; all namespaces when omitted.
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    lifecycle_examples::cli::init_tracing("info");
    let client = match client(args.kubeconfig.as_deref()).await {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %error_chain(&e), "no cluster");
            return ExitCode::FAILURE;
        }
    };
    run_controllers(client, args.namespace.as_deref(), shutdown_signal()).await;
    ExitCode::SUCCESS
}

/// Completes on Ctrl-C or, on Unix, SIGTERM, as a pod is stopped.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
