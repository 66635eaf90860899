//! The controllers against a real cluster, with kube's client and runtime: the same
//! reconcile functions the simulation drives, fed by watches, their patches sent as
//! merge patches. Built with the `runtime` feature.
//!
//! The Vertex controller runs one Pod object per replica. The Pipeline controller counts
//! a pipeline's source pods, terminating ones included, by label, and once none is left
//! asks NumaFlow's daemon for the buffer depths ([`daemon`]): a pipeline is drained when
//! both say so, and otherwise the grace period decides.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch as KubePatch, PatchParams, PostParams,
};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use serde_json::json;
use tracing::{debug, info, instrument, warn};

use lifecycle_model::Named;

pub use daemon::Daemon;
use numaflow_model::controller::{Transition, reconcile_pipeline, reconcile_vertex};
use numaflow_model::patch::{Patch, PatchTarget, Subresource};
use numaflow_model::pipeline::{
    DesiredPhase, FINALIZER, Pipeline, PipelinePhase, RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
};
use numaflow_model::plan::Observations;
use numaflow_model::pods::{PodsSeen, plan_pods, pod_selector};
use numaflow_model::vertex::{Vertex, VertexRole, pipeline_selector};

pub mod cli;
pub mod crdgen;
pub mod daemon;
pub mod operator;

pub use lifecycle_model::runtime::{ClientError, Telemetry, client, error_chain};

/// How often a pipeline is reconciled while a pause or a deletion is under way, as
/// NumaFlow does: the drain and the grace period are waited out by looking again.
pub const REQUEUE_WHILE_CHANGING: Duration = Duration::from_secs(10);
/// How long a failed reconcile waits before it is retried.
const RETRY: Duration = Duration::from_secs(1);

/// What can go wrong between the controllers and a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No client could be made for the cluster asked for.
    #[error(transparent)]
    Client(#[from] ClientError),
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
    /// The daemon client could not be set up.
    #[error("cannot set up the daemon client")]
    Daemon(#[source] daemon::DaemonError),
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

/// The field manager the controllers write as unless told otherwise, and the name they
/// report Events under.
pub const FIELD_MANAGER: &str = "numaflow-controller";

/// What every reconcile is handed.
#[derive(Clone)]
pub struct Context {
    /// The client to read and write with.
    pub client: Client,
    /// The field manager of every write, so that `managedFields` tell who wrote what.
    pub field_manager: String,
    /// Publishes the transitions as Events.
    pub recorder: Recorder,
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
            recorder: Recorder::new(client.clone(), reporter),
            client,
            field_manager,
            telemetry,
            daemon,
        }
    }
}

fn patch_params(field_manager: &str) -> PatchParams {
    PatchParams {
        field_manager: Some(field_manager.to_owned()),
        ..PatchParams::default()
    }
}

/// Sends `patch` as a merge patch to its target in `namespace`, whatever its kind, as
/// `field_manager`; the object as the server returns it.
pub async fn send_patch(
    client: &Client,
    namespace: &str,
    patch: &Patch,
    field_manager: &str,
) -> Result<DynamicObject> {
    let resource = patch.target.resource.api_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let (params, body) = (patch_params(field_manager), KubePatch::Merge(&patch.body));
    let name = &patch.target.name;
    let sent = match patch.target.subresource {
        Subresource::Main => api.patch(name, &params, &body).await,
        Subresource::Status => api.patch_status(name, &params, &body).await,
    };
    debug!(target = %patch.target, body = %patch.body, "patch sent");
    sent.map_err(Error::request(format!("patching {}", patch.target)))
}

