//! Real kubectl as a second client of the same server: it applies the generated CRDs,
//! `kubectl scale` is judged by the lifecycle's CEL rule, `kubectl get` shows the printer
//! columns, and `--context alice` is refused by RBAC. Skipped where kubectl is not found.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use lifecycle_examples::numaflow::crd::{
    CONTROLLER_ROLE, EDITOR_ROLE, ServiceAccountRef, VIEWER_ROLE, manifests_yaml, writer_policies,
};
use lifecycle_tests::apiserver::{ApiServer, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT};
use lifecycle_tests::scenarios;
use serde_json::{Value, json};

/// The message of the rule that freezes `spec.replicas` of a paused source.
const FROZEN_REPLICAS: &str =
    "replicas cannot change while Paused; `scale` is allowed for Source, Sink, MapUdf in Running";

/// kubectl on `PATH`, else `/usr/bin/kubectl`.
pub(super) fn find_kubectl() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("kubectl"));
    on_path
        .chain([PathBuf::from("/usr/bin/kubectl")])
        .find(|candidate| candidate.is_file())
}

/// kubectl bound to a server's kubeconfig.
pub(super) struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Kubectl {
    /// kubectl for the shared server, or `None` (with the reason printed) where the
    /// machine has none.
    pub(super) fn for_shared_server() -> Option<Kubectl> {
        Kubectl::for_server(ApiServer::shared())
    }

    /// kubectl for `server`, or `None` (with the reason printed) where the machine has
    /// none.
    pub(super) fn for_server(server: &ApiServer) -> Option<Kubectl> {
        let Some(binary) = find_kubectl() else {
            eprintln!("skipped: kubectl is on neither PATH nor /usr/bin/kubectl");
            return None;
        };
        Some(Kubectl {
            binary,
            kubeconfig: server.kubeconfig().to_owned(),
        })
    }

    /// Runs `kubectl ARGS` with `stdin` fed in, and returns what it did.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(&self.binary)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.binary.display()));
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            pipe.write_all(text.as_bytes()).expect("kubectl's stdin");
        }
        child.wait_with_output().expect("kubectl's output")
    }

    /// Runs kubectl and returns its stdout; fails the test if kubectl fails.
    pub(super) fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {}: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl, whatever its exit code says, and returns its stdout, trimmed: for
    /// commands such as `auth can-i` that answer `no` by failing.
    pub(super) fn answer(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs kubectl, expects it to fail, and returns its stderr.
    pub(super) fn refused(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            !out.status.success(),
            "kubectl {} should fail: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The Kubernetes release the server is built from, as its go.mod names it.
fn kubernetes_release() -> String {
    let go_mod = Path::new(env!("CARGO_MANIFEST_DIR")).join("apiserver/go.mod");
    let text = std::fs::read_to_string(&go_mod).expect("tests/apiserver/go.mod");
    text.lines()
        .map(str::split_whitespace)
        .find_map(|mut words| match (words.next(), words.next()) {
            (Some("k8s.io/kubernetes"), Some(version)) => Some(version.to_owned()),
            _ => None,
        })
        .expect("go.mod requires k8s.io/kubernetes")
}

#[test]
fn kubectl_applies_the_crds_and_scale_obeys_the_lifecycle() {
    let Some(kubectl) = Kubectl::for_shared_server() else {
        return;
    };

    // The server reports the release it was built from.
    let version: Value = serde_json::from_str(&kubectl.ok(&["version", "-o", "json"], None))
        .expect("kubectl version -o json");
    assert_eq!(
        version["serverVersion"]["gitVersion"],
        json!(kubernetes_release())
    );

    // The generated CRDs, as `crdgen` prints them.
    let crds = lifecycle_examples::numaflow::crd::yaml().expect("the CRDs as YAML");
    let applied = kubectl.ok(&["apply", "--server-side", "-f", "-"], Some(&crds));
    for crd in [
        "pipelines.numaflow.numaproj.io",
        "vertices.numaflow.numaproj.io",
    ] {
        assert!(applied.contains(crd), "{applied}");
    }

    let ns = "kubectl-e2e";
    kubectl.ok(&["create", "namespace", ns], None);
    let vertices = json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            scenarios::vertex("paused-in", "source", "Paused", Some(0)),
            scenarios::vertex("running-in", "source", "Running", Some(1)),
        ],
    });
    kubectl.ok(&["apply", "-n", ns, "-f", "-"], Some(&vertices.to_string()));

    // A paused source keeps its replicas: the CRD's CEL rule refuses the scale.
    let refused = kubectl.refused(
        &["scale", "-n", ns, "vertex/paused-in", "--replicas=2"],
        None,
    );
    assert!(refused.contains(FROZEN_REPLICAS), "{refused}");
    // A running source scales.
    let scaled = kubectl.ok(
        &["scale", "-n", ns, "vertex/running-in", "--replicas=3"],
        None,
    );
    assert!(scaled.contains("scaled"), "{scaled}");
    let replicas = kubectl.ok(
        &[
            "get",
            "-n",
            ns,
            "vertex/running-in",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
        None,
    );
    assert_eq!(replicas, "3");

    // The printer columns, filled from the status.
    let status = json!({ "status": { "phase": "Running", "desiredReplicas": 3, "replicas": 3 } });
    kubectl.ok(
        &[
            "patch",
            "-n",
            ns,
            "vertex/running-in",
            "--subresource=status",
            "--type=merge",
            "-p",
            &status.to_string(),
        ],
        None,
    );
    let table = kubectl.ok(&["get", "-n", ns, "vtx"], None);
    // Columns are at least two spaces apart; a column's name may hold one.
    let cells = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .map(String::from)
            .collect()
    };
    let mut lines = table.lines();
    assert_eq!(
        cells(lines.next().unwrap_or_default()),
        [
            "NAME",
            "PHASE",
            "DESIRED PHASE",
            "DESIRED",
            "CURRENT",
            "READY",
            "AGE",
            "REASON",
            "MESSAGE"
        ],
        "{table}"
    );
    let row = cells(
        lines
            .find(|line| line.starts_with("running-in"))
            .unwrap_or_default(),
    );
    // The current phase from the status, the desired one from the spec.
    assert_eq!(
        row[..5],
        ["running-in", "Running", "Running", "3", "3"],
        "{table}"
    );

    // The same server, another identity: RBAC refuses alice.
    let forbidden = kubectl.refused(&["--context", "alice", "get", "-n", ns, "vertices"], None);
    assert!(
        forbidden.contains("forbidden") && forbidden.contains("\"alice\""),
        "{forbidden}"
    );
}

