//! The server's own pace: the writes a pause must make, sent by a minimal client.
//!
//! In a namespace of its own the client sets up the same pipelines as the controller's
//! run, untimed: each running, its three vertices created from the planner's own output
//! with a pod each, every status as the controller writes it, then asked to pause. Then,
//! as the controller's ServiceAccount, so that the same admission policies and RBAC
//! apply, it sends the pause's ideal writes ([`crate::ideal::per_pipeline`] of
//! [`crate::Goal::Pause`]) with the controller's own bodies and preconditions, from the
//! controller's own planning over its copies of the objects, with no reads and no waits:
//! for each pipeline, `Pausing`, the pause timestamp and the sources; each source's pod
//! deleted and its status; the rest and `Paused`; their pods and statuses; with the
//! transition Events. As many pipelines at a time as it is told.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ObjectReference, Pod};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::DynamicObject;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Client, Resource, ResourceExt};
use lifecycle_apiserver::{ApiServer, Identity};
use numaflow_model::controller::{reconcile_pipeline, reconcile_vertex};
use numaflow_model::patch::{Patch as NumaflowPatch, Subresource};
use numaflow_model::pipeline::Pipeline;
use numaflow_model::plan::Observations;
use numaflow_model::pods::{PodsSeen, plan_pods};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole};
use serde_json::json;

use crate::Error;
use crate::user::three_vertex_pipeline;

/// The minimal client's namespace, which no controller watches.
pub const NAMESPACE: &str = "scale-limit";

/// The field manager and Event reporter the minimal client writes as.
const MANAGER: &str = "numaflow-scale-limit";

/// One pipeline set up for the minimal client, as the controller would see it when its
/// user asks for the pause: its vertices (sources first) and each vertex's pod.
struct Prepared {
    pipeline: Pipeline,
    vertices: Vec<Vertex>,
    pods: BTreeMap<String, String>,
}

/// Sets up `names` in [`NAMESPACE`] untimed, then sends the pause's ideal writes for each,
/// `concurrency` pipelines at a time. How long the writes took, and the window they were
/// sent in (for the audit log).
pub async fn run(
    server: &ApiServer,
    names: &[String],
    concurrency: usize,
) -> Result<(Duration, Timestamp, Timestamp), Error> {
    let admin = server
        .admin()
        .await
        .map_err(|e| Error::Server(e.to_string()))?;
    let client = server
        .client(Identity::Controller)
        .await
        .map_err(|e| Error::Server(e.to_string()))?;
    let prepared: Vec<Prepared> = futures::stream::iter(names)
        .map(|name| prepare(&admin, &client, name))
        .buffer_unordered(64)
        .try_collect()
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let from = Timestamp::now();
    let begun = Instant::now();
    futures::stream::iter(prepared)
        .map(|p| pause(&client, p))
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await?;
    let wall = begun.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok((wall, from, Timestamp::now()))
}

/// Wraps a refused request with what was being done.
fn refused(what: String) -> impl FnOnce(kube::Error) -> Error {
    move |source| Error::Request { what, source }
}

/// A running pipeline `name` with its vertices and their pods, each with the status the
/// controller writes, then asked to pause: the objects as the controller would find them.
async fn prepare(admin: &Client, client: &Client, name: &String) -> Result<Prepared, Error> {
    let pipelines: Api<Pipeline> = Api::namespaced(admin.clone(), NAMESPACE);
    let mut pipeline = three_vertex_pipeline(name);
    pipeline.metadata.finalizers = Some(vec![numaflow_model::pipeline::FINALIZER.to_owned()]);
    let pipeline = pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .map_err(refused(format!("creating Pipeline/{name}")))?;
    let mut planned = reconcile_pipeline(&pipeline, &[], &running()).create;
    planned.sort_by_key(|v| v.spec.role() != Some(VertexRole::Source));
    let vertex_api: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let pod_api: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let mut vertices = Vec::new();
    let mut pods = BTreeMap::new();
    for vertex in planned {
        let vertex = vertex_api
            .create(&post(), &vertex)
            .await
            .map_err(refused(format!("creating Vertex/{}", vertex.name_any())))?;
        let mut created = Vec::new();
        for pod in plan_pods(&vertex, &[]).create {
            let pod = pod_api
                .create(&post(), &pod)
                .await
                .map_err(refused(format!("creating a pod of {}", vertex.name_any())))?;
            pods.insert(vertex.name_any(), pod.name_any());
            created.push(pod);
        }
        let mut vertex = vertex;
        if let Some(status) = reconcile_vertex(&vertex, Some(&PodsSeen::of(&created)), now()) {
            vertex = send(client, &status).await?;
        }
        vertices.push(vertex);
    }
    for patch in reconcile_pipeline(&pipeline, &vertices, &running()).patches() {
        let _: Pipeline = send(client, &patch).await?;
    }
    let pause = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
    let pipeline = pipelines
        .patch(name, &PatchParams::default(), &Patch::Merge(pause))
        .await
        .map_err(refused(format!("asking Pipeline/{name} to pause")))?;
    Ok(Prepared {
        pipeline,
        vertices,
        pods,
    })
}

/// What the controller observes of a running pipeline: its source's pod, and buffers not
/// read while it runs.
fn running() -> Observations {
    Observations {
        now: now(),
        source_pods: 1,
        buffers: Err("not read while source pods run".to_owned()),
    }
}

fn now() -> Timestamp {
    Timestamp::now()
}

