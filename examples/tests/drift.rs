//! Committed copies of generated text stay equal to what the code generates: the CRD
//! YAML, the diagrams in the model's rustdoc, and the README's pictures. Regenerate
//! with `UPDATE_GOLDEN=1`.

use std::path::Path;

use lifecycle_examples::numaflow::{crd, pipeline::PipelinePhase, vertex::VertexPhase};
use lifecycle_model::Lifecycle;
use numaflow_sim::demo::story;

fn check(relative: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} has drifted from the code; regenerate it with \
         `UPDATE_GOLDEN=1 cargo test -p lifecycle-examples --test drift`"
    );
}

#[test]
fn committed_crds_match_crdgen() {
    check("crds/numaflow.yaml", &crd::yaml().unwrap());
}

#[test]
fn committed_manifests_match_crdgen_with_the_controller_service_account() {
    let account = "numaflow-system:numaflow-controller".parse().unwrap();
    check(
        "deploy/numaflow.yaml",
        &crd::manifests_yaml(Some(&account)).unwrap(),
    );
}

#[test]
fn rustdoc_diagrams_match_the_declarations() {
    check("doc/vertex.mmd", VertexPhase::MERMAID);
    check("doc/pipeline.mmd", PipelinePhase::MERMAID);
}

#[test]
fn the_readmes_pictures_match_the_declarations_and_the_demo() {
    check("doc/vertex.svg", &VertexPhase::machine().svg());
    check("doc/pipeline.svg", &PipelinePhase::machine().svg());
    let timeline = story::embedded(&mut std::io::sink()).unwrap();
    check("doc/timeline.svg", &timeline.svg().unwrap());
}
