//! What the user does: the pipelines it creates, and its requests, sent many at once.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use kube::Client;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use numaflow_model::pipeline::{AbstractVertex, Pipeline, PipelineLifecycle};
use numaflow_model::vertex::Udf;
use serde_json::json;

use crate::observe::{Goal, Tracker};
use crate::{Error, NAMESPACE};

/// A pipeline's vertex `name` of `role`: `source` (a generator), `sink` (a log), or a
/// map UDF otherwise.
pub fn abstract_vertex(name: &str, role: &str) -> AbstractVertex {
    let mut v = AbstractVertex {
        name: name.to_owned(),
        ..AbstractVertex::default()
    };
    match role {
        "source" => v.source = serde_json::from_value(json!({ "generator": {} })).ok(),
        "sink" => v.sink = serde_json::from_value(json!({ "log": {} })).ok(),
        _ => v.udf = Some(Udf::default()),
    }
    v
}

/// A pipeline `name` of three vertices: the source `in`, the map `cat`, the sink `out`.
pub fn three_vertex_pipeline(name: &str) -> Pipeline {
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        abstract_vertex("out", "sink"),
    ];
    pipeline
}

/// How long the benchmark's pauses and deletions may wait for their drain: long enough
/// that the daemon's answer, not the grace period, ends each of them, however loaded the
/// server; `drainedOnPause` is then checked on every pipeline.
const GRACE_SECONDS: i64 = 600;

/// A pipeline the benchmark drives: [`three_vertex_pipeline`], with [`GRACE_SECONDS`].
fn benched_pipeline(name: &str) -> Pipeline {
    let mut pipeline = three_vertex_pipeline(name);
    pipeline.spec.lifecycle = Some(PipelineLifecycle {
        pause_grace_period_seconds: Some(GRACE_SECONDS),
        deletion_grace_period_seconds: Some(GRACE_SECONDS),
        ..PipelineLifecycle::default()
    });
    pipeline
}

/// Sends the request of `goal` for each of `names`, `concurrency` at a time, noting
/// when each was sent. A request that cannot reach the server is tried again for a
/// minute (the server may be restarting); one the server refuses is an error.
pub(crate) async fn send_all(
    goal: Goal,
    client: Client,
    names: &[String],
    concurrency: usize,
    tracker: &Tracker,
) -> Result<(), Error> {
    let pipelines: Api<Pipeline> = Api::namespaced(client, NAMESPACE);
    futures::stream::iter(names)
        .map(|name| {
            let pipelines = pipelines.clone();
            async move {
                tracker.requested(name, Instant::now());
                let mut tries = 0;
                loop {
                    tries += 1;
                    match request(goal, &pipelines, name).await {
                        Ok(()) => return Ok(()),
                        Err(kube::Error::Api(status))
                            if goal == Goal::Create && status.code == 409 =>
                        {
                            return Ok(());
                        }
                        Err(e @ kube::Error::Api(_)) => {
                            return Err(Error::Request {
                                what: format!("{} {name}", goal.name()),
                                source: e,
                            });
                        }
                        Err(e) if tries >= 60 => {
                            return Err(Error::Request {
                                what: format!("{} {name}", goal.name()),
                                source: e,
                            });
                        }
                        Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
                    }
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

/// The user's request of `goal` for pipeline `name`.
async fn request(goal: Goal, pipelines: &Api<Pipeline>, name: &str) -> Result<(), kube::Error> {
    let desired =
        |phase: &str| Patch::Merge(json!({ "spec": { "lifecycle": { "desiredPhase": phase } } }));
    match goal {
        Goal::Create => pipelines
            .create(&PostParams::default(), &benched_pipeline(name))
            .await
            .map(|_| ()),
        Goal::Pause => pipelines
            .patch(name, &PatchParams::default(), &desired("Paused"))
            .await
            .map(|_| ()),
        Goal::Resume => pipelines
            .patch(name, &PatchParams::default(), &desired("Running"))
            .await
            .map(|_| ()),
        Goal::Delete => pipelines
            .delete(name, &DeleteParams::default())
            .await
            .map(|_| ()),
    }
}
