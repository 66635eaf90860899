//! `database-operator`: runs the database operator, or prints its CRD.

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use lifecycle_example_databases::{database, operator};
use lifecycle_model::runtime::{LeaderElection, error_chain};

/// Runs the database operator against the cluster kube finds (`KUBECONFIG`,
/// `~/.kube/config` or the in-cluster service account).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Print the CRD as YAML and exit.
    #[arg(long)]
    crd: bool,
    /// Watch this namespace only.
    #[arg(long)]
    namespace: Option<String>,
    /// Serve /metrics, /healthz and /readyz here.
    #[arg(long)]
    metrics_addr: Option<SocketAddr>,
    /// Elect a leader on a Lease in this namespace, as `--identity`.
    #[arg(long, requires = "identity")]
    lease_namespace: Option<String>,
    /// This replica's identity in the election.
    #[arg(long)]
    identity: Option<String>,
}

async fn run(args: Args) -> Result<(), Box<dyn Error>> {
    if args.crd {
        print!("{}", serde_saphyr::to_string(&database::crd())?);
        return Ok(());
    }
    let client = kube::Client::try_default().await?;
    let election = (args.lease_namespace.zip(args.identity))
        .map(|(ns, identity)| LeaderElection::new(ns, "database-operator-lock", identity));
    let shutdown = async { drop(tokio::signal::ctrl_c().await) };
    let namespace = args.namespace.as_deref();
    Ok(operator::run(client, namespace, args.metrics_addr, election, shutdown).await?)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_env_filter("info").init();
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_chain(&*error));
            ExitCode::FAILURE
        }
    }
}
