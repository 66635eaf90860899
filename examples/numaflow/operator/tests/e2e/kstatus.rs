//! kstatus, the library behind Flux's health checks, kpt and cli-utils' apply with wait,
//! reads every version of a pipeline and its vertices the server showed while the
//! controller ran them through each step: `Current` when settled in the phase asked for,
//! `Paused` included; `InProgress` while pausing or before a new generation is observed;
//! `Failed` when stalled; `Terminating` while deleting.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, Patch as KubePatch, PatchParams, PostParams,
};
use kube::runtime::{WatchStreamExt, watcher};
use lifecycle_apiserver::{Kstatus, eventually};
use numaflow_model::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use numaflow_model::vertex::Vertex;
use serde_json::{Value, json};

use super::controller::set_desired_in;
use super::failed::cross_bounds;
use super::{StandInDaemon, client, namespace, start_controller, three_vertex_pipeline};

/// Another controller's finalizer, which holds a deleted object so that it is seen
/// deleting.
const HOLD: &str = "e2e.lifecycle.example/kstatus-hold";

/// Every version of every object of `api`'s kind the server shows, as JSON, until the
/// returned task is aborted.
fn record(api: Api<DynamicObject>, into: Arc<Mutex<Vec<Value>>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut objects = watcher(api, watcher::Config::default())
            .applied_objects()
            .boxed();
        // The watcher recovers from its own errors; an error is not the end.
        while let Some(event) = objects.next().await {
            if let Ok(object) = event {
                let value = serde_json::to_value(&object).expect("an object is JSON");
                into.lock().unwrap().push(value);
            }
        }
    })
}

/// What users expect kstatus to say of `object`, from its lifecycle alone: the kind's
/// `phase` (the pipeline's status phase, the vertex's desired phase), whether it is
/// being deleted, and whether its status is at its generation. An object no controller
/// has written a status for reads `observedGeneration` 0, the CRD's default.
fn expected(object: &Value, phase: &str) -> &'static str {
    let observed = object["status"]["observedGeneration"].as_i64();
    assert!(
        observed.is_some(),
        "the CRD defaults observedGeneration: {object}"
    );
    if object["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating";
    }
    if observed != object["metadata"]["generation"].as_i64() {
        return "InProgress";
    }
    match phase {
        "Running" | "Paused" => "Current",
        "Pausing" => "InProgress",
        "Failed" => "Failed",
        other => panic!("no expectation for phase {other:?}"),
    }
}

