//! Who may move a vertex's lifecycle. The writer policy rendered from `VertexPhase`
//! ([`WriterPolicy`]) lets only the controller's ServiceAccount change
//! `spec.lifecycle.desiredPhase`: alice, who may edit vertices, is denied the move by
//! every kind of write, with the policy's message, and keeps every other edit. The
//! client-side verdict (`WriterPolicy::verdict`) agrees with the server on each.

use k8s_openapi::api::admissionregistration::v1::{
    MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_examples::numaflow::crd::{ServiceAccountRef, controller_manifests};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_model::admission::WriterPolicy;
use lifecycle_tests::apiserver::{
    self, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Identity, bind_cluster_role,
    create_cluster_role,
};
use lifecycle_tests::scenarios;
use serde_json::json;

use super::identities::{grant_edit, status_of};
use super::kubectl::Kubectl;
use super::{FakeDaemon, client, client_as, eventually, namespace, start_controller};

const FIELD: &str = "spec.lifecycle.desiredPhase";

/// The refusal of `result`: its code and message.
fn refusal<T>(result: Result<T, kube::Error>, what: &str) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.message),
        Err(e) => panic!("{what}: not an API answer: {e}"),
        Ok(_) => panic!("{what}: admitted"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_controller_moves_a_vertex_lifecycle() {
    let namespace = &namespace("writers-test").await;
    grant_edit(namespace, Identity::Alice).await;
    grant_edit(namespace, Identity::Controller).await;
    let admin = client().await;

    // The policy, bound to this namespace only: the other tests' controllers run as the
    // admin.
    let writers = WriterPolicy::new("numaflow.numaproj.io", "vertices", FIELD)
        .writer(Identity::Controller.username());
    let (policy, mut binding) = writers.render::<VertexPhase>().unwrap();
    binding.spec.match_resources = Some(MatchResources {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(
                [(
                    "kubernetes.io/metadata.name".to_owned(),
                    namespace.to_owned(),
                )]
                .into(),
            ),
            ..LabelSelector::default()
        }),
        ..MatchResources::default()
    });
    Api::<ValidatingAdmissionPolicy>::all(admin.clone())
        .create(&PostParams::default(), &policy)
        .await
        .unwrap();
    Api::<ValidatingAdmissionPolicyBinding>::all(admin.clone())
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();

    let name = "guarded";
    let vertex: Vertex =
        serde_json::from_value(scenarios::vertex(name, "source", "Running", Some(1))).unwrap();
    Api::<Vertex>::namespaced(admin, namespace)
        .create(&PostParams::default(), &vertex)
        .await
        .unwrap();
    let alice: Api<Vertex> = Api::namespaced(client_as(Identity::Alice).await, namespace);
    let pause = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
    let dry_run = PatchParams {
        dry_run: true,
        ..PatchParams::default()
    };
    // Policies are loaded in the background: wait until alice's dry run is refused.
    eventually("the writer policy is in force", || async {
        status_of(alice.patch(name, &dry_run, &KubePatch::Merge(&pause)).await) == 403
    })
    .await;

    let expected = format!(
        "{FIELD} may be changed only by {}: alice may not move it from Running to Paused",
        Identity::Controller.username()
    );
    // The client-side twin says the same before anything is sent.
    let before = serde_json::to_value(alice.get(name).await.unwrap()).unwrap();
    let mut after = before.clone();
    json_patch::merge(&mut after, &pause);
    assert_eq!(
        writers.verdict::<VertexPhase>("alice", &before, &after),
        Err(expected.clone())
    );
    assert_eq!(
        writers.verdict::<VertexPhase>(&Identity::Controller.username(), &before, &after),
        Ok(())
    );
    let merge = alice
        .patch(name, &PatchParams::default(), &KubePatch::Merge(&pause))
        .await;
    let json = alice
        .patch(
            name,
            &PatchParams::default(),
            &KubePatch::<()>::Json(
                serde_json::from_value(json!([
                    { "op": "replace", "path": "/spec/lifecycle/desiredPhase", "value": "Paused" }
                ]))
                .unwrap(),
            ),
        )
        .await;
    let mut paused = alice.get(name).await.unwrap();
    paused.spec.set_desired_phase(VertexPhase::Paused);
    let update = alice.replace(name, &PostParams::default(), &paused).await;
    let apply = alice
        .patch(
            name,
            &PatchParams::apply("alice").force(),
            &KubePatch::Apply(json!({
                "apiVersion": "numaflow.numaproj.io/v1alpha1",
                "kind": "Vertex",
                "metadata": { "name": name },
                "spec": { "lifecycle": { "desiredPhase": "Paused" } },
            })),
        )
        .await;
    for (what, result) in [
        ("merge patch", merge.map(|_| ())),
        ("JSON patch", json.map(|_| ())),
        ("update", update.map(|_| ())),
        ("server-side apply", apply.map(|_| ())),
    ] {
        let (code, message) = refusal(result, what);
        assert_eq!(code, 403, "{what}: {message}");
        assert!(message.contains(&expected), "{what}: {message}");
    }
    assert_eq!(
        alice.get(name).await.unwrap().spec.desired_phase(),
        VertexPhase::Running
    );

    // Every other edit of alice's passes: a label, and scaling the running source.
    let edit = json!({ "metadata": { "labels": { "team": "a" } }, "spec": { "replicas": 2 } });
    let before = serde_json::to_value(alice.get(name).await.unwrap()).unwrap();
    let mut after = before.clone();
    json_patch::merge(&mut after, &edit);
    assert_eq!(
        writers.verdict::<VertexPhase>("alice", &before, &after),
        Ok(())
    );
    alice
        .patch(name, &PatchParams::default(), &KubePatch::Merge(&edit))
        .await
        .unwrap_or_else(|e| panic!("alice's other edits: {e}"));

    // The controller's move passes.
    let controller: Api<Vertex> = Api::namespaced(client_as(Identity::Controller).await, namespace);
    let moved = controller
        .patch(name, &PatchParams::default(), &KubePatch::Merge(&pause))
        .await
        .unwrap_or_else(|e| panic!("the controller's move: {e}"));
    assert_eq!(moved.spec.desired_phase(), VertexPhase::Paused);
    assert_eq!(moved.spec.replicas, Some(2));

    // alice's `kubectl scale`, through the scale subresource, which the policy leaves
    // alone: a running source scales; the paused one is refused by the CRD's rule.
    let Some(kubectl) = Kubectl::for_shared_server() else {
        return;
    };
    let running: Vertex =
        serde_json::from_value(scenarios::vertex("running", "source", "Running", Some(1))).unwrap();
    Api::<Vertex>::namespaced(client().await, namespace)
        .create(&PostParams::default(), &running)
        .await
        .unwrap();
    let alice_ctx = Identity::Alice.context();
    let scaled = kubectl.ok(
        &[
            "--context",
            alice_ctx,
            "scale",
            "-n",
            namespace,
            "vertex/running",
            "--replicas=3",
        ],
        None,
    );
    assert!(scaled.contains("scaled"), "{scaled}");
    let refused = kubectl.refused(
        &[
            "--context",
            alice_ctx,
            "scale",
            "-n",
            namespace,
            &format!("vertex/{name}"),
            "--replicas=3",
        ],
        None,
    );
    assert!(
        refused.contains("replicas must not change while the phase stays put"),
        "{refused}"
    );
}

