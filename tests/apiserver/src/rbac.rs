//! RBAC for tests: ClusterRoles, their aggregation, and bindings to an [`Identity`].

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, RoleBinding, RoleRef, Subject};
use kube::Client;
use kube::api::{Api, ListParams, ObjectMeta, Patch, PatchParams, PostParams};

use super::{CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Error, Identity, Result};

/// The label by which a ClusterRole asks to be folded into the built-in `edit` role.
const AGGREGATE_TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";

/// What the built-in `edit` role allows on a resource.
const EDIT_VERBS: [&str; 8] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

impl Identity {
    /// The RBAC subject that names this identity in a binding.
    pub fn subject(self) -> Subject {
        match self {
            Identity::Admin | Identity::Alice | Identity::Bob | Identity::Carol => Subject {
                api_group: Some("rbac.authorization.k8s.io".to_owned()),
                kind: "User".to_owned(),
                name: self.username(),
                namespace: None,
            },
            Identity::Controller => Subject {
                api_group: None,
                kind: "ServiceAccount".to_owned(),
                name: CONTROLLER_SERVICE_ACCOUNT.to_owned(),
                namespace: Some(CONTROLLER_NAMESPACE.to_owned()),
            },
        }
    }
}

/// `numaflow-edit`: editing NumaFlow's pipelines and vertices, with their `status` and
/// `scale` subresources, labelled to aggregate into the built-in `edit` ClusterRole, the
/// way an operator's chart ships it.
pub fn numaflow_editor_role() -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta {
            name: Some("numaflow-edit".to_owned()),
            labels: Some(BTreeMap::from([(
                AGGREGATE_TO_EDIT.to_owned(),
                "true".to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["numaflow.numaproj.io".to_owned()]),
            resources: Some(
                [
                    "pipelines",
                    "pipelines/status",
                    "vertices",
                    "vertices/status",
                    "vertices/scale",
                ]
                .map(str::to_owned)
                .to_vec(),
            ),
            verbs: EDIT_VERBS.map(str::to_owned).to_vec(),
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    }
}

/// Creates `role`, or replaces the rules and labels of the one by that name.
pub async fn create_cluster_role(client: &Client, role: &ClusterRole) -> Result<ClusterRole> {
    let api: Api<ClusterRole> = Api::all(client.clone());
    let name = role.metadata.name.clone().unwrap_or_default();
    match api.create(&PostParams::default(), role).await {
        Ok(created) => Ok(created),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let body = serde_json::json!({
                "metadata": { "labels": role.metadata.labels },
                "rules": role.rules,
            });
            api.patch(&name, &PatchParams::default(), &Patch::Merge(body))
                .await
                .map_err(Error::request(format!("updating ClusterRole {name}")))
        }
        Err(e) => Err(Error::request(format!("creating ClusterRole {name}"))(e)),
    }
}

/// Does for the ClusterRole `name` what kube-controller-manager's aggregation controller
/// does on a cluster: sets its rules to those of every ClusterRole its
/// `aggregationRule` selects. This server runs no controller-manager, so the built-in
/// `admin`, `edit` and `view` roles stay empty until a test calls this.
pub async fn aggregate_cluster_role(client: &Client, name: &str) -> Result<ClusterRole> {
    let api: Api<ClusterRole> = Api::all(client.clone());
    let role = api
        .get(name)
        .await
        .map_err(Error::request(format!("reading ClusterRole {name}")))?;
    let selectors = role
        .aggregation_rule
        .and_then(|a| a.cluster_role_selectors)
        .unwrap_or_default();
    let mut rules: Vec<PolicyRule> = Vec::new();
    for selector in selectors {
        let labels = selector.match_labels.unwrap_or_default();
        let query = labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let selected = api
            .list(&ListParams::default().labels(&query))
            .await
            .map_err(Error::request(format!("listing ClusterRoles {query}")))?;
        for rule in selected
            .items
            .into_iter()
            .flat_map(|r| r.rules.unwrap_or_default())
        {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
    }
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({ "rules": rules })),
    )
    .await
    .map_err(Error::request(format!("aggregating ClusterRole {name}")))
}

/// Grants `identity` the ClusterRole `cluster_role` within `namespace`, with a
/// RoleBinding named after both.
pub async fn bind_cluster_role(
    client: &Client,
    namespace: &str,
    cluster_role: &str,
    identity: Identity,
) -> Result<RoleBinding> {
    let api: Api<RoleBinding> = Api::namespaced(client.clone(), namespace);
    let name = format!("{cluster_role}-{}", identity.context());
    let binding = RoleBinding {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".to_owned()),
            kind: "ClusterRole".to_owned(),
            name: cluster_role.to_owned(),
        },
        subjects: Some(vec![identity.subject()]),
    };
    api.create(&PostParams::default(), &binding)
        .await
        .map_err(Error::request(format!(
            "creating RoleBinding {namespace}/{name}"
        )))
}
