//! `lifecycle diff` as a user runs it: the binary, on files, with its exit codes.

use std::path::PathBuf;
use std::process::Command;

use lifecycle_machine::{EventSpec, Machine};

/// Queued → Running ⇄ Retrying, Running → Done.
fn job() -> Machine {
    let mut m = Machine::new("JobPhase", ["Queued", "Running", "Retrying", "Done"]);
    m.initial = vec![0];
    m.terminal = vec![3];
    m.phase_field = Some("status.phase".to_owned());
    m.events.push(EventSpec::new("start", [0, 2], 1));
    m.events.push(EventSpec::new("retry", [1], 2));
    m.events.push(EventSpec::new("finish", [1], 3));
    m
}

/// A CRD, as YAML, carrying `machine` for `status.phase`.
fn crd_yaml(machine: &Machine) -> String {
    let carried = serde_json::json!({ "status.phase": serde_json::from_str::<serde_json::Value>(&machine.to_json()).unwrap() });
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: jobs.example.dev\n  annotations:\n    lifecycle.rs/machines: {}\nspec:\n  group: example.dev\n",
        serde_json::to_string(&carried.to_string()).unwrap()
    )
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecycle-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn lifecycle_diff(old: &PathBuf, new: &PathBuf) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_lifecycle"))
        .arg("diff")
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_breaking_change_between_crds_fails_with_what_it_strands() {
    let mut renamed = job();
    renamed.states[2] = "Backoff".into();
    let old = file("old.yaml", &crd_yaml(&job()));
    let new = file("new.yaml", &crd_yaml(&renamed));
    let (code, out, err) = lifecycle_diff(&old, &new);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out,
        "jobs.example.dev status.phase: breaking: `Retrying` is no longer a state: objects in `Retrying` can no longer be read or written\n\
         jobs.example.dev status.phase: safe: `Backoff` is a new state\n"
    );
}

#[test]
fn a_safe_change_between_machine_documents_passes() {
    let mut more = job();
    more.events.push(EventSpec::new("cancel", [0], 3));
    let old = file("old.json", &job().to_json());
    let new = file("new.json", &more.to_json());
    let (code, out, err) = lifecycle_diff(&old, &new);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "JobPhase: safe: objects in `Queued` may now move to `Done`\nJobPhase: safe: event `cancel` is new\n"
    );
    let (code, out, _) = lifecycle_diff(&old, &old);
    assert_eq!((code, out.as_str()), (0, ""), "no change, nothing said");
}

#[test]
fn a_file_without_a_lifecycle_is_refused_saying_what_was_expected() {
    let old = file(
        "plain.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    let new = file("job.json", &job().to_json());
    let (code, out, err) = lifecycle_diff(&old, &new);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.ends_with(
            "plain.yaml: no lifecycle here: expected a machine document (format lifecycle.machine/v1) \
             or CRDs with the annotation lifecycle.rs/machines\n"
        ),
        "{err}"
    );
    let broken = file(
        "broken.yaml",
        "kind: CustomResourceDefinition\nmetadata:\n  name: jobs.example.dev\n  annotations:\n    lifecycle.rs/machines: '[1]'\n",
    );
    let (code, out, err) = lifecycle_diff(&broken, &new);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.ends_with(
            "broken.yaml: jobs.example.dev: annotation lifecycle.rs/machines is not a JSON object \
             of machines by phase field: invalid type: sequence, expected a map at line 1 column 0\n"
        ),
        "{err}"
    );
    let missing = PathBuf::from("/nonexistent/old.yaml");
    let (code, _, err) = lifecycle_diff(&missing, &new);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("lifecycle: cannot read /nonexistent/old.yaml: "),
        "{err}"
    );
}
