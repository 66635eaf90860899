//! `cargo run -q -p lifecycle-examples --bin crdgen`, the command the README and the
//! design name: every NumaFlow CRD as one YAML stream, each document opened by `---`, and
//! the program names itself `crdgen`.

use std::process::Command;

const CRDGEN: &str = env!("CARGO_BIN_EXE_crdgen");

#[test]
fn crdgen_prints_every_crd_as_one_stream_under_its_own_name() {
    let output = Command::new(CRDGEN).output().expect("crdgen starts");
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(out, numaflow_model::crd::yaml().unwrap());
    let documents: Vec<&str> = out.split("---\n").skip(1).collect();
    assert!(out.starts_with("---\n"));
    for (document, name) in documents.iter().zip([
        "pipelines.numaflow.numaproj.io",
        "vertices.numaflow.numaproj.io",
        "monovertices.numaflow.numaproj.io",
    ]) {
        assert!(document.contains(&format!("name: {name}\n")), "{name}");
    }
    let version = Command::new(CRDGEN).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("crdgen {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = Command::new(CRDGEN).arg("--help").output().unwrap();
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("Usage: crdgen")
    );
}
