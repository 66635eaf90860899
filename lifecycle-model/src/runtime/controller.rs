//! The loop: kube-runtime's `Controller`, handing each object's typed handle to a
//! per-state reconcile function and applying the [`Step`] it returns.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ::kube::api::Api;
use ::kube::runtime::controller::{Action, Controller};
use ::kube::runtime::finalizer::{self, finalizer};
use ::kube::runtime::watcher;
use ::kube::{Resource, ResourceExt};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::{debug, info, warn};

use super::step::api_of;
use super::{Error, Scope, Shutdown, StatusWriter, Step, Telemetry, error_chain};
use crate::{Bridge, HasPhase, Lifecycle, Transition};

/// What a deletion's cleanup reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cleanup {
    /// All cleaned up: the finalizer may go.
    Done,
    /// Not yet: look again after this long, the finalizer kept.
    Wait(Duration),
}

/// An operator's business logic, per state: implement it on the operator's context.
///
/// The controller reads each object, enters it into its lifecycle if it has no phase
/// yet, and otherwise hands [`reconcile`](Reconcile::reconcile) the object's typed
/// handle (the generated `<Enum>Typed<K>`), to `match` on: each arm fires the events
/// its state allows and returns the [`Step`]. On deletion, [`cleanup`](Reconcile::cleanup)
/// runs once the declared deleting event has moved the object.
pub trait Reconcile<K, P: Lifecycle>: Send + Sync + 'static {
    /// The object's typed handle: `<Enum>Typed<K>`.
    type Bridge: Bridge<K, Phase = P> + Send;
    /// What the business logic fails with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Decides one step for the object in the state its handle says.
    fn reconcile(
        &self,
        object: Self::Bridge,
    ) -> impl Future<Output = Result<Step<P>, Self::Error>> + Send;

    /// Cleans up after a deleted object, already moved by the deleting event. `Done` by
    /// default.
    fn cleanup(&self, object: &K) -> impl Future<Output = Result<Cleanup, Self::Error>> + Send {
        let _ = object;
        async { Ok(Cleanup::Done) }
    }
}

/// A controller for objects of kind `K` whose lifecycle is `P`, on kube-runtime's
/// `Controller`.
///
/// Each reconcile, in order:
/// 1. a deleted object holding the finalizer fires the declared deleting event from
///    whatever state it is in, then runs [`Reconcile::cleanup`], then only this
///    finalizer is released (other controllers' stay), through kube-runtime's
///    `finalizer` helper;
/// 2. an object without the finalizer gets it;
/// 3. an object without a phase enters its lifecycle ([`Lifecycle::entry`]);
/// 4. otherwise [`Reconcile::reconcile`] gets the typed handle, and its [`Step`] is
///    written by [`StatusWriter::apply`]: one status write guarded by the
///    `resourceVersion` read, then the Event and the metric.
///
/// Failures are logged and retried after [`retry_after`](Self::retry_after) (1 s).
pub struct LifecycleController<K, P: Lifecycle> {
    api: Api<K>,
    watcher: watcher::Config,
    writer: StatusWriter,
    finalizer: Option<(String, P::Event)>,
    retry: Duration,
    telemetry: Option<Arc<Telemetry>>,
}

