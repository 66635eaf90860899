//! End-to-end against a real Kubernetes API server, kube-apiserver with RBAC (see
//! `tests/apiserver`): the server accepts the generated CRDs, judges every lifecycle
//! scenario as the client-side CEL engine does, rejects `kubectl scale` on a paused source,
//! admits the patches the planning functions send, and tells its identities apart. Run
//! with `cargo test -p lifecycle-tests --features e2e --test e2e`.

mod cel_agreement;
mod controller;
mod core_api;
mod create;
mod databases;
mod drain;
mod failed;
mod identities;
mod install;
mod kubectl;
mod lifetime;
mod operator;
mod planning;
mod propagation;
mod shapes;
mod status;
mod widgets;
mod writers;

use std::path::PathBuf;
use std::time::Duration;

use kube::Client;
use lifecycle_examples::numaflow::pipeline::{AbstractVertex, Pipeline};
use lifecycle_examples::numaflow::vertex::Udf;
use lifecycle_tests::apiserver::{self, ApiServer, Identity, target_dir};
use serde_json::json;

const NAMESPACE: &str = "default";

/// A client of the shared server speaking as `identity`.
async fn client_as(identity: Identity) -> Client {
    match ApiServer::shared().client(identity).await {
        Ok(client) => client,
        Err(e) => panic!(
            "a client for the test API server as {identity:?}: {}",
            apiserver::error_chain(&e)
        ),
    }
}

/// A client of the shared server speaking as the admin.
async fn client() -> Client {
    client_as(Identity::Admin).await
}

/// A namespace of its own for one test, created by the admin.
async fn namespace(name: &str) -> String {
    if let Err(e) = apiserver::create_namespace(&client().await, name).await {
        panic!("namespace {name}: {}", apiserver::error_chain(&e));
    }
    name.to_owned()
}

/// A pipeline's vertex of `role`: `source`, `sink`, or a map UDF otherwise.
fn abstract_vertex(name: &str, role: &str) -> AbstractVertex {
    let mut v = AbstractVertex {
        name: name.to_owned(),
        ..AbstractVertex::default()
    };
    match role {
        "source" => v.source = serde_json::from_value(json!({ "generator": {} })).ok(),
        "sink" => v.sink = serde_json::from_value(json!({ "log": {} })).ok(),
        _ => v.udf = Some(Udf::default()),
    }
    v
}

/// Kills the child process when dropped, so a failing test leaves no controller behind.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `check` every 250 ms until it holds, for at most 30 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..120 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} did not happen within 30 s");
}

const BUILD_IT: &str = "cargo build -p numaflow-operator --bin numaflow-controller";

/// `numaflow-controller` as Cargo built it. A test never builds it: `cargo test
/// --workspace` builds lifecycle-examples' binaries for that package's own integration
/// tests before any test runs. It sits in the profile directory, the parent of this test
/// binary's `deps/`, which is under `CARGO_TARGET_DIR` when that is set.
pub(crate) fn controller_binary() -> PathBuf {
    let name = format!("numaflow-controller{}", std::env::consts::EXE_SUFFIX);
    let beside_tests = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|profile| profile.join(&name)));
    let candidates: Vec<PathBuf> = beside_tests
        .into_iter()
        .chain([target_dir().join("debug").join(&name)])
        .collect();
    match candidates.iter().find(|path| path.is_file()) {
        Some(found) => found.clone(),
        None => panic!(
            "numaflow-controller is not built (looked for {}); build it with `{BUILD_IT}`",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    }
}

/// A stand-in for NumaFlow's daemon on 127.0.0.1: it answers
/// `GET /api/v1/pipelines/{pipeline}/buffers` with one buffer of `pending` messages, or
/// with a 503 while unreachable. Its thread lives as long as the test process.
#[derive(Clone)]
struct FakeDaemon {
    url: String,
    state: std::sync::Arc<std::sync::Mutex<(u64, bool)>>,
}

impl FakeDaemon {
    /// A daemon that reports empty buffers.
    fn start() -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let state = std::sync::Arc::new(std::sync::Mutex::new((0u64, true)));
        let shared = state.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                let (pending, up) = *shared.lock().unwrap_or_else(|e| e.into_inner());
                let (status, body) = if up {
                    (
                        "200 OK",
                        format!(
                            r#"{{"buffers":[{{"bufferName":"b-0","pendingCount":{pending},"ackPendingCount":0}}]}}"#
                        ),
                    )
                } else {
                    ("503 Service Unavailable", "daemon down".to_owned())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeDaemon { url, state }
    }

    /// Reports `pending` messages from now on.
    fn set_pending(&self, pending: u64) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = pending;
    }

    /// Answers (or not) from now on.
    fn set_up(&self, up: bool) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = up;
    }
}

/// `numaflow-controller` against the shared server, watching `namespace`, asking the
/// daemon at `daemon`, with `extra` arguments; logs at `warn`; killed when dropped.
fn start_controller(namespace: &str, daemon: &str, extra: &[&str]) -> KillOnDrop {
    start_controller_on(ApiServer::shared(), namespace, daemon, extra)
}

/// [`start_controller`] against `server`.
fn start_controller_on(
    server: &ApiServer,
    namespace: &str,
    daemon: &str,
    extra: &[&str],
) -> KillOnDrop {
    KillOnDrop(
        controller_command(server, namespace, daemon, extra)
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
    let mut command = std::process::Command::new(controller_binary());
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

/// A pipeline `name` of three vertices: the source `in`, the map `cat`, the sink `out`.
fn three_vertex_pipeline(name: &str) -> Pipeline {
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        abstract_vertex("out", "sink"),
    ];
    pipeline
}
