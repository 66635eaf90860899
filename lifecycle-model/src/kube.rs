//! The lifecycle on a cluster, through kube-runtime (feature `kube`): each transition as
//! a Kubernetes Event, and the status (phase, conditions and `observedGeneration`) in
//! one write: a server-side apply ([`apply_status`]), or a merge patch planned from one
//! read that keeps the caller's other status fields and is refused when the read was
//! stale ([`StatusPatch`]).
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::kube::transition_event;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(event(finish_pause: Pausing -> Paused), event(resume: Paused -> Pausing))]
//! enum Phase {
//!     #[lifecycle(initial)]
//!     Pausing,
//!     Paused,
//! }
//!
//! let event = transition_event(PhaseEvent::FinishPause, Phase::Pausing, Phase::Paused);
//! assert_eq!(event.reason, "FinishPause");
//! assert_eq!(event.action, "finish_pause");
//! assert_eq!(event.note.as_deref(), Some("Pausing → Paused"));
//! ```

use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use ::kube::api::{Api, Patch, PatchParams};
use ::kube::runtime::events::{Event, EventType, Recorder, Reporter};
use ::kube::{Client, Resource};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::conditions::Condition;
use crate::{Lifecycle, Transition};

/// The Event that records a transition from `from` to `to` by `event`: type `Normal`,
/// reason the event's name in PascalCase, action the event's name, note `from → to`.
pub fn transition_event<L: Lifecycle>(event: L::Event, from: L, to: L) -> Event {
    event_of(Transition::fired(event, from, to), EventType::Normal)
}

/// The Event of `transition`, of type `type_`: reason, action and note from the record.
pub(crate) fn event_of<L: Lifecycle>(transition: Transition<L>, type_: EventType) -> Event {
    Event {
        type_,
        reason: transition.reason(),
        note: Some(transition.note()),
        action: transition.action().to_owned(),
        secondary: None,
    }
}

/// Publishes [`transition_event`] on the object `reference` through kube-runtime's
/// `Recorder`, which also folds repeats into an event series.
pub async fn publish_transition<L: Lifecycle>(
    recorder: &Recorder,
    reference: &ObjectReference,
    event: L::Event,
    from: L,
    to: L,
) -> Result<(), ::kube::Error> {
    recorder
        .publish(&transition_event(event, from, to), reference)
        .await
}

/// kube-runtime's [`Recorder`], started afresh after every `capacity` Events, so that
/// what it remembers has a bound.
///
/// A `Recorder` remembers each distinct Event it published (by object, reason, action,
/// type and related object) for six minutes, to fold a repeat into the first one's
/// series; it keeps no bound on how many. When a thousand objects change at once, that is
/// thousands of Events, each some 2 KB in the recorder's table: most of a controller's
/// memory. client-go bounds its own correlator's cache (at 4,096 Events); this bounds
/// kube-runtime's by handing each Event to a fresh `Recorder` once `capacity` have gone
/// through the current one. A repeat still folds into its series unless a fresh start
/// falls between the two.
///
/// Clones share the current `Recorder` and the count.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use kube::runtime::events::Reporter;
/// use lifecycle_model::kube::BoundedRecorder;
///
/// let config = kube::Config::new("http://127.0.0.1:8001".parse().unwrap());
/// let client = kube::Client::try_from(config).unwrap();
/// let events = BoundedRecorder::new(client, Reporter::from("my-controller")).with_capacity(2);
/// for _ in 0..5 {
///     let _recorder = events.recorder(); // the Recorder to publish the next Event with
/// }
/// // Five Events, two to a Recorder: the third and the fifth each started a fresh one.
/// assert_eq!(events.fresh_starts(), 2);
/// # }
/// ```
#[derive(Clone)]
pub struct BoundedRecorder {
    client: Client,
    reporter: Reporter,
    capacity: usize,
    current: Arc<Mutex<Current>>,
}

