//! Controllers as an operator ships them: the metrics and health endpoints, and leader
//! election on a `coordination.k8s.io` Lease, so that of several replicas only one
//! reconciles and another takes over when it dies.
//!
//! Leader election is `kube-lease-manager`'s: a replica waits until it holds the Lease,
//! then runs the controllers while it renews it. A leader that loses the Lease stops its
//! controllers and ends with an error, as controller-runtime's managers do, so that its
//! supervisor restarts it as a candidate; one that is stopped releases the Lease, so the
//! next takes over at once rather than after the lease duration.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use ::kube::Client;
use kube_lease_manager::{LeaseManagerBuilder, LeaseManagerError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info};

use super::telemetry::{Telemetry, serve};

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
#[non_exhaustive]
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
    /// An election on Lease `namespace/lease_name` as `identity`, with a lease of 15 s
    /// renewed 5 s before it ends, as controller-runtime's defaults.
    pub fn new(
        namespace: impl Into<String>,
        lease_name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        LeaderElection {
            lease_name: lease_name.into(),
            namespace: namespace.into(),
            identity: identity.into(),
            lease_duration_seconds: 15,
            renew_grace_seconds: 5,
        }
    }

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

/// The signal to stop, handed to the controllers an [`Operator`] runs: pass
/// [`Shutdown::signalled`] to kube-runtime's `Controller::graceful_shutdown_on`.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Completes once the controllers are to stop.
    pub fn signalled(self) -> impl Future<Output = ()> + Send + Sync + 'static {
        let mut receiver = self.0;
        async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        }
    }
}

/// Runs controllers with their endpoints and, if asked, as the elected leader.
///
/// ```no_run
/// # async fn run(client: kube::Client) -> Result<(), lifecycle_model::runtime::OperatorError> {
/// use lifecycle_model::runtime::{LeaderElection, Operator};
///
/// let operator = Operator::new()
///     .metrics_addr("0.0.0.0:8080".parse().unwrap())
///     .leader_election(LeaderElection::new("ops", "backup-operator-lock", "replica-a"));
/// let telemetry = operator.telemetry();
/// operator
///     .run(client, |shutdown| async move { shutdown.signalled().await }, std::future::pending())
///     .await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Operator {
    metrics_addr: Option<SocketAddr>,
    leader_election: Option<LeaderElection>,
    telemetry: Arc<Telemetry>,
}

impl Operator {
    /// An operator without endpoints or election, with fresh telemetry.
    pub fn new() -> Self {
        Operator::default()
    }

    /// Serves `/metrics`, `/healthz` and `/readyz` on `addr`.
    pub fn metrics_addr(mut self, addr: SocketAddr) -> Self {
        self.metrics_addr = Some(addr);
        self
    }

    /// Reconciles only while this replica holds the Lease.
    pub fn leader_election(mut self, election: LeaderElection) -> Self {
        self.leader_election = Some(election);
        self
    }

    /// Serves `telemetry` instead of fresh telemetry: for metrics registered by the
    /// application.
    pub fn with_telemetry(mut self, telemetry: Arc<Telemetry>) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// The telemetry the endpoints serve, for the controllers to count in.
    pub fn telemetry(&self) -> Arc<Telemetry> {
        self.telemetry.clone()
    }

    /// Runs `controllers` until `shutdown` completes (`Ok`) or the leadership is lost
    /// (an error). `controllers` is handed the signal to stop on, and ends once it
    /// fires. The endpoints serve from the start; `/readyz` answers 200 once this
    /// replica reconciles or stands by as a candidate with the Lease in reach.
    pub async fn run<F, Fut>(
        self,
        client: Client,
        controllers: F,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), OperatorError>
    where
        F: FnOnce(Shutdown) -> Fut,
        Fut: Future<Output = ()>,
    {
        if let Some(election) = &self.leader_election {
            election.validate()?;
        }
        let server = match self.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| OperatorError::Metrics { addr, source })?;
                info!(addr = %listener.local_addr().unwrap_or(addr), "serving /metrics, /healthz and /readyz");
                Some(tokio::spawn(serve(listener, self.telemetry.clone())))
            }
            None => None,
        };
        let result = match &self.leader_election {
            None => {
                self.telemetry.set_ready(true);
                let (stop, stopped) = watch::channel(false);
                let trigger = async move {
                    shutdown.await;
                    let _ = stop.send(true);
                };
                futures::join!(controllers(Shutdown(stopped)), trigger);
                Ok(())
            }
            Some(election) => lead(election, client, &self.telemetry, controllers, shutdown).await,
        };
        if let Some(server) = server {
            server.abort();
        }
        result
    }
}

/// Waits for the Lease, runs the controllers while it is held, and releases it on
/// shutdown.
async fn lead<F, Fut>(
    election: &LeaderElection,
    client: Client,
    telemetry: &Telemetry,
    controllers: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), OperatorError>
where
    F: FnOnce(Shutdown) -> Fut,
    Fut: Future<Output = ()>,
{
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
        let (stop, stopped) = watch::channel(false);
        let mut watch = leading.clone();
        let trigger = async move {
            let lost = tokio::select! {
                changed = watch.wait_for(|leads| !*leads) => { let _ = changed; true }
                () = shutdown => false,
            };
            let _ = stop.send(true);
            lost
        };
        let ((), lost) = futures::join!(controllers(Shutdown(stopped)), trigger);
        if lost {
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

    fn election(duration: u64, grace: u64) -> LeaderElection {
        LeaderElection {
            lease_duration_seconds: duration,
            renew_grace_seconds: grace,
            ..LeaderElection::new("default", "lock", "a")
        }
    }

    #[test]
    fn lease_timing_needs_a_grace_below_the_duration() {
        assert!(election(15, 5).validate().is_ok());
        assert!(LeaderElection::new("ns", "l", "i").validate().is_ok());
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
            "leader election on Lease default/lock failed"
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
        let config = ::kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    #[tokio::test]
    async fn a_taken_metrics_address_stops_the_operator_before_it_starts() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let error = Operator::new()
            .metrics_addr(addr)
            .run(offline_client(), |_| async {}, std::future::pending())
            .await
            .unwrap_err();
        assert!(matches!(&error, OperatorError::Metrics { addr: a, .. } if *a == addr));
        assert_eq!(error.to_string(), format!("cannot serve metrics on {addr}"));
    }

    #[tokio::test]
    async fn bad_lease_timing_stops_the_operator_before_it_asks_the_server() {
        let error = Operator::new()
            .leader_election(election(5, 5))
            .run(offline_client(), |_| async {}, std::future::pending())
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

    #[tokio::test]
    async fn without_election_the_controllers_run_until_shutdown_and_the_operator_is_ready() {
        let operator = Operator::new();
        let telemetry = operator.telemetry();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let ran = Arc::new(AtomicFlag::default());
        let flag = ran.clone();
        operator
            .run(
                offline_client(),
                move |shutdown| async move {
                    let _ = tx.send(());
                    shutdown.signalled().await;
                    flag.set();
                },
                async move {
                    let _ = rx.await;
                },
            )
            .await
            .unwrap();
        assert!(ran.get());
        assert!(telemetry.is_ready());
    }

    #[derive(Default)]
    struct AtomicFlag(std::sync::atomic::AtomicBool);

    impl AtomicFlag {
        fn set(&self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        fn get(&self) -> bool {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }
}
