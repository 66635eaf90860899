//! The binaries as their users meet them: `--help`, `--version`, unknown flags, and
//! crdgen's output. The binaries come from Cargo (`CARGO_BIN_EXE_*`); no test builds
//! anything.

use lifecycle_apiserver::{run_without_cluster as run, stderr_of as stderr, stdout_of as stdout};

const CRDGEN: &str = env!("CARGO_BIN_EXE_numaflow-crdgen");
const CONTROLLER: &str = env!("CARGO_BIN_EXE_numaflow-controller");
const EVERY_BINARY: [(&str, &str); 2] = [
    ("numaflow-crdgen", CRDGEN),
    ("numaflow-controller", CONTROLLER),
];

#[test]
fn every_binary_prints_usage_on_help() {
    for (name, binary) in EVERY_BINARY {
        let output = run(binary, &["--help"]);
        assert!(output.status.success(), "{name} --help: {output:?}");
        let out = stdout(&output);
        assert!(out.contains(&format!("Usage: {name}")), "{name}:\n{out}");
        assert!(out.contains("--version"), "{name}:\n{out}");
    }
    let controller = stdout(&run(CONTROLLER, &["--help"]));
    assert!(controller.contains("--kubeconfig <PATH>"), "{controller}");
    assert!(
        controller.contains("-n, --namespace <NAMESPACE>"),
        "{controller}"
    );
}

#[test]
fn every_binary_prints_its_version() {
    for (name, binary) in EVERY_BINARY {
        let output = run(binary, &["--version"]);
        assert!(output.status.success(), "{name} --version: {output:?}");
        assert_eq!(
            stdout(&output),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn an_unknown_flag_fails_and_is_named() {
    for (name, binary) in EVERY_BINARY {
        let output = run(binary, &["--no-such-flag"]);
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        let err = stderr(&output);
        assert!(
            err.contains("unexpected argument '--no-such-flag'"),
            "{name}:\n{err}"
        );
        assert!(err.contains(&format!("Usage: {name}")), "{name}:\n{err}");
        assert!(stdout(&output).is_empty(), "{name} printed to stdout");
    }
}

#[test]
fn a_flag_without_its_value_is_named() {
    let output = run(CONTROLLER, &["--kubeconfig"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = stderr(&output);
    assert!(err.contains("--kubeconfig <PATH>"), "{err}");
}

#[test]
fn crdgen_prints_every_crd() {
    let output = run(CRDGEN, &[]);
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    assert!(out.starts_with("---\n"), "{out}");
    assert!(out.contains("name: pipelines.numaflow.numaproj.io"));
    assert!(out.contains("name: vertices.numaflow.numaproj.io"));
    assert!(out.contains("name: monovertices.numaflow.numaproj.io"));
}

#[test]
fn crdgen_prints_argo_cd_health_checks_and_refuses_them_beside_the_policies() {
    let output = run(CRDGEN, &["--argocd-health"]);
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    let map: serde_json::Value = serde_saphyr::from_str(&out).expect("one YAML document");
    assert_eq!(map["kind"], "ConfigMap");
    assert_eq!(map["metadata"]["name"], "argocd-cm");
    let keys: Vec<&str> = map["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "resource.customizations.health.numaflow.numaproj.io_MonoVertex",
            "resource.customizations.health.numaflow.numaproj.io_Pipeline",
            "resource.customizations.health.numaflow.numaproj.io_Vertex",
        ]
    );
    refused_together(&["--argocd-health", "--controller-service-account", "a:b"]);
}

/// crdgen given `flags`, which exclude one another, fails with usage and says so.
fn refused_together(flags: &[&str]) {
    let both = run(CRDGEN, flags);
    assert_eq!(both.status.code(), Some(2), "{both:?}");
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
}

#[test]
fn crdgen_prints_the_kube_state_metrics_configuration_alone() {
    let output = run(CRDGEN, &["--kube-state-metrics"]);
    assert!(output.status.success(), "{output:?}");
    let config: serde_json::Value = serde_saphyr::from_str(&stdout(&output)).expect("YAML");
    assert_eq!(config["kind"], "CustomResourceStateMetrics");
    let kinds: Vec<&str> = config["spec"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["groupVersionKind"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Pipeline", "Vertex", "MonoVertex"]);
    refused_together(&["--kube-state-metrics", "--argocd-health"]);
}

#[test]
fn crdgen_adds_the_writer_policy_and_rbac_for_the_controller_service_account() {
    let output = run(
        CRDGEN,
        &[
            "--controller-service-account",
            "numaflow-system:numaflow-controller",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    for kind in [
        "CustomResourceDefinition",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    ] {
        assert!(out.contains(&format!("kind: {kind}\n")), "{kind}:\n{out}");
    }
    assert!(out.contains("system:serviceaccount:numaflow-system:numaflow-controller"));
}

#[test]
fn crdgen_names_a_service_account_it_cannot_read_and_what_it_expects() {
    for bad in [
        "numaflow-controller",
        "Numaflow:controller",
        "ns:",
        ":name",
        "a:b:c",
    ] {
        let output = run(CRDGEN, &["--controller-service-account", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}: {output:?}");
        let err = stderr(&output);
        assert!(
            err.contains(bad) && err.contains("NAMESPACE:NAME"),
            "{bad}:\n{err}"
        );
        assert!(stdout(&output).is_empty(), "{bad}: nothing printed");
    }
}
