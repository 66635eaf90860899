//! kube-state-metrics itself (built from its Go module), run against the server with
//! the configuration generated from the lifecycles (`crdgen --kube-state-metrics`): its
//! `/metrics` has one series per state of each pipeline's phase, with exactly the state
//! the pipeline is in set to 1, for pipelines in several phases.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use kube::api::Api;
use lifecycle_apiserver::KubeStateMetrics;
use lifecycle_model::Lifecycle;
use numaflow_model::crd::kube_state_metrics_yaml;
use numaflow_model::pipeline::{Pipeline, PipelinePhase};

use super::{PAUSED, SERVER, client, created_in_phases, namespace};

/// The body of `GET /metrics` over HTTP/1.0 (so never chunked), if the answer is 200.
fn scrape(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.0 200").then(|| body.to_owned())
}

/// The samples of `metric` in Prometheus text, by their labels.
fn samples(text: &str, metric: &str) -> Vec<(BTreeMap<String, String>, f64)> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    scrape
        .samples
        .into_iter()
        .filter(|s| s.metric == metric)
        .map(|s| {
            let value = match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
                other => panic!("{metric} is not a gauge: {other:?}"),
            };
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (labels, value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_state_metrics_shows_each_pipelines_phase_as_a_state_set() {
    let ksm = tokio::task::spawn_blocking(KubeStateMetrics::build)
        .await
        .unwrap()
        .expect("kube-state-metrics builds with Go");
    let namespace = &namespace("ksm-test").await;
    let client = client().await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), namespace);
    // No controller runs: the admin writes each status, through the phase's own rule.
    let walks: [(&str, &[PipelinePhase]); 3] = [
        ("running", &[PipelinePhase::Running]),
        ("paused", PAUSED),
        ("failed", &[PipelinePhase::Failed]),
    ];
    created_in_phases(&pipelines, &walks).await;
    let config = kube_state_metrics_yaml().unwrap();
    let running = ksm
        .start(SERVER.get(), &config)
        .expect("kube-state-metrics starts");

    let scrape = || async { scrape(running.addr).unwrap_or_default() };
    let ours = |labels: &BTreeMap<String, String>| {
        labels.get("namespace").map(String::as_str) == Some(namespace.as_str())
    };
    let shown = || async {
        let text = scrape().await;
        let series = samples(&text, "lifecycle_pipeline_status_phase");
        series.iter().filter(|(l, _)| ours(l)).count() == 3 * 5
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !shown().await {
        assert!(
            std::time::Instant::now() < deadline,
            "kube-state-metrics did not show the three pipelines within 60 s; its log:\n{}",
            running.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let text = scrape().await;
    let series = samples(&text, "lifecycle_pipeline_status_phase");
    for (name, walk) in walks {
        let now = walk.last().unwrap();
        let mut states: Vec<(String, f64)> = series
            .iter()
            .filter(|(l, _)| ours(l) && l.get("name").map(String::as_str) == Some(name))
            .map(|(l, v)| (l["state"].clone(), *v))
            .collect();
        states.sort_by(|a, b| a.0.cmp(&b.0));
        let wanted: Vec<(String, f64)> = ["Deleting", "Failed", "Paused", "Pausing", "Running"]
            .into_iter()
            .map(|s| (s.to_owned(), if s == now.name() { 1.0 } else { 0.0 }))
            .collect();
        assert_eq!(states, wanted, "{name}");
    }
    let generations = samples(&text, "lifecycle_pipeline_observed_generation");
    assert_eq!(
        generations
            .iter()
            .filter(|(l, v)| ours(l) && *v == 1.0)
            .count(),
        3,
        "{text}"
    );
}
