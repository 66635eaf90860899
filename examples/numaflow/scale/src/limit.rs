//! The server's own pace: the writes a pause must make, sent by a minimal client.
//!
//! In a namespace of its own the client sets up the same pipelines as the controller's
//! run (each running, its three vertices created from the planner's own output with a pod
//! each), untimed. Then, as the controller's ServiceAccount, so that the same admission
//! policies and RBAC apply, it sends exactly the pause's ideal writes
//! ([`crate::ideal::per_pipeline`] of [`crate::Goal::Pause`]) with no reads: for each
//! pipeline in turn, `Pausing` and the pause timestamp, then each vertex from the source
//! down (its desired phase, its pod deleted, its status), then `Paused`, with the
//! transition Events; as many pipelines at a time as it is told.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ObjectReference, Pod};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Client, Resource, ResourceExt};
use lifecycle_apiserver::{ApiServer, Identity};
use numaflow_model::controller::reconcile_pipeline;
use numaflow_model::pipeline::{PAUSE_TIMESTAMP_ANNOTATION, Pipeline};
use numaflow_model::plan::Observations;
use numaflow_model::pods::plan_pods;
use numaflow_model::vertex::{Vertex, VertexRole};
use serde_json::json;

use crate::Error;
use crate::user::three_vertex_pipeline;

/// The minimal client's namespace, which no controller watches.
pub const NAMESPACE: &str = "scale-limit";

/// The field manager and Event reporter the minimal client writes as.
const MANAGER: &str = "numaflow-scale-limit";

/// One pipeline set up for the minimal client: its vertices (sources first) and each
/// vertex's pod.
struct Prepared {
    pipeline: Pipeline,
    vertices: Vec<(Vertex, String)>,
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
    futures::stream::iter(&prepared)
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

/// A running pipeline `name` with its vertices and their pods, as the controller would
/// leave it.
async fn prepare(admin: &Client, client: &Client, name: &String) -> Result<Prepared, Error> {
    let pipelines: Api<Pipeline> = Api::namespaced(admin.clone(), NAMESPACE);
    let mut pipeline = three_vertex_pipeline(name);
    pipeline.metadata.finalizers = Some(vec![numaflow_model::pipeline::FINALIZER.to_owned()]);
    let pipeline = pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .map_err(refused(format!("creating Pipeline/{name}")))?;
    let status = json!({ "status": { "phase": "Running", "observedGeneration": 1 } });
    let as_controller: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    as_controller
        .patch_status(name, &params(), &Patch::Merge(status))
        .await
        .map_err(refused(format!("writing Pipeline/{name}'s status")))?;
    let observed = Observations {
        now: Timestamp::now(),
        source_pods: 0,
        buffers: Err("not asked".to_owned()),
    };
    let mut planned = reconcile_pipeline(&pipeline, &[], &observed).create;
    planned.sort_by_key(|v| v.spec.role() != Some(VertexRole::Source));
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let mut out = Vec::new();
    for vertex in planned {
        let vertex = vertices
            .create(&post(), &vertex)
            .await
            .map_err(refused(format!("creating Vertex/{}", vertex.name_any())))?;
        let mut pod_name = String::new();
        for pod in plan_pods(&vertex, &[]).create {
            let pod = pods
                .create(&post(), &pod)
                .await
                .map_err(refused(format!("creating a pod of {}", vertex.name_any())))?;
            pod_name = pod.name_any();
        }
        let status =
            json!({ "status": { "phase": "Running", "replicas": 1, "desiredReplicas": 1 } });
        vertices
            .patch_status(&vertex.name_any(), &params(), &Patch::Merge(status))
            .await
            .map_err(refused(format!(
                "writing Vertex/{}'s status",
                vertex.name_any()
            )))?;
        out.push((vertex, pod_name));
    }
    Ok(Prepared {
        pipeline,
        vertices: out,
    })
}

/// The pause's ideal writes for one pipeline, in the order the controller makes them.
async fn pause(client: &Client, p: &Prepared) -> Result<(), Error> {
    let name = p.pipeline.name_any();
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let events: Api<Event> = Api::namespaced(client.clone(), NAMESPACE);
    let pipeline_status = |phase: &str, drained: Option<bool>| {
        Patch::Merge(json!({ "status": {
            "phase": phase,
            "message": format!("Pipeline {phase}"),
            "lastUpdated": Timestamp::now().to_string(),
            "observedGeneration": 2,
            "drainedOnPause": drained,
        } }))
    };
    pipelines
        .patch_status(&name, &params(), &pipeline_status("Pausing", None))
        .await
        .map_err(refused(format!("pausing Pipeline/{name}")))?;
    let mut published = vec![publish(&events, &p.pipeline, "Running -> Pausing (pause)")];
    let stamp = json!({ "metadata": { "annotations": {
        PAUSE_TIMESTAMP_ANNOTATION: Timestamp::now().to_string(),
    } } });
    pipelines
        .patch(&name, &params(), &Patch::Merge(stamp))
        .await
        .map_err(refused(format!("stamping Pipeline/{name}'s pause")))?;
    for (vertex, pod) in &p.vertices {
        let vertex_name = vertex.name_any();
        let desired = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
        vertices
            .patch(&vertex_name, &params(), &Patch::Merge(desired))
            .await
            .map_err(refused(format!("pausing Vertex/{vertex_name}")))?;
        pods.delete(pod, &DeleteParams::default())
            .await
            .map_err(refused(format!("deleting Pod/{pod}")))?;
        let status =
            json!({ "status": { "phase": "Paused", "replicas": 0, "desiredReplicas": 0 } });
        vertices
            .patch_status(&vertex_name, &params(), &Patch::Merge(status))
            .await
            .map_err(refused(format!("writing Vertex/{vertex_name}'s status")))?;
        published.push(publish(&events, vertex, "Running -> Paused (pause)"));
    }
    pipelines
        .patch_status(&name, &params(), &pipeline_status("Paused", Some(true)))
        .await
        .map_err(refused(format!("pausing Pipeline/{name}")))?;
    published.push(publish(&events, &p.pipeline, "Pausing -> Paused (paused)"));
    for event in published {
        event
            .await
            .map_err(|e| Error::Other(format!("publishing an Event: {e}")))??;
    }
    Ok(())
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
