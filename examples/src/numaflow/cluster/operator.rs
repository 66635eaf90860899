//! The controllers as an operator ships them: metrics and health endpoints, and leader
//! election on a `coordination.k8s.io` Lease, so that of several replicas only one
//! reconciles and another takes over when it dies.
//!
//! Leader election is `kube-lease-manager`'s: a replica waits until it holds the Lease,
//! then runs the controllers while it renews it. A leader that loses the Lease stops its
//! controllers and ends with an error, as controller-runtime's managers do, so that its
//! supervisor restarts it as a candidate; one that is stopped releases the Lease, so the
//! next takes over at once rather than after the lease duration.

use std::net::SocketAddr;
use std::sync::Arc;

use kube::Client;
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::net::TcpListener;
use tracing::{error, info};

use crate::numaflow::cluster::daemon::{Daemon, DaemonError};
use crate::numaflow::cluster::telemetry::{Telemetry, serve};
use crate::numaflow::cluster::{Context, run_controllers};

/// The Lease's name unless told otherwise.
pub const LEASE_NAME: &str = "numaflow-controller-lock";

/// How replicas elect the one that reconciles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderElection {
    /// The Lease's name.
    pub lease_name: String,
    /// The Lease's namespace.
    pub namespace: String,
    /// This replica's identity, unique among the replicas: the Lease's holder.
    pub identity: String,
    /// How long a lease lasts after its last renewal, in seconds; a dead leader's
    /// successor takes over within this time.
    pub lease_duration_seconds: u64,
    /// How long before expiry the leader renews, in seconds; less than the duration.
    pub renew_grace_seconds: u64,
}

/// Why an operator stopped, or could not start.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The election's timing cannot work.
    #[error(
        "lease duration {duration} s and renewal grace {grace} s: the grace must be at least 1 s and less than the duration"
    )]
    LeaseTiming {
        /// The lease duration asked for.
        duration: u64,
        /// The renewal grace asked for.
        grace: u64,
    },
    /// The metrics address could not be bound.
    #[error("cannot serve metrics on {addr}")]
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Lease could not be read, created or held.
    #[error("leader election on Lease {namespace}/{name} failed")]
    Lease {
        /// The Lease's namespace.
        namespace: String,
        /// The Lease's name.
        name: String,
        /// Why.
        #[source]
        source: LeaseManagerError,
    },
    /// The daemon client could not be set up.
    #[error("cannot set up the daemon client")]
    Daemon(#[source] DaemonError),
    /// Another replica took the Lease while this one led.
    #[error("lost the leadership of Lease {namespace}/{name}")]
    LeadershipLost {
        /// The Lease's namespace.
        namespace: String,
        /// The Lease's name.
        name: String,
    },
}

impl LeaderElection {
    /// Checks the timing: `0 < grace < duration`.
    pub fn validate(&self) -> Result<(), OperatorError> {
        if self.renew_grace_seconds == 0 || self.renew_grace_seconds >= self.lease_duration_seconds
        {
            return Err(OperatorError::LeaseTiming {
                duration: self.lease_duration_seconds,
                grace: self.renew_grace_seconds,
            });
        }
        Ok(())
    }

    fn error(&self) -> impl FnOnce(LeaseManagerError) -> OperatorError + '_ {
        move |source| OperatorError::Lease {
            namespace: self.namespace.clone(),
            name: self.lease_name.clone(),
            source,
        }
    }
}

/// What the operator runs with.
#[derive(Clone, Debug)]
pub struct Operator {
    /// Watch this namespace only; all when `None`.
    pub namespace: Option<String>,
    /// The field manager of every write, also the Events' reporting controller.
    pub field_manager: String,
    /// Where to serve `/metrics`, `/healthz` and `/readyz`; nowhere when `None`.
    pub metrics_addr: Option<SocketAddr>,
    /// Elect a leader first; every replica reconciles when `None`.
    pub leader_election: Option<LeaderElection>,
    /// Where pipelines' daemons listen, `{pipeline}` and `{namespace}` filled in.
    pub daemon_url: String,
}

impl Operator {
    /// Runs until `shutdown` completes (`Ok`) or the leadership is lost (an error). The
    /// metrics endpoint serves from the start; `/readyz` answers 200 once this replica
    /// reconciles or stands by as a candidate with the Lease in reach.
    pub async fn run(
        self,
        client: Client,
        shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
    ) -> Result<(), OperatorError> {
        let telemetry = Arc::new(Telemetry::default());
        let server = match self.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| OperatorError::Metrics { addr, source })?;
                info!(addr = %listener.local_addr().unwrap_or(addr), "serving /metrics, /healthz and /readyz");
                Some(tokio::spawn(serve(listener, telemetry.clone())))
            }
            None => None,
        };
        let daemon = Daemon::new(&self.daemon_url).map_err(OperatorError::Daemon)?;
        let context = Context::new(
            client.clone(),
            &self.field_manager,
            telemetry.clone(),
            daemon,
        );
        let result = match &self.leader_election {
            None => {
                telemetry.set_ready(true);
                run_controllers(context, self.namespace.as_deref(), shutdown).await;
                Ok(())
            }
            Some(election) => {
                lead(
                    election,
                    client,
                    context,
                    self.namespace.as_deref(),
                    shutdown,
                )
                .await
            }
        };
        if let Some(server) = server {
            server.abort();
        }
        result
    }
}

