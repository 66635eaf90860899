//! The plumbing: the controller, its finalizer, endpoints and leader election.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use kube::{Api, Client};
use lifecycle_model::runtime::{LeaderElection, LifecycleController, Operator, OperatorError};

use crate::database::{Database, DatabasePhaseEvent};
use crate::reconcile::Databases;

/// The field manager of every write, and the Events' reporting controller.
pub const FIELD_MANAGER: &str = "database-operator";
/// The finalizer that holds a deleted database until its instance is gone.
pub const FINALIZER: &str = "example.dev/database-instance";

/// Runs the operator on the databases of `namespace` (all when `None`) until `shutdown`.
pub async fn run(
    client: Client,
    namespace: Option<&str>,
    metrics_addr: Option<SocketAddr>,
    election: Option<LeaderElection>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), OperatorError> {
    let api: Api<Database> = match namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    };
    let mut operator = Operator::new();
    if let Some(addr) = metrics_addr {
        operator = operator.metrics_addr(addr);
    }
    if let Some(election) = election {
        operator = operator.leader_election(election);
    }
    let controller = LifecycleController::new(api, FIELD_MANAGER)
        .finalizer(FINALIZER, DatabasePhaseEvent::Delete)
        .telemetry(operator.telemetry());
    let databases = Arc::new(Databases {
        client: client.clone(),
        field_manager: FIELD_MANAGER.to_owned(),
    });
    let controllers = |shutdown| controller.run(databases, shutdown);
    operator.run(client, controllers, shutdown).await
}