/// The pause of one pipeline: the writes the controller's own planning makes, from its
/// own copies of the objects (each write's answer), with no reads and no waits. Each
/// round plans the pipeline (while a source pod runs, then drained), then each vertex
/// asked to pause: its pod deleted, its status written. The planning's Events are
/// published as the controller does, on tasks of their own.
async fn pause(client: &Client, mut p: Prepared) -> Result<(), Error> {
    let pod_api: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let events: Api<Event> = Api::namespaced(client.clone(), NAMESPACE);
    let mut published = Vec::new();
    // Rounds until the planning asks for nothing: Pausing and the sources, then the rest
    // and Paused, then nothing; a fourth round would mean the planning does not settle.
    for _round in 0..4 {
        let observed = if !source_runs(&p) {
            Observations::drained_at(now())
        } else {
            running()
        };
        let writes = reconcile_pipeline(&p.pipeline, &p.vertices, &observed).writes;
        let mut sent = false;
        for write in &writes {
            let patch = with_version(&p, write.patch());
            let written = send_raw(client, &patch).await?;
            if patch.target.targets(&p.pipeline) {
                p.pipeline = serde_json::from_value(written).map_err(decode)?;
            } else if let Some(v) = p.vertices.iter_mut().find(|v| patch.target.targets(&**v)) {
                *v = serde_json::from_value(written).map_err(decode)?;
            }
            if let Some(transition) = write.transition() {
                published.push(publish(&events, &p.pipeline, &transition.note()));
            }
            sent = true;
        }
        for vertex in p.vertices.iter_mut() {
            let asked = vertex.spec.desired_phase() == VertexPhase::Paused;
            let Some(pod) = p.pods.get(&vertex.name_any()).filter(|_| asked).cloned() else {
                continue;
            };
            pod_api
                .delete(&pod, &DeleteParams::default())
                .await
                .map_err(refused(format!("deleting Pod/{pod}")))?;
            p.pods.remove(&vertex.name_any());
            if let Some(mut status) = reconcile_vertex(vertex, Some(&PodsSeen::of(&[])), now()) {
                status.body["metadata"]["resourceVersion"] = json!(vertex.resource_version());
                *vertex = send(client, &status).await?;
            }
            sent = true;
        }
        if !sent {
            break;
        }
    }
    for event in published {
        event
            .await
            .map_err(|e| Error::Other(format!("publishing an Event: {e}")))??;
    }
    Ok(())
}

/// Whether a source vertex of `p` still has its pod.
fn source_runs(p: &Prepared) -> bool {
    p.vertices
        .iter()
        .filter(|v| v.spec.role() == Some(VertexRole::Source))
        .any(|v| p.pods.contains_key(&v.name_any()))
}

/// `patch` made only if its object is still the version the client last wrote, as the
/// controller's writes are.
fn with_version(p: &Prepared, mut patch: NumaflowPatch) -> NumaflowPatch {
    let version = if patch.target.targets(&p.pipeline) {
        p.pipeline.resource_version()
    } else {
        p.vertices
            .iter()
            .find(|v| patch.target.targets(&**v))
            .and_then(|v| v.resource_version())
    };
    if let Some(version) = version {
        patch.body["metadata"]["resourceVersion"] = json!(version);
    }
    patch
}

fn decode(e: serde_json::Error) -> Error {
    Error::Other(format!("reading a written object back: {e}"))
}

/// Sends `patch` as the controller's writes go, and reads its answer as a `K`.
async fn send<K: serde::de::DeserializeOwned>(
    client: &Client,
    patch: &NumaflowPatch,
) -> Result<K, Error> {
    serde_json::from_value(send_raw(client, patch).await?).map_err(decode)
}

/// Sends `patch` as a merge patch, as [`MANAGER`]; the object as written.
async fn send_raw(client: &Client, patch: &NumaflowPatch) -> Result<serde_json::Value, Error> {
    let resource = patch.target.resource.api_resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), NAMESPACE, &resource);
    let body = Patch::Merge(&patch.body);
    let name = &patch.target.name;
    let written = match patch.target.subresource {
        Subresource::Main => api.patch(name, &params(), &body).await,
        Subresource::Status => api.patch_status(name, &params(), &body).await,
    }
    .map_err(refused(format!("patching {}", patch.target)))?;
    serde_json::to_value(written).map_err(decode)
}

/// Posts a transition Event about `regarding` on a task of its own, as the controller
/// does: the Event does not hold up the next write.
fn publish<K: Resource<DynamicType = ()>>(
    events: &Api<Event>,
    regarding: &K,
    note: &str,
) -> tokio::task::JoinHandle<Result<(), Error>> {
    let object: ObjectReference = regarding.object_ref(&());
    let event = Event {
        metadata: ObjectMeta {
            generate_name: Some(format!(
                "{}-",
                regarding.meta().name.clone().unwrap_or_default()
            )),
            ..ObjectMeta::default()
        },
        action: Some("pause".to_owned()),
        event_time: Some(MicroTime(Timestamp::now())),
        note: Some(note.to_owned()),
        reason: Some("PhaseChanged".to_owned()),
        regarding: Some(object),
        reporting_controller: Some(MANAGER.to_owned()),
        reporting_instance: Some(MANAGER.to_owned()),
        type_: Some("Normal".to_owned()),
        ..Event::default()
    };
    let (events, what) = (events.clone(), format!("publishing an Event: {note}"));
    tokio::spawn(async move {
        events
            .create(&PostParams::default(), &event)
            .await
            .map(|_| ())
            .map_err(refused(what))
    })
}

fn params() -> PatchParams {
    PatchParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PatchParams::default()
    }
}

fn post() -> PostParams {
    PostParams {
        field_manager: Some(MANAGER.to_owned()),
        ..PostParams::default()
    }
}
