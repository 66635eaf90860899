//! An invalid pipeline goes `Failed` with a message naming the field, and recovers once
//! fixed; a paused pipeline goes `Failed` and straight back to `Paused`. The server's CEL
//! rule admits every one of these moves.

use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_apiserver::eventually;
use lifecycle_model::conditions::find_condition;
use numaflow_model::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use numaflow_model::plan::phase_message;
use numaflow_model::vertex::Scale;

use super::controller::set_desired_in;
use super::{StandInDaemon, client, namespace, start_controller, three_vertex_pipeline};

const CROSSED: &str = "spec.vertices[1].scale: min 3 is greater than max 2";

/// Sets or clears the crossed scale bounds of the map, with a merge patch of the vertex
/// list (a list is replaced whole).
pub(super) async fn cross_bounds(pipelines: &Api<Pipeline>, name: &str, crossed: bool) {
    let mut vertices = pipelines.get(name).await.unwrap().spec.vertices;
    vertices[1].scale = crossed.then(|| Scale {
        min: Some(3),
        max: Some(2),
        ..Scale::default()
    });
    let body = serde_json::json!({ "spec": { "vertices": vertices } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_pipeline_fails_and_recovers_once_fixed() {
    let namespace = &namespace("failed-test").await;
    let _controller = start_controller(namespace, &StandInDaemon::start().url, &[]);
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let name = "fragile";
    let pipeline = three_vertex_pipeline(name);
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let reads = |phase: PipelinePhase, message: Option<&'static str>| {
        let pipelines = pipelines.clone();
        async move {
            let Ok(p) = pipelines.get(name).await else {
                return false;
            };
            let status = p.status.clone().unwrap_or_default();
            let stalled = find_condition(&status.conditions, "Stalled");
            p.phase() == Some(phase)
                && status.message.as_deref() == message.or(phase_message(phase))
                && stalled.is_some_and(|c| {
                    (c.status.to_string() == "True") == message.is_some()
                        && message.is_none_or(|m| c.message == m)
                })
        }
    };
    eventually("the pipeline runs", || reads(PipelinePhase::Running, None)).await;

    cross_bounds(&pipelines, name, true).await;
    eventually("the invalid pipeline fails, naming the field", || {
        reads(PipelinePhase::Failed, Some(CROSSED))
    })
    .await;
    cross_bounds(&pipelines, name, false).await;
    eventually("the fixed pipeline runs again", || {
        reads(PipelinePhase::Running, None)
    })
    .await;

    // Paused, broken, fixed: back to Paused without a second pause.
    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the pipeline pauses", || reads(PipelinePhase::Paused, None)).await;
    cross_bounds(&pipelines, name, true).await;
    eventually("the paused pipeline fails", || {
        reads(PipelinePhase::Failed, Some(CROSSED))
    })
    .await;
    cross_bounds(&pipelines, name, false).await;
    eventually("the fixed pipeline is paused again", || {
        reads(PipelinePhase::Paused, None)
    })
    .await;
    let published: Vec<Event> = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("UpdatePipelinePhase"))
        .collect();
    let notes: Vec<&str> = published.iter().filter_map(|e| e.note.as_deref()).collect();
    for note in ["Running → Failed", "Failed → Running", "Failed → Paused"] {
        assert!(notes.contains(&note), "{note} in {notes:?}");
    }
    assert!(
        !notes.contains(&"Failed → Pausing"),
        "a fixed paused pipeline does not pause again: {notes:?}"
    );
    // Both failures are one Event series: kube-runtime's Recorder folds repeats of one
    // action on one object, as client-go's correlator does, keeping the first note.
    let failures = published
        .iter()
        .find(|e| e.action.as_deref() == Some("fail"))
        .expect("the failures' Event");
    assert_eq!(failures.series.as_ref().map(|s| s.count), Some(2));
}