/// Waits for the Lease, runs the controllers while it is held, and releases it on
/// shutdown.
async fn lead(
    election: &LeaderElection,
    client: Client,
    context: Context,
    namespace: Option<&str>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) -> Result<(), OperatorError> {
    election.validate()?;
    let telemetry = context.telemetry.clone();
    let manager = LeaseManagerBuilder::new(client, &election.lease_name)
        .with_namespace(&election.namespace)
        .with_identity(&election.identity)
        .with_duration(election.lease_duration_seconds)
        .with_grace(election.renew_grace_seconds)
        .build()
        .await
        .map_err(election.error())?;
    telemetry.set_ready(true);
    let (mut leading, task) = manager.watch().await;
    info!(identity = %election.identity, lease = %election.lease_name, "waiting for the leadership");
    let mut shutdown = Box::pin(shutdown);
    let won = tokio::select! {
        won = leading.wait_for(|leads| *leads) => won.is_ok(),
        () = &mut shutdown => false,
    };
    let mut result = Ok(());
    if won {
        info!(identity = %election.identity, "leading; starting the controllers");
        let (lost_tx, lost_rx) = tokio::sync::oneshot::channel::<bool>();
        let mut watch = leading.clone();
        let stop = async move {
            let lost = tokio::select! {
                changed = watch.wait_for(|leads| !*leads) => { let _ = changed; true }
                () = shutdown => false,
            };
            let _ = lost_tx.send(lost);
        };
        run_controllers(context, namespace, stop).await;
        if lost_rx.await.unwrap_or(true) {
            error!(identity = %election.identity, "lost the leadership; stopping");
            result = Err(OperatorError::LeadershipLost {
                namespace: election.namespace.clone(),
                name: election.lease_name.clone(),
            });
        }
    }
    // Closing the channel makes the manager release the Lease, if it still holds it.
    drop(leading);
    match task.await {
        Ok(Ok(_)) => info!("Lease released"),
        Ok(Err(error)) => error!(%error, "cannot release the Lease"),
        Err(error) => error!(%error, "the Lease task failed"),
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numaflow::cluster::daemon::DEFAULT_DAEMON_URL;

    fn election(duration: u64, grace: u64) -> LeaderElection {
        LeaderElection {
            lease_name: LEASE_NAME.to_owned(),
            namespace: "default".to_owned(),
            identity: "a".to_owned(),
            lease_duration_seconds: duration,
            renew_grace_seconds: grace,
        }
    }

    #[test]
    fn lease_timing_needs_a_grace_below_the_duration() {
        assert!(election(15, 5).validate().is_ok());
        for (duration, grace) in [(5, 5), (5, 0), (0, 0), (3, 7)] {
            let error = election(duration, grace).validate().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "lease duration {duration} s and renewal grace {grace} s: the grace must be at least 1 s and less than the duration"
                )
            );
        }
    }

    #[test]
    fn lease_errors_name_the_lease_and_keep_their_source() {
        let error =
            election(15, 5).error()(LeaseManagerError::InconsistentState("no holder".to_owned()));
        assert_eq!(
            error.to_string(),
            "leader election on Lease default/numaflow-controller-lock failed"
        );
        assert!(std::error::Error::source(&error).is_some());
        let lost = OperatorError::LeadershipLost {
            namespace: "ns".into(),
            name: "l".into(),
        };
        assert_eq!(lost.to_string(), "lost the leadership of Lease ns/l");
    }

    /// A client for a server that is never reached.
    fn offline_client() -> Client {
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    #[tokio::test]
    async fn a_taken_metrics_address_stops_the_operator_before_it_starts() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let operator = Operator {
            namespace: None,
            field_manager: "test".to_owned(),
            metrics_addr: Some(addr),
            leader_election: None,
            daemon_url: DEFAULT_DAEMON_URL.to_owned(),
        };
        let error = operator
            .run(offline_client(), std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(&error, OperatorError::Metrics { addr: a, .. } if *a == addr));
        assert_eq!(error.to_string(), format!("cannot serve metrics on {addr}"));
    }

    #[tokio::test]
    async fn bad_lease_timing_stops_the_operator_before_it_asks_the_server() {
        let operator = Operator {
            namespace: None,
            field_manager: "test".to_owned(),
            metrics_addr: None,
            leader_election: Some(election(5, 5)),
            daemon_url: DEFAULT_DAEMON_URL.to_owned(),
        };
        let error = operator
            .run(offline_client(), std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            OperatorError::LeaseTiming {
                duration: 5,
                grace: 5
            }
        ));
    }
}
