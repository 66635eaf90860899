//! End-to-end against a real Kubernetes API server (see `tests/apiserver`): the server
//! accepts the generated CRDs, judges every lifecycle scenario as the client-side CEL
//! engine does, rejects `kubectl scale` on a paused source, and admits the patches the
//! planning functions send. Run with `cargo test -p lifecycle-tests --features e2e`.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DeleteParams, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_examples::numaflow::cluster::send_patch;
use lifecycle_examples::numaflow::pipeline::{
    AbstractVertex, DesiredPhase, FINALIZER, Pipeline, PipelinePhase, RESUME_STRATEGY_ANNOTATION,
    ResumeStrategy,
};
use lifecycle_examples::numaflow::plan::{self, Observations, Patch};
use lifecycle_examples::numaflow::vertex::{Udf, Vertex, VertexPhase};
use lifecycle_model::machine::{EventSpec, Machine};
use lifecycle_tests::apiserver::{ApiServer, install_crd};
use lifecycle_tests::scenarios::{
    Scenario, client_verdict, pipeline_scenarios, pipeline_schema, vertex_scenarios, vertex_schema,
};
use serde_json::{Value, json};

const NAMESPACE: &str = "default";

async fn client() -> Client {
    ApiServer::shared()
        .client()
        .await
        .expect("a client for the test API server")
}

/// The server's verdict on one write: `Ok` when admitted, the message when rejected as
/// invalid (422). Any other failure is a broken test, not a verdict.
fn verdict<T>(result: Result<T, kube::Error>, what: &str) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 422 => Err(status.message),
        Err(e) => panic!("{what}: unexpected failure: {e}"),
    }
}