/// The `Recorder` Events go through now, how many have, and how many it replaced.
struct Current {
    recorder: Recorder,
    published: usize,
    fresh_starts: u64,
}

impl BoundedRecorder {
    /// How many Events go through one `Recorder` unless told otherwise: about 4 MB of
    /// its table at most.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// Publishes as `reporter` through `client`, [`Self::DEFAULT_CAPACITY`] Events to a
    /// `Recorder`.
    pub fn new(client: Client, reporter: Reporter) -> Self {
        let recorder = Recorder::new(client.clone(), reporter.clone());
        BoundedRecorder {
            client,
            reporter,
            capacity: Self::DEFAULT_CAPACITY,
            current: Arc::new(Mutex::new(Current {
                recorder,
                published: 0,
                fresh_starts: 0,
            })),
        }
    }

    /// `capacity` Events to a `Recorder` (at least one).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The `Recorder` to publish the next Event with, counted as one: the current one, or
    /// a fresh one when `capacity` Events have gone through the current.
    pub fn recorder(&self) -> Recorder {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.published >= self.capacity {
            current.recorder = Recorder::new(self.client.clone(), self.reporter.clone());
            current.published = 0;
            current.fresh_starts += 1;
        }
        current.published += 1;
        current.recorder.clone()
    }

    /// Publishes `event` on the object `reference`, as [`Recorder::publish`] does.
    pub async fn publish(
        &self,
        event: &Event,
        reference: &ObjectReference,
    ) -> Result<(), ::kube::Error> {
        self.recorder().publish(event, reference).await
    }

    /// How many times a fresh `Recorder` replaced a full one.
    pub fn fresh_starts(&self) -> u64 {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fresh_starts
    }
}

/// The status a lifecycle owns: `phase`, `conditions` and `observedGeneration`, as the
/// `status` of a server-side apply. Conditions are applied by `type`, so with a
/// conditions list declared as a map (`schema::conditions_schema`) other writers'
/// conditions stay.
pub fn status_body<L: Lifecycle>(
    phase: L,
    conditions: &[Condition],
    observed_generation: Option<i64>,
) -> Value {
    let mut status = json!({ "phase": phase.name(), "conditions": conditions });
    if let Some(generation) = observed_generation {
        status["observedGeneration"] = json!(generation);
    }
    status
}

/// Applies `status` to the status subresource of `name` with server-side apply as
/// `field_manager`, forcing ownership of the fields it sends: one write for phase,
/// conditions and generation, so no reader sees one without the others.
pub async fn apply_status<K>(
    api: &Api<K>,
    name: &str,
    field_manager: &str,
    status: Value,
) -> Result<K, ::kube::Error>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
{
    let body = json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "status": status,
    });
    api.patch_status(
        name,
        &PatchParams::apply(field_manager).force(),
        &Patch::Apply(body),
    )
    .await
}

/// One write of a transition's status, planned from the object as it was read: the
/// phase, the lifecycle's conditions merged into the object's own list (other writers'
/// types kept, transition times moving only with a status), `observedGeneration`, and
/// the caller's own status fields, as one JSON merge patch of the status subresource.
///
/// - **Nothing else is touched.** A merge patch names the fields it changes; status
///   fields it leaves out stay as they are, whoever wrote them.
/// - **Planned from one read.** The patch carries the `resourceVersion` it was planned
///   from: if the object changed since, the server refuses it (409 Conflict,
///   [`is_conflict`]) and the caller reads again and plans again. A plan is never
///   applied twice, and never over a change it did not see.
///
/// ```
/// use lifecycle_model::Lifecycle;
/// use lifecycle_model::kube::StatusPatch;
/// use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(deploy: Pending -> Running))]
/// enum TaskPhase {
///     #[lifecycle(initial, reconciling)]
///     Pending,
///     #[lifecycle(terminal, ready)]
///     Running,
/// }
///
/// let read = ObjectMeta { resource_version: Some("41".into()), generation: Some(3), ..ObjectMeta::default() };
/// let patch = StatusPatch::new(TaskPhase::Running, "2026-01-01T00:00:00Z")
///     .planned_from(&read)
///     .message("rolled out to 3 of 3 nodes")
///     .field("progress", 7);
/// let body = patch.body(&[]);
/// assert_eq!(body["metadata"]["resourceVersion"], "41");
/// assert_eq!(body["status"]["phase"], "Running");
/// assert_eq!(body["status"]["observedGeneration"], 3);
/// assert_eq!(body["status"]["progress"], 7);
/// assert_eq!(body["status"]["conditions"][0]["type"], "Ready");
/// assert_eq!(body["status"]["conditions"][0]["message"], "rolled out to 3 of 3 nodes");
/// ```
#[derive(Debug, Clone)]
pub struct StatusPatch<L> {
    phase: L,
    now: String,
    resource_version: Option<String>,
    observed_generation: Option<i64>,
    message: Option<String>,
    keep_messages: bool,
    fields: serde_json::Map<String, Value>,
}

