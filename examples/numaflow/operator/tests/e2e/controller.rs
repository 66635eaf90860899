//! The shipped controller binary, `numaflow-controller`, against the server.

use kube::Client;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_apiserver::eventually;
use numaflow_model::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use numaflow_model::vertex::{Vertex, VertexPhase};
use serde_json::json;

use super::{StandInDaemon, client, namespace, start_controller, three_vertex_pipeline};

#[tokio::test(flavor = "multi_thread")]
async fn the_controller_binary_pauses_and_resumes_a_pipeline() {
    let namespace = &namespace("controller-test").await;
    let _controller = start_controller(namespace, &StandInDaemon::start().url, &[]);
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let name = "controlled";
    let pipeline = three_vertex_pipeline(name);
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();

    let ours = || async {
        vertices
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default()
    };
    let phase_is = |phase: PipelinePhase| {
        let pipelines = pipelines.clone();
        async move { pipelines.get(name).await.ok().and_then(|p| p.phase()) == Some(phase) }
    };
    let all_report = |phase: VertexPhase, replicas: i32| async move {
        let list = ours().await;
        list.len() == 3
            && list.iter().all(|v| {
                v.spec.desired_phase() == phase
                    && v.status.as_ref().and_then(|s| s.desired_replicas) == Some(replicas)
            })
    };

    eventually("the controller creates the vertices and runs", || async {
        phase_is(PipelinePhase::Running).await && all_report(VertexPhase::Running, 1).await
    })
    .await;

    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the pipeline pauses", || async {
        phase_is(PipelinePhase::Paused).await && all_report(VertexPhase::Paused, 0).await
    })
    .await;

    set_desired_in(&client, namespace, name, DesiredPhase::Running).await;
    eventually("the pipeline resumes", || async {
        phase_is(PipelinePhase::Running).await && all_report(VertexPhase::Running, 1).await
    })
    .await;
}

pub(super) async fn set_desired_in(
    client: &Client,
    namespace: &str,
    name: &str,
    phase: DesiredPhase,
) {
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let body = json!({ "spec": { "lifecycle": { "desiredPhase": phase } } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
}
