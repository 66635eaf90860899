//! The machine travels with its CRD (feature `admission`): each declared lifecycle of a
//! kind, keyed by the path of its phase field, in one annotation of the
//! CustomResourceDefinition, [`MACHINES_ANNOTATION`]. Any client that can read the CRD can
//! read the lifecycle: its states, events and who may fire them, in the versioned form of
//! [`Machine::to_json`].
//!
//! ```
//! use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::crd::{MACHINES_ANNOTATION, annotate, machines_of};
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(verbs, event(pause: Running -> Paused), event(resume: Paused -> Running))]
//! enum Desired {
//!     #[lifecycle(initial)]
//!     Running,
//!     Paused,
//! }
//!
//! let mut crd = CustomResourceDefinition::default();
//! annotate::<Desired>(&mut crd, "spec.lifecycle.desiredPhase");
//! let carried: serde_json::Value =
//!     serde_json::from_str(&crd.metadata.annotations.as_ref().unwrap()[MACHINES_ANNOTATION]).unwrap();
//! assert_eq!(carried["spec.lifecycle.desiredPhase"]["format"], "lifecycle.machine/v1");
//!
//! let machines = machines_of(&crd).unwrap();
//! assert_eq!(machines.len(), 1);
//! assert_eq!(machines[0].0, "spec.lifecycle.desiredPhase");
//! assert_eq!(machines[0].1, Desired::machine());
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use lifecycle_machine::Machine;
use serde_json::{Map, Value};

use crate::Lifecycle;

pub use lifecycle_machine::json::{CarriedError, MACHINES_ANNOTATION};

/// Puts `L`'s machine on `crd` under [`MACHINES_ANNOTATION`], for the phase field at
/// `phase_path` (from the object's root: `status.phase`, `spec.lifecycle.desiredPhase`).
/// Machines already there for other fields stay; one for the same field is replaced.
pub fn annotate<L: Lifecycle>(crd: &mut CustomResourceDefinition, phase_path: &str) {
    let annotations = crd.metadata.annotations.get_or_insert_default();
    let mut machines = annotations
        .get(MACHINES_ANNOTATION)
        .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok())
        .unwrap_or_default();
    machines.insert(phase_path.to_owned(), L::machine().to_json_value());
    annotations.insert(
        MACHINES_ANNOTATION.to_owned(),
        Value::Object(machines).to_string(),
    );
}

/// The machines `crd` carries, with the path of each one's phase field, in the order of
/// their paths; empty when it carries none.
///
/// # Errors
///
/// When the annotation is not a JSON object, or a machine in it does not read
/// ([`Machine::from_json`]).
pub fn machines_of(crd: &CustomResourceDefinition) -> Result<Vec<(String, Machine)>, CarriedError> {
    let Some(text) = crd
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(MACHINES_ANNOTATION))
    else {
        return Ok(Vec::new());
    };
    lifecycle_machine::json::carried(text)
}

/// The Argo CD health check of `crd`'s objects, as the Lua of
/// [`Machine::argocd_health_lua`], from a machine it carries whose states stand for
/// conditions: one of the status (a pipeline's `status.phase`) before one of the spec (a
/// vertex's desired phase, whose health is then the desired phase's as its controller
/// has observed it, unless its `Stalled` condition holds); `None` when it carries none.
/// Its key in Argo CD's `argocd-cm` is [`argocd_health_key`].
///
/// # Errors
///
/// When the machines annotation does not read ([`machines_of`]).
pub fn argocd_health(crd: &CustomResourceDefinition) -> Result<Option<String>, CarriedError> {
    let machines = machines_of(crd)?;
    let with_conditions = || {
        machines
            .iter()
            .filter(|(_, m)| !m.condition_types().is_empty())
    };
    Ok(with_conditions()
        .find(|(path, _)| path.starts_with("status."))
        .or_else(|| with_conditions().next())
        .map(|(path, m)| m.argocd_health_lua(path)))
}

/// The key of `crd`'s health check in Argo CD's `argocd-cm` ConfigMap:
/// `resource.customizations.health.<group>_<Kind>`.
pub fn argocd_health_key(crd: &CustomResourceDefinition) -> String {
    format!(
        "resource.customizations.health.{}_{}",
        crd.spec.group, crd.spec.names.kind
    )
}