impl<L: Lifecycle> StatusPatch<L> {
    /// The status of `phase`, its conditions stamped `now` (RFC 3339) where they change.
    pub fn new(phase: L, now: impl Into<String>) -> Self {
        StatusPatch {
            phase,
            now: now.into(),
            resource_version: None,
            observed_generation: None,
            message: None,
            keep_messages: false,
            fields: serde_json::Map::new(),
        }
    }

    /// Plans from the object whose metadata is `read`: the patch carries its
    /// `resourceVersion`, and records its `generation` as `observedGeneration`.
    pub fn planned_from(mut self, read: &ObjectMeta) -> Self {
        self.resource_version = read.resource_version.clone();
        self.observed_generation = read.generation;
        self
    }

    /// Says why, in the message of each of the lifecycle's conditions in this write
    /// (`waiting for 3 buffers to drain`), in place of `<Enum> is <State>`.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Keeps the reason and message of each of the lifecycle's conditions whose status
    /// this write does not change: for a write that refreshes the status without a move
    /// and has nothing new to say. A [`message`](Self::message) still replaces them.
    pub fn keep_messages(mut self) -> Self {
        self.keep_messages = true;
        self
    }

    /// Adds one of the caller's own status fields, written in the same patch.
    pub fn field(mut self, name: &str, value: impl serde::Serialize) -> Self {
        self.fields.insert(
            name.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    /// The merge patch, with the phase's conditions merged into `current` (the
    /// object's `status.conditions` as read): the whole list is sent, which the
    /// `resourceVersion` makes safe.
    pub fn body(&self, current: &[Condition]) -> Value {
        let mut conditions = current.to_vec();
        let mut ours = self.phase.conditions(self.observed_generation, &self.now);
        if let Some(message) = &self.message {
            for condition in &mut ours {
                condition.message.clone_from(message);
            }
        } else if self.keep_messages {
            for condition in &mut ours {
                let same = crate::conditions::find_condition(current, &condition.type_)
                    .filter(|c| c.status == condition.status);
                if let Some(same) = same {
                    condition.reason.clone_from(&same.reason);
                    condition.message.clone_from(&same.message);
                }
            }
        }
        crate::conditions::merge_conditions(&mut conditions, ours);
        let mut status = self.fields.clone();
        let own = status_body(self.phase, &conditions, self.observed_generation);
        if let Value::Object(own) = own {
            status.extend(own);
        }
        let mut body = json!({ "status": status });
        if let Some(version) = &self.resource_version {
            body["metadata"] = json!({ "resourceVersion": version });
        }
        body
    }

    /// Sends [`StatusPatch::body`] to the status subresource of `name` as
    /// `field_manager`.
    pub async fn send<K>(
        &self,
        api: &Api<K>,
        name: &str,
        field_manager: &str,
        current: &[Condition],
    ) -> Result<K, ::kube::Error>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
    {
        let params = PatchParams {
            field_manager: Some(field_manager.to_owned()),
            ..PatchParams::default()
        };
        api.patch_status(name, &params, &Patch::Merge(self.body(current)))
            .await
    }
}

/// Puts the object-level rules of `P`'s actions on the root of every version of `crd`,
/// where rules that read both the phase (`self.status.phase`) and the fields actions
/// mutate (`self.spec.replicas`) must sit. For a kube-derive `CustomResource`, whose
/// generated root takes no schemars attributes: `with_lifecycle::<MyPhase>(My::crd())`.
/// A rule already there is not added twice.
///
/// The phase's own rules (the transition rule, the initial rule) come with the phase's
/// schema wherever the field is declared: `#[lifecycle(schema)]`. Needs the `schema`
/// feature too.
#[cfg(feature = "schema")]
pub fn with_lifecycle<P: Lifecycle>(
    mut crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
) -> k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::ValidationRule;
    let machine = P::machine();
    let rules: Vec<ValidationRule> = (0..machine.actions.len())
        .filter_map(|action| machine.action_rule(action))
        .map(|rule| ValidationRule {
            rule: rule.rule,
            message: Some(rule.message),
            message_expression: Some(rule.message_expression),
            field_path: Some(rule.field_path),
            reason: Some(crate::schema::ACTION_REASON.to_owned()),
            optional_old_self: None,
        })
        .collect();
    for version in &mut crd.spec.versions {
        let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        else {
            continue;
        };
        let validations = root.x_kubernetes_validations.get_or_insert_with(Vec::new);
        for rule in &rules {
            if !validations.iter().any(|r| r.rule == rule.rule) {
                validations.push(rule.clone());
            }
        }
    }
    crd
}

/// Whether `error` is the server refusing a write planned from a stale read (409
/// Conflict): read the object again and plan again.
pub fn is_conflict(error: &::kube::Error) -> bool {
    matches!(error, ::kube::Error::Api(status) if status.code == 409)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(crate = "crate", event(deploy: Pending -> Running), event(fail: Running -> Failed))]
    enum Phase {
        #[lifecycle(initial, reconciling)]
        Pending,
        #[lifecycle(ready)]
        Running,
        #[lifecycle(terminal, stalled)]
        Failed,
    }

