//! The controllers against a real cluster, with kube's client and runtime: the same
//! reconcile functions the simulation drives, fed by watches, their patches sent as
//! merge patches. Built with the `runtime` feature.
//!
//! A real cluster has no buffer metrics here, so a pipeline counts as drained once no
//! source vertex reports running replicas (`status.replicas`); otherwise the grace
//! period decides.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use kube::api::{Api, DynamicObject, ListParams, Patch as KubePatch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Client, Config, Resource, ResourceExt};
use serde_json::json;
use tracing::{debug, info, instrument, warn};

use crate::numaflow::controller::{reconcile_pipeline, reconcile_vertex};
use crate::numaflow::patch::{Patch, Subresource};
use crate::numaflow::pipeline::{FINALIZER, Pipeline, RESUME_STRATEGY_ANNOTATION, ResumeStrategy};
use crate::numaflow::plan::Observations;
use crate::numaflow::vertex::{Vertex, VertexRole, pipeline_selector};

pub mod story;

/// How often a pipeline is reconciled while nothing changes, as NumaFlow does.
const RESYNC: Duration = Duration::from_secs(2);
/// How long a failed reconcile waits before it is retried.
const RETRY: Duration = Duration::from_secs(1);

/// What can go wrong between the controllers and a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kubeconfig file could not be read, or its current context not used.
    #[error("cannot use kubeconfig {}", path.display())]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: KubeconfigError,
    },
    /// No client could be built: from the configuration given, or from none found in the
    /// environment.
    #[error("cannot create a Kubernetes client")]
    Client(#[source] kube::Error),
    /// A request to the API server failed.
    #[error("{action} failed")]
    Request {
        /// What was asked, e.g. `patching Vertex/simple-in`.
        action: String,
        /// The API server's or the transport's error.
        #[source]
        source: kube::Error,
    },
    /// A step of the demo's story did not reach its expected state in time.
    #[error("`{step}` did not converge within {seconds} s")]
    Timeout {
        /// The step.
        step: String,
        /// How long it was given.
        seconds: u64,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// The result of everything in this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failed request, with what was asked.
    pub fn request(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Request { action, source }
    }
}

/// The error and its sources, one line: `outer: inner: innermost`. A source whose text
/// the line already holds is left out, as some errors repeat their source's message.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A client for the cluster in `kubeconfig`, or, when `None`, for the one kube finds
/// itself: `KUBECONFIG`, `~/.kube/config`, or the in-cluster service account.
pub async fn client(kubeconfig: Option<&Path>) -> Result<Client> {
    let Some(path) = kubeconfig else {
        return Client::try_default().await.map_err(Error::Client);
    };
    let kubeconfig_error = |source| Error::Kubeconfig {
        path: path.to_owned(),
        source,
    };
    let kubeconfig = Kubeconfig::read_from(path).map_err(kubeconfig_error)?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(kubeconfig_error)?;
    Client::try_from(config).map_err(Error::Client)
}

/// What every reconcile is handed.
#[derive(Clone)]
pub struct Context {
    /// The client to read and write with.
    pub client: Client,
}

/// Sends `patch` as a merge patch to its target in `namespace`, whatever its kind.
pub async fn send_patch(client: &Client, namespace: &str, patch: &Patch) -> Result<()> {
    let resource = patch.target.resource.api_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let (params, body) = (PatchParams::default(), KubePatch::Merge(&patch.body));
    let name = &patch.target.name;
    let sent = match patch.target.subresource {
        Subresource::Main => api.patch(name, &params, &body).await,
        Subresource::Status => api.patch_status(name, &params, &body).await,
    };
    debug!(target = %patch.target, body = %patch.body, "patch sent");
    sent.map(drop)
        .map_err(Error::request(format!("patching {}", patch.target)))
}

/// One reconcile of a pipeline: the finalizer, then the Pipeline controller's actions.
#[instrument(skip_all, fields(pipeline = %pipeline.name_any()))]
async fn reconcile_pipeline_object(pipeline: Arc<Pipeline>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = pipeline.namespace().unwrap_or_else(|| "default".to_owned());
    let name = pipeline.name_any();
    let pipelines: Api<Pipeline> = Api::namespaced(ctx.client.clone(), &namespace);
    let vertices: Api<Vertex> = Api::namespaced(ctx.client.clone(), &namespace);
    if pipeline.metadata.deletion_timestamp.is_none()
        && !pipeline.finalizers().iter().any(|f| f == FINALIZER)
    {
        let mut finalizers = pipeline.finalizers().to_vec();
        finalizers.push(FINALIZER.to_owned());
        let body = json!({ "metadata": { "finalizers": finalizers } });
        pipelines
            .patch(&name, &PatchParams::default(), &KubePatch::Merge(body))
            .await
            .map_err(Error::request(format!(
                "adding the finalizer to Pipeline/{name}"
            )))?;
    }
    if let Some(value) = pipeline.annotations().get(RESUME_STRATEGY_ANNOTATION)
        && let Err(error) = value.parse::<ResumeStrategy>()
    {
        warn!(%error, "resuming fast, as NumaFlow does");
    }
    let ours = vertices
        .list(&ListParams::default().labels(&pipeline_selector(&name)))
        .await
        .map_err(Error::request(format!(
            "listing the vertices of Pipeline/{name}"
        )))?
        .items;
    let source_pods = ours
        .iter()
        .filter(|v| v.spec.role() == Some(VertexRole::Source))
        .map(|v| {
            v.status
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(0)
                .max(0) as u32
        })
        .sum();
    let observed = Observations {
        now: Timestamp::now(),
        source_pods,
        buffers: Vec::new(),
    };
    let actions = reconcile_pipeline(&pipeline, &ours, &observed);
    let owner = pipeline.controller_owner_ref(&());
    for mut vertex in actions.create {
        let vertex_name = vertex.name_any();
        vertex.metadata.owner_references = owner.clone().map(|o| vec![o]);
        match vertices.create(&PostParams::default(), &vertex).await {
            Ok(_) => info!(vertex = %vertex_name, "vertex created"),
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(Error::request(format!("creating Vertex/{vertex_name}"))(e)),
        }
    }
    for patch in &actions.patches {
        send_patch(&ctx.client, &namespace, patch).await?;
    }
    Ok(Action::requeue(RESYNC))
}

/// One reconcile of a vertex: its status, from its own spec alone.
#[instrument(skip_all, fields(vertex = %vertex.name_any()))]
async fn reconcile_vertex_object(vertex: Arc<Vertex>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = vertex.namespace().unwrap_or_else(|| "default".to_owned());
    if let Some(patch) = reconcile_vertex(&vertex) {
        send_patch(&ctx.client, &namespace, &patch).await?;
    }
    Ok(Action::await_change())
}

fn retry<K: Resource>(object: Arc<K>, error: &Error, _: Arc<Context>) -> Action {
    warn!(
        object = object.meta().name.as_deref().unwrap_or_default(),
        error = %error_chain(error),
        "reconcile failed; retrying"
    );
    Action::requeue(RETRY)
}

/// Runs the Pipeline and Vertex controllers in `namespace` (all namespaces when `None`)
/// until `shutdown` completes.
pub async fn run_controllers(
    client: Client,
    namespace: Option<&str>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let (pipelines, vertices): (Api<Pipeline>, Api<Vertex>) = match namespace {
        Some(ns) => (
            Api::namespaced(client.clone(), ns),
            Api::namespaced(client.clone(), ns),
        ),
        None => (Api::all(client.clone()), Api::all(client.clone())),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let context = Arc::new(Context { client });
    info!(
        namespace = namespace.unwrap_or("(all)"),
        "watching pipelines and vertices"
    );
    let pipeline_controller = Controller::new(pipelines, watcher::Config::default())
        .owns(vertices.clone(), watcher::Config::default())
        .graceful_shutdown_on(stopped(stop_rx.clone()))
        .run(reconcile_pipeline_object, retry, context.clone())
        .for_each(|_| futures::future::ready(()));
    let vertex_controller = Controller::new(vertices, watcher::Config::default())
        .graceful_shutdown_on(stopped(stop_rx))
        .run(reconcile_vertex_object, retry, context)
        .for_each(|_| futures::future::ready(()));
    let trigger = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    tokio::join!(pipeline_controller, vertex_controller, trigger);
    info!("controllers stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict() -> kube::Error {
        kube::Error::Api(Box::new(
            kube::core::Status::failure("the object has been modified", "Conflict").with_code(409),
        ))
    }

    #[test]
    fn kubeconfig_errors_name_the_file_and_keep_their_source() {
        let error = Error::Kubeconfig {
            path: PathBuf::from("/nonexistent/config"),
            source: KubeconfigError::CurrentContextNotSet,
        };
        assert_eq!(
            error.to_string(),
            "cannot use kubeconfig /nonexistent/config"
        );
        assert_eq!(
            error_chain(&error),
            "cannot use kubeconfig /nonexistent/config: failed to determine current context"
        );
    }

    #[test]
    fn client_errors_keep_their_source() {
        let error = Error::Client(conflict());
        assert_eq!(error.to_string(), "cannot create a Kubernetes client");
        let source = std::error::Error::source(&error).expect("a source");
        assert!(
            source.to_string().contains("the object has been modified"),
            "{source}"
        );
    }

    #[test]
    fn request_errors_say_what_was_asked() {
        let error = Error::request("patching Vertex/simple-in")(conflict());
        assert_eq!(error.to_string(), "patching Vertex/simple-in failed");
        assert!(
            matches!(&error, Error::Request { source: kube::Error::Api(s), .. } if s.code == 409)
        );
        assert!(error_chain(&error).starts_with("patching Vertex/simple-in failed: "));
    }

    #[test]
    fn timeouts_name_the_step() {
        let error = Error::Timeout {
            step: "pause".to_owned(),
            seconds: 60,
        };
        assert_eq!(error.to_string(), "`pause` did not converge within 60 s");
        assert!(std::error::Error::source(&error).is_none());
    }

    #[test]
    fn the_chain_leaves_out_a_source_the_message_repeats() {
        let error = Error::Kubeconfig {
            path: PathBuf::from("/k"),
            source: KubeconfigError::ReadConfig(
                std::io::Error::other("no such file"),
                PathBuf::from("/k"),
            ),
        };
        assert_eq!(
            error_chain(&error),
            "cannot use kubeconfig /k: failed to read kubeconfig from '\"/k\"': no such file"
        );
    }

    #[test]
    fn runtime_errors_keep_their_source() {
        let error = Error::Runtime(std::io::Error::other("no threads"));
        assert_eq!(error.to_string(), "cannot start the async runtime");
        assert_eq!(
            error_chain(&error),
            "cannot start the async runtime: no threads"
        );
    }

    #[tokio::test]
    async fn a_missing_kubeconfig_is_a_kubeconfig_error() {
        let error = client(Some(Path::new("/nonexistent/kubeconfig")))
            .await
            .err()
            .expect("no such file");
        assert!(
            matches!(&error, Error::Kubeconfig { path, .. } if path == Path::new("/nonexistent/kubeconfig")),
            "{error:?}"
        );
    }
}
