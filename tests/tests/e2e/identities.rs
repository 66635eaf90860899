//! The server's identities are real: each authenticates as itself, and RBAC decides what
//! it may do.

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, ListParams, PostParams};
use kube::core::ObjectMeta;
use lifecycle_apiserver::{
    self as apiserver, CONTROLLER_NAMESPACE, Identity, eventually, status_of,
};
use lifecycle_examples::numaflow::vertex::Vertex;
use lifecycle_tests::scenarios;

use super::{client, client_as, namespace, numaflow_editor_role};

/// Who the server says the caller is: `kubectl auth whoami`.
async fn who_am_i(identity: Identity) -> (String, Vec<String>) {
    let api: Api<SelfSubjectReview> = Api::all(client_as(identity).await);
    let review = SelfSubjectReview {
        metadata: ObjectMeta::default(),
        status: None,
    };
    let reviewed = api
        .create(&PostParams::default(), &review)
        .await
        .unwrap_or_else(|e| panic!("a SelfSubjectReview as {identity:?}: {e}"));
    let user = reviewed
        .status
        .and_then(|s| s.user_info)
        .expect("the review names the user");
    (
        user.username.unwrap_or_default(),
        user.groups.unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn each_identity_authenticates_as_itself() {
    for identity in Identity::ALL {
        let (username, groups) = who_am_i(identity).await;
        assert_eq!(username, identity.username(), "{identity:?}");
        assert!(
            groups.iter().any(|g| g == "system:authenticated"),
            "{identity:?}: {groups:?}"
        );
    }
    // The ServiceAccount's token is a real one: the server fills in the groups of a
    // ServiceAccount in its namespace.
    let (_, groups) = who_am_i(Identity::Controller).await;
    for group in [
        "system:serviceaccounts".to_owned(),
        format!("system:serviceaccounts:{CONTROLLER_NAMESPACE}"),
    ] {
        assert!(groups.contains(&group), "{group} in {groups:?}");
    }
    let (_, groups) = who_am_i(Identity::Admin).await;
    assert!(groups.iter().any(|g| g == "system:masters"), "{groups:?}");
}

/// Binds the built-in `edit` ClusterRole to `identity` in `namespace`. No
/// controller-manager runs here, so `edit` holds no rules of its own, and none for
/// NumaFlow's resources: the NumaFlow editor role, labelled to aggregate into `edit`, is
/// created and folded in first, as the aggregation controller would on a cluster.
async fn grant_edit(namespace: &str, identity: Identity) {
    let granted = apiserver::grant_edit(
        &client().await,
        namespace,
        identity,
        &numaflow_editor_role(),
    )
    .await;
    if let Err(e) = granted {
        panic!("granting {identity:?} edit: {}", apiserver::error_chain(&e));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn alice_may_edit_vertices_only_where_a_role_binding_grants_her_edit() {
    let granted = namespace("rbac-alice").await;
    let elsewhere = namespace("rbac-alice-elsewhere").await;
    let alice = client_as(Identity::Alice).await;
    let vertices: Api<Vertex> = Api::namespaced(alice.clone(), &granted);
    let other: Api<Vertex> = Api::namespaced(alice, &elsewhere);
    let vertex: Vertex =
        serde_json::from_value(scenarios::vertex("alices", "source", "Running", Some(1))).unwrap();

    assert_eq!(status_of(vertices.list(&ListParams::default()).await), 403);
    assert_eq!(
        status_of(vertices.create(&PostParams::default(), &vertex).await),
        403
    );

    grant_edit(&granted, Identity::Alice).await;
    // RBAC reads bindings from an informer: allow it a moment.
    eventually("alice's RoleBinding takes effect", || async {
        status_of(vertices.list(&ListParams::default()).await) == 0
    })
    .await;
    assert_eq!(
        status_of(vertices.create(&PostParams::default(), &vertex).await),
        0
    );
    assert_eq!(status_of(other.list(&ListParams::default()).await), 403);
    assert_eq!(
        status_of(other.create(&PostParams::default(), &vertex).await),
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_controller_service_account_is_forbidden_until_bound() {
    let granted = namespace("rbac-controller").await;
    let vertices: Api<Vertex> = Api::namespaced(client_as(Identity::Controller).await, &granted);
    assert_eq!(status_of(vertices.list(&ListParams::default()).await), 403);
    grant_edit(&granted, Identity::Controller).await;
    eventually("the ServiceAccount's RoleBinding takes effect", || async {
        status_of(vertices.list(&ListParams::default()).await) == 0
    })
    .await;
}
