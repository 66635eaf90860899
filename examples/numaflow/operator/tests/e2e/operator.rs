//! `numaflow-controller` as an operator: each step of pause, resume and delete shows in
//! the pipeline's and vertices' conditions, in `events.k8s.io/v1` Events with NumaFlow's
//! reasons, and in the transition counter of `/metrics`; `kubectl wait
//! --for=jsonpath={.status.phase}=Running` waits for a resume; of two replicas only the Lease holder
//! writes, and when it dies the other takes over and finishes its pause.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::events::v1::Event;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch as KubePatch, PatchParams, PostParams};
use kube::core::ObjectMeta;
use lifecycle_apiserver::{KillOnDrop, eventually, find_kubectl};
use lifecycle_model::conditions::{Condition, find_condition};
use numaflow_model::pipeline::{
    DesiredPhase, FINALIZER, Pipeline, PipelineLifecycle, PipelinePhase,
};
use numaflow_model::pods::pod_selector;
use numaflow_model::vertex::{PIPELINE_NAME_LABEL, Vertex, VertexPhase};
use serde_json::json;

use super::controller::set_desired_in;
use super::{
    SERVER, StandInDaemon, abstract_vertex, client, namespace, start_controller,
    three_vertex_pipeline,
};

/// A finalizer of another controller, which holds a deleted pipeline after ours is gone.
const HOLD: &str = "e2e.lifecycle.example/hold";

/// A local address nothing listens on now.
fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

/// `GET path` over HTTP/1.1: the status code and the body.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((code, body.to_owned()))
}

/// The counter `lifecycle_transitions_total` by (machine, event, from, to), from
/// Prometheus text; every sample line must parse.
fn transitions_in(text: &str) -> BTreeMap<(String, String, String, String), f64> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    let sample_lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(
        scrape.samples.len(),
        sample_lines,
        "every sample line parses:\n{text}"
    );
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == "lifecycle_transitions_total")
        .map(|s| {
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Untyped(v)
                | prometheus_parse::Value::Gauge(v) => v,
                _ => panic!("{} is not a counter", s.metric),
            };
            let label = |name: &str| s.labels.get(name).unwrap_or_default().to_owned();
            (
                (label("machine"), label("event"), label("from"), label("to")),
                value,
            )
        })
        .collect()
}

/// `(type, status, reason)` of each condition, for comparing.
fn summary(conditions: &[Condition]) -> BTreeMap<String, (String, String)> {
    conditions
        .iter()
        .map(|c| (c.type_.clone(), (c.status.to_string(), c.reason.clone())))
        .collect()
}

/// Whether `pipeline`'s status reflects its generation and its conditions read `expected`
/// (type, status, reason), every one of them at that generation.
fn pipeline_reads(pipeline: &Pipeline, expected: &[(&str, &str, &str)]) -> bool {
    let generation = pipeline.metadata.generation;
    let Some(status) = pipeline.status.as_ref() else {
        return false;
    };
    let at_generation = status.observed_generation == generation
        && status
            .conditions
            .iter()
            .all(|c| c.observed_generation == generation);
    let wanted: BTreeMap<String, (String, String)> = expected
        .iter()
        .map(|(t, s, r)| ((*t).to_owned(), ((*s).to_owned(), (*r).to_owned())))
        .collect();
    at_generation && summary(&status.conditions) == wanted
}

/// The conditions of a pipeline that runs with every vertex healthy.
const RUNNING: [(&str, &str, &str); 7] = [
    ("Ready", "True", "Running"),
    ("Reconciling", "False", "Running"),
    ("Stalled", "False", "Running"),
    ("Suspended", "False", "Running"),
    ("Configured", "True", "Successful"),
    ("Deployed", "True", "Successful"),
    ("VerticesHealthy", "True", "Successful"),
];

/// The Events of `namespace` regarding pipeline `name`: (reason, note, related name).
async fn events_of(events: &Api<Event>, name: &str) -> BTreeSet<(String, String, Option<String>)> {
    events
        .list(&Default::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name))
        .map(|e| {
            (
                e.reason.unwrap_or_default(),
                e.note.unwrap_or_default(),
                e.related.and_then(|r| r.name),
            )
        })
        .collect()
}

