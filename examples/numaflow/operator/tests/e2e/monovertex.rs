//! A MonoVertex under `numaflow-controller`: its users pause and resume it directly, a
//! pause takes its pods to zero and a resume brings them back, `kubectl scale` of a paused
//! MonoVertex is refused with the lifecycle's words, and a user without the verb to pause
//! is refused by the writer policy `crdgen` renders, told which verb is missing.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::core::ObjectMeta;
use lifecycle_apiserver::{
    Identity, Kubectl, bind_cluster_role, bind_policy_in_namespace, create_cluster_role,
    error_chain, eventually, status_of,
};
use lifecycle_model::admission::Requester;
use numaflow_model::crd::{controller_manifests, writer_policies};
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexPhase, MonoVertexStatus, MonoVertexStatusPhase,
};
use serde_json::{Value, json};

use super::{SERVER, StandInDaemon, account, client, client_as, namespace, start_controller};

/// A MonoVertex `name` with `replicas`, a generator source and a log sink.
fn mono_vertex(name: &str, replicas: i32) -> MonoVertex {
    serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "MonoVertex",
        "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "source": { "generator": { "rpu": 5 } },
            "sink": { "log": {} },
        },
    }))
    .unwrap()
}

/// The merge patch that asks for `phase`.
fn desired(phase: &str) -> Patch<Value> {
    Patch::Merge(json!({ "spec": { "lifecycle": { "desiredPhase": phase } } }))
}

/// Pods of the MonoVertex `name` not on their way out.
async fn live_pods(pods: &Api<Pod>, name: &str) -> usize {
    let selector = MonoVertexStatus::selector_for(name);
    pods.list(&ListParams::default().labels(&selector))
        .await
        .map(|l| {
            l.items
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .count()
        })
        .unwrap_or(usize::MAX)
}

