//! The planning functions' patches, sent to the server: every one is admitted, and the
//! pipeline pauses, resumes and is deleted as planned.

use std::time::Duration;

use jiff::Timestamp;
use kube::Client;
use kube::api::{Api, DeleteParams, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_examples::numaflow::cluster::send_patch;
use lifecycle_examples::numaflow::pipeline::{
    DesiredPhase, FINALIZER, Pipeline, PipelinePhase, RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
};
use lifecycle_examples::numaflow::plan::{self, Observations, Patch};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_examples::numaflow::write;
use serde_json::{Value, json};

use super::{NAMESPACE, abstract_vertex, client};

/// Sends `patches` and fails on any rejection.
async fn send(client: &Client, patches: &[Patch]) {
    for patch in patches {
        if let Err(e) = send_patch(client, NAMESPACE, patch, "lifecycle-e2e").await {
            panic!("the server rejected a planned patch {patch:?}: {e}");
        }
    }
}

/// Plans and sends until the plan is empty; returns the number of patches sent.
async fn converge(client: &Client, name: &str, observed: &Observations) -> usize {
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let mut sent = 0;
    for _ in 0..10 {
        let Ok(pipeline) = pipelines.get(name).await else {
            return sent; // deleted
        };
        let list = vertices.list(&Default::default()).await.unwrap().items;
        let ours: Vec<Vertex> = list
            .into_iter()
            .filter(|v| v.spec.pipeline_name == name)
            .collect();
        let patches = write::patches(&plan::plan(&pipeline, &ours, observed));
        if patches.is_empty() {
            return sent;
        }
        sent += patches.len();
        send(client, &patches).await;
    }
    panic!("planning for {name} did not converge in 10 steps");
}

async fn vertices_of(client: &Client, pipeline: &str) -> Vec<Vertex> {
    let api: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let mut list: Vec<Vertex> = api
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|v| v.spec.pipeline_name == pipeline)
        .collect();
    list.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    list
}

/// Creates a pipeline with a source, a map and a sink, and its vertices, all Running.
async fn create_pipeline(client: &Client, name: &str) -> Pipeline {
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), NAMESPACE);
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        abstract_vertex("out", "sink"),
    ];
    pipeline.metadata.finalizers = Some(vec![FINALIZER.to_owned()]);
    let created = pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    for v in &created.spec.vertices {
        let mut vertex = Vertex::new(&format!("{name}-{}", v.name), created.vertex_spec(v));
        vertex.spec.replicas = Some(2);
        vertices
            .create(&PostParams::default(), &vertex)
            .await
            .unwrap();
    }
    created
}

async fn set_desired(client: &Client, name: &str, phase: DesiredPhase, extra: Value) {
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    let mut body = json!({ "spec": { "lifecycle": { "desiredPhase": phase } } });
    json_patch::merge(&mut body, &extra);
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_resume_and_delete_plans_are_admitted() {
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), NAMESPACE);
    let name = "plan-demo";
    create_pipeline(&client, name).await;
    let drained = Observations::drained_at(Timestamp::now());

    // Start: the status settles on Running.
    converge(&client, name, &drained).await;
    assert_eq!(
        pipelines.get(name).await.unwrap().phase(),
        Some(PipelinePhase::Running)
    );

    // Pause: sources first, then the rest once drained, then Paused.
    set_desired(&client, name, DesiredPhase::Paused, json!({})).await;
    let sent = converge(&client, name, &drained).await;
    let paused = pipelines.get(name).await.unwrap();
    assert_eq!(paused.phase(), Some(PipelinePhase::Paused));
    assert_eq!(paused.status.as_ref().unwrap().drained_on_pause, Some(true));
    let vertices = vertices_of(&client, name).await;
    assert!(
        vertices
            .iter()
            .all(|v| v.spec.desired_phase() == VertexPhase::Paused)
    );
    assert!(vertices.iter().all(|v| v.spec.desired_replicas() == 0));
    // Pausing + (1 source + timestamp) + (2 others + Paused).
    assert_eq!(sent, 6);

    // Fast resume: the replicas come back as they were.
    set_desired(&client, name, DesiredPhase::Running, json!({})).await;
    converge(&client, name, &drained).await;
    let vertices = vertices_of(&client, name).await;
    assert!(
        vertices
            .iter()
            .all(|v| v.spec.desired_phase() == VertexPhase::Running)
    );
    assert!(
        vertices.iter().all(|v| v.spec.replicas == Some(2)),
        "{vertices:?}"
    );
    assert_eq!(
        pipelines.get(name).await.unwrap().phase(),
        Some(PipelinePhase::Running)
    );

    // Slow resume: the same, with spec.replicas dropped, which the CRD defaults to 1.
    set_desired(&client, name, DesiredPhase::Paused, json!({})).await;
    converge(&client, name, &drained).await;
    let slow = ResumeStrategy::Slow.as_str();
    let slow = json!({ "metadata": { "annotations": { RESUME_STRATEGY_ANNOTATION: slow } } });
    set_desired(&client, name, DesiredPhase::Running, slow).await;
    converge(&client, name, &drained).await;
    let vertices = vertices_of(&client, name).await;
    assert!(
        vertices.iter().all(|v| v.spec.replicas == Some(1)),
        "{vertices:?}"
    );
    assert!(vertices.iter().all(|v| v.spec.desired_replicas() == 1));

    // Delete: Deleting, sources paused, the rest paused, the finalizer released.
    pipelines
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
    converge(&client, name, &drained).await;
    for _ in 0..50 {
        if pipelines.get_opt(name).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        pipelines.get_opt(name).await.unwrap().is_none(),
        "the pipeline is gone"
    );
    let vertices = vertices_of(&client, name).await;
    assert!(
        vertices
            .iter()
            .all(|v| v.spec.desired_phase() == VertexPhase::Paused)
    );
}
