//! The reconcile step on kube-runtime (feature `runtime`): one declaration yields the
//! controller's loop too.
//!
//! - [`Step`]: what a reconcile decides, built from the record a typed event returns on
//!   a recording handle (`handle.record().start()`, a [`Moved`](crate::Moved)), with the
//!   caller's own status fields and message.
//! - [`StatusWriter`]: one status write per step, guarded by the `resourceVersion` it
//!   was planned from, then the Event and the metric.
//! - [`LifecycleController`] and [`Reconcile`]: kube-runtime's `Controller` handing the
//!   typed handle of each object to a per-state reconcile function; objects without a
//!   phase enter their lifecycle, and a finalizer tied to the machine fires the
//!   declared deleting event, runs a cleanup and releases only its own finalizer.
//! - [`Operator`], [`Telemetry`] and [`LeaderElection`]: `/metrics`, `/healthz`,
//!   `/readyz`, and leader election on a Lease.
//!
//! Each piece stands alone: a loop of your own can use the [`StatusWriter`], or call
//! [`LifecycleController::reconcile`] from its own `Controller`.
//!
//! A whole operator, for a kube-derive `CustomResource` whose phase is in `status`:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use kube::{Api, Client, CustomResource};
//! use lifecycle_model::conditions::Condition;
//! use lifecycle_model::runtime::{Cleanup, LifecycleController, Operator, Reconcile, Step};
//! use lifecycle_model::Lifecycle;
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
//! #[lifecycle(schema, enforce_initial)]
//! #[lifecycle(event(start: Pending -> Running), event(delete: Pending | Running -> Deleting))]
//! pub enum TaskPhase {
//!     #[lifecycle(initial, reconciling)]
//!     Pending,
//!     #[lifecycle(ready)]
//!     Running,
//!     #[lifecycle(terminal)]
//!     Deleting,
//! }
//!
//! #[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
//! #[kube(group = "example.dev", version = "v1", kind = "Task", namespaced, status = "TaskStatus")]
//! pub struct TaskSpec {
//!     pub image: String,
//! }
//!
//! #[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
//! #[serde(rename_all = "camelCase")]
//! pub struct TaskStatus {
//!     pub phase: Option<TaskPhase>,
//!     #[serde(default)]
//!     pub conditions: Vec<Condition>,
//!     pub observed_generation: Option<i64>,
//! }
//!
//! lifecycle_model::status_phase!(Task => TaskPhase);
//!
//! struct Tasks;
//!
//! impl Reconcile<Task, TaskPhase> for Tasks {
//!     type Bridge = TaskPhaseTyped<Task>;
//!     type Error = std::convert::Infallible;
//!
//!     async fn reconcile(&self, task: TaskPhaseTyped<Task>) -> Result<Step<TaskPhase>, Self::Error> {
//!         Ok(match task {
//!             TaskPhaseTyped::Pending(task) => Step::from(task.record().start()).message("started"),
//!             TaskPhaseTyped::Running(_) | TaskPhaseTyped::Deleting(_) => Step::stay(),
//!         })
//!     }
//!
//!     async fn cleanup(&self, _: &Task) -> Result<Cleanup, Self::Error> {
//!         Ok(Cleanup::Done)
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::try_default().await?;
//! let operator = Operator::new().metrics_addr("0.0.0.0:8080".parse()?);
//! let controller = LifecycleController::new(Api::<Task>::all(client.clone()), "task-operator")
//!     .finalizer("example.dev/task", TaskPhaseEvent::Delete)
//!     .telemetry(operator.telemetry());
//! operator
//!     .run(client, |shutdown| controller.run(Arc::new(Tasks), shutdown), tokio::signal::ctrl_c().map(|_| ()))
//!     .await?;
//! # Ok(())
//! # }
//! # use futures::FutureExt;
//! ```

mod client;
mod controller;
mod operator;
mod step;
mod telemetry;

