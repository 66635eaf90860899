//! The CRDs (Pipeline, Vertex, MonoVertex) as one YAML stream, as `crdgen` prints them; with the controller's
//! ServiceAccount, the rest of what a cluster needs to run `numaflow-controller` safely
//! ([`controller_manifests`]).
//!
//! ```
//! let yaml = numaflow_model::crd::yaml().unwrap();
//! assert!(yaml.starts_with("---\n"));
//! assert_eq!(yaml.matches("\n---\n").count() + 1, 3);
//! assert!(yaml.contains("name: pipelines.numaflow.numaproj.io"));
//! assert!(yaml.contains("name: vertices.numaflow.numaproj.io"));
//! assert!(yaml.contains("name: monovertices.numaflow.numaproj.io"));
//! ```

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::admissionregistration::v1::{
    ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::CustomResourceExt;
use lifecycle_model::Lifecycle;
use lifecycle_model::admission::WriterPolicy;
use lifecycle_model::crd::{annotate, default_unobserved_status};
use serde::Serialize;

use crate::monovertex::{MonoVertex, MonoVertexPhase};
use crate::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use crate::vertex::{Vertex, VertexPhase};

/// NumaFlow's API group.
const GROUP: &str = "numaflow.numaproj.io";

/// The CRDs: Pipeline, Vertex, MonoVertex, each carrying its lifecycles
/// ([`lifecycle_model::crd`]): a pipeline's status phase and its users' desired phase, a
/// vertex's and a MonoVertex's desired phase.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let mut pipeline = Pipeline::crd();
    annotate::<PipelinePhase>(&mut pipeline, "status.phase");
    annotate::<DesiredPhase>(&mut pipeline, "spec.lifecycle.desiredPhase");
    let mut vertex = Vertex::crd();
    annotate::<VertexPhase>(&mut vertex, "spec.lifecycle.desiredPhase");
    let mut mono_vertex = MonoVertex::crd();
    annotate::<MonoVertexPhase>(&mut mono_vertex, "spec.lifecycle.desiredPhase");
    let mut crds = vec![pipeline, vertex, mono_vertex];
    crds.iter_mut().for_each(default_unobserved_status);
    crds
}

/// The CRDs as YAML documents, each starting with `---`.
pub fn yaml() -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    for crd in crds() {
        push_document(&mut out, &crd)?;
    }
    Ok(out)
}

/// Argo CD's health checks of pipelines, vertices and MonoVertices, generated from their
/// lifecycles, as the `argocd-cm` ConfigMap of namespace `argocd` that carries them
/// (`resource.customizations.health.numaflow.numaproj.io_Pipeline`, ...): a settled
/// `Paused` reads `Suspended`, `Running` `Healthy`, `Pausing` and a generation not yet
/// observed `Progressing`, `Failed` `Degraded`. Merge its `data` into your own
/// `argocd-cm`.
///
/// ```
/// let map = numaflow_model::crd::argocd_health_config_map();
/// let data = map.data.unwrap();
/// let pipeline = &data["resource.customizations.health.numaflow.numaproj.io_Pipeline"];
/// assert!(pipeline.contains(r#"["Paused"] = "Suspended""#));
/// assert_eq!(data.len(), 3);
/// ```
pub fn argocd_health_config_map() -> k8s_openapi::api::core::v1::ConfigMap {
    let data = crds()
        .iter()
        .filter_map(|crd| {
            // The machines were put on just above, so they read.
            let lua = lifecycle_model::crd::argocd_health(crd).ok().flatten()?;
            Some((lifecycle_model::crd::argocd_health_key(crd), lua))
        })
        .collect();
    k8s_openapi::api::core::v1::ConfigMap {
        metadata: kube::core::ObjectMeta {
            name: Some("argocd-cm".to_owned()),
            namespace: Some("argocd".to_owned()),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    }
}

/// [`argocd_health_config_map`] as one YAML document starting with `---`.
pub fn argocd_health_yaml() -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    push_document(&mut out, &argocd_health_config_map())?;
    Ok(out)
}

