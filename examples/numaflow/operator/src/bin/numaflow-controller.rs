//! Runs the NumaFlow Pipeline and Vertex controllers until interrupted.
//!
//! `numaflow-controller [--kubeconfig PATH] [--namespace NS] [--metrics-addr ADDR]
//! [--leader-elect ...] [--daemon-url URL]`; logs go to stderr, filtered by `RUST_LOG` (default `info`).
//! With `--audit-against CRDS`, it only lists the stored objects the new version's CRDs
//! would strand, and exits 1 when there is one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use numaflow_operator::daemon::DEFAULT_DAEMON_URL;
use numaflow_operator::operator::{LEASE_NAME, LeaderElection, Operator};
use numaflow_operator::{DEFAULT_CONCURRENCY, FIELD_MANAGER, client, error_chain};

/// Runs the NumaFlow Pipeline and Vertex controllers against a cluster until
/// interrupted (Ctrl-C or SIGTERM).
#[derive(Parser, Debug)]
#[command(name = "numaflow-controller", version)]
struct Args {
    /// The kubeconfig to use. Without it, the usual lookup: `KUBECONFIG`,
    /// `~/.kube/config`, then the in-cluster service account.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use instead of its current one.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// Watch pipelines and vertices in this namespace only; all namespaces when omitted.
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Serve Prometheus metrics on `/metrics`, and `/healthz` and `/readyz`, at this
    /// address, e.g. `0.0.0.0:8080`.
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// The field manager of every write and the reporting controller of every Event.
    #[arg(long, value_name = "NAME", default_value = FIELD_MANAGER)]
    field_manager: String,
    /// Elect a leader on a `coordination.k8s.io` Lease: of several replicas only the
    /// one holding the Lease reconciles.
    #[arg(long)]
    leader_elect: bool,
    /// The Lease's name.
    #[arg(long, value_name = "NAME", default_value = LEASE_NAME)]
    leader_election_id: String,
    /// The Lease's namespace; `--namespace`, or `default`, when omitted.
    #[arg(long, value_name = "NAMESPACE")]
    leader_election_namespace: Option<String>,
    /// This replica's identity in the Lease; `HOSTNAME` and the process id when omitted.
    #[arg(long, value_name = "ID")]
    identity: Option<String>,
    /// Seconds a lease lasts after its last renewal: a dead leader is replaced within
    /// this time.
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    lease_duration: u64,
    /// Seconds before expiry the leader renews its lease; less than the duration.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    renew_grace: u64,
    /// Where each pipeline's daemon serves its REST API; `{pipeline}` and `{namespace}`
    /// are filled in.
    #[arg(long, value_name = "URL", default_value = DEFAULT_DAEMON_URL)]
    daemon_url: String,
    /// How many reconciles each controller runs at once; 0 for no bound.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: u16,
    /// Run no controller: list the stored pipelines, vertices and MonoVertices that the
    /// lifecycles of the CRDs in FILE (the version about to be installed, as
    /// numaflow-crdgen prints it) would strand, and exit 1 when there is one.
    #[arg(long, value_name = "FILE")]
    audit_against: Option<PathBuf>,
}

impl Args {
    fn operator(&self) -> Operator {
        let leader_election = self.leader_elect.then(|| LeaderElection {
            lease_name: self.leader_election_id.clone(),
            namespace: self
                .leader_election_namespace
                .clone()
                .or_else(|| self.namespace.clone())
                .unwrap_or_else(|| "default".to_owned()),
            identity: self.identity.clone().unwrap_or_else(|| {
                let host = std::env::var("HOSTNAME").unwrap_or_else(|_| FIELD_MANAGER.to_owned());
                format!("{host}-{}", std::process::id())
            }),
            lease_duration_seconds: self.lease_duration,
            renew_grace_seconds: self.renew_grace,
        });
        Operator {
            namespace: self.namespace.clone(),
            field_manager: self.field_manager.clone(),
            metrics_addr: self.metrics_addr,
            leader_election,
            daemon_url: self.daemon_url.clone(),
            concurrency: self.concurrency,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    numaflow_operator::cli::init_tracing("info");
    let operator = args.operator();
    if let Some(election) = &operator.leader_election
        && let Err(e) = election.validate()
    {
        tracing::error!(error = %error_chain(&e), "bad leader election settings");
        return ExitCode::FAILURE;
    }
    let client = match client(args.kubeconfig.as_deref(), args.context.as_deref()).await {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %error_chain(&e), "no cluster");
            return ExitCode::FAILURE;
        }
    };
    if let Some(file) = &args.audit_against {
        return audit(client, args.namespace.as_deref(), file).await;
    }
    match operator.run(client, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %error_chain(&e), "stopped");
            ExitCode::FAILURE
        }
    }
}

/// `--audit-against FILE`: the report on stdout; 1 when an object would be stranded, 2
/// when the audit could not be made.
async fn audit(client: kube::Client, namespace: Option<&str>, file: &std::path::Path) -> ExitCode {
    let crds = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("numaflow-controller: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match numaflow_operator::audit::audit(client, namespace, &crds, &mut out).await {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("numaflow-controller: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
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