/// The field managers that wrote `meta`'s object.
fn managers(meta: &ObjectMeta) -> BTreeSet<String> {
    meta.managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.manager.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_step_shows_in_conditions_events_and_metrics() {
    let server = SERVER.get();
    let namespace = &namespace("operator-test").await;
    let metrics = free_addr();
    let _controller = start_controller(
        namespace,
        &StandInDaemon::start().url,
        &["--metrics-addr", &metrics.to_string()],
    );
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let name = "observed";
    let mut pipeline = Pipeline::new(name, Default::default());
    pipeline.metadata.finalizers = Some(vec![HOLD.to_owned()]);
    pipeline.spec.vertices = vec![
        abstract_vertex("in", "source"),
        abstract_vertex("cat", "map"),
        abstract_vertex("out", "sink"),
    ];
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let vertex_names = ["observed-in", "observed-cat", "observed-out"];

    eventually("the endpoints answer", || async {
        matches!(http_get(metrics, "/healthz"), Ok((200, _)))
            && matches!(http_get(metrics, "/readyz"), Ok((200, _)))
    })
    .await;

    let reads = |expected: Vec<(&'static str, &'static str, &'static str)>| {
        let pipelines = pipelines.clone();
        async move {
            pipelines
                .get(name)
                .await
                .is_ok_and(|p| pipeline_reads(&p, &expected))
        }
    };
    let vertices_read = |phase: VertexPhase, ready: (&'static str, &'static str)| {
        let vertices = vertices.clone();
        async move {
            let list = vertices
                .list(&Default::default())
                .await
                .map(|l| l.items)
                .unwrap_or_default();
            list.len() == 3
                && list.iter().all(|v| {
                    let status = v.status.clone().unwrap_or_default();
                    let condition = |t: &str| {
                        find_condition(&status.conditions, t)
                            .map(|c| (c.status.to_string(), c.reason.clone()))
                    };
                    v.spec.desired_phase() == phase
                        && status.observed_generation == v.metadata.generation
                        && condition("Ready") == Some((ready.0.to_owned(), ready.1.to_owned()))
                        && condition("Deployed").is_some_and(|c| c.0 == "True")
                        && condition("PodsHealthy").is_some_and(|c| c.0 == "True")
                })
        }
    };

    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod_count = || {
        let pods = pods.clone();
        async move {
            pods.list(&ListParams::default().labels(&format!("{PIPELINE_NAME_LABEL}={name}")))
                .await
                .map(|l| l.items.len())
                .unwrap_or(usize::MAX)
        }
    };

    // Created: running, a pod per vertex, every vertex healthy.
    eventually("the pipeline runs with healthy vertices", || async {
        reads(RUNNING.to_vec()).await
            && vertices_read(VertexPhase::Running, ("True", "Running")).await
            && pod_count().await == 3
    })
    .await;
    let created = pipelines.get(name).await.unwrap();
    assert_eq!(
        created.metadata.finalizers,
        Some(vec![HOLD.to_owned(), FINALIZER.to_owned()])
    );

    // Paused, as asked: settled (Ready, not Reconciling) and Suspended; the vertices
    // likewise.
    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the pipeline pauses", || async {
        reads(vec![
            ("Ready", "True", "Paused"),
            ("Reconciling", "False", "Paused"),
            ("Stalled", "False", "Paused"),
            ("Suspended", "True", "Paused"),
            ("Configured", "True", "Successful"),
            ("Deployed", "True", "Successful"),
            ("VerticesHealthy", "True", "Successful"),
        ])
        .await
            && vertices_read(VertexPhase::Paused, ("True", "Paused")).await
            && pod_count().await == 0
    })
    .await;
    let mut expected_events: BTreeSet<(String, String, Option<String>)> = [
        ("UpdatePipelinePhase", "Running → Pausing", None),
        ("UpdatePipelinePhase", "Pausing → Paused", None),
    ]
    .into_iter()
    .map(|(r, n, v)| (r.to_owned(), n.to_owned(), v))
    .collect();
    for vertex in vertex_names {
        expected_events.insert((
            "UpdateVertexDesiredPhase".to_owned(),
            format!("Vertex {vertex}: Running → Paused"),
            Some(vertex.to_owned()),
        ));
    }
    eventually("the pause's Events are listed", || async {
        events_of(&events, name).await == expected_events
    })
    .await;

    // Resumed: `kubectl wait --for=jsonpath={.status.phase}=Running` waits for it.
    let waiting = find_kubectl().map(|kubectl| {
        let running = format!("pipelines.numaflow.numaproj.io/{name}");
        let child = Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(server.kubeconfig())
            .args([
                "-n",
                namespace,
                "wait",
                "--for=jsonpath={.status.phase}=Running",
            ])
            .arg(&running)
            .args(["--timeout=60s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts");
        KillOnDrop(child)
    });
    if waiting.is_none() {
        eprintln!("kubectl wait skipped: kubectl is on neither PATH nor /usr/bin/kubectl");
    }
    // While paused, the wait does not return.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut waiting = waiting;
    if let Some(KillOnDrop(child)) = waiting.as_mut() {
        assert!(
            child.try_wait().expect("kubectl's state").is_none(),
            "kubectl wait returned while the pipeline was paused"
        );
    }
    set_desired_in(&client, namespace, name, DesiredPhase::Running).await;
    if let Some(KillOnDrop(child)) = waiting.as_mut() {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("kubectl's state") {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "kubectl wait hangs"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let mut stdout = String::new();
        if let Some(out) = child.stdout.as_mut() {
            let _ = out.read_to_string(&mut stdout);
        }
        assert!(status.success(), "kubectl wait: {status}");
        assert!(stdout.contains("condition met"), "{stdout}");
        let now = pipelines.get(name).await.unwrap();
        assert_eq!(now.phase(), Some(PipelinePhase::Running));
    }
    eventually("the pipeline runs again", || async {
        reads(RUNNING.to_vec()).await
            && vertices_read(VertexPhase::Running, ("True", "Running")).await
            && pod_count().await == 3
    })
    .await;
    expected_events.insert((
        "UpdatePipelinePhase".to_owned(),
        "Paused → Running".to_owned(),
        None,
    ));
    for vertex in vertex_names {
        expected_events.insert((
            "ResumeVertexLifecycle".to_owned(),
            format!("Vertex {vertex}: Paused → Running"),
            Some(vertex.to_owned()),
        ));
    }
    eventually("the resume's Events are listed", || async {
        events_of(&events, name).await == expected_events
    })
    .await;

    // Deleted: Reconciling while another controller's finalizer holds it; ours is gone.
    pipelines
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
    eventually("the pipeline is deleting and released by us", || async {
        let Ok(p) = pipelines.get(name).await else {
            return false;
        };
        p.metadata.finalizers == Some(vec![HOLD.to_owned()])
            && pipeline_reads(
                &p,
                &[
                    ("Ready", "False", "Deleting"),
                    ("Reconciling", "True", "Deleting"),
                    ("Stalled", "False", "Deleting"),
                    ("Suspended", "False", "Deleting"),
                    ("Configured", "True", "Successful"),
                    ("Deployed", "True", "Successful"),
                    ("VerticesHealthy", "True", "Successful"),
                ],
            )
    })
    .await;
    expected_events.insert((
        "UpdatePipelinePhase".to_owned(),
        "Running → Deleting".to_owned(),
        None,
    ));
    eventually("the deletion's Event is listed", || async {
        events_of(&events, name).await == expected_events
    })
    .await;

    // The counter counts the transitions this test made, each once: the deletion drains
    // the pipeline by pausing its vertices again.
    let expected: BTreeMap<(String, String, String, String), f64> = [
        ("PipelinePhase", "pause", "Running", "Pausing", 1.0),
        ("PipelinePhase", "finish_pause", "Pausing", "Paused", 1.0),
        ("PipelinePhase", "resume", "Paused", "Running", 1.0),
        ("PipelinePhase", "delete", "Running", "Deleting", 1.0),
        ("VertexPhase", "pause", "Running", "Paused", 6.0),
        ("VertexPhase", "resume", "Paused", "Running", 3.0),
    ]
    .into_iter()
    .map(|(m, e, f, t, n)| ((m.into(), e.into(), f.into(), t.into()), n))
    .collect();
    let (code, text) = http_get(metrics, "/metrics").expect("/metrics answers");
    assert_eq!(code, 200, "{text}");
    let counted = transitions_in(&text);
    assert_eq!(counted, expected, "{text}");
    assert_eq!(counted.values().sum::<f64>(), 13.0);
    assert!(
        text.contains(r#"lifecycle_objects{machine="PipelinePhase",state="Deleting"} 1"#),
        "{text}"
    );

    // Released by the other controller too: gone.
    let release = json!({ "metadata": { "finalizers": null } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(release))
        .await
        .unwrap();
    eventually("the pipeline is gone", || async {
        matches!(pipelines.get(name).await, Err(kube::Error::Api(s)) if s.code == 404)
    })
    .await;
}

/// A `numaflow-controller` replica that elects on the Lease of `namespace`.
fn replica(namespace: &str, identity: &str, daemon: &str) -> KillOnDrop {
    let field_manager = format!("nf-{identity}");
    let duration = LEASE_SECONDS.to_string();
    start_controller(
        namespace,
        daemon,
        &[
            "--leader-elect",
            "--identity",
            identity,
            "--field-manager",
            &field_manager,
            "--lease-duration",
            &duration,
            "--renew-grace",
            "2",
        ],
    )
}

/// The lease duration of the two replicas.
const LEASE_SECONDS: u64 = 6;

#[tokio::test(flavor = "multi_thread")]
async fn only_the_leader_writes_and_its_successor_finishes_the_pause() {
    let namespace = &namespace("leader-test").await;
    let client = client().await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let holder = || {
        let leases = leases.clone();
        async move {
            leases
                .get("numaflow-controller-lock")
                .await
                .ok()
                .and_then(|l| l.spec?.holder_identity)
        }
    };
    let daemon = StandInDaemon::start();
    let mut leader = replica(namespace, "a", &daemon.url);
    eventually("replica a leads", || async {
        holder().await.as_deref() == Some("a")
    })
    .await;
    let _standby = replica(namespace, "b", &daemon.url);

    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(client.clone(), namespace);
    let name = "elected";
    let mut pipeline = three_vertex_pipeline(name);
    // Long enough that the pause is still draining when its leader dies.
    pipeline.spec.lifecycle = Some(PipelineLifecycle {
        pause_grace_period_seconds: Some(12),
        ..PipelineLifecycle::default()
    });
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let all_in = |phase: VertexPhase| {
        let vertices = vertices.clone();
        async move {
            let list = vertices
                .list(&Default::default())
                .await
                .map(|l| l.items)
                .unwrap_or_default();
            list.len() == 3 && list.iter().all(|v| v.spec.desired_phase() == phase)
        }
    };
    eventually("the leader runs the pipeline", || async {
        pipelines.get(name).await.ok().and_then(|p| p.phase()) == Some(PipelinePhase::Running)
            && all_in(VertexPhase::Running).await
    })
    .await;

    // A source pod slow to go: another controller's finalizer keeps it terminating, so
    // the pipeline does not drain and the pause waits out its grace period.
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let source_pods = ListParams::default().labels(&pod_selector(name, "in"));
    eventually("the source's pod exists", || async {
        pods.list(&source_pods)
            .await
            .is_ok_and(|l| l.items.len() == 1)
    })
    .await;
    let source_pod = pods.list(&source_pods).await.unwrap().items[0].name_any();
    let hold = json!({ "metadata": { "finalizers": [HOLD] } });
    pods.patch(
        &source_pod,
        &PatchParams::default(),
        &KubePatch::Merge(hold),
    )
    .await
    .unwrap();
    set_desired_in(&client, namespace, name, DesiredPhase::Paused).await;
    eventually("the leader pauses the source and waits", || async {
        let p = pipelines.get(name).await.ok();
        let source = vertices.get("elected-in").await.ok();
        p.and_then(|p| p.phase()) == Some(PipelinePhase::Pausing)
            && source.is_some_and(|v| v.spec.desired_phase() == VertexPhase::Paused)
    })
    .await;

    // Only the leader has written.
    let ours: BTreeSet<String> = ["nf-a", "nf-b"].map(String::from).into();
    let mut written = managers(&pipelines.get(name).await.unwrap().metadata);
    for v in vertices.list(&Default::default()).await.unwrap().items {
        written.extend(managers(&v.metadata));
    }
    let by_replicas: BTreeSet<String> = written.intersection(&ours).cloned().collect();
    assert_eq!(
        by_replicas,
        BTreeSet::from(["nf-a".to_owned()]),
        "{written:?}"
    );

    // The leader dies without releasing the Lease; the standby takes over when it expires.
    let _ = leader.0.kill();
    let _ = leader.0.wait();
    let killed = Instant::now();
    eventually("replica b takes the Lease", || async {
        holder().await.as_deref() == Some("b")
    })
    .await;
    let handover = killed.elapsed();
    eprintln!(
        "handover took {:.1} s with a {LEASE_SECONDS} s lease",
        handover.as_secs_f64()
    );
    assert!(
        handover <= Duration::from_secs(LEASE_SECONDS + 1),
        "handover took {handover:?}"
    );

    // The successor finishes the pause once its grace period is over.
    eventually("the successor finishes the pause", || async {
        pipelines.get(name).await.ok().and_then(|p| p.phase()) == Some(PipelinePhase::Paused)
            && all_in(VertexPhase::Paused).await
    })
    .await;
    let pipeline_managers = managers(&pipelines.get(name).await.unwrap().metadata);
    assert!(pipeline_managers.contains("nf-b"), "{pipeline_managers:?}");
    let terminating = pods.get(&source_pod).await.unwrap();
    assert!(terminating.metadata.deletion_timestamp.is_some());

    let release = json!({ "metadata": { "finalizers": null } });
    pods.patch(
        &source_pod,
        &PatchParams::default(),
        &KubePatch::Merge(release),
    )
    .await
    .unwrap();
}