/// Counts verdicts and collects every case where the server and the client disagree.
#[derive(Default)]
struct Tally {
    admitted: usize,
    rejected: usize,
    disagreements: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        scenario: &Scenario,
        server: &Result<(), String>,
        client: &Result<(), Vec<String>>,
    ) {
        match server {
            Ok(()) => self.admitted += 1,
            Err(_) => self.rejected += 1,
        }
        if server.is_ok() != client.is_ok() {
            self.disagreements.push(format!(
                "{}: server {:?}, client {:?}",
                scenario.name, server, client
            ));
        }
        assert_eq!(
            server.is_ok(),
            scenario.admitted,
            "{}: the server's verdict differs from the lifecycle: {server:?}",
            scenario.name
        );
    }

    fn finish(self, what: &str) {
        eprintln!(
            "{what}: {} admitted, {} rejected",
            self.admitted, self.rejected
        );
        assert!(
            self.disagreements.is_empty(),
            "client-side CEL and the API server disagree:\n{}",
            self.disagreements.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_accepts_both_generated_crds() {
    let api: Api<CustomResourceDefinition> = Api::all(client().await);
    for name in [
        "pipelines.numaflow.numaproj.io",
        "vertices.numaflow.numaproj.io",
    ] {
        let crd = api.get(name).await.expect(name);
        let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
        assert!(
            conditions
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True"),
            "{name}: {conditions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_pipeline_phase_move_gets_the_same_verdict_as_client_side_cel() {
    let api: Api<Pipeline> = Api::namespaced(client().await, NAMESPACE);
    let schema = pipeline_schema();
    let mut tally = Tally::default();
    for scenario in pipeline_scenarios() {
        let mut object: Pipeline = serde_json::from_value(scenario.old.clone()).unwrap();
        let status = object.status.take();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        // From no phase, any first phase is admitted: transition rules need an old value.
        api.patch_status(
            &scenario.name,
            &PatchParams::default(),
            &KubePatch::Merge(json!({ "status": status })),
        )
        .await
        .expect(&scenario.name);
        let server = verdict(
            api.patch_status(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(&scenario.patch),
            )
            .await,
            &scenario.name,
        );
        if let Err(message) = &server {
            assert!(
                message.contains("status.phase")
                    && message.contains("phase may only follow the PipelinePhase lifecycle"),
                "{}: {message}",
                scenario.name
            );
        }
        tally.record(&scenario, &server, &client_verdict(&schema, &scenario));
    }
    tally.finish("pipeline phase moves");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vertex_update_gets_the_same_verdict_as_client_side_cel() {
    let api: Api<Vertex> = Api::namespaced(client().await, NAMESPACE);
    let schema = vertex_schema();
    let mut tally = Tally::default();
    for scenario in vertex_scenarios() {
        let object: Vertex = serde_json::from_value(scenario.old.clone()).unwrap();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        let server = verdict(
            api.patch(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(&scenario.patch),
            )
            .await,
            &scenario.name,
        );
        if let Err(message) = &server {
            assert!(
                message.contains("spec.replicas")
                    && message.contains("replicas must not change while the phase stays put"),
                "{}: {message}",
                scenario.name
            );
        }
        tally.record(&scenario, &server, &client_verdict(&schema, &scenario));
    }
    tally.finish("vertex updates");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scale_subresource_obeys_the_lifecycle_as_kubectl_scale_would() {
    let api: Api<Vertex> = Api::namespaced(client().await, NAMESPACE);
    let schema = vertex_schema();
    let mut tally = Tally::default();
    for mut scenario in vertex_scenarios().into_iter().filter(|s| s.scale_only) {
        scenario.name = format!("{}-via-scale", scenario.name);
        scenario.old["metadata"]["name"] = json!(scenario.name);
        let object: Vertex = serde_json::from_value(scenario.old.clone()).unwrap();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        let replicas = scenario.patch["spec"]["replicas"].clone();
        let server = verdict(
            api.patch_scale(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(json!({ "spec": { "replicas": replicas } })),
            )
            .await,
            &scenario.name,
        );
        tally.record(&scenario, &server, &client_verdict(&schema, &scenario));
    }
    assert!(
        tally.rejected >= 5 && tally.admitted >= 3,
        "both verdicts exercised"
    );
    tally.finish("scale subresource");
}

/// Sends `patches` and fails on any rejection.
async fn send(client: &Client, patches: &[Patch]) {
    for patch in patches {
        if let Err(e) = send_patch(client, NAMESPACE, patch).await {
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
        let patches = plan::plan(&pipeline, &ours, observed);
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

fn abstract_vertex(name: &str, role: &str) -> AbstractVertex {
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

    // Slow resume: the same, with spec.replicas dropped.
    set_desired(&client, name, DesiredPhase::Paused, json!({})).await;
    converge(&client, name, &drained).await;
    let slow = ResumeStrategy::Slow.as_str();
    let slow = json!({ "metadata": { "annotations": { RESUME_STRATEGY_ANNOTATION: slow } } });
    set_desired(&client, name, DesiredPhase::Running, slow).await;
    converge(&client, name, &drained).await;
    let vertices = vertices_of(&client, name).await;
    assert!(
        vertices.iter().all(|v| v.spec.replicas.is_none()),
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

/// A ring of `n` states, each with four exits, as a CRD of its own.
fn ring_crd(n: usize) -> CustomResourceDefinition {
    let mut m = Machine::new("Ring", (0..n).map(|i| format!("State{i:03}")));
    m.initial = vec![0];
    for i in 0..n {
        for step in 1..=4 {
            m.events
                .push(EventSpec::new(format!("go{i}_{step}"), [i], (i + step) % n));
        }
    }
    let phase = json!({
        "type": "string",
        "enum": m.states,
        "x-kubernetes-validations": [{
            "rule": m.transition_rule().unwrap(),
            "message": m.transition_message(),
            "reason": "FieldValueInvalid",
        }],
    });
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": "rings.e2e.lifecycle.test" },
        "spec": {
            "group": "e2e.lifecycle.test",
            "scope": "Namespaced",
            "names": { "plural": "rings", "singular": "ring", "kind": "Ring", "listKind": "RingList" },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": { "type": "object", "properties": { "phase": phase } } }
                } }
            }]
        }
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_256_state_rule_fits_the_servers_cost_budget() {
    let client = client().await;
    install_crd(&client, &ring_crd(256))
        .await
        .expect("the 256-state CRD is accepted");
}

/// Set to a file path, the probe below starts a server, writes its pid there, and dies
/// the way the variable's value names: `panic` or `abort`.
const PROBE_VAR: &str = "LIFECYCLE_E2E_PROBE";

#[test]
#[ignore = "a probe that the no-leftover test runs in a child process"]
fn probe_start_a_server_then_die() {
    let Ok(spec) = std::env::var(PROBE_VAR) else {
        return;
    };
    let (how, path) = spec.split_once(':').expect("how:path");
    let server = ApiServer::start().expect("a server");
    std::fs::write(path, server.pid().to_string()).unwrap();
    match how {
        "abort" => std::process::abort(),
        _ => panic!("the probe panics on purpose"),
    }
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.split_whitespace().nth(2) == Some("Z"))
}

#[test]
fn no_server_outlives_a_test_process_that_panics_or_aborts() {
    for how in ["panic", "abort"] {
        let pid_file =
            std::env::temp_dir().join(format!("lifecycle-probe-{}-{how}", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "probe_start_a_server_then_die",
                "--ignored",
                "--nocapture",
            ])
            .env(PROBE_VAR, format!("{how}:{}", pid_file.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "{how}: the probe should fail");
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let _ = std::fs::remove_file(&pid_file);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while process_alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            !process_alive(pid),
            "{how}: the server {pid} outlived its test process"
        );
    }
}

/// Kills the child process when dropped, so a failing test leaves no controller behind.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds `numaflow-controller` as it ships (without the simulation) and returns its path.
fn controller_binary() -> std::path::PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "lifecycle-examples",
            "--no-default-features",
            "--features",
            "runtime",
            "--bin",
            "numaflow-controller",
        ])
        .status()
        .expect("cargo build");
    assert!(status.success(), "building numaflow-controller failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join("numaflow-controller")
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..120 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} did not happen within 30 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_controller_binary_pauses_and_resumes_a_pipeline() {
    let server = ApiServer::shared();
    let namespace = "controller-test";
    let _controller = KillOnDrop(
        std::process::Command::new(controller_binary())
            .arg("--kubeconfig")
            .arg(server.kubeconfig())
            .args(["--namespace", namespace])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("numaflow-controller starts"),
    );
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let name = "controlled";
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        abstract_vertex("out", "sink"),
    ];
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

async fn set_desired_in(client: &Client, namespace: &str, name: &str, phase: DesiredPhase) {
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let body = json!({ "spec": { "lifecycle": { "desiredPhase": phase } } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
}
