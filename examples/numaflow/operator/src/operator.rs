//! The controllers as an operator ships them, on the library's runtime
//! ([`lifecycle_model::runtime::Operator`]): metrics and health endpoints, and leader
//! election on a `coordination.k8s.io` Lease, so that of several replicas only one
//! reconciles and another takes over when it dies. A leader that loses the Lease stops
//! its controllers and ends with an error, so that its supervisor restarts it as a
//! candidate; one that is stopped releases the Lease.

use std::net::SocketAddr;

use kube::Client;
use lifecycle_model::runtime;
pub use lifecycle_model::runtime::LeaderElection;

use crate::daemon::{Daemon, DaemonError};
use crate::{Context, run_controllers_with};

/// The Lease's name unless told otherwise.
pub const LEASE_NAME: &str = "numaflow-controller-lock";

/// Why an operator stopped, or could not start.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The endpoints or the election failed, or the leadership was lost.
    #[error(transparent)]
    Runtime(#[from] runtime::OperatorError),
    /// The daemon client could not be set up.
    #[error("cannot set up the daemon client")]
    Daemon(#[source] DaemonError),
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
    /// How many reconciles each controller runs at once; 0 for no bound
    /// ([`crate::DEFAULT_CONCURRENCY`]).
    pub concurrency: u16,
}

impl Operator {
    /// Runs until `shutdown` completes (`Ok`) or the leadership is lost (an error). The
    /// metrics endpoint serves from the start; `/readyz` answers 200 once this replica
    /// reconciles or stands by as a candidate with the Lease in reach.
    pub async fn run(
        self,
        client: Client,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), OperatorError> {
        let daemon = Daemon::new(&self.daemon_url).map_err(OperatorError::Daemon)?;
        let mut operator = runtime::Operator::new();
        if let Some(addr) = self.metrics_addr {
            operator = operator.metrics_addr(addr);
        }
        if let Some(election) = self.leader_election {
            operator = operator.leader_election(election);
        }
        let context = Context::new(
            client.clone(),
            &self.field_manager,
            operator.telemetry(),
            daemon,
        );
        let namespace = self.namespace.as_deref();
        let concurrency = self.concurrency;
        let controllers = |stop: runtime::Shutdown| {
            run_controllers_with(context, namespace, concurrency, stop.signalled())
        };
        Ok(operator.run(client, controllers, shutdown).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::DEFAULT_DAEMON_URL;

    /// A client for a server that is never reached.
    fn offline_client() -> Client {
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    fn operator(metrics_addr: Option<SocketAddr>, daemon_url: &str) -> Operator {
        Operator {
            namespace: None,
            field_manager: "test".to_owned(),
            metrics_addr,
            leader_election: None,
            daemon_url: daemon_url.to_owned(),
            concurrency: crate::DEFAULT_CONCURRENCY,
        }
    }

    #[tokio::test]
    async fn a_taken_metrics_address_stops_the_operator_before_it_starts() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let error = operator(Some(addr), DEFAULT_DAEMON_URL)
            .run(offline_client(), std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(
            &error,
            OperatorError::Runtime(runtime::OperatorError::Metrics { addr: a, .. }) if *a == addr
        ));
        assert_eq!(error.to_string(), format!("cannot serve metrics on {addr}"));
    }

    #[tokio::test]
    async fn bad_lease_timing_stops_the_operator_before_it_asks_the_server() {
        let mut operator = operator(None, DEFAULT_DAEMON_URL);
        operator.leader_election = Some(LeaderElection {
            renew_grace_seconds: 15,
            ..LeaderElection::new("default", LEASE_NAME, "a")
        });
        let error = operator
            .run(offline_client(), std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            OperatorError::Runtime(runtime::OperatorError::LeaseTiming {
                duration: 15,
                grace: 15
            })
        ));
    }
}
