//! Real kubectl as a second client of the same server: it applies the generated CRDs,
//! `kubectl scale` is judged by the lifecycle's CEL rule, `kubectl get` shows the printer
//! columns, and `--context alice` is refused by RBAC. Skipped where kubectl is not found.

use lifecycle_apiserver::{
    CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Kubectl, kubernetes_release,
};
use lifecycle_examples::numaflow::crd::{
    CONTROLLER_ROLE, EDITOR_ROLE, ServiceAccountRef, VIEWER_ROLE, manifests_yaml, writer_policies,
};
use lifecycle_tests::scenarios;
use serde_json::{Value, json};

use super::SERVER;

/// The message of the rule that freezes `spec.replicas` of a paused source.
const FROZEN_REPLICAS: &str =
    "replicas cannot change while Paused; `scale` is allowed for Source, Sink, MapUdf in Running";

/// kubectl for the shared server, or `None` (with the reason printed) where the machine
/// has none.
fn kubectl() -> Option<Kubectl> {
    Kubectl::for_server(SERVER.get())
}

#[test]
fn kubectl_applies_the_crds_and_scale_obeys_the_lifecycle() {
    let Some(kubectl) = kubectl() else {
        return;
    };

    // The server reports the release it was built from.
    let version: Value = serde_json::from_str(&kubectl.ok(&["version", "-o", "json"], None))
        .expect("kubectl version -o json");
    assert_eq!(
        version["serverVersion"]["gitVersion"],
        json!(kubernetes_release().expect("go.mod requires k8s.io/kubernetes"))
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
    let Some(kubectl) = kubectl() else {
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
    let mut objects: Vec<String> = lifecycle_examples::numaflow::crd::crds()
        .iter()
        .map(|crd| {
            let name = crd.metadata.name.as_deref().unwrap_or_default();
            format!("customresourcedefinition.apiextensions.k8s.io/{name}")
        })
        .collect();
    assert_eq!(objects.len(), 3, "Pipeline, Vertex, MonoVertex");
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