pub use client::{ClientError, client};
pub use controller::{Cleanup, LifecycleController, Reconcile};
pub use operator::{LeaderElection, Operator, OperatorError, Shutdown};
pub use step::{STALE_RETRY, Scope, StatusWriter, Step};
pub use telemetry::{OPENMETRICS_CONTENT_TYPE, Telemetry, serve};

use crate::LifecycleError;

/// Why a reconcile failed; the controller logs it and tries again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request to the API server failed.
    #[error("{action} failed")]
    Request {
        /// What was asked, e.g. `writing the status of Task/build`.
        action: String,
        /// The API server's or the transport's error.
        #[source]
        source: ::kube::Error,
    },
    /// The object read matched no typed state, or a move was refused.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The reconcile function failed.
    #[error("reconcile failed")]
    Reconcile(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The cleanup of a deleted object failed; the finalizer stays.
    #[error("cleanup failed; the finalizer stays")]
    Cleanup(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The finalizer could not be handled for another reason (an object without a
    /// name, a finalizer name that is not a JSON pointer segment).
    #[error("finalizer {name} on {object}: {reason}")]
    Finalizer {
        /// The finalizer.
        name: String,
        /// `Kind/name`.
        object: String,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    fn reconcile(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Reconcile(Box::new(error))
    }

    fn cleanup(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Cleanup(Box::new(error))
    }

    fn finalizer(
        error: ::kube::runtime::finalizer::Error<Error>,
        name: &str,
        kind: &str,
        object: &str,
    ) -> Self {
        use ::kube::runtime::finalizer::Error as F;
        match error {
            F::ApplyFailed(error) | F::CleanupFailed(error) => error,
            F::AddFinalizer(source) => Error::Request {
                action: format!("adding finalizer {name} to {kind}/{object}"),
                source,
            },
            F::RemoveFinalizer(source) => Error::Request {
                action: format!("removing finalizer {name} from {kind}/{object}"),
                source,
            },
            other => Error::Finalizer {
                name: name.to_owned(),
                object: format!("{kind}/{object}"),
                reason: other.to_string(),
            },
        }
    }
}

/// The error and its sources, one line: `outer: inner: innermost`. A source whose text
/// the line already holds is left out, as some errors repeat their source's message.
///
/// ```
/// use lifecycle_model::runtime::error_chain;
///
/// let error = std::io::Error::other("disk full");
/// assert_eq!(error_chain(&error), "disk full");
/// ```
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict() -> ::kube::Error {
        ::kube::Error::Api(Box::new(
            ::kube::core::Status::failure("the object has been modified", "Conflict")
                .with_code(409),
        ))
    }

    #[test]
    fn finalizer_errors_say_what_was_asked_of_which_object() {
        use ::kube::runtime::finalizer::Error as F;
        let error = Error::finalizer(F::AddFinalizer(conflict()), "x.dev/f", "Task", "build");
        assert_eq!(
            error.to_string(),
            "adding finalizer x.dev/f to Task/build failed"
        );
        let error = Error::finalizer(F::RemoveFinalizer(conflict()), "x.dev/f", "Task", "build");
        assert!(
            error_chain(&error).starts_with("removing finalizer x.dev/f from Task/build failed: ")
        );
        let error = Error::finalizer(F::UnnamedObject, "x.dev/f", "Task", "");
        assert_eq!(
            error.to_string(),
            "finalizer x.dev/f on Task/: object has no name"
        );
        let inner = Error::Cleanup(Box::new(std::io::Error::other("bucket busy")));
        let error = Error::finalizer(F::CleanupFailed(inner), "x.dev/f", "Task", "build");
        assert_eq!(
            error_chain(&error),
            "cleanup failed; the finalizer stays: bucket busy"
        );
    }

    #[test]
    fn the_chain_leaves_out_a_source_the_message_repeats() {
        let error = Error::Reconcile(Box::new(std::io::Error::other("reconcile failed")));
        assert_eq!(error_chain(&error), "reconcile failed");
    }
}
