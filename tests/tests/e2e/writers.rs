//! Who may move a vertex's lifecycle. The writer policy rendered from `VertexPhase`
//! ([`WriterPolicy`]) lets only the controller's ServiceAccount change
//! `spec.lifecycle.desiredPhase`: alice, who may edit vertices, is denied the move by
//! every kind of write, with the policy's message, and keeps every other edit.

use k8s_openapi::api::admissionregistration::v1::{
    MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_model::admission::WriterPolicy;
use lifecycle_tests::apiserver::Identity;
use lifecycle_tests::scenarios;
use serde_json::json;

use super::identities::{grant_edit, status_of};
use super::{client, client_as, eventually, namespace};

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
    let (policy, mut binding) = WriterPolicy::new("numaflow.numaproj.io", "vertices", FIELD)
        .writer(Identity::Controller.username())
        .render::<VertexPhase>()
        .unwrap();
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
}