/// Gives `status` a default of `{"observedGeneration": 0}` in every version's schema
/// that has `status.observedGeneration`, so that an object no controller has written a
/// status for yet reads as a generation not yet observed. kstatus (Flux, kpt,
/// cli-utils' apply with wait) reads an object with neither conditions nor
/// `observedGeneration` as current; with the default it reads as in progress until the
/// controller's first status. The API server applies the default when it decodes the
/// object, from a request or from storage; the defaulted status may be stored with a
/// later write, and the controller's first status write replaces it. A `status` schema
/// that requires fields gets no default, since `{"observedGeneration": 0}` would not be
/// valid there and the server would refuse the CRD.
///
/// ```
/// use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
///     CustomResourceDefinition, CustomResourceValidation, JSONSchemaProps,
/// };
/// use lifecycle_model::crd::default_unobserved_status;
///
/// let schema: JSONSchemaProps = serde_json::from_value(serde_json::json!({
///     "type": "object",
///     "properties": { "status": {
///         "type": "object",
///         "properties": { "observedGeneration": { "type": "integer" } },
///     } },
/// }))
/// .unwrap();
/// let mut crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
///     "metadata": { "name": "widgets.example.com" },
///     "spec": { "group": "example.com", "scope": "Namespaced",
///               "names": { "kind": "Widget", "plural": "widgets" },
///               "versions": [{ "name": "v1", "served": true, "storage": true }] },
/// }))
/// .unwrap();
/// crd.spec.versions[0].schema = Some(CustomResourceValidation {
///     open_api_v3_schema: Some(schema),
/// });
/// default_unobserved_status(&mut crd);
/// let schema = crd.spec.versions[0].schema.as_ref().unwrap();
/// let status = &schema.open_api_v3_schema.as_ref().unwrap().properties.as_ref().unwrap()["status"];
/// assert_eq!(status.default.as_ref().unwrap().0, serde_json::json!({ "observedGeneration": 0 }));
/// ```
pub fn default_unobserved_status(crd: &mut CustomResourceDefinition) {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSON;
    for version in &mut crd.spec.versions {
        let status = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
            .and_then(|root| root.properties.as_mut())
            .and_then(|properties| properties.get_mut("status"));
        let Some(status) = status else { continue };
        let observes = status
            .properties
            .as_ref()
            .is_some_and(|p| p.contains_key("observedGeneration"));
        let requires = status.required.as_ref().is_some_and(|r| !r.is_empty());
        if observes && !requires {
            status.default = Some(JSON(serde_json::json!({ "observedGeneration": 0 })));
        }
    }
}

