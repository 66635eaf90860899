//! The shipped `numaflow-controller`, end to end against a real Kubernetes API server,
//! kube-apiserver with RBAC (`lifecycle-apiserver`), with a stand-in for NumaFlow's
//! daemon: it pauses, resumes, drains and deletes pipelines, reports each step in
//! conditions, Events and metrics, hands over its Lease, runs as its ServiceAccount with
//! no more than the role `crdgen` renders, and is the only creator of vertices once
//! `crdgen`'s writer policies are bound. Run with
//! `cargo test -p numaflow-operator --features e2e --test e2e`; the binary comes from
//! Cargo (`CARGO_BIN_EXE_numaflow-controller`), and no test builds anything.

mod audit;
mod controller;
mod drain;
mod failed;
mod install;
mod ksm;
mod kstatus;
mod monovertex;
mod operator;
mod propagation;
mod restart;
mod writers;

use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::Client;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_apiserver::{
    ApiServer, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Identity, KillOnDrop,
    SharedApiServer, editor_role, error_chain,
};
use numaflow_model::crd::{ServiceAccountRef, crds};
use numaflow_model::pipeline::{Pipeline, PipelinePhase};
use serde_json::{Value, json};

use numaflow_scale::{StandInDaemon, abstract_vertex, three_vertex_pipeline};

/// The server this binary's tests share, with NumaFlow's CRDs installed.
static SERVER: SharedApiServer = SharedApiServer::new(crds);

/// `numaflow-controller`, as Cargo built it for this package's tests.
const CONTROLLER: &str = env!("CARGO_BIN_EXE_numaflow-controller");

/// A client of the shared server speaking as `identity`.
async fn client_as(identity: Identity) -> Client {
    SERVER.client(identity).await
}

/// A client of the shared server speaking as the admin.
async fn client() -> Client {
    client_as(Identity::Admin).await
}

/// A namespace of its own for one test, created by the admin.
async fn namespace(name: &str) -> String {
    SERVER.namespace(name).await
}

/// The controller's ServiceAccount, as `crdgen` is told it.
fn account() -> ServiceAccountRef {
    ServiceAccountRef {
        namespace: CONTROLLER_NAMESPACE.to_owned(),
        name: CONTROLLER_SERVICE_ACCOUNT.to_owned(),
    }
}

/// `numaflow-edit`: editing NumaFlow's pipelines and vertices, with their `status` and
/// `scale` subresources, labelled to aggregate into the built-in `edit` ClusterRole.
fn numaflow_editor_role() -> ClusterRole {
    editor_role("numaflow-edit", &crds())
}

/// Grants `identity` the built-in `edit` role in `namespace`, NumaFlow's editor role
/// folded in, on the server `admin` speaks to.
async fn grant_edit_on(admin: &Client, namespace: &str, identity: Identity) {
    let role = numaflow_editor_role();
    if let Err(e) = lifecycle_apiserver::grant_edit(admin, namespace, identity, &role).await {
        panic!("granting {identity:?} edit: {}", error_chain(&e));
    }
}

/// The status phases a pipeline walks through to be paused.
const PAUSED: &[PipelinePhase] = &[
    PipelinePhase::Running,
    PipelinePhase::Pausing,
    PipelinePhase::Paused,
];

/// Creates each pipeline of `walks` (a three-vertex one) and writes its status phases in
/// order, as its controller would, each move through the phase's own rule: for tests
/// that need pipelines in given phases and run no controller.
async fn created_in_phases(pipelines: &Api<Pipeline>, walks: &[(&str, &[PipelinePhase])]) {
    for (name, walk) in walks {
        pipelines
            .create(&PostParams::default(), &three_vertex_pipeline(name))
            .await
            .unwrap();
        for phase in *walk {
            let body = json!({ "status": { "phase": phase, "observedGeneration": 1 } });
            pipelines
                .patch_status(name, &PatchParams::default(), &KubePatch::Merge(body))
                .await
                .unwrap();
        }
    }
}

/// A source vertex `name` of the pipeline `demo`, running with one replica, as a client
/// sends it.
fn running_source_vertex(name: &str) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": { "name": name },
        "spec": {
            "name": name,
            "pipelineName": "demo",
            "lifecycle": { "desiredPhase": "Running" },
            "source": { "generator": { "rpu": 5 } },
            "replicas": 1,
        },
    })
}

/// `numaflow-controller` against the shared server, watching `namespace`, asking the
/// daemon at `daemon`, with `extra` arguments; logs at `warn`; killed when dropped.
fn start_controller(namespace: &str, daemon: &str, extra: &[&str]) -> KillOnDrop {
    KillOnDrop(
        controller_command(SERVER.get(), namespace, daemon, extra)
            .spawn()
            .expect("numaflow-controller starts"),
    )
}

/// The command that runs `numaflow-controller` against `server`, logging warnings to
/// standard error.
fn controller_command(
    server: &ApiServer,
    namespace: &str,
    daemon: &str,
    extra: &[&str],
) -> std::process::Command {
    let mut command = std::process::Command::new(CONTROLLER);
    command
        .arg("--kubeconfig")
        .arg(server.kubeconfig())
        .args(["--namespace", namespace])
        .args(["--daemon-url", daemon])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null());
    command
}