/// Whether `name`'s status says `phase`, with `desired` replicas wanted and `running`
/// running.
async fn status_is(
    mvtxs: &Api<MonoVertex>,
    name: &str,
    phase: MonoVertexStatusPhase,
    replicas: i32,
) -> bool {
    mvtxs.get(name).await.is_ok_and(|m| {
        m.status.is_some_and(|s| {
            s.phase == Some(phase)
                && s.desired_replicas == Some(replicas)
                && s.replicas == Some(replicas)
        })
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_mono_vertex_runs_no_pods_refuses_scale_and_resumes_with_its_replicas() {
    let namespace = &namespace("mono-vertex-test").await;
    let admin = client().await;
    let mvtxs: Api<MonoVertex> = Api::namespaced(admin.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(admin.clone(), namespace);
    let daemon = StandInDaemon::start();
    let _controller = start_controller(namespace, &daemon.url, &[]);
    mvtxs
        .create(&PostParams::default(), &mono_vertex("mvtx", 2))
        .await
        .unwrap();
    eventually("two pods run and the status says Running", || async {
        live_pods(&pods, "mvtx").await == 2
            && status_is(&mvtxs, "mvtx", MonoVertexStatusPhase::Running, 2).await
    })
    .await;

    mvtxs
        .patch("mvtx", &PatchParams::default(), &desired("Paused"))
        .await
        .unwrap();
    eventually("the pause takes every pod", || async {
        live_pods(&pods, "mvtx").await == 0
            && status_is(&mvtxs, "mvtx", MonoVertexStatusPhase::Paused, 0).await
    })
    .await;
    let paused = mvtxs.get("mvtx").await.unwrap();
    let status = paused.status.unwrap();
    assert_eq!(status.message.as_deref(), Some("MonoVertex paused"));
    assert_eq!(status.observed_generation, paused.metadata.generation);
    let events: Api<Event> = Api::namespaced(admin.clone(), namespace);
    eventually("the pause is an UpdateMonoVertexPhase Event", || async {
        events.list(&Default::default()).await.is_ok_and(|l| {
            l.items.iter().any(|e| {
                e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("mvtx")
                    && e.reason.as_deref() == Some("UpdateMonoVertexPhase")
                    && e.note.as_deref() == Some("Updated MonoVertex phase from Running to Paused")
            })
        })
    })
    .await;

    // The replicas a resume restores cannot be changed while paused, by kubectl either.
    if let Some(kubectl) = Kubectl::for_server(SERVER.get()) {
        let refused = kubectl.refused(
            &["-n", namespace, "scale", "monovertex/mvtx", "--replicas=5"],
            None,
        );
        assert!(
            refused.contains(
                "replicas cannot change while Paused; `scale` is allowed only in Running"
            ),
            "{refused}"
        );
    }
    assert_eq!(mvtxs.get("mvtx").await.unwrap().spec.replicas, Some(2));

    mvtxs
        .patch("mvtx", &PatchParams::default(), &desired("Running"))
        .await
        .unwrap();
    eventually("the resume brings both pods back", || async {
        live_pods(&pods, "mvtx").await == 2
            && status_is(&mvtxs, "mvtx", MonoVertexStatusPhase::Running, 2).await
    })
    .await;
    // Running again, it scales.
    if let Some(kubectl) = Kubectl::for_server(SERVER.get()) {
        kubectl.ok(
            &["-n", namespace, "scale", "monovertex/mvtx", "--replicas=3"],
            None,
        );
        eventually("a third pod follows the scale", || async {
            live_pods(&pods, "mvtx").await == 3
        })
        .await;
    }
}

/// A ClusterRole `name` that may do `verbs` to MonoVertices.
fn mono_vertex_role(name: &str, verbs: &[&str]) -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["numaflow.numaproj.io".to_owned()]),
            resources: Some(vec!["monovertices".to_owned()]),
            verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_holders_of_the_verb_pause_or_resume_a_mono_vertex() {
    let namespace = &namespace("mono-vertex-writers-test").await;
    let admin = client().await;
    for (role, verbs) in [
        ("mono-vertex-editor", &["get", "list", "watch", "patch"][..]),
        ("mono-vertex-pauser", &["get", "patch", "pause"][..]),
    ] {
        if let Err(e) = create_cluster_role(&admin, &mono_vertex_role(role, verbs)).await {
            panic!("{role}: {}", error_chain(&e));
        }
    }
    for (role, who) in [
        ("mono-vertex-editor", Identity::Alice),
        ("mono-vertex-pauser", Identity::Bob),
    ] {
        if let Err(e) = bind_cluster_role(&admin, namespace, role, who).await {
            panic!("granting {who:?} {role}: {}", error_chain(&e));
        }
    }
    for (policy, binding) in controller_manifests(&account()).policies {
        if let Err(e) = bind_policy_in_namespace(&admin, namespace, &policy, binding).await {
            panic!("the writer policy: {}", error_chain(&e));
        }
    }
    Api::<MonoVertex>::namespaced(admin.clone(), namespace)
        .create(&PostParams::default(), &mono_vertex("guarded", 1))
        .await
        .unwrap();
    let policy = writer_policies(&account())
        .into_iter()
        .find(|p| p.name().starts_with("monovertices-"))
        .expect("crdgen renders a policy for MonoVertices");
    let (running, paused) = (
        json!({ "spec": { "lifecycle": { "desiredPhase": "Running" } } }),
        json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } }),
    );
    let alice_may_not = policy
        .verdict::<MonoVertexPhase>(&Requester::user("alice"), Some(&running), &paused)
        .expect_err("alice holds no pause");
    assert!(alice_may_not.contains("pause"), "{alice_may_not}");

    let alice: Api<MonoVertex> = Api::namespaced(client_as(Identity::Alice).await, namespace);
    let dry_run = PatchParams {
        dry_run: true,
        ..PatchParams::default()
    };
    eventually("the writer policies are in force", || async {
        status_of(alice.patch("guarded", &dry_run, &desired("Paused")).await) == 403
    })
    .await;
    match alice
        .patch("guarded", &PatchParams::default(), &desired("Paused"))
        .await
    {
        Err(kube::Error::Api(s)) => assert!(
            s.code == 403 && s.message.contains(&alice_may_not),
            "{}: {}",
            s.code,
            s.message
        ),
        Ok(_) => panic!("alice paused a MonoVertex without the verb"),
        Err(e) => panic!("not an API answer: {e}"),
    }
    // Edits that leave the phase alone are hers to make.
    alice
        .patch(
            "guarded",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "labels": { "team": "a" } } })),
        )
        .await
        .unwrap_or_else(|e| panic!("alice labels it: {e}"));

    let bob: Api<MonoVertex> = Api::namespaced(client_as(Identity::Bob).await, namespace);
    bob.patch("guarded", &PatchParams::default(), &desired("Paused"))
        .await
        .unwrap_or_else(|e| panic!("bob holds pause: {e}"));
    let bob_may_not = policy
        .verdict::<MonoVertexPhase>(
            &Requester::user("bob").granted("pause"),
            Some(&paused),
            &running,
        )
        .expect_err("bob holds no resume");
    assert!(bob_may_not.contains("resume"), "{bob_may_not}");
    match bob
        .patch("guarded", &PatchParams::default(), &desired("Running"))
        .await
    {
        Err(kube::Error::Api(s)) => assert!(
            s.code == 403 && s.message.contains(&bob_may_not),
            "{}: {}",
            s.code,
            s.message
        ),
        Ok(_) => panic!("bob resumed a MonoVertex without the verb"),
        Err(e) => panic!("not an API answer: {e}"),
    }
}