/// Sends the patches of one reconcile, each only if its object is still the version the
/// plan was made from: `metadata.resourceVersion` rides in every body, so a plan made
/// from a stale cache fails with a conflict and is made again, rather than repeating a
/// transition. Each transition sent is counted and published as an Event.
async fn send_planned(
    ctx: &Context,
    namespace: &str,
    pipeline: &Pipeline,
    vertices: &[Vertex],
    patches: &[Patch],
) -> Result<()> {
    let mut versions: BTreeMap<PatchKey, Option<String>> = BTreeMap::new();
    versions.insert(
        PatchKey::of(&PatchTarget::object_of(pipeline)),
        pipeline.resource_version(),
    );
    for vertex in vertices {
        versions.insert(
            PatchKey::of(&PatchTarget::object_of(vertex)),
            vertex.resource_version(),
        );
    }
    for patch in patches {
        let key = PatchKey::of(&patch.target);
        let mut conditional = patch.clone();
        if let Some(Some(version)) = versions.get(&key) {
            conditional.body["metadata"]["resourceVersion"] = json!(version);
        }
        let transition = Transition::of(patch, pipeline, vertices);
        let written =
            match send_patch(&ctx.client, namespace, &conditional, &ctx.field_manager).await {
                Ok(written) => written,
                // A reconcile from a cache that still holds a pipeline whose finalizer was
                // released: the pipeline is gone, and so is all there was left to do.
                Err(Error::Request {
                    source: kube::Error::Api(status),
                    ..
                }) if status.code == 404
                    && pipeline.metadata.deletion_timestamp.is_some()
                    && patch.target.targets(pipeline) =>
                {
                    debug!(target = %patch.target, "the deleted pipeline is gone");
                    return Ok(());
                }
                Err(error) => return Err(error),
            };
        versions.insert(key, written.resource_version());
        if let Some(transition) = transition {
            report(ctx, pipeline, vertices, &transition).await;
        }
    }
    Ok(())
}

/// An object a patch addresses, whichever part of it: main resource and status share one
/// resource version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PatchKey {
    kind: String,
    name: String,
}

impl PatchKey {
    fn of(target: &PatchTarget) -> Self {
        PatchKey {
            kind: target.resource.kind.to_string(),
            name: target.name.clone(),
        }
    }
}

/// Counts `transition` and publishes it as an Event on the pipeline, the vertex it moved
/// (if any) as the related object. A failed Event is logged, not retried: the write it
/// reports was made.
async fn report(ctx: &Context, pipeline: &Pipeline, vertices: &[Vertex], transition: &Transition) {
    let metrics = ctx.telemetry.metrics();
    let (action, related) = match transition {
        Transition::Pipeline { event, from, to } => {
            metrics.transition(*event, *from, *to);
            (event.name(), None)
        }
        Transition::Vertex {
            vertex,
            event,
            from,
            to,
        } => {
            metrics.transition(*event, *from, *to);
            let related = vertices
                .iter()
                .find(|v| v.metadata.name.as_deref() == Some(vertex.as_str()))
                .map(|v| v.object_ref(&()));
            (event.name(), related)
        }
    };
    info!(reason = transition.reason(), note = %transition.note(), "transition");
    let event = Event {
        type_: EventType::Normal,
        reason: transition.reason().to_owned(),
        note: Some(transition.note()),
        action: action.to_owned(),
        secondary: related,
    };
    if let Err(error) = ctx
        .recorder
        .publish(&event, &pipeline.object_ref(&()))
        .await
    {
        warn!(error = %error_chain(&error), "cannot publish the transition Event");
    }
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
        let body = json!({ "metadata": {
            "finalizers": finalizers,
            "resourceVersion": pipeline.resource_version(),
        } });
        pipelines
            .patch(
                &name,
                &patch_params(&ctx.field_manager),
                &KubePatch::Merge(body),
            )
            .await
            .map_err(Error::request(format!(
                "adding the finalizer to Pipeline/{name}"
            )))?;
        // The write wakes the next reconcile, which plans from the object with it.
        return Ok(Action::await_change());
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
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &namespace);
    let mut source_pods = 0;
    for source in ours
        .iter()
        .filter(|v| v.spec.role() == Some(VertexRole::Source))
    {
        let selector = pod_selector(&name, &source.spec.name);
        let listed = pods
            .list_metadata(&ListParams::default().labels(&selector))
            .await
            .map_err(Error::request(format!(
                "listing the pods of Vertex/{}",
                source.name_any()
            )))?;
        source_pods += u32::try_from(listed.items.len()).unwrap_or(u32::MAX);
    }
    // As NumaFlow does, the daemon is asked only once a pause or deletion has no source
    // pod left.
    let winding_down = pipeline.metadata.deletion_timestamp.is_some()
        || pipeline.spec.desired_phase() == DesiredPhase::Paused;
    let buffers = if source_pods == 0 && winding_down {
        ctx.daemon
            .buffers(&namespace, &name)
            .await
            .map_err(|e| error_chain(&e))
    } else {
        Err("not read while source pods run".to_owned())
    };
    if source_pods == 0
        && winding_down
        && let Err(reason) = &buffers
    {
        warn!(%reason, "buffers unknown; only the grace period ends the wait");
    }
    let observed = Observations {
        now: Timestamp::now(),
        source_pods,
        buffers,
    };
    let actions = reconcile_pipeline(&pipeline, &ours, &observed);
    let owner = pipeline.controller_owner_ref(&());
    let create = PostParams {
        field_manager: Some(ctx.field_manager.clone()),
        ..PostParams::default()
    };
    for mut vertex in actions.create {
        let vertex_name = vertex.name_any();
        vertex.metadata.owner_references = owner.clone().map(|o| vec![o]);
        match vertices.create(&create, &vertex).await {
            Ok(_) => info!(vertex = %vertex_name, "vertex created"),
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(Error::request(format!("creating Vertex/{vertex_name}"))(e)),
        }
    }
    send_planned(&ctx, &namespace, &pipeline, &ours, &actions.patches).await?;
    for stale in &actions.delete {
        match vertices.delete(stale, &DeleteParams::default()).await {
            Ok(_) => info!(vertex = %stale, "vertex no longer declared; deleted"),
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::request(format!("deleting Vertex/{stale}"))(e)),
        }
    }
    Ok(next_look(&pipeline))
}