impl<K, P> LifecycleController<K, P>
where
    K: Resource<DynamicType = ()>
        + HasPhase<P>
        + Clone
        + Serialize
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static,
    K::Scope: Scope,
    P: Lifecycle + Send + Sync,
    P::Event: Send + Sync,
{
    /// Watches `api` (all namespaces or one) and writes as `field_manager`.
    pub fn new(api: Api<K>, field_manager: impl Into<String>) -> Self {
        let writer = StatusWriter::new(api.clone().into_client(), field_manager);
        LifecycleController {
            api,
            watcher: watcher::Config::default(),
            writer,
            finalizer: None,
            retry: Duration::from_secs(1),
            telemetry: None,
        }
    }

    /// Holds each object with finalizer `name` and, on deletion, fires `deleting` from
    /// whatever state the object is in before [`Reconcile::cleanup`] runs.
    pub fn finalizer(mut self, name: impl Into<String>, deleting: P::Event) -> Self {
        self.finalizer = Some((name.into(), deleting));
        self
    }

    /// Watches with `config` (label or field selectors, page size).
    pub fn watcher_config(mut self, config: watcher::Config) -> Self {
        self.watcher = config;
        self
    }

    /// Waits `after` before retrying a failed reconcile.
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry = after;
        self
    }

    /// Counts transitions in `telemetry`, and objects per state from the controller's
    /// cache at every scrape.
    pub fn telemetry(mut self, telemetry: Arc<Telemetry>) -> Self {
        self.writer = self.writer.with_metrics(telemetry.metrics().clone());
        self.telemetry = Some(telemetry);
        self
    }

    /// The writer of steps, for a loop of one's own.
    pub fn writer(&self) -> &StatusWriter {
        &self.writer
    }

    /// One reconcile of `object`, in the order the type's documentation gives: call it
    /// from a `Controller` of your own to keep your loop.
    pub async fn reconcile<R>(&self, object: Arc<K>, reconciler: &R) -> Result<Action, Error>
    where
        R: Reconcile<K, P>,
    {
        let Some((name, deleting)) = &self.finalizer else {
            return self.step(&object, reconciler).await;
        };
        if object.meta().deletion_timestamp.is_some() && object.finalizers().contains(name) {
            if let Some(step) = deleting_step(&*object, *deleting) {
                return self.writer.apply(&*object, step).await;
            }
            match reconciler.cleanup(&object).await.map_err(Error::cleanup)? {
                Cleanup::Wait(after) => return Ok(Action::requeue(after)),
                Cleanup::Done => {
                    info!(object = %object.name_any(), "cleaned up; releasing the finalizer")
                }
            }
        }
        let api = api_of(self.writer.client(), &*object);
        let kind = K::kind(&()).into_owned();
        let object_name = object.name_any();
        finalizer(&api, name, object, |event| async move {
            match event {
                finalizer::Event::Apply(object) => self.step(&object, reconciler).await,
                finalizer::Event::Cleanup(_) => Ok(Action::await_change()),
            }
        })
        .await
        .map_err(|error| Error::finalizer(error, name, &kind, &object_name))
    }

    async fn step<R: Reconcile<K, P>>(&self, object: &K, reconciler: &R) -> Result<Action, Error> {
        if object.phase().is_none() {
            let entry = Step::from(Transition::entered(P::entry()));
            return self.writer.apply(object, entry).await;
        }
        let typed = R::Bridge::from_object(object.clone())
            .map_err(|mismatch| Error::Lifecycle(mismatch.into_refused().into_parts().1))?;
        let step = reconciler
            .reconcile(typed)
            .await
            .map_err(Error::reconcile)?;
        self.writer.apply(object, step).await
    }

    /// Runs on a `Controller` of `api` until `shutdown` fires.
    pub async fn run<R: Reconcile<K, P>>(self, reconciler: Arc<R>, shutdown: Shutdown) {
        let controller = Controller::new(self.api.clone(), self.watcher.clone());
        self.run_with(controller, reconciler, shutdown).await;
    }

    /// Runs on `controller` (one that also `owns` or `watches` other kinds, say) until
    /// `shutdown` fires.
    pub async fn run_with<R: Reconcile<K, P>>(
        self,
        controller: Controller<K>,
        reconciler: Arc<R>,
        shutdown: Shutdown,
    ) {
        if let Some(telemetry) = &self.telemetry {
            telemetry.count_objects::<K, P>(controller.store());
        }
        let kind = K::kind(&()).into_owned();
        info!(%kind, field_manager = %self.writer.field_manager(), "watching");
        let retry = self.retry;
        let context = Arc::new((self, reconciler));
        controller
            .graceful_shutdown_on(shutdown.signalled())
            .run(
                |object, context: Arc<(Self, Arc<R>)>| async move {
                    context.0.reconcile(object, &*context.1).await
                },
                move |object, error: &Error, _| {
                    warn!(object = %object.name_any(), error = %error_chain(error), "reconcile failed; retrying");
                    Action::requeue(retry)
                },
                context,
            )
            .for_each(|_| futures::future::ready(()))
            .await;
        info!(%kind, "controller stopped");
    }
}

/// The step that fires `deleting` on a deleted object, unless it has no phase, is in
/// the event's target already, or is in a state the event does not leave.
fn deleting_step<K: HasPhase<P>, P: Lifecycle>(object: &K, deleting: P::Event) -> Option<Step<P>> {
    let from = object.phase()?;
    match from.on(deleting) {
        Ok(to) if to != from => Some(Step::from(Transition::fired(deleting, from, to))),
        Ok(_) => None,
        Err(error) => {
            debug!(%error, "deleted in a state the deleting event does not leave; cleaning up");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(crate = "crate", event(start: Pending -> Running), event(finish: Running -> Gone))]
    #[lifecycle(event(delete: Pending | Running -> Deleting))]
    enum Phase {
        #[lifecycle(initial)]
        Pending,
        Running,
        #[lifecycle(terminal)]
        Deleting,
        #[lifecycle(terminal)]
        Gone,
    }

    struct Object(Option<Phase>);

    impl HasPhase<Phase> for Object {
        fn phase(&self) -> Option<Phase> {
            self.0
        }
        fn set_phase(&mut self, phase: Phase) {
            self.0 = Some(phase);
        }
    }

    #[test]
    fn deletion_fires_the_deleting_event_once_and_only_where_it_fires() {
        let step = deleting_step(&Object(Some(Phase::Running)), PhaseEvent::Delete).unwrap();
        assert_eq!(
            step.transition(),
            Some(Transition::fired(
                PhaseEvent::Delete,
                Phase::Running,
                Phase::Deleting
            ))
        );
        assert!(deleting_step(&Object(Some(Phase::Deleting)), PhaseEvent::Delete).is_none());
        assert!(deleting_step(&Object(Some(Phase::Gone)), PhaseEvent::Delete).is_none());
        assert!(deleting_step(&Object(None), PhaseEvent::Delete).is_none());
    }
}
