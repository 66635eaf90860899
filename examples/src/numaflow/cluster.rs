//! The controllers against a real cluster, with kube-runtime: the same reconcile
//! functions the simulation drives, fed by watches and sent as merge patches.
//!
//! A real cluster has no buffer metrics here, so a pipeline counts as drained once no
//! source vertex reports running replicas (`status.replicas`); otherwise the grace
//! period decides.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use kube::api::{Api, DeleteParams, ListParams, Patch as KubePatch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Client, Config, Resource, ResourceExt};
use serde_json::json;

use crate::numaflow::controller::{reconcile_pipeline, reconcile_vertex};
use crate::numaflow::demo::{rows, table};
use crate::numaflow::patch::Subresource;
use crate::numaflow::pipeline::{
    AbstractVertex, DesiredPhase, Edge, FINALIZER, Pipeline, PipelinePhase,
    RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
};
use crate::numaflow::plan::Observations;
use crate::numaflow::vertex::{Udf, Vertex, VertexRole, pipeline_selector};

/// How often a pipeline is reconciled while nothing changes, as NumaFlow does.
const RESYNC: Duration = Duration::from_secs(2);

/// A reconcile that could not finish; it is retried.
#[derive(Debug)]
pub struct ReconcileError(pub String);

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReconcileError {}

impl From<kube::Error> for ReconcileError {
    fn from(e: kube::Error) -> Self {
        ReconcileError(e.to_string())
    }
}

/// A client from a kubeconfig file.
pub async fn client_from(path: &Path) -> Result<Client, String> {
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    Client::try_from(config).map_err(|e| e.to_string())
}

async fn reconcile_pipeline_object(
    pipeline: Arc<Pipeline>,
    client: Arc<Client>,
) -> Result<Action, ReconcileError> {
    let namespace = pipeline.namespace().unwrap_or_else(|| "default".to_owned());
    let name = pipeline.name_any();
    let pipelines: Api<Pipeline> = Api::namespaced((*client).clone(), &namespace);
    let vertices: Api<Vertex> = Api::namespaced((*client).clone(), &namespace);
    let params = PatchParams::default();
    if pipeline.metadata.deletion_timestamp.is_none()
        && !pipeline.finalizers().iter().any(|f| f == FINALIZER)
    {
        let mut finalizers = pipeline.finalizers().to_vec();
        finalizers.push(FINALIZER.to_owned());
        let body = json!({ "metadata": { "finalizers": finalizers } });
        pipelines
            .patch(&name, &params, &KubePatch::Merge(body))
            .await?;
    }
    let ours = vertices
        .list(&ListParams::default().labels(&pipeline_selector(&name)))
        .await?
        .items;
    let source_pods = ours
        .iter()
        .filter(|v| v.spec.role() == Some(VertexRole::Source))
        .map(|v| {
            v.status
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(0)
                .max(0) as u32
        })
        .sum();
    let observed = Observations {
        now: Timestamp::now(),
        source_pods,
        buffers: Vec::new(),
    };
    let actions = reconcile_pipeline(&pipeline, &ours, &observed);
    let owner = pipeline.controller_owner_ref(&());
    for mut vertex in actions.create {
        vertex.metadata.owner_references = owner.clone().map(|o| vec![o]);
        match vertices.create(&PostParams::default(), &vertex).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
    }
    for patch in actions.patches {
        let body = KubePatch::Merge(&patch.body);
        let target = &patch.target;
        if target.is::<Pipeline>() {
            match target.subresource {
                Subresource::Main => pipelines.patch(&target.name, &params, &body).await?,
                Subresource::Status => pipelines.patch_status(&target.name, &params, &body).await?,
            };
        } else if target.is::<Vertex>() {
            vertices.patch(&target.name, &params, &body).await?;
        }
    }
    Ok(Action::requeue(RESYNC))
}

async fn reconcile_vertex_object(
    vertex: Arc<Vertex>,
    client: Arc<Client>,
) -> Result<Action, ReconcileError> {
    let namespace = vertex.namespace().unwrap_or_else(|| "default".to_owned());
    let vertices: Api<Vertex> = Api::namespaced((*client).clone(), &namespace);
    if let Some(patch) = reconcile_vertex(&vertex) {
        vertices
            .patch_status(
                &vertex.name_any(),
                &PatchParams::default(),
                &KubePatch::Merge(&patch.body),
            )
            .await?;
    }
    Ok(Action::await_change())
}