/// kube-state-metrics' `CustomResourceStateMetrics` configuration for pipelines,
/// vertices and MonoVertices, generated from their lifecycles
/// ([`lifecycle_model::crd::kube_state_metrics`]): `lifecycle_pipeline_status_phase`
/// with one series per state, the conditions, and the generations. Give it to
/// kube-state-metrics with `--custom-resource-state-config-file`.
///
/// ```
/// let config = numaflow_model::crd::kube_state_metrics_config();
/// let resources = config["spec"]["resources"].as_array().unwrap();
/// assert_eq!(resources.len(), 3);
/// assert_eq!(resources[0]["metrics"][1]["name"], "status_phase");
/// ```
pub fn kube_state_metrics_config() -> serde_json::Value {
    // The machines were put on by `crds`, so they read.
    lifecycle_model::crd::kube_state_metrics(&crds()).unwrap_or_default()
}

/// [`kube_state_metrics_config`] as one YAML document starting with `---`.
pub fn kube_state_metrics_yaml() -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    push_document(&mut out, &kube_state_metrics_config())?;
    Ok(out)
}

fn push_document<T: Serialize>(
    out: &mut String,
    object: &T,
) -> Result<(), serde_saphyr::ser::Error> {
    out.push_str("---\n");
    out.push_str(&serde_saphyr::to_string(object)?);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}

/// The ServiceAccount `numaflow-controller` runs as, written `NAMESPACE:NAME`.
///
/// ```
/// use numaflow_model::crd::ServiceAccountRef;
///
/// let account: ServiceAccountRef = "numaflow-system:numaflow-controller".parse().unwrap();
/// assert_eq!(account.username(), "system:serviceaccount:numaflow-system:numaflow-controller");
/// let wrong = "numaflow-controller".parse::<ServiceAccountRef>().unwrap_err();
/// assert!(wrong.to_string().contains("NAMESPACE:NAME"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountRef {
    /// The ServiceAccount's namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl ServiceAccountRef {
    /// The user name the API server authenticates it as.
    pub fn username(&self) -> String {
        format!("system:serviceaccount:{}:{}", self.namespace, self.name)
    }
}

/// A ServiceAccount reference that is not `NAMESPACE:NAME` with two DNS labels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a ServiceAccount: expected NAMESPACE:NAME, two DNS labels (lower-case letters, digits and '-'), e.g. numaflow-system:numaflow-controller"
)]
pub struct NotAServiceAccount(pub String);

impl FromStr for ServiceAccountRef {
    type Err = NotAServiceAccount;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let label = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-')
                && !s.ends_with('-')
        };
        match value.split_once(':') {
            Some((namespace, name)) if label(namespace) && label(name) => Ok(ServiceAccountRef {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(NotAServiceAccount(value.to_owned())),
        }
    }
}

impl fmt::Display for ServiceAccountRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

/// What the cluster needs besides the CRDs to run `numaflow-controller` as `account`.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerManifests {
    /// The writer policies, each with its binding (every namespace, `Deny`), from
    /// [`writer_policies`].
    pub policies: Vec<(ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding)>,
    /// The verbs the controllers use, nothing more.
    pub role: ClusterRole,
    /// The role, granted to `account`.
    pub role_binding: ClusterRoleBinding,
    /// [`EDITOR_ROLE`]: editing pipelines, pausing and resuming them, and reading their
    /// vertices; folded into the built-in `edit` and `admin` roles.
    pub editor_role: ClusterRole,
    /// [`VIEWER_ROLE`]: reading pipelines and vertices; folded into the built-in `view`
    /// role.
    pub viewer_role: ClusterRole,
}

