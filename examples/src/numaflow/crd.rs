//! Both CRDs as one YAML stream, as `crdgen` prints them; with the controller's
//! ServiceAccount, the rest of what a cluster needs to run `numaflow-controller` safely
//! ([`controller_manifests`]).
//!
//! ```
//! let yaml = lifecycle_examples::numaflow::crd::yaml().unwrap();
//! assert!(yaml.starts_with("---\n"));
//! assert_eq!(yaml.matches("\n---\n").count() + 1, 2);
//! assert!(yaml.contains("name: pipelines.numaflow.numaproj.io"));
//! assert!(yaml.contains("name: vertices.numaflow.numaproj.io"));
//! ```

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::admissionregistration::v1::{
    MatchCondition, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::CustomResourceExt;
use lifecycle_model::admission::WriterPolicy;
use serde::Serialize;

use crate::numaflow::pipeline::Pipeline;
use crate::numaflow::vertex::{Vertex, VertexPhase};

/// The CRDs, Pipeline first.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![Pipeline::crd(), Vertex::crd()]
}

/// The CRDs as YAML documents, each starting with `---`.
pub fn yaml() -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    for crd in crds() {
        push_document(&mut out, &crd)?;
    }
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
/// use lifecycle_examples::numaflow::crd::ServiceAccountRef;
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
    /// Only `account` may change a vertex's `spec.lifecycle.desiredPhase`.
    pub policy: ValidatingAdmissionPolicy,
    /// The policy's binding: every namespace, `Deny`.
    pub binding: ValidatingAdmissionPolicyBinding,
    /// The verbs the controllers use, nothing more.
    pub role: ClusterRole,
    /// The role, granted to `account`.
    pub role_binding: ClusterRoleBinding,
}

/// The name of the controller's ClusterRole and of its binding.
pub const CONTROLLER_ROLE: &str = "numaflow-controller";

/// The writer policy of the vertices' desired phase, its binding, and the controller's
/// RBAC, for the controller running as `account`. The ServiceAccount is written into the
/// policy rather than read from a `paramKind` object: it is known when the manifests are
/// rendered, the server type-checks the one expression when the policy is written, and
/// there is no parameter object to keep in step. Members of `system:masters` pass the
/// policy: they can remove it anyway, and moving a lifecycle by hand in an emergency
/// should not need a policy edit.
pub fn controller_manifests(account: &ServiceAccountRef) -> ControllerManifests {
    let (mut policy, binding) = WriterPolicy::new(
        "numaflow.numaproj.io",
        "vertices",
        "spec.lifecycle.desiredPhase",
    )
    .writer(account.username())
    .render::<VertexPhase>()
    .unwrap_or_else(|e| unreachable!("the field path is a literal: {e}"));
    if let Some(spec) = policy.spec.as_mut() {
        spec.match_conditions = Some(vec![MatchCondition {
            name: "not-a-cluster-administrator".to_owned(),
            expression: "!('system:masters' in request.userInfo.groups)".to_owned(),
        }]);
    }
    let rule = |group: &str, resources: &[&str], verbs: &[&str]| PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    };
    let role = ClusterRole {
        metadata: ObjectMeta {
            name: Some(CONTROLLER_ROLE.to_owned()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![
            // Watch pipelines; the finalizer and the pause stamp are patches. The
            // controllers read through their watches and never `get`.
            rule(
                "numaflow.numaproj.io",
                &["pipelines"],
                &["list", "watch", "patch"],
            ),
            rule(
                "numaflow.numaproj.io",
                &["pipelines/status", "vertices/status"],
                &["patch"],
            ),
            // Vertices follow the pipeline's spec: made, patched, deleted.
            rule(
                "numaflow.numaproj.io",
                &["vertices"],
                &["list", "watch", "create", "patch", "delete"],
            ),
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
        ]),
        ..ClusterRole::default()
    };
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
    ControllerManifests {
        policy,
        binding,
        role,
        role_binding,
    }
}

/// The CRDs and, with the controller's ServiceAccount, [`controller_manifests`]: the
/// writer policy, its binding, the ClusterRole and its binding, as YAML documents.
///
/// ```
/// use lifecycle_examples::numaflow::crd;
///
/// let account = "numaflow-system:numaflow-controller".parse().unwrap();
/// let yaml = crd::manifests_yaml(Some(&account)).unwrap();
/// assert_eq!(yaml.matches("---\n").count(), 6);
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
        push_document(&mut out, &m.policy)?;
        push_document(&mut out, &m.binding)?;
        push_document(&mut out, &m.role)?;
        push_document(&mut out, &m.role_binding)?;
    }
    Ok(out)
}