/// Adds or removes [`HOLD`] on `name` of `api`'s kind, with a merge patch of the list.
async fn hold(api: &Api<DynamicObject>, name: &str, held: bool) {
    let finalizers: Vec<&str> = if held { vec![HOLD] } else { vec![] };
    let body = json!({ "metadata": { "finalizers": finalizers } });
    api.patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn kstatus_reads_each_step_of_a_pipeline_and_its_vertices_as_users_expect() {
    let kstatus = tokio::task::spawn_blocking(Kstatus::build)
        .await
        .unwrap()
        .expect("kstatus builds with Go");
    let namespace = &namespace("kstatus-test").await;
    let _controller = start_controller(namespace, &StandInDaemon::start().url, &[]);
    let client = client().await;
    let dynamic = |resource: ApiResource| {
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource)
    };
    let pipelines_raw = dynamic(ApiResource::erase::<Pipeline>(&()));
    let vertices_raw = dynamic(ApiResource::erase::<Vertex>(&()));
    let seen_pipelines = Arc::new(Mutex::new(Vec::new()));
    let seen_vertices = Arc::new(Mutex::new(Vec::new()));
    let recorders = [
        record(pipelines_raw.clone(), seen_pipelines.clone()),
        record(vertices_raw.clone(), seen_vertices.clone()),
    ];

    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let name = "watched";
    let mut pipeline = three_vertex_pipeline(name);
    pipeline.metadata.finalizers = Some(vec![HOLD.to_owned()]);
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let settled_in = |phase: PipelinePhase| {
        let pipelines = pipelines.clone();
        async move {
            pipelines.get(name).await.is_ok_and(|p| {
                let status = p.status.clone().unwrap_or_default();
                p.phase() == Some(phase) && status.observed_generation == p.metadata.generation
            })
        }
    };
    let vertex_name = format!("{name}-cat");
    eventually("the pipeline runs", || settled_in(PipelinePhase::Running)).await;
    eventually("the vertex is held by another controller", || async {
        vertices_raw.get(&vertex_name).await.is_ok()
    })
    .await;
    hold(&vertices_raw, &vertex_name, true).await;

    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the pipeline pauses", || settled_in(PipelinePhase::Paused)).await;
    cross_bounds(&pipelines, name, true).await;
    eventually("the broken pipeline fails", || {
        settled_in(PipelinePhase::Failed)
    })
    .await;
    cross_bounds(&pipelines, name, false).await;
    eventually("the fixed pipeline is paused again", || {
        settled_in(PipelinePhase::Paused)
    })
    .await;
    set_desired_in(&client, namespace, name, DesiredPhase::Running).await;
    eventually("the pipeline runs again", || {
        settled_in(PipelinePhase::Running)
    })
    .await;

    pipelines
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
    eventually("the pipeline is seen deleting", || async {
        let seen = seen_pipelines.lock().unwrap();
        seen.iter()
            .any(|p| p["metadata"]["deletionTimestamp"].is_string())
    })
    .await;
    // With no garbage collector on the test server, the vertex is deleted by hand.
    vertices_raw
        .delete(&vertex_name, &DeleteParams::default())
        .await
        .unwrap();
    eventually("the held vertex is seen deleting", || async {
        let seen = seen_vertices.lock().unwrap();
        seen.iter().any(|v| {
            v["metadata"]["name"] == vertex_name.as_str()
                && v["metadata"]["deletionTimestamp"].is_string()
        })
    })
    .await;
    for recorder in recorders {
        recorder.abort();
    }
    hold(&pipelines_raw, name, false).await;
    hold(&vertices_raw, &vertex_name, false).await;

    let check = |kind: &str, objects: Vec<Value>, phase: &dyn Fn(&Value) -> String| {
        let computed = kstatus
            .compute(&objects)
            .expect("kstatus reads every version");
        let mut classes = BTreeSet::new();
        for (object, got) in objects.iter().zip(&computed) {
            let phase = phase(object);
            let want = expected(object, &phase);
            assert_eq!(
                got.status, want,
                "{kind} in {phase} ({}): kstatus says {:?}",
                object["status"], got.message
            );
            classes.insert((want, phase));
        }
        classes
    };
    let pipeline_phase = |p: &Value| p["status"]["phase"].as_str().unwrap_or("").to_owned();
    let vertex_phase = |v: &Value| {
        let desired = &v["spec"]["lifecycle"]["desiredPhase"];
        desired.as_str().unwrap_or("Running").to_owned()
    };
    let pipeline_classes = check(
        "pipeline",
        seen_pipelines.lock().unwrap().clone(),
        &pipeline_phase,
    );
    let vertex_classes = check(
        "vertex",
        seen_vertices.lock().unwrap().clone(),
        &vertex_phase,
    );
    let class = |s: &'static str, p: &str| (s, p.to_owned());
    for wanted in [
        class("Current", "Running"),
        class("Current", "Paused"),
        class("InProgress", "Pausing"),
        class("Failed", "Failed"),
        // Created, before the controller's first status.
        class("InProgress", ""),
    ] {
        assert!(
            pipeline_classes.contains(&wanted),
            "{wanted:?} in {pipeline_classes:?}"
        );
    }
    let statuses = |classes: &BTreeSet<(&'static str, String)>| -> BTreeSet<&'static str> {
        classes.iter().map(|(s, _)| *s).collect()
    };
    for wanted in ["InProgress", "Terminating"] {
        assert!(
            statuses(&pipeline_classes).contains(wanted),
            "{wanted} in {pipeline_classes:?}"
        );
    }
    for wanted in [class("Current", "Running"), class("Current", "Paused")] {
        assert!(
            vertex_classes.contains(&wanted),
            "{wanted:?} in {vertex_classes:?}"
        );
    }
    for wanted in ["InProgress", "Terminating"] {
        assert!(
            statuses(&vertex_classes).contains(wanted),
            "{wanted} in {vertex_classes:?}"
        );
    }
}
