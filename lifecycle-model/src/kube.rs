//! The lifecycle on a cluster, through kube-runtime (feature `kube`): each transition as
//! a Kubernetes Event, and the status (phase, conditions and `observedGeneration`) in
//! one server-side apply.
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

use ::kube::Resource;
use ::kube::api::{Api, Patch, PatchParams};
use ::kube::runtime::events::{Event, EventType, Recorder};
use k8s_openapi::api::core::v1::ObjectReference;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::conditions::{Condition, reason_for};
use crate::{Lifecycle, Named};

/// The Event that records a transition from `from` to `to` by `event`: type `Normal`,
/// reason the event's name in PascalCase, action the event's name, note `from → to`.
pub fn transition_event<L: Lifecycle>(event: L::Event, from: L, to: L) -> Event {
    Event {
        type_: EventType::Normal,
        reason: reason_for(event.name()),
        note: Some(format!("{} → {}", from.name(), to.name())),
        action: event.name().to_owned(),
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