/// The ClusterRole `crdgen` renders holds every verb the controllers use: run as its
/// ServiceAccount with that role alone (bound in one namespace), `numaflow-controller`
/// takes a pipeline through create, pause, resume, an edit and delete.
#[tokio::test(flavor = "multi_thread")]
async fn the_controller_needs_no_more_than_the_role_crdgen_renders() {
    let namespace = &namespace("controller-role-test").await;
    let admin = client().await;
    let account = ServiceAccountRef {
        namespace: CONTROLLER_NAMESPACE.to_owned(),
        name: CONTROLLER_SERVICE_ACCOUNT.to_owned(),
    };
    let mut role = controller_manifests(&account).role;
    role.metadata.name = Some("numaflow-controller-as-rendered".to_owned());
    if let Err(e) = create_cluster_role(&admin, &role).await {
        panic!("the rendered role: {}", apiserver::error_chain(&e));
    }
    if let Err(e) = bind_cluster_role(
        &admin,
        namespace,
        "numaflow-controller-as-rendered",
        Identity::Controller,
    )
    .await
    {
        panic!("binding the rendered role: {}", apiserver::error_chain(&e));
    }
    let controller: Api<Vertex> = Api::namespaced(client_as(Identity::Controller).await, namespace);
    eventually("the RoleBinding takes effect", || async {
        status_of(controller.list(&Default::default()).await) == 0
    })
    .await;

    let daemon = FakeDaemon::start();
    let _controller = start_controller(
        namespace,
        &daemon.url,
        &["--context", Identity::Controller.context()],
    );
    super::install::drive(&admin, namespace, "least").await;
}
