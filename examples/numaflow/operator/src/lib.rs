//! NumaFlow's Pipeline, Vertex and MonoVertex controllers against a real cluster, on
//! lifecycle-model's runtime and kube's client: the same reconcile functions the
//! simulation drives, fed by watches, their patches sent as merge patches. The binaries
//! are `numaflow-controller` ([`operator`]) and `numaflow-crdgen` ([`crdgen`]).
//!
//! The Vertex controller runs one Pod object per replica. The Pipeline controller counts
//! a pipeline's source pods, terminating ones included, by label, and once none is left
//! asks NumaFlow's daemon for the buffer depths ([`daemon`]): a pipeline is drained when
//! both say so, and otherwise the grace period decides.

use std::sync::Arc;
use std::time::Duration;

use cache::{Caches, SharedWatch};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::controller::{self, Controller};
use kube::runtime::events::Reporter;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Client, ResourceExt};
use lifecycle_model::kube::BoundedRecorder;
use tracing::info;

pub use daemon::Daemon;
pub use error::{Error, Result};
use monovertex::reconcile_mono_vertex_object;
use numaflow_model::monovertex::{MONO_VERTEX_NAME_LABEL, MonoVertex, MonoVertexPhase};
use numaflow_model::pipeline::{Pipeline, PipelinePhase};
use numaflow_model::vertex::{PIPELINE_NAME_LABEL, Vertex};
pub use reconcile::next_look;
use reconcile::{reconcile_pipeline_object, reconcile_vertex_object, retry};
pub use write::send_patch;

pub mod audit;
pub mod cache;
pub mod cli;
pub mod crdgen;
pub mod daemon;
mod error;
mod monovertex;
pub mod operator;
mod reconcile;
mod write;

pub use lifecycle_model::runtime::{ClientError, Telemetry, client, error_chain};

/// How often a pipeline is reconciled while a pause or a deletion is under way, as
/// NumaFlow does: the drain and the grace period are waited out by looking again.
pub const REQUEUE_WHILE_CHANGING: Duration = Duration::from_secs(10);
/// How long a failed reconcile waits before it is retried.
const RETRY: Duration = Duration::from_secs(1);

/// The field manager the controllers write as unless told otherwise, and the name they
/// report Events under.
pub const FIELD_MANAGER: &str = "numaflow-controller";

/// What every reconcile is handed: the context and the caches it reads.
pub(crate) struct Runtime {
    pub(crate) ctx: Context,
    pub(crate) caches: Caches,
}

impl Runtime {
    /// Waits until the caches hold their first listing, then names `object`: its
    /// namespace (`default` when unset) and its name.
    pub(crate) async fn ready_for(&self, object: &impl kube::Resource) -> (String, String) {
        self.caches.ready().await;
        let namespace = object.namespace().unwrap_or_else(|| "default".to_owned());
        (namespace, object.name_any())
    }

    /// Whether `object`, as a controller was handed it, is older than a write of ours
    /// left it ([`Caches::behind`]).
    pub(crate) fn behind<K: kube::Resource<DynamicType = ()>>(&self, object: &K) -> bool {
        let key = cache::object_key(
            &K::kind(&()),
            &object.namespace().unwrap_or_default(),
            &object.name_any(),
        );
        self.caches
            .behind(&key, object.meta().resource_version.as_deref())
    }

    /// Remembers the version a write of ours left `K` `namespace/name` at, as the server
    /// `returned` it ([`Caches::wrote`]).
    pub(crate) fn wrote<K: kube::Resource<DynamicType = ()>>(
        &self,
        namespace: &str,
        name: &str,
        returned: &kube::api::ObjectMeta,
    ) {
        let key = cache::object_key(&K::kind(&()), namespace, name);
        self.caches.wrote(key, returned.resource_version.as_deref());
    }
}

/// What the controllers share: the client, the field manager, Events, telemetry and the
/// daemon client.
#[derive(Clone)]
pub struct Context {
    /// The client to read and write with.
    pub client: Client,
    /// The field manager of every write, so that `managedFields` tell who wrote what.
    pub field_manager: String,
    /// Publishes the transitions as Events, remembering a bounded number of them to fold
    /// repeats.
    pub recorder: BoundedRecorder,
    /// Counts the transitions and serves the metrics.
    pub telemetry: Arc<Telemetry>,
    /// Reads the pipelines' buffer depths.
    pub daemon: Daemon,
}

impl Context {
    /// Writes as `field_manager`, reports Events as it (instance `HOSTNAME` when set),
    /// counts in `telemetry`, and asks `daemon` for buffer depths.
    pub fn new(
        client: Client,
        field_manager: impl Into<String>,
        telemetry: Arc<Telemetry>,
        daemon: Daemon,
    ) -> Self {
        let field_manager = field_manager.into();
        let reporter = Reporter {
            controller: field_manager.clone(),
            instance: std::env::var("HOSTNAME").ok(),
        };
        Context {
            recorder: BoundedRecorder::new(client.clone(), reporter),
            client,
            field_manager,
            telemetry,
            daemon,
        }
    }
}