/// The name of the controller's ClusterRole and of its binding.
pub const CONTROLLER_ROLE: &str = "numaflow-controller";
/// The ClusterRole that may edit, pause and resume pipelines and MonoVertices.
pub const EDITOR_ROLE: &str = "numaflow-pipeline-editor";
/// The ClusterRole that may only read pipelines, vertices and MonoVertices.
pub const VIEWER_ROLE: &str = "numaflow-pipeline-viewer";
/// The group every member of `system:masters` is in: cluster administrators pass every
/// writer policy. They can remove a policy anyway, and moving a lifecycle by hand in an
/// emergency should not need a policy edit.
pub const CLUSTER_ADMINS: &str = "system:masters";

/// Who may move NumaFlow's lifecycles, for the controller running as `account`; besides
/// `account`, members of [`CLUSTER_ADMINS`] pass each:
///
/// - a pipeline's `status.phase` (through `pipelines/status`, and `pipelines`) moves for
///   the controller alone: a forged `Deleting` would strand a running pipeline;
/// - a vertex's `spec.lifecycle.desiredPhase` moves for the controller alone, and only
///   the controller creates vertices: a vertex is made from its pipeline's spec, so one
///   made by hand could run pods for a paused pipeline;
/// - a pipeline's `spec.lifecycle.desiredPhase` moves for whoever holds the RBAC verb
///   of its event on the pipeline: `pause` or `resume` ([`DesiredPhase`]);
/// - a MonoVertex's `spec.lifecycle.desiredPhase` likewise, for holders of `pause` or
///   `resume` on the MonoVertex ([`MonoVertexPhase`]).
///
/// The ServiceAccount is written into each policy rather than read from a `paramKind`
/// object: it is known when the manifests are rendered, the server type-checks the
/// expressions when a policy is written, and there is no parameter object to keep in
/// step.
///
/// ```
/// use numaflow_model::crd::writer_policies;
///
/// let account = "numaflow-system:numaflow-controller".parse().unwrap();
/// let names: Vec<String> = writer_policies(&account).iter().map(|p| p.name()).collect();
/// assert_eq!(names, [
///     "pipelines-status-phase-writers.numaflow.numaproj.io",
///     "pipelines-spec-lifecycle-desiredphase-writers.numaflow.numaproj.io",
///     "vertices-spec-lifecycle-desiredphase-writers.numaflow.numaproj.io",
///     "monovertices-spec-lifecycle-desiredphase-writers.numaflow.numaproj.io",
/// ]);
/// ```
pub fn writer_policies(account: &ServiceAccountRef) -> Vec<WriterPolicy> {
    let controller = |resource: &str, field: &str| {
        WriterPolicy::new(GROUP, resource, field)
            .service_account(&account.namespace, &account.name)
            .group(CLUSTER_ADMINS)
    };
    vec![
        controller("pipelines", "status.phase"),
        WriterPolicy::new(GROUP, "pipelines", "spec.lifecycle.desiredPhase").group(CLUSTER_ADMINS),
        controller("vertices", "spec.lifecycle.desiredPhase").only_writers_create(),
        WriterPolicy::new(GROUP, "monovertices", "spec.lifecycle.desiredPhase")
            .group(CLUSTER_ADMINS),
    ]
}

