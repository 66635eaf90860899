//! The declaration: the lifecycle, the `Database` custom resource, and its CRD.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{CustomResource, CustomResourceExt};
use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The lifecycle of a database.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(schema, enforce_initial, phase_field = "status.phase")]
#[lifecycle(event(provision: Pending -> Provisioning))]
#[lifecycle(event(ready: Provisioning | Upgrading -> Ready))]
#[lifecycle(event(upgrade: Ready -> Upgrading), event(suspend: Ready -> Suspended))]
#[lifecycle(event(resume: Suspended -> Provisioning))]
#[lifecycle(event(fail: Provisioning | Upgrading -> Failed), event(retry: Failed -> Provisioning))]
#[lifecycle(event(delete: Pending | Provisioning | Ready | Upgrading | Suspended | Failed -> Deleting))]
#[lifecycle(action(resize, states = Ready, field = "spec.storageGb"))]
pub enum DatabasePhase {
    /// Accepted, nothing done yet.
    #[lifecycle(initial, reconciling)]
    Pending,
    /// Its instance is being made.
    #[lifecycle(reconciling)]
    Provisioning,
    /// Serving.
    #[lifecycle(ready)]
    Ready,
    /// Moving to the version asked for.
    #[lifecycle(reconciling)]
    Upgrading,
    /// Asked to stop serving; no instance.
    Suspended,
    /// Cannot be provisioned as asked; fixing the spec retries.
    #[lifecycle(stalled)]
    Failed,
    /// Deleted; its instance is being cleaned up.
    #[lifecycle(terminal)]
    Deleting,
}

/// A database: what the user asks for.
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "example.dev",
    version = "v1",
    kind = "Database",
    namespaced,
    status = "DatabaseStatus",
    shortname = "db",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Version","type":"string","jsonPath":".status.currentVersion"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSpec {
    /// The engine version, such as `16`.
    pub version: String,
    /// Storage in GiB; changes only while `Ready`.
    pub storage_gb: u32,
    /// Stop serving, keeping the object.
    #[serde(default)]
    pub suspend: bool,
}

/// What the operator reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseStatus {
    /// The lifecycle's phase.
    pub phase: Option<DatabasePhase>,
    /// `Ready`, `Reconciling` and `Stalled`, and any other writer's.
    #[serde(default)]
    #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
    pub conditions: Vec<Condition>,
    /// The generation the status describes.
    pub observed_generation: Option<i64>,
    /// The version the instance runs.
    pub current_version: Option<String>,
    /// Where clients connect.
    pub endpoint: Option<String>,
}

lifecycle_model::status_phase!(Database => DatabasePhase);

/// The CRD, with the lifecycle's rules: the phase's own in `status.phase`, the
/// `resize` rule at the root.
pub fn crd() -> CustomResourceDefinition {
    lifecycle_model::kube::with_lifecycle::<DatabasePhase>(Database::crd())
}