/// How many reconciles each controller runs at once unless told otherwise: enough to
/// keep the API server busy, few enough that its priority and fairness limits do not
/// turn requests away (429) when a thousand pipelines change at once.
pub const DEFAULT_CONCURRENCY: u16 = 32;

/// Runs the Pipeline, Vertex and MonoVertex controllers in `namespace` (all namespaces
/// when `None`) until `shutdown` completes, with what `context` holds, each running
/// [`DEFAULT_CONCURRENCY`] reconciles at once. They read pipelines, vertices, MonoVertices
/// and pods from caches fed by one watch of each ([`cache::SharedWatch`]), not from
/// lists, and the same watches wake them.
pub async fn run_controllers(
    context: Context,
    namespace: Option<&str>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    run_controllers_with(context, namespace, DEFAULT_CONCURRENCY, shutdown).await;
}

/// [`run_controllers`], each controller running `concurrency` reconciles at once (0 for
/// no bound).
pub async fn run_controllers_with(
    context: Context,
    namespace: Option<&str>,
    concurrency: u16,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let client = context.client.clone();
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
    info!(
        namespace = namespace.unwrap_or("(all)"),
        field_manager = %context.field_manager,
        "watching pipelines, vertices and MonoVertices"
    );
    let pods: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mono_vertices: Api<MonoVertex> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    // One watch of each kind, each feeding the cache the controllers read and waking the
    // controllers that care. Pods are kept without their spec, which no controller reads.
    let mut pipeline_watch = SharedWatch::new(pipelines, watcher::Config::default());
    // The caches a reconcile reads by owner are indexed by the label that names it.
    let owners = &[PIPELINE_NAME_LABEL, MONO_VERTEX_NAME_LABEL];
    let mut vertex_watch =
        SharedWatch::new(vertices, watcher::Config::default()).indexed_by(owners);
    let mut mono_vertex_watch = SharedWatch::new(mono_vertices, watcher::Config::default());
    let mut pod_watch = SharedWatch::new(
        pods,
        watcher::Config::default().labels("app.kubernetes.io/part-of=numaflow"),
    )
    .trimmed(|pod| pod.spec = None)
    .indexed_by(owners);
    // A drain waits for the sources' pods to be gone, as the pod cache shows them: each
    // change of a pipeline's pods wakes it too, for the vertex that wakes it can be seen
    // before the pod cache has caught up.
    let pipeline_controller =
        Controller::for_shared_stream(pipeline_watch.subscribe(), pipeline_watch.store())
            .owns_shared_stream(vertex_watch.subscribe())
            .watches_shared_stream(pod_watch.subscribe(), |pod: Arc<Pod>| {
                let pipeline = pod.labels().get(PIPELINE_NAME_LABEL)?.clone();
                Some(ObjectRef::<Pipeline>::new(&pipeline).within(&pod.namespace()?))
            });
    let vertex_controller =
        Controller::for_shared_stream(vertex_watch.subscribe(), vertex_watch.store())
            .owns_shared_stream(pod_watch.subscribe());
    let mono_vertex_controller =
        Controller::for_shared_stream(mono_vertex_watch.subscribe(), mono_vertex_watch.store())
            .owns_shared_stream(pod_watch.subscribe());
    let context = Arc::new(Runtime {
        caches: Caches::new(vertex_watch.indexed(), pod_watch.indexed()),
        ctx: context,
    });
    let pipeline_watch = pipeline_watch.run(stopped(stop_rx.clone()));
    let vertex_watch = vertex_watch.run(stopped(stop_rx.clone()));
    let mono_vertex_watch = mono_vertex_watch.run(stopped(stop_rx.clone()));
    let pod_watch = pod_watch.run(stopped(stop_rx.clone()));
    let telemetry = &context.ctx.telemetry;
    telemetry.count_objects::<Pipeline, PipelinePhase>(pipeline_controller.store());
    telemetry
        .count_objects::<Vertex, numaflow_model::vertex::VertexPhase>(vertex_controller.store());
    telemetry.count_objects::<MonoVertex, MonoVertexPhase>(mono_vertex_controller.store());
    let config = || controller::Config::default().concurrency(concurrency);
    let pipeline_controller = pipeline_controller
        .with_config(config())
        .graceful_shutdown_on(stopped(stop_rx.clone()))
        .run(reconcile_pipeline_object, retry, context.clone())
        .for_each(|_| futures::future::ready(()));
    let vertex_controller = vertex_controller
        .with_config(config())
        .graceful_shutdown_on(stopped(stop_rx.clone()))
        .run(reconcile_vertex_object, retry, context.clone())
        .for_each(|_| futures::future::ready(()));
    let mono_vertex_controller = mono_vertex_controller
        .with_config(config())
        .graceful_shutdown_on(stopped(stop_rx))
        .run(reconcile_mono_vertex_object, retry, context)
        .for_each(|_| futures::future::ready(()));
    let trigger = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    tokio::join!(
        pipeline_controller,
        vertex_controller,
        mono_vertex_controller,
        pipeline_watch,
        vertex_watch,
        mono_vertex_watch,
        pod_watch,
        trigger
    );
    info!("controllers stopped");
}
