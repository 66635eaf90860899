//! The demo's story on a real cluster: the controllers run in this process while the
//! pipeline `lifecycle-demo` is created, paused, resumed fast and slow, and deleted.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use kube::api::{Api, DeleteParams, ListParams, Patch as KubePatch, PatchParams, PostParams};
use serde_json::json;

use crate::demo::{rows, table};
use numaflow_model::pipeline::{
    AbstractVertex, DesiredPhase, Edge, Pipeline, PipelinePhase, RESUME_STRATEGY_ANNOTATION,
    ResumeStrategy,
};
use numaflow_model::vertex::{Udf, Vertex, VertexRole, pipeline_selector};
use numaflow_operator::daemon::DEFAULT_DAEMON_URL;
use numaflow_operator::{Context, Daemon, FIELD_MANAGER, Telemetry, client, run_controllers};

/// What can go wrong in the story on a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request, or the client, failed.
    #[error(transparent)]
    Cluster(#[from] numaflow_operator::Error),
    /// A step of the story did not reach its expected state in time.
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
    Daemon(#[source] numaflow_operator::daemon::DaemonError),
}

impl From<numaflow_operator::ClientError> for Error {
    fn from(error: numaflow_operator::ClientError) -> Self {
        Error::Cluster(error.into())
    }
}

/// The result of the story's steps.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed request, with what was asked.
fn request(action: String) -> impl FnOnce(kube::Error) -> Error {
    move |source| numaflow_operator::Error::request(action)(source).into()
}

/// The pipeline the story creates.
pub const NAME: &str = "lifecycle-demo";
/// How long each step may take to converge.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a step's progress is polled.
const POLL: Duration = Duration::from_millis(500);

/// A vertex of the demo pipeline in `role`.
fn demo_vertex(name: &str, role: VertexRole) -> AbstractVertex {
    let mut v = AbstractVertex {
        name: name.to_owned(),
        ..AbstractVertex::default()
    };
    match role {
        VertexRole::Source => {
            v.source = serde_json::from_value(json!({ "generator": { "rpu": 5 } })).ok()
        }
        VertexRole::Sink => v.sink = serde_json::from_value(json!({ "log": {} })).ok(),
        VertexRole::MapUdf => v.udf = Some(Udf::default()),
        VertexRole::ReduceUdf => {
            v.udf = serde_json::from_value(json!({ "groupBy": { "keyed": false } })).ok()
        }
    }
    v
}

/// Runs the story against the cluster in `kubeconfig`, in namespace `default`; prints
/// the state diagram and a table after every step.
pub async fn run(kubeconfig: &Path) -> Result<()> {
    let client = client(Some(kubeconfig), None).await?;
    let namespace = "default";
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let daemon = Daemon::new(DEFAULT_DAEMON_URL).map_err(Error::Daemon)?;
    let context = Context::new(
        client.clone(),
        FIELD_MANAGER,
        Arc::new(Telemetry::default()),
        daemon,
    );
    let controllers = tokio::spawn(run_controllers(context, Some(namespace), async move {
        let _ = stop_rx.await;
    }));
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let mut pipeline = Pipeline::new(NAME, Default::default());
    pipeline.spec.vertices = vec![
        demo_vertex("in", VertexRole::Source),
        demo_vertex("cat", VertexRole::MapUdf),
        demo_vertex("out", VertexRole::Sink),
    ];
    pipeline.spec.edges = vec![Edge::new("in", "cat"), Edge::new("cat", "out")];
    println!(
        "NumaFlow lifecycle demo against the cluster in {}",
        kubeconfig.display()
    );
    println!("{}", PipelinePhase::MERMAID);
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .map_err(request(format!("creating Pipeline/{NAME}")))?;
    let steps: [(&str, DesiredPhase, Option<ResumeStrategy>, PipelinePhase); 4] = [
        ("pause", DesiredPhase::Paused, None, PipelinePhase::Paused),
        (
            "resume (fast)",
            DesiredPhase::Running,
            None,
            PipelinePhase::Running,
        ),
        (
            "pause again",
            DesiredPhase::Paused,
            None,
            PipelinePhase::Paused,
        ),
        (
            "resume (slow)",
            DesiredPhase::Running,
            Some(ResumeStrategy::Slow),
            PipelinePhase::Running,
        ),
    ];
    wait_for(&pipelines, &vertices, NAME, "created", |p| {
        p.phase() == Some(PipelinePhase::Running)
    })
    .await?;
    for (label, desired, strategy, expected) in steps {
        println!(">>> user: {label}");
        let body = json!({
            "metadata": { "annotations": {
                RESUME_STRATEGY_ANNOTATION: strategy.map(ResumeStrategy::as_str)
            } },
            "spec": { "lifecycle": { "desiredPhase": desired } },
        });
        pipelines
            .patch(NAME, &PatchParams::default(), &KubePatch::Merge(body))
            .await
            .map_err(request(format!("patching Pipeline/{NAME}")))?;
        wait_for(&pipelines, &vertices, NAME, label, |p| {
            p.phase() == Some(expected)
        })
        .await?;
    }
    println!(">>> user: delete");
    pipelines
        .delete(NAME, &DeleteParams::default())
        .await
        .map_err(request(format!("deleting Pipeline/{NAME}")))?;
    for _ in 0..polls() {
        if pipelines
            .get_opt(NAME)
            .await
            .map_err(request(format!("reading Pipeline/{NAME}")))?
            .is_none()
        {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let _ = stop_tx.send(());
    let _ = controllers.await;
    println!("done: the pipeline is gone.");
    Ok(())
}

fn polls() -> u32 {
    (STEP_TIMEOUT.as_millis() / POLL.as_millis()) as u32
}

/// Waits until the pipeline is `done`, then prints its table.
async fn wait_for(
    pipelines: &Api<Pipeline>,
    vertices: &Api<Vertex>,
    name: &str,
    label: &str,
    done: impl Fn(&Pipeline) -> bool,
) -> Result<()> {
    for _ in 0..polls() {
        let pipeline = pipelines
            .get(name)
            .await
            .map_err(request(format!("reading Pipeline/{name}")))?;
        if done(&pipeline) {
            let list = vertices
                .list(&ListParams::default().labels(&pipeline_selector(name)))
                .await
                .map_err(request(format!("listing the vertices of Pipeline/{name}")))?;
            let rows = rows(
                &pipeline.spec.vertices,
                &pipeline.spec.edges,
                name,
                &list.items,
                |_| 0,
                &[],
            );
            print!("{}", table(label, Some(&pipeline), &rows));
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
    Err(Error::Timeout {
        step: label.to_owned(),
        seconds: STEP_TIMEOUT.as_secs(),
    })
}