/// When to reconcile `pipeline` again though nothing changed: while it pauses, is
/// deleted, or is not yet in the phase it is asked for, every
/// [`REQUEUE_WHILE_CHANGING`]; otherwise only on a change of it or of its vertices.
pub fn next_look(pipeline: &Pipeline) -> Action {
    let settled = pipeline.metadata.deletion_timestamp.is_none()
        && match pipeline.spec.desired_phase() {
            DesiredPhase::Running => pipeline.phase() == Some(PipelinePhase::Running),
            DesiredPhase::Paused => pipeline.phase() == Some(PipelinePhase::Paused),
        };
    if settled {
        Action::await_change()
    } else {
        Action::requeue(REQUEUE_WHILE_CHANGING)
    }
}

/// One reconcile of a vertex, from its own spec alone: its pods, one per replica, then
/// its status from what they are.
#[instrument(skip_all, fields(vertex = %vertex.name_any()))]
async fn reconcile_vertex_object(vertex: Arc<Vertex>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = vertex.namespace().unwrap_or_else(|| "default".to_owned());
    let name = vertex.name_any();
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &namespace);
    let selector = pod_selector(&vertex.spec.pipeline_name, &vertex.spec.name);
    let existing = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(Error::request(format!("listing the pods of Vertex/{name}")))?
        .items;
    let plan = plan_pods(&vertex, &existing);
    for doomed in &plan.delete {
        match pods.delete(doomed, &DeleteParams::default()).await {
            Ok(_) => info!(pod = %doomed, "pod deleted"),
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::request(format!("deleting Pod/{doomed}"))(e)),
        }
    }
    let create = PostParams {
        field_manager: Some(ctx.field_manager.clone()),
        ..PostParams::default()
    };
    let mut now_there: Vec<Pod> = existing
        .into_iter()
        .filter(|p| {
            p.metadata
                .name
                .as_ref()
                .is_none_or(|n| !plan.delete.contains(n))
        })
        .collect();
    for pod in &plan.create {
        let created = pods
            .create(&create, pod)
            .await
            .map_err(Error::request(format!("creating a pod of Vertex/{name}")))?;
        info!(pod = %created.name_any(), "pod created");
        now_there.push(created);
    }
    let seen = PodsSeen::of(&now_there);
    if let Some(mut patch) = reconcile_vertex(&vertex, Some(&seen), Timestamp::now()) {
        patch.body["metadata"]["resourceVersion"] = json!(vertex.resource_version());
        send_patch(&ctx.client, &namespace, &patch, &ctx.field_manager).await?;
    }
    Ok(Action::await_change())
}

