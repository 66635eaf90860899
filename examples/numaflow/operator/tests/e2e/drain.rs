//! Pausing drains the pipeline in order, on the real server with the shipped controller
//! and a stand-in for NumaFlow's daemon: the source pods go first, the rest stay while the
//! daemon reports pending messages and go once it reports none; with the daemon down,
//! only the grace period ends the pause, undrained. Fast and slow resumes bring the pods
//! back with the right counts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_apiserver::eventually;
use numaflow_model::pipeline::{
    AbstractVertex, DesiredPhase, Edge, Pipeline, PipelineLifecycle, PipelinePhase,
    RESUME_STRATEGY_ANNOTATION,
};
use numaflow_model::vertex::{PIPELINE_NAME_LABEL, VERTEX_NAME_LABEL, Vertex};
use serde_json::json;

use super::controller::set_desired_in;
use super::{StandInDaemon, abstract_vertex, client, namespace, start_controller};

/// Pods per vertex of the pipeline `name`.
async fn pods_by_vertex(pods: &Api<Pod>, name: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let listed = pods
        .list(&ListParams::default().labels(&format!("{PIPELINE_NAME_LABEL}={name}")))
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    for pod in listed {
        let vertex = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(VERTEX_NAME_LABEL).cloned())
            .unwrap_or_default();
        *counts.entry(vertex).or_insert(0) += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(v, n)| ((*v).to_owned(), *n)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pausing_drains_in_order_and_resuming_brings_the_pods_back() {
    let namespace = &namespace("drain-test").await;
    let daemon = StandInDaemon::start();
    let _controller = start_controller(namespace, &daemon.url, &[]);
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let name = "drained";
    let reduce: AbstractVertex = serde_json::from_value(json!({
        "name": "agg", "udf": { "groupBy": { "keyed": true } }, "partitions": 2,
    }))
    .unwrap();
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        reduce,
        abstract_vertex("out", "sink"),
    ];
    pipeline.spec.edges = [("in", "cat"), ("cat", "agg"), ("agg", "out")]
        .map(|(from, to)| Edge::new(from, to))
        .into();
    // Long enough that only the drain can end the first pause in time.
    pipeline.spec.lifecycle = Some(PipelineLifecycle {
        pause_grace_period_seconds: Some(600),
        ..PipelineLifecycle::default()
    });
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let phase = || async { pipelines.get(name).await.ok().and_then(|p| p.phase()) };
    let drained_on_pause = || async {
        pipelines
            .get(name)
            .await
            .ok()
            .and_then(|p| p.status?.drained_on_pause)
    };

    // Created: a pod per replica; the keyed reduce runs one per partition.
    let running = counts(&[("in", 1), ("cat", 1), ("agg", 2), ("out", 1)]);
    eventually("every replica has its pod", || async {
        pods_by_vertex(&pods, name).await == running
    })
    .await;
    // Scaled while running: the map runs two.
    let scale = json!({ "spec": { "replicas": 2 } });
    vertices
        .patch(
            "drained-cat",
            &PatchParams::default(),
            &KubePatch::Merge(scale),
        )
        .await
        .unwrap();
    let scaled = counts(&[("in", 1), ("cat", 2), ("agg", 2), ("out", 1)]);
    eventually("the map scales to two pods", || async {
        pods_by_vertex(&pods, name).await == scaled
    })
    .await;

    // Pause while the daemon reports pending messages: the source goes, the rest stays.
    daemon.set_pending(7);
    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    let downstream = counts(&[("cat", 2), ("agg", 2), ("out", 1)]);
    eventually("the source's pod goes first", || async {
        pods_by_vertex(&pods, name).await == downstream
    })
    .await;
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            pods_by_vertex(&pods, name).await,
            downstream,
            "7 messages pending"
        );
        assert_eq!(phase().await, Some(PipelinePhase::Pausing));
    }
    // Drained: everything goes, and the pipeline says it drained.
    daemon.set_pending(0);
    eventually("the drained pipeline pauses", || async {
        pods_by_vertex(&pods, name).await.is_empty() && phase().await == Some(PipelinePhase::Paused)
    })
    .await;
    assert_eq!(drained_on_pause().await, Some(true));

    // A fast resume keeps the replicas: the map comes back with two.
    set_desired_in(&client, namespace, name, DesiredPhase::Running).await;
    eventually("a fast resume brings every pod back", || async {
        pods_by_vertex(&pods, name).await == scaled && phase().await == Some(PipelinePhase::Running)
    })
    .await;

    // The daemon goes down: the pause waits out its grace period and ends undrained.
    daemon.set_up(false);
    let short_grace = json!({ "spec": { "lifecycle": { "pauseGracePeriodSeconds": 6 } } });
    pipelines
        .patch(
            name,
            &PatchParams::default(),
            &KubePatch::Merge(short_grace),
        )
        .await
        .unwrap();
    let asked = Instant::now();
    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the pause says why it waits", || async {
        pipelines.get(name).await.ok().is_some_and(|p| {
            p.status.as_ref().is_some_and(|s| {
                s.conditions.iter().any(|c| {
                    c.type_ == "Reconciling"
                        && c.message.contains("the buffers cannot be read")
                        && c.message.contains("503")
                })
            })
        })
    })
    .await;
    eventually("the pause ends with the grace period", || async {
        pods_by_vertex(&pods, name).await.is_empty() && phase().await == Some(PipelinePhase::Paused)
    })
    .await;
    assert!(
        asked.elapsed() >= Duration::from_secs(6),
        "paused after {:?}, within the 6 s grace period",
        asked.elapsed()
    );
    assert_eq!(drained_on_pause().await, Some(false));

    // A slow resume drops the replicas: the map comes back with one.
    daemon.set_up(true);
    let slow = json!({ "metadata": { "annotations": { RESUME_STRATEGY_ANNOTATION: "slow" } } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(slow))
        .await
        .unwrap();
    set_desired_in(&client, namespace, name, DesiredPhase::Running).await;
    eventually("a slow resume brings the default counts back", || async {
        pods_by_vertex(&pods, name).await == running
            && phase().await == Some(PipelinePhase::Running)
    })
    .await;
}
