//! The demo as its users meet it: `--help`, `--version`, unknown flags, and a demo that
//! stays off real clusters unless `--kubeconfig` is given. The binary comes from Cargo
//! (`CARGO_BIN_EXE_demo`); no test builds anything.

use std::process::Command;

use lifecycle_apiserver::{run_without_cluster as run, stderr_of as stderr, stdout_of as stdout};

const DEMO: &str = env!("CARGO_BIN_EXE_demo");

#[test]
fn the_demo_prints_usage_and_version_and_names_unknown_or_incomplete_flags() {
    let help = run(DEMO, &["--help"]);
    assert!(help.status.success(), "{help:?}");
    let out = stdout(&help);
    assert!(out.contains("Usage: demo"), "{out}");
    assert!(out.contains("--kubeconfig <PATH>"), "{out}");
    assert_eq!(
        stdout(&run(DEMO, &["--version"])),
        format!("demo {}\n", env!("CARGO_PKG_VERSION"))
    );
    let unknown = run(DEMO, &["--no-such-flag"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(stderr(&unknown).contains("unexpected argument '--no-such-flag'"));
    assert!(stdout(&unknown).is_empty());
    let incomplete = run(DEMO, &["--kubeconfig"]);
    assert_eq!(incomplete.status.code(), Some(2), "{incomplete:?}");
    assert!(stderr(&incomplete).contains("--kubeconfig <PATH>"));
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
    assert!(out.contains(">>> user: pause MonoVertex sim-mvtx"), "{out}");
    assert!(
        out.contains(
            "MonoVertex sim-mvtx: desired Paused, reports Paused, 0 of 0 pods (MonoVertex paused)"
        ),
        "{out}"
    );
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
