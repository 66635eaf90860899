//! The binaries as their users meet them: `--help`, `--version`, unknown flags, and the
//! demo that stays off real clusters unless `--kubeconfig` is given. The binaries come
//! from Cargo (`CARGO_BIN_EXE_*`); no test builds anything.

use std::process::{Command, Output};

const DEMO: &str = env!("CARGO_BIN_EXE_demo");
const CRDGEN: &str = env!("CARGO_BIN_EXE_crdgen");
const CONTROLLER: &str = env!("CARGO_BIN_EXE_numaflow-controller");
const EVERY_BINARY: [(&str, &str); 3] = [
    ("demo", DEMO),
    ("crdgen", CRDGEN),
    ("numaflow-controller", CONTROLLER),
];

/// Runs `binary` with `args`, with no cluster configured and no `RUST_LOG`.
fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env("KUBECONFIG", "/nonexistent/path")
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_demo_ignores_kubeconfig_in_the_environment_and_runs_the_embedded_story() {
    let output = run(DEMO, &[]);
    assert!(
        output.status.success(),
        "exit {:?}; stderr:\n{}",
        output.status,
        stderr(&output)
    );
    let out = stdout(&output);
    assert!(
        out.starts_with("NumaFlow lifecycle demo on an embedded simulated cluster\n"),
        "{out}"
    );
    assert!(out.contains(">>> user: delete"), "{out}");
    assert!(
        out.contains("every invariant held after every step."),
        "{out}"
    );
    assert!(!out.contains("/nonexistent/path"), "{out}");
}

#[test]
fn the_demo_goes_to_a_cluster_only_with_the_flag_and_names_a_bad_kubeconfig() {
    let output = run(DEMO, &["--kubeconfig", "/nonexistent/kubeconfig"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("cannot use kubeconfig /nonexistent/kubeconfig"),
        "{err}"
    );
    assert!(!stdout(&output).contains("embedded"), "{}", stdout(&output));
}

#[test]
fn every_binary_prints_usage_on_help() {
    for (name, binary) in EVERY_BINARY {
        let output = run(binary, &["--help"]);
        assert!(output.status.success(), "{name} --help: {output:?}");
        let out = stdout(&output);
        assert!(out.contains(&format!("Usage: {name}")), "{name}:\n{out}");
        assert!(out.contains("--version"), "{name}:\n{out}");
    }
    assert!(stdout(&run(DEMO, &["--help"])).contains("--kubeconfig <PATH>"));
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
    for (name, binary) in [("demo", DEMO), ("numaflow-controller", CONTROLLER)] {
        let output = run(binary, &["--kubeconfig"]);
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        let err = stderr(&output);
        assert!(err.contains("--kubeconfig <PATH>"), "{name}:\n{err}");
    }
}

#[test]
fn crdgen_prints_both_crds() {
    let output = run(CRDGEN, &[]);
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    assert!(out.starts_with("---\n"), "{out}");
    assert!(out.contains("name: pipelines.numaflow.numaproj.io"));
    assert!(out.contains("name: vertices.numaflow.numaproj.io"));
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

#[test]
fn the_demo_stops_quietly_when_its_reader_goes_away() {
    let mut child = Command::new(DEMO)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("demo starts");
    // Close the read end before anything is read, as `demo | head -c 0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("demo exits");
    assert!(output.status.success(), "{output:?}");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn the_demo_draws_its_timeline_where_asked() {
    let dir = std::env::temp_dir().join(format!("lifecycle-demo-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.svg");
    let output = run(DEMO, &["--timeline", path.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("every invariant held after every step."));
    assert_eq!(
        stderr(&output),
        format!("demo: timeline written to {}\n", path.display())
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert!(svg.contains("pause again"), "{svg}");
}

#[test]
fn the_demo_names_a_timeline_it_cannot_write_and_fails() {
    let output = run(DEMO, &["--timeline", "/nonexistent/dir/run.svg"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = stderr(&output);
    assert!(
        err.starts_with("demo: cannot write the timeline to /nonexistent/dir/run.svg: "),
        "{err}"
    );
    assert!(err.contains("No such file or directory"), "{err}");
}

#[test]
fn the_timeline_is_drawn_for_the_embedded_story_alone() {
    let output = run(
        DEMO,
        &[
            "--timeline",
            "run.svg",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = stderr(&output);
    assert!(
        err.contains("'--timeline <FILE.svg>' cannot be used with '--kubeconfig <PATH>'"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());
}
