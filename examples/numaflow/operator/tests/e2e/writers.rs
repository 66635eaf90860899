//! Who writes NumaFlow's objects once `crdgen`'s writer policies and controller role are
//! in place, with `numaflow-controller` running: a vertex is made by the controller
//! alone, and the controller needs no more than the ClusterRole `crdgen` renders. The
//! table of who may move which lifecycle, on every path, is lifecycle-tests' `writers`.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use lifecycle_apiserver::{
    Identity, bind_cluster_role, bind_policy_in_namespace, create_cluster_role, error_chain,
    eventually, status_of,
};
use lifecycle_model::admission::Requester;
use numaflow_model::crd::{controller_manifests, writer_policies};
use numaflow_model::pipeline::Pipeline;
use numaflow_model::vertex::{Vertex, VertexPhase};
use serde_json::{Value, json};

use super::{
    StandInDaemon, account, client, client_as, namespace, numaflow_editor_role,
    running_source_vertex, start_controller,
};

/// Grants `identity` the ClusterRole `role` in `namespace`.
async fn grant(namespace: &str, role: &str, identity: Identity) {
    if let Err(e) = bind_cluster_role(&client().await, namespace, role, identity).await {
        panic!("granting {identity:?} {role}: {}", error_chain(&e));
    }
}

/// Binds `crdgen`'s writer policies in `namespace` alone: the other tests' controllers
/// run beside them.
async fn bind_writer_policies_here(namespace: &str) {
    let admin = client().await;
    for (policy, binding) in controller_manifests(&account()).policies {
        if let Err(e) = bind_policy_in_namespace(&admin, namespace, &policy, binding).await {
            panic!("the writer policy: {}", error_chain(&e));
        }
    }
}

/// A pipeline `name` of a source and a sink, as a client sends it.
fn pipeline(name: &str) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": name },
        "spec": {
            "vertices": [{ "name": "in", "source": { "generator": {} } }, { "name": "out", "sink": { "log": {} } }],
            "edges": [{ "from": "in", "to": "out" }],
            "lifecycle": {},
        },
    })
}

/// A source vertex `name` with an empty `lifecycle`, as a client sends it.
fn source_vertex(name: &str) -> Value {
    let mut vertex = running_source_vertex(name);
    vertex["spec"]["lifecycle"] = json!({});
    vertex
}

/// A vertex is made from its pipeline's spec by the controller alone: alice, who may
/// create vertices, is refused one labelled as part of a paused pipeline, so no pod of
/// it ever runs; the controller's and the admin's creates pass.
#[tokio::test(flavor = "multi_thread")]
async fn nobody_but_the_controller_creates_a_vertex() {
    let namespace = &namespace("vertex-creators-test").await;
    create_cluster_role(&client().await, &numaflow_editor_role())
        .await
        .unwrap();
    for who in [Identity::Alice, Identity::Controller] {
        grant(namespace, "numaflow-edit", who).await;
    }
    let policies = writer_policies(&account());
    bind_writer_policies_here(namespace).await;
    let paused = {
        let mut p = pipeline("paused");
        p["spec"]["lifecycle"]["desiredPhase"] = json!("Paused");
        serde_json::from_value::<Pipeline>(p).unwrap()
    };
    Api::<Pipeline>::namespaced(client().await, namespace)
        .create(&PostParams::default(), &paused)
        .await
        .unwrap();
    let mut intruder = source_vertex("paused-intruder");
    intruder["metadata"]["labels"] = json!({ "numaflow.numaproj.io/pipeline-name": "paused" });
    let intruder: Vertex = serde_json::from_value(intruder).unwrap();
    let alice: Api<Vertex> = Api::namespaced(client_as(Identity::Alice).await, namespace);
    let expected = format!(
        "vertices.numaflow.numaproj.io are created only by {} or members of system:masters: alice may not create one",
        Identity::Controller.username()
    );
    let before = serde_json::to_value(&intruder).unwrap();
    assert_eq!(
        policies[2].verdict::<VertexPhase>(&Requester::user("alice"), None, &before),
        Err(expected.clone())
    );
    // Policies are loaded in the background: wait until alice's dry run is refused.
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    eventually("the writer policies are in force", || async {
        status_of(alice.create(&dry_run, &intruder).await) == 403
    })
    .await;
    match alice.create(&PostParams::default(), &intruder).await {
        Err(kube::Error::Api(s)) => assert!(
            s.code == 403 && s.message.contains(&expected),
            "{}: {}",
            s.code,
            s.message
        ),
        Ok(_) => panic!("alice created a vertex"),
        Err(e) => panic!("not an API answer: {e}"),
    }
    // The controller makes the pipeline's own vertices, paused; nothing of alice's is
    // there for it to run.
    let daemon = StandInDaemon::start();
    let _controller = start_controller(namespace, &daemon.url, &[]);
    let admin_vertices: Api<Vertex> = Api::namespaced(client().await, namespace);
    eventually(
        "the controller makes the paused pipeline's vertices",
        || async {
            admin_vertices
                .list(&Default::default())
                .await
                .is_ok_and(|l| {
                    l.items.len() == 2
                        && l.items
                            .iter()
                            .all(|v| v.spec.desired_phase() == VertexPhase::Paused)
                })
        },
    )
    .await;
    assert!(
        admin_vertices
            .get_opt("paused-intruder")
            .await
            .unwrap()
            .is_none()
    );
    let pods: Api<Pod> = Api::namespaced(client().await, namespace);
    let running = pods.list(&Default::default()).await.unwrap();
    assert!(
        running.items.is_empty(),
        "pods of a paused pipeline: {:?}",
        running.items.len()
    );
    for who in [Identity::Controller, Identity::Admin] {
        let mut vertex = source_vertex(&format!("by-{}", who.context()));
        vertex["metadata"]["labels"] = json!({ "numaflow.numaproj.io/pipeline-name": "elsewhere" });
        Api::<Vertex>::namespaced(client_as(who).await, namespace)
            .create(
                &PostParams::default(),
                &serde_json::from_value(vertex).unwrap(),
            )
            .await
            .unwrap_or_else(|e| panic!("{who:?} creates a vertex: {e}"));
    }
}

/// The ClusterRole `crdgen` renders holds every verb the controllers use: run as its
/// ServiceAccount with that role alone (bound in one namespace), `numaflow-controller`
/// takes a pipeline through create, pause, resume, an edit and delete.
#[tokio::test(flavor = "multi_thread")]
async fn the_controller_needs_no_more_than_the_role_crdgen_renders() {
    let namespace = &namespace("controller-role-test").await;
    let admin = client().await;
    let mut role = controller_manifests(&account()).role;
    role.metadata.name = Some("numaflow-controller-as-rendered".to_owned());
    if let Err(e) = create_cluster_role(&admin, &role).await {
        panic!("the rendered role: {}", error_chain(&e));
    }
    if let Err(e) = bind_cluster_role(
        &admin,
        namespace,
        "numaflow-controller-as-rendered",
        Identity::Controller,
    )
    .await
    {
        panic!("binding the rendered role: {}", error_chain(&e));
    }
    let controller: Api<Vertex> = Api::namespaced(client_as(Identity::Controller).await, namespace);
    eventually("the RoleBinding takes effect", || async {
        status_of(controller.list(&Default::default()).await) == 0
    })
    .await;

    let daemon = StandInDaemon::start();
    let _controller = start_controller(
        namespace,
        &daemon.url,
        &["--context", Identity::Controller.context()],
    );
    super::install::drive(&admin, namespace, "least").await;
}
