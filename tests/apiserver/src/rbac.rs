//! RBAC for tests: ClusterRoles, their aggregation, and bindings to an [`Identity`].

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, RoleBinding, RoleRef, Subject};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceSubresources,
};
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

/// A ClusterRole `name` granting what the built-in `edit` role grants on the resources
/// `crds` define, with the `status` and `scale` subresources those serve, labelled to
/// aggregate into `edit`, the way an operator's chart ships it. One rule per API group.
pub fn editor_role(name: &str, crds: &[CustomResourceDefinition]) -> ClusterRole {
    let mut rules: Vec<PolicyRule> = Vec::new();
    for crd in crds {
        let plural = &crd.spec.names.plural;
        let serves = |has: fn(&CustomResourceSubresources) -> bool| {
            crd.spec
                .versions
                .iter()
                .any(|v| v.subresources.as_ref().is_some_and(has))
        };
        let mut resources = vec![plural.clone()];
        if serves(|s| s.status.is_some()) {
            resources.push(format!("{plural}/status"));
        }
        if serves(|s| s.scale.is_some()) {
            resources.push(format!("{plural}/scale"));
        }
        let group = Some(vec![crd.spec.group.clone()]);
        match rules.iter_mut().find(|rule| rule.api_groups == group) {
            Some(rule) => rule.resources.get_or_insert_default().extend(resources),
            None => rules.push(PolicyRule {
                api_groups: group,
                resources: Some(resources),
                verbs: EDIT_VERBS.map(str::to_owned).to_vec(),
                ..PolicyRule::default()
            }),
        }
    }
    ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(BTreeMap::from([(
                AGGREGATE_TO_EDIT.to_owned(),
                "true".to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        rules: Some(rules),
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

/// Grants `identity` the built-in `edit` ClusterRole in `namespace`, with `role` folded in.
/// No controller-manager runs here, so `edit` holds no rules of its own: `role` (labelled
/// to aggregate into `edit`, as [`editor_role`] makes it) is created and folded in first,
/// as the aggregation controller would on a cluster.
pub async fn grant_edit(
    client: &Client,
    namespace: &str,
    identity: Identity,
    role: &ClusterRole,
) -> Result<RoleBinding> {
    create_cluster_role(client, role).await?;
    aggregate_cluster_role(client, "edit").await?;
    bind_cluster_role(client, namespace, "edit", identity).await
}
