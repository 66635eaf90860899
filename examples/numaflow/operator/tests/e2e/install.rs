//! `crdgen`'s whole output, installed for real on a cluster of its own, as an operator's
//! user would: CRDs, the writer policies and their bindings, the controller's ClusterRole
//! and its binding, and the editor and viewer roles. The controller then runs as its
//! ServiceAccount with nothing else granted, the policies guard the lifecycles in every
//! namespace, `kubectl auth can-i pause pipelines` answers from the roles, and the
//! server's audit log shows that the controller's ClusterRole holds exactly the verbs the
//! controller uses: none refused, none unused. A server of its own keeps the cluster-wide
//! bindings away from the other tests.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, Patch as KubePatch, PatchParams};
use lifecycle_apiserver::{
    self as apiserver, ApiServer, Identity, KillOnDrop, Kubectl, bind_cluster_role, eventually,
    status_of,
};
use lifecycle_model::Lifecycle;
use numaflow_model::crd::{
    EDITOR_ROLE, ServiceAccountRef, VIEWER_ROLE, controller_manifests, manifests_yaml,
};
use numaflow_model::monovertex::{MonoVertex, MonoVertexPhase, MonoVertexStatusPhase};
use numaflow_model::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use numaflow_model::vertex::{Vertex, VertexPhase};
use serde_json::{Value, json};

use super::controller::set_desired_in;
use super::{
    StandInDaemon, account, controller_command, grant_edit_on, running_source_vertex,
    three_vertex_pipeline,
};

/// What the audit log keeps: every request of the controller's ServiceAccount, with its
/// verb, resource and response code; nothing of anyone else's.
fn audit_policy() -> String {
    let user = Identity::Controller.username();
    format!(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n\
         - level: Metadata\n  users: [\"{user}\"]\n- level: None\n"
    )
}

/// One permission: API group, resource (with `/subresource`) and verb.
type Grant = (String, String, String);

/// The (group, resource, verb) triples the ClusterRole grants.
fn granted(account: &ServiceAccountRef) -> BTreeSet<Grant> {
    let role = controller_manifests(account).role;
    let mut out = BTreeSet::new();
    for rule in role.rules.unwrap_or_default() {
        for group in rule.api_groups.unwrap_or_default() {
            for resource in rule.resources.clone().unwrap_or_default() {
                for verb in &rule.verbs {
                    out.insert((group.clone(), resource.clone(), verb.clone()));
                }
            }
        }
    }
    out
}

/// The (group, resource, verb) triples of the controller's requests in the audit log,
/// and the requests the server refused with 403.
fn observed(log: &str) -> (BTreeSet<Grant>, Vec<String>) {
    let mut used = BTreeSet::new();
    let mut forbidden = Vec::new();
    for line in log.lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let Some(object) = event.get("objectRef") else {
            continue; // a non-resource URL such as /version
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut resource = text(&object["resource"]);
        if let Some(sub) = object["subresource"].as_str() {
            resource = format!("{resource}/{sub}");
        }
        let grant = (text(&object["apiGroup"]), resource, text(&event["verb"]));
        if event["responseStatus"]["code"].as_u64() == Some(403) {
            forbidden.push(format!("{grant:?}"));
        }
        used.insert(grant);
    }
    (used, forbidden)
}

/// How many LISTs (not watches) of each resource the ServiceAccount sent from `since`.
fn lists(log: &str, since: jiff::Timestamp) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for line in log.lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_default();
        let at = event["requestReceivedTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        if event["verb"] == "list" && at.is_some_and(|at| at >= since) {
            let resource = event["objectRef"]["resource"].as_str().unwrap_or_default();
            *out.entry(resource.to_owned()).or_default() += 1;
        }
    }
    out
}

