//! End-to-end against a real Kubernetes API server, kube-apiserver with RBAC
//! (`lifecycle-apiserver`, built from `tests/apiserver`): the server accepts the generated
//! CRDs, judges every lifecycle scenario as the client-side CEL engine does, rejects
//! `kubectl scale` on a paused source, admits the patches the planning functions send,
//! enforces the writer policies word for word, and tells its identities apart. Run with
//! `cargo test -p lifecycle-tests --features e2e --test e2e`. The tests that run the
//! shipped `numaflow-controller` are numaflow-operator's own `e2e` suite.

mod cel_agreement;
mod core_api;
mod create;
mod databases;
mod identities;
mod kubectl;
mod lifetime;
mod planning;
mod shapes;
mod status;
mod upgrade;
mod widgets;
mod writers;

use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::Client;
use lifecycle_apiserver::{Identity, SharedApiServer, editor_role};
use lifecycle_examples::numaflow::crd::crds;
use numaflow_scale::abstract_vertex;

const NAMESPACE: &str = "default";

/// The server this binary's tests share, with NumaFlow's CRDs installed.
static SERVER: SharedApiServer = SharedApiServer::new(crds);

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

/// `numaflow-edit`: editing NumaFlow's pipelines and vertices, with their `status` and
/// `scale` subresources, labelled to aggregate into the built-in `edit` ClusterRole.
fn numaflow_editor_role() -> ClusterRole {
    editor_role("numaflow-edit", &crds())
}
