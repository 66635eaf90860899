//! The API server itself stopped and started again on the same etcd data while every
//! pipeline pauses: a small run of the scale benchmark (`numaflow-scale`), on a server of
//! its own with a data directory, and its checks: every pipeline reaches the phase it was
//! asked for in each change, each pause drains (`drainedOnPause`), no vertex is paused
//! before its pipeline's sources, no transition is reported twice, and the controller
//! reads nothing outside its watches.

use numaflow_scale::{Config, Fault};

use super::CONTROLLER;

#[tokio::test(flavor = "multi_thread")]
async fn an_api_server_restarted_mid_pause_loses_nothing() {
    if lifecycle_apiserver::find_kubectl().is_none() {
        eprintln!("skipped: the run installs crdgen's manifests with kubectl, which is absent");
        return;
    }
    let dir = std::env::temp_dir().join(format!("lifecycle-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        controller: CONTROLLER.into(),
        pipelines: 12,
        concurrency: 12,
        controller_concurrency: numaflow_operator::DEFAULT_CONCURRENCY,
        fault: Fault::ApiserverRestart,
        limit: false,
        controller_log: "warn".to_owned(),
        audit_bodies: false,
        dir: dir.clone(),
    };
    let report = numaflow_scale::run(config)
        .await
        .unwrap_or_else(|e| panic!("the run: {}", lifecycle_apiserver::error_chain(&e)));
    let _ = std::fs::remove_dir_all(&dir);
    let (paused, all) = report
        .checks
        .fault_at
        .expect("the server was restarted mid-pause");
    assert!(
        paused < all,
        "the fault struck after the pause: {}",
        report.markdown()
    );
    assert!(report.checks.passed(), "{}", report.markdown());
}