/// The audit log once the server has finished writing it: the requests of a controller
/// stopped a moment ago may still be on their way, the last line half written.
async fn settled_log(path: &std::path::Path) -> String {
    for _ in 0..40 {
        let log = std::fs::read_to_string(path).unwrap();
        let whole = log.is_empty() || log.ends_with('\n');
        if whole
            && log
                .lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok())
        {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!(
        "the audit log {} never ends in a whole line",
        path.display()
    );
}

/// Creates, pauses, resumes, edits (one vertex fewer) and deletes a pipeline, waiting
/// for the controller after each step.
pub(super) async fn drive(admin: &Client, namespace: &str, name: &str) {
    let pipelines: Api<Pipeline> = Api::namespaced(admin.clone(), namespace);
    let vertices: Api<Vertex> = Api::namespaced(admin.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(admin.clone(), namespace);
    let phase_is = |phase: PipelinePhase| {
        let pipelines = pipelines.clone();
        async move {
            pipelines
                .get(name)
                .await
                .is_ok_and(|p| p.phase() == Some(phase))
        }
    };
    let pod_count = || async { pods.list(&Default::default()).await.map(|l| l.items.len()) };
    pipelines
        .create(&Default::default(), &three_vertex_pipeline(name))
        .await
        .unwrap();
    eventually("the pipeline runs with a pod per vertex", || async {
        phase_is(PipelinePhase::Running).await && pod_count().await.is_ok_and(|n| n == 3)
    })
    .await;
    set_desired_in(admin, namespace, name, DesiredPhase::Paused).await;
    eventually("the pipeline pauses", || async {
        phase_is(PipelinePhase::Paused).await
            && vertices.list(&Default::default()).await.is_ok_and(|l| {
                l.items
                    .iter()
                    .all(|v| v.spec.desired_phase() == VertexPhase::Paused)
            })
    })
    .await;
    set_desired_in(admin, namespace, name, DesiredPhase::Running).await;
    eventually("the pipeline runs again", || {
        phase_is(PipelinePhase::Running)
    })
    .await;
    let body = json!({ "spec": { "vertices": [
        { "name": "in", "source": { "generator": {} } },
        { "name": "out", "sink": { "log": {} } },
    ] } });
    pipelines
        .patch(name, &PatchParams::default(), &KubePatch::Merge(body))
        .await
        .unwrap();
    eventually("the undeclared vertex is deleted", || async {
        vertices
            .list(&Default::default())
            .await
            .is_ok_and(|l| l.items.len() == 2)
    })
    .await;
    pipelines.delete(name, &Default::default()).await.unwrap();
    eventually("the deleted pipeline is gone", || async {
        pipelines.get_opt(name).await.is_ok_and(|p| p.is_none())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn crdgen_output_installed_whole_runs_the_controller_with_exactly_its_role() {
    let dir = std::env::temp_dir().join(format!("lifecycle-install-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (policy, log) = (dir.join("audit-policy.yaml"), dir.join("audit.log"));
    std::fs::write(&policy, audit_policy()).unwrap();
    let server = ApiServer::start_with(&[
        format!("--audit-policy-file={}", policy.display()),
        format!("--audit-log-path={}", log.display()),
    ])
    .unwrap_or_else(|e| panic!("a server of its own: {}", apiserver::error_chain(&e)));
    let Some(kubectl) = Kubectl::for_server(&server) else {
        return;
    };
    let account = account();
    let manifests = manifests_yaml(Some(&account)).expect("the manifests as YAML");
    let applied = kubectl.ok(&["apply", "--server-side", "-f", "-"], Some(&manifests));
    // Three CRDs, a policy and a binding per lifecycle's writers, four roles and bindings.
    assert_eq!(
        applied.matches("serverside-applied").count(),
        3 + 2 * 4 + 4,
        "{applied}"
    );
    kubectl.wait_established(&numaflow_model::crd::crds());

    let admin = server.admin().await.unwrap();
    // The lifecycles travel with the CRDs: read back from the server, each CRD carries
    // the machines of its phase fields, equal to the declared ones.
    let crds: Api<CustomResourceDefinition> = Api::all(admin.clone());
    let carried = |name: &'static str| {
        let crds = crds.clone();
        async move {
            let crd = crds.get(name).await.unwrap();
            lifecycle_model::crd::machines_of(&crd).unwrap()
        }
    };
    assert_eq!(
        carried("pipelines.numaflow.numaproj.io").await,
        [
            (
                "spec.lifecycle.desiredPhase".to_owned(),
                DesiredPhase::machine()
            ),
            ("status.phase".to_owned(), PipelinePhase::machine()),
        ]
    );
    assert_eq!(
        carried("vertices.numaflow.numaproj.io").await,
        [(
            "spec.lifecycle.desiredPhase".to_owned(),
            VertexPhase::machine()
        )]
    );
    assert_eq!(
        carried("monovertices.numaflow.numaproj.io").await,
        [(
            "spec.lifecycle.desiredPhase".to_owned(),
            MonoVertexPhase::machine()
        )]
    );
    let namespace = "installed";
    apiserver::create_namespace(&admin, namespace)
        .await
        .unwrap();
    // The ClusterRoleBinding alone lets the ServiceAccount in, in any namespace.
    let as_controller: Api<Vertex> = Api::namespaced(
        server.client(Identity::Controller).await.unwrap(),
        namespace,
    );
    eventually("the ClusterRoleBinding takes effect", || async {
        status_of(as_controller.list(&Default::default()).await) == 0
    })
    .await;

    let daemon = StandInDaemon::start();
    let controller_started = jiff::Timestamp::now();
    let controller_log = dir.join("controller.log");
    let controller = KillOnDrop(
        controller_command(
            &server,
            namespace,
            &daemon.url,
            &[
                "--context",
                Identity::Controller.context(),
                "--leader-elect",
            ],
        )
        .stderr(std::fs::File::create(&controller_log).unwrap())
        .spawn()
        .expect("numaflow-controller starts"),
    );
    drive(&admin, namespace, "installed").await;

    // The policy guards every namespace: alice, who may edit vertices here, may not
    // move one's lifecycle.
    grant_edit_on(&admin, namespace, Identity::Alice).await;
    let vertices: Api<Vertex> = Api::namespaced(admin.clone(), namespace);
    let vertex: Vertex = serde_json::from_value(running_source_vertex("alices")).unwrap();
    vertices.create(&Default::default(), &vertex).await.unwrap();
    let alice: Api<Vertex> =
        Api::namespaced(server.client(Identity::Alice).await.unwrap(), namespace);
    let pause = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
    eventually("the writer policy denies alice", || async {
        let answer = alice
            .patch("alices", &PatchParams::default(), &KubePatch::Merge(&pause))
            .await;
        matches!(&answer, Err(kube::Error::Api(s)) if s.code == 403 && s.message.contains("spec.lifecycle.desiredPhase"))
    })
    .await;
    // Who may pause is RBAC's to say: the editor role grants `pause` and `resume` (and,
    // folded into `edit`, alice has them), the viewer role neither.
    bind_cluster_role(&admin, namespace, EDITOR_ROLE, Identity::Bob)
        .await
        .unwrap();
    bind_cluster_role(&admin, namespace, VIEWER_ROLE, Identity::Carol)
        .await
        .unwrap();
    let can_i = |who: Identity, verb: &str| {
        let args = [
            "auth",
            "can-i",
            verb,
            "pipelines",
            "-n",
            namespace,
            "--as",
            who.context(),
        ];
        let out = kubectl.answer(&args);
        assert!(out == "yes" || out == "no", "kubectl auth can-i: {out}");
        out == "yes"
    };
    eventually("the editor and viewer roles are bound", || async {
        can_i(Identity::Bob, "pause")
    })
    .await;
    assert!(can_i(Identity::Bob, "resume") && can_i(Identity::Alice, "pause"));
    assert!(!can_i(Identity::Carol, "pause") && !can_i(Identity::Carol, "resume"));
    assert!(can_i(Identity::Carol, "get"));
    // And the policy follows: alice pauses a pipeline she may pause; carol may not.
    let pipelines = |client: Client| Api::<Pipeline>::namespaced(client, namespace);
    pipelines(admin.clone())
        .create(&Default::default(), &three_vertex_pipeline("alices"))
        .await
        .unwrap();
    let pause_pipeline = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
    pipelines(server.client(Identity::Alice).await.unwrap())
        .patch(
            "alices",
            &PatchParams::default(),
            &KubePatch::Merge(&pause_pipeline),
        )
        .await
        .unwrap_or_else(|e| panic!("alice pauses: {e}"));
    eventually("the pipeline alice paused pauses", || async {
        pipelines(admin.clone())
            .get("alices")
            .await
            .is_ok_and(|p| p.phase() == Some(PipelinePhase::Paused))
    })
    .await;
    // The editor role pauses MonoVertices too: bob pauses one, and the controller writes
    // its status.
    let mono_vertices = |client: Client| Api::<MonoVertex>::namespaced(client, namespace);
    let mvtx: MonoVertex = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "MonoVertex",
        "metadata": { "name": "bobs" },
        "spec": { "source": { "generator": {} }, "sink": { "log": {} } },
    }))
    .unwrap();
    mono_vertices(admin.clone())
        .create(&Default::default(), &mvtx)
        .await
        .unwrap();
    mono_vertices(server.client(Identity::Bob).await.unwrap())
        .patch(
            "bobs",
            &PatchParams::default(),
            &KubePatch::Merge(&pause_pipeline),
        )
        .await
        .unwrap_or_else(|e| panic!("bob pauses his MonoVertex: {e}"));
    eventually("the MonoVertex bob paused reports Paused", || async {
        mono_vertices(admin.clone())
            .get("bobs")
            .await
            .is_ok_and(|m| m.status.and_then(|s| s.phase) == Some(MonoVertexStatusPhase::Paused))
    })
    .await;
    drop(controller);
    // Nothing failed on the way: not even a reconcile from a cache that still held the
    // deleted pipeline.
    let warnings = std::fs::read_to_string(&controller_log).unwrap();
    assert!(
        !warnings.contains("failed"),
        "the controller warned:\n{warnings}"
    );

    let log_text = settled_log(&log).await;
    // The controllers read vertices and pods from their caches: a LIST starts the one
    // watch of each, which every controller shares, and no reconcile lists again.
    let listed = lists(&log_text, controller_started);
    assert!(
        listed.get("vertices").copied().unwrap_or(0) <= 1
            && listed.get("pods").copied().unwrap_or(0) <= 1,
        "LISTs after start: {listed:?}"
    );
    let (used, forbidden) = observed(&log_text);
    assert!(
        forbidden.is_empty(),
        "the role is not enough: {forbidden:?}"
    );
    let granted = granted(&account);
    let unused: Vec<_> = granted.difference(&used).collect();
    let ungranted: Vec<_> = used.difference(&granted).collect();
    assert!(
        unused.is_empty() && ungranted.is_empty(),
        "granted but unused: {unused:?}; used but not granted: {ungranted:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