fn retry<K: Resource>(object: Arc<K>, error: &Error, _: Arc<Context>) -> Action {
    let conflict =
        matches!(error, Error::Request { source: kube::Error::Api(s), .. } if s.code == 409);
    if conflict {
        // A plan from a cache that had not caught up: made again once it has.
        debug!(
            object = object.meta().name.as_deref().unwrap_or_default(),
            "stale read; reconciling again"
        );
    } else {
        warn!(
            object = object.meta().name.as_deref().unwrap_or_default(),
            error = %error_chain(error),
            "reconcile failed; retrying"
        );
    }
    Action::requeue(RETRY)
}

/// Runs the Pipeline and Vertex controllers in `namespace` (all namespaces when `None`)
/// until `shutdown` completes, with what `context` holds.
pub async fn run_controllers(
    context: Context,
    namespace: Option<&str>,
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
    let context = Arc::new(context);
    info!(
        namespace = namespace.unwrap_or("(all)"),
        field_manager = %context.field_manager,
        "watching pipelines and vertices"
    );
    let pipeline_controller = Controller::new(pipelines, watcher::Config::default())
        .owns(vertices.clone(), watcher::Config::default());
    let pods: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let vertex_controller = Controller::new(vertices, watcher::Config::default()).owns(
        pods,
        watcher::Config::default().labels("app.kubernetes.io/component=vertex"),
    );
    let telemetry = &context.telemetry;
    telemetry.count_objects::<Pipeline, PipelinePhase>(pipeline_controller.store());
    telemetry
        .count_objects::<Vertex, numaflow_model::vertex::VertexPhase>(vertex_controller.store());
    let pipeline_controller = pipeline_controller
        .graceful_shutdown_on(stopped(stop_rx.clone()))
        .run(reconcile_pipeline_object, retry, context.clone())
        .for_each(|_| futures::future::ready(()));
    let vertex_controller = vertex_controller
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
    fn runtime_errors_keep_their_source() {
        let error = Error::Runtime(std::io::Error::other("no threads"));
        assert_eq!(error.to_string(), "cannot start the async runtime");
        assert_eq!(
            error_chain(&error),
            "cannot start the async runtime: no threads"
        );
    }

    #[test]
    fn only_a_pipeline_on_its_way_is_looked_at_again_unasked() {
        let pipeline = |desired: &str, phase: &str, deleted: bool| -> Pipeline {
            let mut meta = json!({ "name": "p" });
            if deleted {
                meta["deletionTimestamp"] = json!("2025-03-01T12:00:00Z");
            }
            serde_json::from_value(json!({
                "apiVersion": "numaflow.numaproj.io/v1alpha1",
                "kind": "Pipeline",
                "metadata": meta,
                "spec": { "lifecycle": { "desiredPhase": desired } },
                "status": { "phase": phase },
            }))
            .unwrap()
        };
        let again = Action::requeue(REQUEUE_WHILE_CHANGING);
        for (desired, phase, deleted, want) in [
            ("Running", "Running", false, Action::await_change()),
            ("Paused", "Paused", false, Action::await_change()),
            ("Paused", "Pausing", false, again.clone()),
            ("Paused", "Running", false, again.clone()),
            ("Running", "Paused", false, again.clone()),
            ("Running", "Failed", false, again.clone()),
            ("Running", "Deleting", true, again.clone()),
            ("Running", "Running", true, again.clone()),
        ] {
            assert_eq!(
                next_look(&pipeline(desired, phase, deleted)),
                want,
                "{desired} {phase} deleted={deleted}"
            );
        }
    }
}