/// The writer policies of NumaFlow's lifecycles ([`writer_policies`]), the controller's
/// RBAC for the controller running as `account`, and the roles a cluster administrator
/// binds for the controller's users.
pub fn controller_manifests(account: &ServiceAccountRef) -> ControllerManifests {
    let policies = writer_policies(account);
    let rendered = [
        policies[0].render::<PipelinePhase>(),
        policies[1].render::<DesiredPhase>(),
        policies[2].render::<VertexPhase>(),
        policies[3].render::<MonoVertexPhase>(),
    ];
    let policies = rendered
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| unreachable!("the field paths are literals: {e}")))
        .collect();
    let rule = |group: &str, resources: &[&str], verbs: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    };
    let cluster_role = |name: &str, aggregate_to: &[&str], rules: Vec<PolicyRule>| ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: (!aggregate_to.is_empty()).then(|| {
                aggregate_to
                    .iter()
                    .map(|to| {
                        (
                            format!("rbac.authorization.k8s.io/aggregate-to-{to}"),
                            "true".to_owned(),
                        )
                    })
                    .collect()
            }),
            ..ObjectMeta::default()
        },
        rules: Some(rules),
        ..ClusterRole::default()
    };
    let role = cluster_role(
        CONTROLLER_ROLE,
        &[],
        vec![
            // Watch pipelines; the finalizer and the pause stamp are patches. The
            // controllers read through their watches and never `get`.
            rule(GROUP, &["pipelines"], &["list", "watch", "patch"]),
            rule(GROUP, &["pipelines/status", "vertices/status"], &["patch"]),
            // Vertices follow the pipeline's spec: made, patched, deleted.
            rule(
                GROUP,
                &["vertices"],
                &["list", "watch", "create", "patch", "delete"],
            ),
            // MonoVertices are read and their status written; their users move them.
            rule(GROUP, &["monovertices"], &["list", "watch"]),
            rule(GROUP, &["monovertices/status"], &["patch"]),
            // One pod per replica; source pods are counted for the drain.
            rule("", &["pods"], &["list", "watch", "create", "delete"]),
            // Transitions as Events; a repeat patches the series.
            rule("events.k8s.io", &["events"], &["create", "patch"]),
            // Leader election.
            rule(
                "coordination.k8s.io",
                &["leases"],
                &["get", "create", "patch"],
            ),
        ],
    );
    let role_binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(CONTROLLER_ROLE.to_owned()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".to_owned()),
            kind: "ClusterRole".to_owned(),
            name: CONTROLLER_ROLE.to_owned(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: account.name.clone(),
            namespace: Some(account.namespace.clone()),
            ..Subject::default()
        }]),
    };
    const READ: [&str; 3] = ["get", "list", "watch"];
    let desired = DesiredPhase::machine();
    let verbs: Vec<&str> = desired
        .verb_moves()
        .into_iter()
        .map(|(verb, _)| verb)
        .collect();
    let editor_role = cluster_role(
        EDITOR_ROLE,
        &["edit", "admin"],
        vec![
            rule(
                GROUP,
                &["pipelines", "monovertices"],
                &[&READ[..], &["create", "update", "patch", "delete"], &verbs].concat(),
            ),
            rule(GROUP, &["vertices"], &READ),
        ],
    );
    let viewer_role = cluster_role(
        VIEWER_ROLE,
        &["view"],
        vec![rule(
            GROUP,
            &["pipelines", "vertices", "monovertices"],
            &READ,
        )],
    );
    ControllerManifests {
        policies,
        role,
        role_binding,
        editor_role,
        viewer_role,
    }
}

/// The CRDs and, with the controller's ServiceAccount, [`controller_manifests`]: the
/// writer policy, its binding, the ClusterRole and its binding, as YAML documents.
///
/// ```
/// use numaflow_model::crd;
///
/// let account = "numaflow-system:numaflow-controller".parse().unwrap();
/// let yaml = crd::manifests_yaml(Some(&account)).unwrap();
/// assert_eq!(yaml.matches("---\n").count(), 15);
/// assert!(yaml.contains("kind: ValidatingAdmissionPolicy\n"));
/// assert!(yaml.contains("kind: ClusterRoleBinding\n"));
/// assert_eq!(crd::manifests_yaml(None).unwrap(), crd::yaml().unwrap());
/// ```
pub fn manifests_yaml(
    controller: Option<&ServiceAccountRef>,
) -> Result<String, serde_saphyr::ser::Error> {
    let mut out = yaml()?;
    if let Some(account) = controller {
        let m = controller_manifests(account);
        for (policy, binding) in &m.policies {
            push_document(&mut out, policy)?;
            push_document(&mut out, binding)?;
        }
        push_document(&mut out, &m.role)?;
        push_document(&mut out, &m.role_binding)?;
        push_document(&mut out, &m.editor_role)?;
        push_document(&mut out, &m.viewer_role)?;
    }
    Ok(out)
}