#[test]
fn kubectl_admits_what_crdgen_renders_for_the_controller_as_a_whole() {
    let Some(kubectl) = Kubectl::for_shared_server() else {
        return;
    };
    let account = ServiceAccountRef {
        namespace: CONTROLLER_NAMESPACE.to_owned(),
        name: CONTROLLER_SERVICE_ACCOUNT.to_owned(),
    };
    let manifests = manifests_yaml(Some(&account)).expect("the manifests as YAML");
    // A server-side dry run on the shared server, which already holds the CRDs: the
    // stream updates them cleanly, without the cluster-wide bindings reaching the other
    // tests' namespaces. The real install is `install`, on a server of its own; the
    // policy at work is tested in `writers`.
    let applied = kubectl.ok(
        &["apply", "--server-side", "--dry-run=server", "-f", "-"],
        Some(&manifests),
    );
    let mut objects = vec![
        "customresourcedefinition.apiextensions.k8s.io/pipelines.numaflow.numaproj.io".to_owned(),
        "customresourcedefinition.apiextensions.k8s.io/vertices.numaflow.numaproj.io".to_owned(),
    ];
    for policy in writer_policies(&account) {
        for kind in [
            "validatingadmissionpolicy",
            "validatingadmissionpolicybinding",
        ] {
            objects.push(format!(
                "{kind}.admissionregistration.k8s.io/{}",
                policy.name()
            ));
        }
    }
    for role in [CONTROLLER_ROLE, EDITOR_ROLE, VIEWER_ROLE] {
        objects.push(format!("clusterrole.rbac.authorization.k8s.io/{role}"));
    }
    objects.push(format!(
        "clusterrolebinding.rbac.authorization.k8s.io/{CONTROLLER_ROLE}"
    ));
    for object in &objects {
        assert!(applied.contains(object.as_str()), "{object} in:\n{applied}");
    }
    assert_eq!(
        applied.matches("(server dry run)").count(),
        objects.len(),
        "{applied}"
    );

    // A policy whose CEL does not compile is refused at write time: the dry run would
    // have caught a broken expression.
    let broken = manifests.replacen("variables.oldPhase == ", "variables.oldPhase === ", 1);
    let refused = kubectl.refused(
        &["apply", "--server-side", "--dry-run=server", "-f", "-"],
        Some(&broken),
    );
    assert!(refused.contains("ValidatingAdmissionPolicy"), "{refused}");
}