fn retry<K>(_: Arc<K>, error: &ReconcileError, _: Arc<Client>) -> Action {
    eprintln!("numaflow-controller: reconcile failed, retrying: {error}");
    Action::requeue(Duration::from_secs(1))
}

/// Runs the Pipeline and Vertex controllers in `namespace` (all namespaces when `None`)
/// until `shutdown` completes.
pub async fn run_controllers(
    client: Client,
    namespace: Option<&str>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let (pipelines, vertices): (Api<Pipeline>, Api<Vertex>) = match namespace {
        Some(ns) => (
            Api::namespaced(client.clone(), ns),
            Api::namespaced(client.clone(), ns),
        ),
        None => (Api::all(client.clone()), Api::all(client.clone())),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let context = Arc::new(client);
    let pipeline_controller = Controller::new(pipelines, watcher::Config::default())
        .owns(vertices.clone(), watcher::Config::default())
        .graceful_shutdown_on(stopped(stop_rx.clone()))
        .run(reconcile_pipeline_object, retry, context.clone())
        .for_each(|_| futures::future::ready(()));
    let vertex_controller = Controller::new(vertices, watcher::Config::default())
        .graceful_shutdown_on(stopped(stop_rx))
        .run(reconcile_vertex_object, retry, context)
        .for_each(|_| futures::future::ready(()));
    let trigger = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    tokio::join!(pipeline_controller, vertex_controller, trigger);
}

fn demo_vertex(name: &str, role: &str) -> AbstractVertex {
    let mut v = AbstractVertex {
        name: name.to_owned(),
        ..AbstractVertex::default()
    };
    match role {
        "source" => v.source = serde_json::from_value(json!({ "generator": { "rpu": 5 } })).ok(),
        "sink" => v.sink = serde_json::from_value(json!({ "log": {} })).ok(),
        _ => v.udf = Some(Udf::default()),
    }
    v
}

/// The demo's story on a real cluster: the controllers run in this process while the
/// pipeline `lifecycle-demo` is created, paused, resumed fast and slow, and deleted.
pub fn demo_on_cluster(kubeconfig: &Path) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cluster_story(kubeconfig)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn cluster_story(kubeconfig: &Path) -> Result<(), String> {
    const NAME: &str = "lifecycle-demo";
    let client = client_from(kubeconfig).await?;
    let namespace = "default";
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let controllers = tokio::spawn(run_controllers(
        client.clone(),
        Some(namespace),
        async move {
            let _ = stop_rx.await;
        },
    ));
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let mut pipeline = Pipeline::new(NAME, Default::default());
    pipeline.spec.vertices = vec![
        demo_vertex("in", "source"),
        demo_vertex("cat", "map"),
        demo_vertex("out", "sink"),
    ];
    pipeline.spec.edges = vec![
        Edge {
            from: "in".into(),
            to: "cat".into(),
        },
        Edge {
            from: "cat".into(),
            to: "out".into(),
        },
    ];
    println!(
        "NumaFlow lifecycle demo against the cluster in {}",
        kubeconfig.display()
    );
    println!("{}", PipelinePhase::MERMAID);
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .map_err(|e| format!("creating pipeline {NAME}: {e}"))?;
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
            .map_err(|e| e.to_string())?;
        wait_for(&pipelines, &vertices, NAME, label, |p| {
            p.phase() == Some(expected)
        })
        .await?;
    }
    println!(">>> user: delete");
    pipelines
        .delete(NAME, &DeleteParams::default())
        .await
        .map_err(|e| e.to_string())?;
    for _ in 0..60 {
        if pipelines
            .get_opt(NAME)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = stop_tx.send(());
    let _ = controllers.await;
    println!("done: the pipeline is gone.");
    Ok(())
}

async fn wait_for(
    pipelines: &Api<Pipeline>,
    vertices: &Api<Vertex>,
    name: &str,
    label: &str,
    done: impl Fn(&Pipeline) -> bool,
) -> Result<(), String> {
    for _ in 0..120 {
        let pipeline = pipelines.get(name).await.map_err(|e| e.to_string())?;
        if done(&pipeline) {
            let list = vertices
                .list(&ListParams::default().labels(&pipeline_selector(name)))
                .await
                .map_err(|e| e.to_string())?;
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
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("`{label}` did not converge within a minute"))
}