    fn written(patch: &StatusPatch<Phase>, current: &[Condition]) -> Vec<Condition> {
        serde_json::from_value(patch.body(current)["status"]["conditions"].clone()).unwrap()
    }

    #[test]
    fn kept_messages_stay_where_the_status_does_not_change() {
        let mut current = Phase::Running.conditions(Some(1), "2026-01-01T00:00:00Z");
        current[0].message = "3 of 3 nodes".to_owned();
        current[0].reason = "RolledOut".to_owned();
        let refresh = StatusPatch::new(Phase::Running, "2026-01-02T00:00:00Z").keep_messages();
        let ready = written(&refresh, &current);
        assert_eq!(
            (ready[0].reason.as_str(), ready[0].message.as_str()),
            ("RolledOut", "3 of 3 nodes")
        );
        assert_eq!(ready[0].last_transition_time, "2026-01-01T00:00:00Z");

        // A move changes the statuses, and with them the words.
        let failed = written(
            &StatusPatch::new(Phase::Failed, "2026-01-02T00:00:00Z").keep_messages(),
            &current,
        );
        let ready = find_condition_in(&failed, "Ready");
        assert_eq!(ready.message, "Phase is Failed");
        // A message given wins over kept ones.
        let told = written(&refresh.clone().message("2 of 3 nodes"), &current);
        assert_eq!(told[0].message, "2 of 3 nodes");
        // Without keep_messages, the phase's own words.
        let plain = written(
            &StatusPatch::new(Phase::Running, "2026-01-02T00:00:00Z"),
            &current,
        );
        assert_eq!(plain[0].message, "Phase is Running");
    }

    fn find_condition_in<'a>(conditions: &'a [Condition], type_: &str) -> &'a Condition {
        crate::conditions::find_condition(conditions, type_).unwrap()
    }
}
