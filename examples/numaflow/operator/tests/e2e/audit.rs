//! The pre-upgrade audit of the shipped binary (`numaflow-controller --audit-against`):
//! against a version of the CRDs whose pipeline lifecycle calls `Paused` something else
//! without keeping the old name, it names the paused pipeline, and only it, and exits 1;
//! against the CRDs installed, it finds nothing.

use std::process::Command;

use kube::api::Api;
use lifecycle_model::crd::{MACHINES_ANNOTATION, machines_of};
use numaflow_model::crd::crds;
use numaflow_model::pipeline::{Pipeline, PipelinePhase};
use serde_json::Value;

use super::{CONTROLLER, PAUSED, SERVER, client, created_in_phases, namespace};

/// The CRDs as YAML, with the pipeline's `Paused` renamed `Halted` when `rename`.
fn crds_yaml(rename: bool) -> String {
    let mut out = String::new();
    for mut crd in crds() {
        if rename && crd.spec.names.kind == "Pipeline" {
            let mut carried = serde_json::Map::new();
            for (path, mut machine) in machines_of(&crd).unwrap() {
                if path == "status.phase" {
                    let paused = machine.state_index("Paused").unwrap();
                    machine.states[paused] = "Halted".to_owned();
                }
                carried.insert(path, machine.to_json_value());
            }
            let annotations = crd.metadata.annotations.get_or_insert_default();
            annotations.insert(
                MACHINES_ANNOTATION.to_owned(),
                Value::Object(carried).to_string(),
            );
        }
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&crd).unwrap());
    }
    out
}

/// `numaflow-controller --audit-against FILE` on `namespace`: its exit code and stdout.
fn audit(namespace: &str, crds: &str) -> (Option<i32>, String) {
    let file =
        std::env::temp_dir().join(format!("audit-{}-{}.yaml", std::process::id(), crds.len()));
    std::fs::write(&file, crds).unwrap();
    let output = Command::new(CONTROLLER)
        .arg("--kubeconfig")
        .arg(SERVER.get().kubeconfig())
        .args(["--namespace", namespace, "--audit-against"])
        .arg(&file)
        .env("RUST_LOG", "warn")
        .output()
        .expect("numaflow-controller runs");
    let _ = std::fs::remove_file(&file);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_names_exactly_the_pipelines_a_new_version_would_strand() {
    let namespace = &namespace("audit-test").await;
    let pipelines: Api<Pipeline> = Api::namespaced(client().await, namespace);
    // No controller runs: the admin writes each status, through the phase's own rule.
    let walks: [(&str, &[PipelinePhase]); 2] =
        [("running", &[PipelinePhase::Running]), ("paused", PAUSED)];
    created_in_phases(&pipelines, &walks).await;

    let (code, report) = audit(namespace, &crds_yaml(true));
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        report,
        format!(
            "Pipeline {namespace}/paused status.phase=Paused: `Paused` is not a state of PipelinePhase, nor a former name of one: the new version cannot read it, and the server refuses the object's next write; its states are: Running, Failed, Pausing, Halted, Deleting\n1 stored objects would be stranded\n"
        )
    );
    let (code, report) = audit(namespace, &crds_yaml(false));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report, "no stored object would be stranded\n");
}
