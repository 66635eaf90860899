//! One step of a reconcile: what the reconcile function decides ([`Step`]), and how it
//! reaches the cluster ([`StatusWriter`]): one guarded status write, then the Event and
//! the metric.

use std::fmt::Debug;
use std::time::Duration;

use ::kube::api::Api;
use ::kube::runtime::controller::Action;
use ::kube::runtime::events::{EventType, Reporter};
use ::kube::{Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{debug, info, warn};

use super::{Error, error_chain};
use crate::conditions::Condition;
use crate::kube::{BoundedRecorder, StatusPatch, is_conflict};
use crate::metrics::LifecycleMetrics;
use crate::{HasPhase, Lifecycle, Moved, Transition};

/// What one reconcile of an object decided: a move (with the record a recorded typed event or
/// `fire` returned) or none, the caller's own status fields and condition message for
/// the same write, and when to look again.
///
/// ```
/// use std::time::Duration;
/// use lifecycle_model::{Lifecycle, Transition};
/// use lifecycle_model::runtime::Step;
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(start: Pending -> Running))]
/// enum Phase {
///     #[lifecycle(initial)]
///     Pending,
///     #[lifecycle(terminal)]
///     Running,
/// }
///
/// let step = Step::from(Transition::fired(PhaseEvent::Start, Phase::Pending, Phase::Running))
///     .message("3 of 3 replicas ready")
///     .field("readyReplicas", 3);
/// assert_eq!(step.transition().map(|t| t.to()), Some(Phase::Running));
/// assert_eq!(step.fields()["readyReplicas"], 3);
///
/// let waiting: Step<Phase> = Step::stay().requeue_after(Duration::from_secs(5));
/// assert!(waiting.transition().is_none());
/// ```
#[derive(Debug, Clone)]
#[must_use = "a step does nothing until the controller applies it"]
pub struct Step<P: Lifecycle> {
    transition: Option<Transition<P>>,
    message: Option<String>,
    fields: serde_json::Map<String, Value>,
    requeue: Option<Duration>,
}

impl<P: Lifecycle> Step<P> {
    /// No move: the phase stays. The status is still brought up to date (generation,
    /// fields, message) where it differs; without a [`message`](Self::message), the
    /// conditions keep the words they have.
    pub fn stay() -> Self {
        Step {
            transition: None,
            message: None,
            fields: serde_json::Map::new(),
            requeue: None,
        }
    }

