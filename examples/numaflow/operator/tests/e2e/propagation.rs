//! Pipeline edits reach the vertices on the real server, as NumaFlow's do: a changed
//! vertex is updated in place, one no longer declared is deleted; and a pipeline created
//! paused never starts a pod.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams, WatchEvent, WatchParams};
use lifecycle_apiserver::eventually;
use numaflow_model::pipeline::{
    DesiredPhase, Edge, Pipeline, PipelineLifecycle, PipelinePhase, RESUME_STRATEGY_ANNOTATION,
    ResumeStrategy,
};
use numaflow_model::vertex::{HASH_ANNOTATION, Udf, Vertex, VertexPhase};
use serde_json::json;

use super::{
    StandInDaemon, abstract_vertex, client, namespace, start_controller, three_vertex_pipeline,
};

fn hash(vertex: &Vertex) -> Option<String> {
    vertex
        .metadata
        .annotations
        .as_ref()?
        .get(HASH_ANNOTATION)
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipeline_created_paused_never_starts_a_pod() {
    let namespace = &namespace("created-paused-test").await;
    let client = client().await;
    // Every pod the namespace ever gets, from before the pipeline exists.
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut stream = pods
        .watch(&WatchParams::default(), "0")
        .await
        .expect("a watch on the namespace's pods")
        .boxed();
    let added = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = added.clone();
    tokio::spawn(async move {
        while let Some(Ok(event)) = stream.next().await {
            if let WatchEvent::Added(pod) = event {
                let name = pod.metadata.name.unwrap_or_default();
                record.lock().unwrap_or_else(|e| e.into_inner()).push(name);
            }
        }
    });
    let seen = || added.lock().unwrap_or_else(|e| e.into_inner()).clone();

    let _controller = start_controller(namespace, &StandInDaemon::start().url, &[]);
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let name = "asleep";
    let mut pipeline = three_vertex_pipeline(name);
    pipeline.spec.lifecycle = Some(PipelineLifecycle {
        desired_phase: Some(DesiredPhase::Paused),
        ..PipelineLifecycle::default()
    });
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    eventually(
        "the pipeline is Paused and its three vertices report Paused with no replicas",
        || async {
            let paused = pipelines
                .get(name)
                .await
                .is_ok_and(|p| p.phase() == Some(PipelinePhase::Paused));
            let listed = vertices.list(&Default::default()).await.unwrap().items;
            paused
                && listed.len() == 3
                && listed.iter().all(|v| {
                    let status = v.status.clone().unwrap_or_default();
                    v.spec.desired_phase() == VertexPhase::Paused
                        && status.phase.map(|p| format!("{p:?}")).as_deref() == Some("Paused")
                        && status.desired_replicas == Some(0)
                        && status.replicas == Some(0)
                })
        },
    )
    .await;
    assert_eq!(seen(), Vec::<String>::new(), "no pod was ever created");

    // The watch does see pods: resumed slowly (the vertices were made with no replicas,
    // which a fast resume would keep), each vertex starts its one.
    let slow = json!({
        "metadata": { "annotations": { RESUME_STRATEGY_ANNOTATION: ResumeStrategy::Slow.as_str() } },
        "spec": { "lifecycle": { "desiredPhase": "Running" } }
    });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(slow))
        .await
        .unwrap();
    eventually("the resumed pipeline starts a pod per vertex", || async {
        seen().len() >= 3
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_pipeline_updates_its_vertices_in_place_and_deletes_the_undeclared() {
    let namespace = &namespace("propagation-test").await;
    let _controller = start_controller(namespace, &StandInDaemon::start().url, &[]);
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let name = "edited";
    // in -> cat -> extra -> out
    let mut pipeline = three_vertex_pipeline(name);
    pipeline
        .spec
        .vertices
        .insert(2, abstract_vertex("extra", "map"));
    pipeline.spec.edges = vec![
        Edge::new("in", "cat"),
        Edge::new("cat", "extra"),
        Edge::new("extra", "out"),
    ];
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    eventually("the pipeline runs with four vertices", || async {
        let running = pipelines
            .get(name)
            .await
            .is_ok_and(|p| p.phase() == Some(PipelinePhase::Running));
        running
            && vertices
                .list(&Default::default())
                .await
                .unwrap()
                .items
                .len()
                == 4
    })
    .await;
    let cat_name = format!("{name}-cat");
    let before = vertices.get(&cat_name).await.unwrap();
    assert_eq!(hash(&before), Some(before.spec.hash()));

    // `extra` goes; `cat` gets arguments and a read limit this model does not read.
    let mut edited = pipelines.get(name).await.unwrap().spec;
    edited.vertices.retain(|v| v.name != "extra");
    let cat = edited
        .vertices
        .iter_mut()
        .find(|v| v.name == "cat")
        .unwrap();
    cat.udf = Some(Udf {
        extra: json!({ "builtin": { "name": "cat", "args": ["--verbose"] } })
            .as_object()
            .cloned()
            .unwrap()
            .into(),
        ..Udf::default()
    });
    cat.extra
        .insert("limits".to_owned(), json!({ "readBatchSize": 100 }));
    edited.edges = vec![Edge::new("in", "cat"), Edge::new("cat", "out")];
    let body = json!({ "spec": { "vertices": edited.vertices, "edges": edited.edges } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();

    eventually("cat is updated in place and extra is deleted", || async {
        let Ok(after) = vertices.get(&cat_name).await else {
            return false;
        };
        let gone = vertices
            .get_opt(&format!("{name}-extra"))
            .await
            .is_ok_and(|v| v.is_none());
        gone && after.spec.extra.get("limits") == Some(&json!({ "readBatchSize": 100 }))
    })
    .await;
    let after = vertices.get(&cat_name).await.unwrap();
    assert_eq!(
        after.metadata.uid, before.metadata.uid,
        "updated, not recreated"
    );
    assert_eq!(
        after.spec.udf.as_ref().unwrap().extra["builtin"]["args"],
        json!(["--verbose"])
    );
    assert_eq!(
        after.spec.desired_phase(),
        VertexPhase::Running,
        "lifecycle kept"
    );
    assert_eq!(after.spec.replicas, before.spec.replicas, "replicas kept");
    assert_ne!(hash(&after), hash(&before));
    assert_eq!(hash(&after), Some(after.spec.hash()));
    eventually("the pipeline counts three vertices", || async {
        pipelines.get(name).await.is_ok_and(|p| {
            p.status.as_ref().and_then(|s| s.counts.vertex_count) == Some(3)
                && p.phase() == Some(PipelinePhase::Running)
        })
    })
    .await;
}