/// kube-state-metrics' `CustomResourceStateMetrics` configuration for the kinds of `crds`
/// that carry machines: for each machine a state-set series of its phase field (label
/// `state`, one series per state, the current one 1), every condition in the object's
/// `status.conditions` (label `type`, 1 for `True`, 0 for `False` and `Unknown`), and
/// `metadata.generation` beside
/// `status.observedGeneration`. Metric names are `lifecycle_<kind>_<phase field>`
/// (`lifecycle_pipeline_status_phase`), `lifecycle_<kind>_condition`,
/// `lifecycle_<kind>_generation` and `lifecycle_<kind>_observed_generation`, each
/// labelled with the object's `name` and `namespace`. A phase field left unset gives no
/// state-set series: kube-state-metrics reads only what is written.
///
/// ```
/// use lifecycle_model::Lifecycle;
/// use lifecycle_model::crd::{annotate, kube_state_metrics};
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(start: Off -> On), event(stop: On -> Off))]
/// enum Power {
///     #[lifecycle(initial, suspended)]
///     Off,
///     #[lifecycle(ready)]
///     On,
/// }
///
/// let mut crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition =
///     serde_json::from_value(serde_json::json!({
///         "metadata": { "name": "gadgets.example.com" },
///         "spec": { "group": "example.com", "scope": "Namespaced",
///                   "names": { "kind": "Gadget", "plural": "gadgets" },
///                   "versions": [{ "name": "v1", "served": true, "storage": true }] },
///     }))
///     .unwrap();
/// annotate::<Power>(&mut crd, "status.power");
/// let config = kube_state_metrics(&[crd]).unwrap();
/// let gadget = &config["spec"]["resources"][0];
/// assert_eq!(gadget["metricNamePrefix"], "lifecycle_gadget");
/// let states = &gadget["metrics"][0]["each"]["stateSet"];
/// assert_eq!(states["path"], serde_json::json!(["status", "power"]));
/// assert_eq!(states["list"], serde_json::json!(["Off", "On"]));
/// ```
///
/// # Errors
///
/// When a CRD's machines annotation does not read ([`machines_of`]).
pub fn kube_state_metrics(crds: &[CustomResourceDefinition]) -> Result<Value, CarriedError> {
    use serde_json::json;
    let path = |p: &str| Value::from(p.split('.').collect::<Vec<_>>());
    let mut resources = Vec::new();
    for crd in crds {
        let machines = machines_of(crd)?;
        if machines.is_empty() {
            continue;
        }
        let kind = &crd.spec.names.kind;
        // The storage version if it is served, else the first served one.
        let served = || crd.spec.versions.iter().filter(|v| v.served);
        let version = served()
            .find(|v| v.storage)
            .or(served().next())
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let mut metrics: Vec<Value> = machines
            .iter()
            .map(|(field, machine)| {
                json!({
                    "name": field.replace('.', "_").to_ascii_lowercase(),
                    "help": format!("The state of {field} ({}): 1 for the state the object is in, 0 for the others.", machine.name),
                    "each": { "type": "StateSet", "stateSet": {
                        "labelName": "state", "path": path(field), "list": machine.states,
                    } },
                })
            })
            .collect();
        if machines
            .iter()
            .any(|(_, m)| !m.condition_types().is_empty())
        {
            metrics.push(json!({
                "name": "condition",
                "help": "The object's conditions by type: 1 for True, 0 for False.",
                "each": { "type": "Gauge", "gauge": {
                    "path": ["status", "conditions"], "labelsFromPath": { "type": ["type"] },
                    "valueFrom": ["status"],
                } },
            }));
        }
        for (name, field, help) in [
            (
                "generation",
                "metadata.generation",
                "The object's metadata.generation.",
            ),
            (
                "observed_generation",
                "status.observedGeneration",
                "The generation its controller last observed.",
            ),
        ] {
            metrics.push(json!({
                "name": name, "help": help,
                "each": { "type": "Gauge", "gauge": { "path": path(field) } },
            }));
        }
        resources.push(json!({
            "groupVersionKind": { "group": crd.spec.group, "version": version, "kind": kind },
            "metricNamePrefix": format!("lifecycle_{}", kind.to_ascii_lowercase()),
            "labelsFromPath": { "name": ["metadata", "name"], "namespace": ["metadata", "namespace"] },
            "metrics": metrics,
        }));
    }
    Ok(json!({ "kind": "CustomResourceStateMetrics", "spec": { "resources": resources } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carrying(text: &str) -> CustomResourceDefinition {
        let mut crd = CustomResourceDefinition::default();
        crd.metadata.annotations = Some([(MACHINES_ANNOTATION.to_owned(), text.to_owned())].into());
        crd
    }

    #[test]
    fn a_crd_without_the_annotation_carries_no_machine() {
        assert_eq!(
            machines_of(&CustomResourceDefinition::default()),
            Ok(Vec::new())
        );
    }

    #[test]
    fn a_bad_annotation_says_what_is_wrong() {
        assert_eq!(
            machines_of(&carrying("[1]")).unwrap_err().to_string(),
            "annotation lifecycle.rs/machines is not a JSON object of machines by phase field: \
             invalid type: sequence, expected a map at line 1 column 0"
        );
        assert_eq!(
            machines_of(&carrying(
                r#"{"status.phase": {"format": "lifecycle.machine/v9", "name": "X", "states": []}}"#
            ))
            .unwrap_err()
            .to_string(),
            "the machine of status.phase in lifecycle.rs/machines: format `lifecycle.machine/v9` \
             is not one this version reads; it reads `lifecycle.machine/v1`"
        );
    }
}