    /// Says why, in the message of the lifecycle's conditions written with this step.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// One of the caller's own status fields, written in the same write as the phase.
    /// A value that does not serialize is written as `null`.
    pub fn field(mut self, name: &str, value: impl Serialize) -> Self {
        self.fields.insert(
            name.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    /// Looks at the object again after `after`, though nothing changed.
    pub fn requeue_after(mut self, after: Duration) -> Self {
        self.requeue = Some(after);
        self
    }

    /// The move, if any.
    pub fn transition(&self) -> Option<Transition<P>> {
        self.transition
    }

    /// The caller's status fields.
    pub fn fields(&self) -> &serde_json::Map<String, Value> {
        &self.fields
    }

    /// What kube-runtime is told once the step is written: look again after the
    /// requeue asked for, else on the next change (a move's own write is one).
    pub fn action(&self) -> Action {
        self.requeue
            .map_or_else(Action::await_change, Action::requeue)
    }
}

impl<P: Lifecycle> From<Transition<P>> for Step<P> {
    fn from(transition: Transition<P>) -> Self {
        Step {
            transition: Some(transition),
            ..Step::stay()
        }
    }
}

impl<H, P: Lifecycle> From<Moved<H, P>> for Step<P> {
    fn from(moved: Moved<H, P>) -> Self {
        Step::from(moved.transition())
    }
}

/// How long to wait after a write refused as stale: the watch that brings the newer
/// object wakes the reconcile sooner as a rule.
pub const STALE_RETRY: Duration = Duration::from_secs(1);

/// Writes steps for one kind of object: the status as one merge patch of the status
/// subresource, guarded by the `resourceVersion` it was planned from, then the
/// transition's Event (through a [`BoundedRecorder`]) and metric.
///
/// The controller in this module uses it; a loop of your own can too.
#[derive(Clone)]
pub struct StatusWriter {
    client: Client,
    field_manager: String,
    recorder: BoundedRecorder,
    metrics: Option<LifecycleMetrics>,
}

impl StatusWriter {
    /// Writes as `field_manager`, which also reports the Events (instance `HOSTNAME`
    /// when set).
    pub fn new(client: Client, field_manager: impl Into<String>) -> Self {
        let field_manager = field_manager.into();
        let reporter = Reporter {
            controller: field_manager.clone(),
            instance: std::env::var("HOSTNAME").ok(),
        };
        StatusWriter {
            recorder: BoundedRecorder::new(client.clone(), reporter),
            client,
            field_manager,
            metrics: None,
        }
    }

    /// Counts every transition written in `metrics`.
    pub fn with_metrics(mut self, metrics: LifecycleMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The client it writes with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The field manager it writes as.
    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// Applies `step` to `object` as it was read:
    ///
    /// 1. **One write.** Phase (the move's target, or the current phase), the
    ///    lifecycle's conditions merged into the object's own, `observedGeneration` and
    ///    the step's fields go in one merge patch of the status subresource, carrying
    ///    the object's `resourceVersion`. Fields the patch leaves out stay as they are.
    ///    A step that would change nothing is not sent.
    /// 2. **Never over a change it did not see.** A write the server refuses as stale
    ///    (409) is not retried with the same plan: the step returns a requeue after
    ///    [`STALE_RETRY`], and the next reconcile plans again from the newer object.
    /// 3. **Then the record.** A move written is published as an Event on the object
    ///    (type `Warning` into a `stalled` state, else `Normal`) and counted.
    pub async fn apply<K, P>(&self, object: &K, step: Step<P>) -> Result<Action, Error>
    where
        K: Resource<DynamicType = ()> + HasPhase<P> + Clone + Serialize + DeserializeOwned + Debug,
        K::Scope: Scope,
        P: Lifecycle,
    {
        let Some(phase) = step.transition.map(|t| t.to()).or_else(|| object.phase()) else {
            return Ok(step.action());
        };
        let status = serde_json::to_value(object)
            .ok()
            .and_then(|mut v| v.get_mut("status").map(Value::take))
            .unwrap_or(Value::Null);
        let conditions: Vec<Condition> = status
            .get("conditions")
            .and_then(|c| serde_json::from_value(c.clone()).ok())
            .unwrap_or_default();
        let mut patch =
            StatusPatch::new(phase, jiff::Timestamp::now().to_string()).planned_from(object.meta());
        if let Some(message) = &step.message {
            patch = patch.message(message.clone());
        } else if step.transition.is_none() {
            patch = patch.keep_messages();
        }
        for (name, value) in &step.fields {
            patch = patch.field(name, value);
        }
        let body = patch.body(&conditions);
        if step.transition.is_none() && contains(&status, &body["status"]) {
            return Ok(step.action());
        }
        let name = object.name_any();
        let api = api_of(&self.client, object);
        match patch
            .send(&api, &name, &self.field_manager, &conditions)
            .await
        {
            Ok(_) => {}
            Err(error) if is_conflict(&error) => {
                debug!(object = %name, "planned from a stale read; planning again");
                return Ok(Action::requeue(STALE_RETRY));
            }
            Err(source) => {
                return Err(Error::Request {
                    action: format!("writing the status of {}/{name}", K::kind(&())),
                    source,
                });
            }
        }
        if let Some(transition) = step.transition {
            self.record(object, transition).await;
        }
        Ok(step.action())
    }

    /// Publishes `transition` as an Event on `object` and counts it. A failed Event is
    /// logged, not retried: the write it reports was made.
    pub async fn record<K, P>(&self, object: &K, transition: Transition<P>)
    where
        K: Resource<DynamicType = ()>,
        P: Lifecycle,
    {
        info!(object = %object.meta().name.as_deref().unwrap_or_default(), %transition, "transition");
        if let Some(metrics) = &self.metrics {
            metrics.record(transition);
        }
        // The table's list, not a whole `Machine` built to read one field of it.
        let type_ = match P::__TABLE.stalled.contains(&transition.to().index()) {
            true => EventType::Warning,
            false => EventType::Normal,
        };
        let event = crate::kube::event_of(transition, type_);
        if let Err(error) = self.recorder.publish(&event, &object.object_ref(&())).await {
            warn!(error = %error_chain(&error), "cannot publish the transition Event");
        }
    }
}

/// The scope of a kind, namespaced or cluster-wide: it knows where an object of the
/// kind is written. Implemented for kube's two scopes.
pub trait Scope {
    /// The API of `K`'s objects in `namespace`, or cluster-wide.
    fn api<K: Resource<Scope = Self, DynamicType = ()>>(
        client: Client,
        namespace: Option<&str>,
    ) -> Api<K>;
}

impl Scope for k8s_openapi::NamespaceResourceScope {
    fn api<K: Resource<Scope = Self, DynamicType = ()>>(
        client: Client,
        namespace: Option<&str>,
    ) -> Api<K> {
        match namespace {
            Some(namespace) => Api::namespaced(client, namespace),
            None => Api::all(client),
        }
    }
}

impl Scope for k8s_openapi::ClusterResourceScope {
    fn api<K: Resource<Scope = Self, DynamicType = ()>>(client: Client, _: Option<&str>) -> Api<K> {
        Api::all(client)
    }
}

/// The API `object` is written through: its namespace's, or the cluster's.
pub(crate) fn api_of<K>(client: &Client, object: &K) -> Api<K>
where
    K: Resource<DynamicType = ()>,
    K::Scope: Scope,
{
    K::Scope::api(client.clone(), object.meta().namespace.as_deref())
}

/// Whether every field of `patch` holds the same value in `current`, objects compared
/// field by field and anything else as a whole.
fn contains(current: &Value, patch: &Value) -> bool {
    match (current, patch) {
        (Value::Object(current), Value::Object(patch)) => patch.iter().all(|(key, value)| {
            current
                .get(key)
                .is_some_and(|existing| contains(existing, value))
        }),
        _ => current == patch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_patch_is_contained_where_every_field_it_names_holds_its_value() {
        let current =
            json!({ "phase": "Running", "observedGeneration": 2, "bytes": 7, "extra": true });
        assert!(contains(
            &current,
            &json!({ "phase": "Running", "bytes": 7 })
        ));
        assert!(!contains(
            &current,
            &json!({ "phase": "Running", "bytes": 8 })
        ));
        assert!(!contains(&current, &json!({ "observedGeneration": 3 })));
        assert!(!contains(&current, &json!({ "missing": null })));
        assert!(!contains(&Value::Null, &json!({ "phase": "Running" })));
        let nested = json!({ "a": { "b": 1, "c": 2 } });
        assert!(contains(&nested, &json!({ "a": { "b": 1 } })));
        assert!(!contains(&nested, &json!({ "a": [1] })));
    }

    #[derive(crate::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(crate = "crate", event(start: Pending -> Running))]
    enum Phase {
        #[lifecycle(initial)]
        Pending,
        #[lifecycle(terminal)]
        Running,
    }

    #[test]
    fn a_step_waits_for_a_change_unless_told_when_to_look_again() {
        assert_eq!(Step::<Phase>::stay().action(), Action::await_change());
        let later = Step::<Phase>::stay().requeue_after(Duration::from_secs(3));
        assert_eq!(later.action(), Action::requeue(Duration::from_secs(3)));
        let moved = Step::from(Transition::fired(
            PhaseEvent::Start,
            Phase::Pending,
            Phase::Running,
        ));
        assert_eq!(moved.action(), Action::await_change());
        assert_eq!(moved.transition().map(|t| t.to()), Some(Phase::Running));
    }
}
