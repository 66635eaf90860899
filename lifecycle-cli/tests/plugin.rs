//! `kubectl lifecycle` on the real kube-apiserver, through kubectl's own plugin discovery
//! (`kubectl lifecycle ...` with `kubectl-lifecycle` on PATH): `get`, `graph`, `fire` and
//! `why` on NumaFlow pipelines and on a kind of this test's own that the plugin knows only
//! from its CRD; `fire` refused, saying what is missing, for a user without the verb, and
//! with the server's message where the server refuses. Run with
//! `cargo test -p lifecycle-cli --features e2e --test plugin`; the plugin comes from Cargo
//! (`CARGO_BIN_EXE_kubectl-lifecycle`).

use std::path::Path;
use std::process::{Command, Output};

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::ObjectMeta;
use kube::{Client, CustomResource, CustomResourceExt};
use lifecycle_apiserver::{
    Identity, SharedApiServer, bind_cluster_role, create_cluster_role, find_kubectl,
};
use lifecycle_model::Lifecycle;
use numaflow_model::pipeline::Pipeline;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A kind of this test's own: the plugin has never seen its code, only its CRD. A
/// locked gadget stays off, by a rule only the server knows.
#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gadgets.example.com",
    version = "v1",
    kind = "Gadget",
    namespaced
)]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "!(has(self.locked) && self.locked && has(self.power) && self.power == 'On')",
    "message": "a locked gadget stays off",
}]))]
pub struct GadgetSpec {
    /// The gadget's power, moved by holders of the verbs `start` and `stop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    power: Option<String>,
    /// Whether it is locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked: Option<bool>,
}

/// The gadget's lifecycle, at `spec.power`.
#[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[lifecycle(verbs, event(start: Off -> On), event(stop: On -> Off))]
enum Power {
    #[default]
    #[lifecycle(initial, suspended)]
    Off,
    #[lifecycle(ready)]
    On,
}

/// The gadget's next lifecycle, where `Off` is called `Down`: without the old name kept,
/// and with it. Only their machines are read, so their typestates go unused.
#[allow(dead_code)]
mod next {
    use lifecycle_model::Lifecycle;

    #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
    #[lifecycle(verbs, event(start: Down -> On), event(stop: On -> Down))]
    pub(crate) enum Power {
        #[default]
        #[lifecycle(initial, suspended)]
        Down,
        #[lifecycle(ready)]
        On,
    }

    pub(crate) mod kept {
        use lifecycle_model::Lifecycle;

        #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
        #[lifecycle(verbs, event(start: Down -> On), event(stop: On -> Down))]
        pub(crate) enum Power {
            #[default]
            #[lifecycle(initial, suspended, alias = "Off")]
            Down,
            #[lifecycle(ready)]
            On,
        }
    }
}

/// The Gadget CRD carrying `P` at `spec.power`, written to a file for `audit`.
fn next_crd<P: Lifecycle>(file: &str) -> std::path::PathBuf {
    let mut gadget = Gadget::crd();
    lifecycle_model::crd::annotate::<P>(&mut gadget, "spec.power");
    let path = std::env::temp_dir().join(format!("{}-{file}", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&gadget).unwrap()).unwrap();
    path
}

fn crds() -> Vec<CustomResourceDefinition> {
    let mut gadget = Gadget::crd();
    lifecycle_model::crd::annotate::<Power>(&mut gadget, "spec.power");
    let mut all = numaflow_model::crd::crds();
    all.push(gadget);
    all
}

static SERVER: SharedApiServer = SharedApiServer::new(crds);

const PLUGIN: &str = env!("CARGO_BIN_EXE_kubectl-lifecycle");

/// `kubectl lifecycle ARGS` as `identity`, kubectl finding the plugin on PATH.
fn kubectl_lifecycle(kubectl: &Path, identity: Identity, args: &[&str]) -> Output {
    let plugin_dir = Path::new(PLUGIN).parent().expect("the plugin's directory");
    let path = std::env::join_paths(std::iter::once(plugin_dir.to_owned()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    Command::new(kubectl)
        .arg("lifecycle")
        .args(args)
        .args(["--context", identity.context()])
        .env("PATH", path)
        .env("KUBECONFIG", SERVER.get().kubeconfig())
        .output()
        .expect("kubectl runs")
}

/// `text` with each run of spaces made one, so that table rows read without their padding.
fn squeezed(text: &str) -> String {
    let lines = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
    lines.collect::<Vec<_>>().join("\n")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The standard error of a refused run, which must exit `code`.
fn refused(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    stderr
}

/// A ClusterRole `name` with `rules`, bound to `identity` in `namespace`; and reading
/// CRDs, cluster-wide, which the plugin needs to find a kind's lifecycle.
async fn grant(
    admin: &Client,
    namespace: &str,
    identity: Identity,
    name: &str,
    rules: Vec<PolicyRule>,
) {
    let role = |name: &str, rules: Vec<PolicyRule>| ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        rules: Some(rules),
        ..ClusterRole::default()
    };
    let mut rules = rules;
    rules.push(rule("", "events", &["list"]));
    create_cluster_role(admin, &role(name, rules))
        .await
        .unwrap();
    bind_cluster_role(admin, namespace, name, identity)
        .await
        .unwrap();
    let reader = "lifecycle-crd-reader";
    let crd_rule = rule(
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        &["get", "list"],
    );
    create_cluster_role(admin, &role(reader, vec![crd_rule]))
        .await
        .unwrap();
    let binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(format!("{reader}-{}", identity.context())),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".to_owned()),
            kind: "ClusterRole".to_owned(),
            name: reader.to_owned(),
        },
        subjects: Some(vec![identity.subject()]),
    };
    let bindings: Api<ClusterRoleBinding> = Api::all(admin.clone());
    let _ = bindings.create(&PostParams::default(), &binding).await;
}

fn rule(group: &str, resource: &str, verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(vec![resource.to_owned()]),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_graph_fire_and_why_on_pipelines_and_on_a_kind_known_only_by_its_crd() {
    let Some(kubectl) = find_kubectl() else {
        eprintln!("skipped: kubectl is on neither PATH nor /usr/bin/kubectl");
        return;
    };
    let namespace = &SERVER.namespace("plugin-test").await;
    let admin = SERVER.client(Identity::Admin).await;
    let run = |identity: Identity, args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-n", namespace.as_str()]);
        kubectl_lifecycle(&kubectl, identity, &all)
    };

    // A pipeline its controller has marked Running (no controller runs here).
    let pipelines: Api<Pipeline> = Api::namespaced(admin.clone(), namespace);
    let mut pipeline = Pipeline::new("simple", Default::default());
    pipeline.spec.vertices = serde_json::from_value(json!([
        { "name": "in", "source": { "generator": {} } },
        { "name": "out", "sink": { "log": {} } },
    ]))
    .unwrap();
    pipelines
        .create(&PostParams::default(), &pipeline)
        .await
        .unwrap();
    let status = json!({ "status": { "phase": "Running", "observedGeneration": 1, "conditions": [
        { "type": "Ready", "status": "True", "reason": "Running", "message": "PipelinePhase is Running",
          "lastTransitionTime": "2026-12-05T00:00:00Z" },
    ] } });
    pipelines
        .patch_status("simple", &PatchParams::default(), &Patch::Merge(status))
        .await
        .unwrap();

    // get: the phases, the conditions, and who may make each move.
    let shown = stdout(&run(Identity::Admin, &["get", "pipeline/simple"]));
    for line in [
        "status.phase: Running (PipelinePhase, Ready)",
        "spec.lifecycle.desiredPhase: Running (DesiredPhase)",
        "Ready True Running PipelinePhase is Running",
    ] {
        assert!(squeezed(&shown).contains(line), "{line:?} in:\n{shown}");
    }
    // A row of the moves' table, its cells joined by one space.
    let row = |shown: &str, field: &str, event: &str| -> String {
        let line = shown
            .lines()
            .find(|l| l.starts_with(field) && l.split_whitespace().nth(1) == Some(event))
            .unwrap_or_else(|| panic!("a {field} {event} row in:\n{shown}"));
        line.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert!(
        row(&shown, "spec.lifecycle.desiredPhase", "pause")
            .ends_with("Running → Paused you may (pause, patch)")
    );
    assert!(row(&shown, "status.phase", "pause").ends_with("Running → Pausing its controller"));

    // alice may read pipelines but holds no verb: she sees so, and her pause is refused
    // client-side with what is missing.
    let numaflow = "numaflow.numaproj.io";
    grant(
        &admin,
        namespace,
        Identity::Alice,
        "plugin-reader",
        vec![
            rule(numaflow, "pipelines", &["get", "list"]),
            rule("gadgets.example.com", "gadgets", &["get", "list"]),
        ],
    )
    .await;
    let shown = stdout(&run(
        Identity::Alice,
        &["get", "pipelines.numaflow.numaproj.io/simple"],
    ));
    assert!(
        row(&shown, "spec.lifecycle.desiredPhase", "pause")
            .ends_with("not you: needs `pause` on pipelines.numaflow.numaproj.io and `patch` on pipelines.numaflow.numaproj.io"),
        "{shown}"
    );
    let said = refused(&run(Identity::Alice, &["fire", "pl/simple", "pause"]), 1);
    assert!(
        said.contains(&format!(
            "you may not pause pipelines.numaflow.numaproj.io/simple in namespace {namespace}: it needs `pause` on pipelines.numaflow.numaproj.io and `patch` on pipelines.numaflow.numaproj.io, which you do not hold"
        )),
        "{said}"
    );

    // The admin pauses; the move is checked against the state the object is in now.
    let fired = stdout(&run(Identity::Admin, &["fire", "pipeline/simple", "pause"]));
    assert_eq!(
        fired,
        "pipeline/simple: pause: Running → Paused (spec.lifecycle.desiredPhase)\n"
    );
    let stored = pipelines.get("simple").await.unwrap();
    assert_eq!(
        serde_json::to_value(&stored.spec).unwrap()["lifecycle"]["desiredPhase"],
        "Paused"
    );
    let again = refused(
        &run(Identity::Admin, &["fire", "pipeline/simple", "pause"]),
        1,
    );
    assert!(again.contains("`pause` does not fire from Paused (spec.lifecycle.desiredPhase); from Paused you may fire: resume"), "{again}");
    let controllers = refused(
        &run(Identity::Admin, &["fire", "pipeline/simple", "fail"]),
        1,
    );
    assert!(
        controllers
            .contains("`fail` moves status.phase, which only the object's controller writes"),
        "{controllers}"
    );
    let unknown = refused(
        &run(Identity::Admin, &["fire", "pipeline/simple", "explode"]),
        2,
    );
    assert!(unknown.contains("no lifecycle of Pipeline has an event `explode`; its events: delete, fail, finish_pause, pause, recover, recover_paused, resume"), "{unknown}");

    // graph: each machine as text; an SVG picture of the one named.
    let drawn = stdout(&run(Identity::Alice, &["graph", "pipeline"]));
    assert!(drawn.contains("PipelinePhase (status.phase)"), "{drawn}");
    assert!(
        squeezed(&drawn).contains("pause Running | Failed → Pausing"),
        "{drawn}"
    );
    assert!(squeezed(&drawn).contains("Paused suspended"), "{drawn}");
    let picture = std::env::temp_dir().join(format!("plugin-{}.svg", std::process::id()));
    let picture_arg = picture.to_str().unwrap();
    let two = refused(
        &run(
            Identity::Alice,
            &["graph", "pipeline", "--svg", picture_arg],
        ),
        2,
    );
    assert!(
        two.contains("name one with --field: spec.lifecycle.desiredPhase, status.phase"),
        "{two}"
    );
    stdout(&run(
        Identity::Alice,
        &[
            "graph",
            "pipeline",
            "--svg",
            picture_arg,
            "--field",
            "status.phase",
        ],
    ));
    let svg = std::fs::read_to_string(&picture).unwrap();
    assert!(svg.contains("<svg") && svg.contains("Pausing"), "{svg}");
    let _ = std::fs::remove_file(&picture);

    // why: the state each machine is in, and the Events about the object.
    let events: Api<Event> = Api::namespaced(admin.clone(), namespace);
    let warning = Event {
        metadata: ObjectMeta {
            name: Some("simple.refused".to_owned()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("numaflow.numaproj.io/v1alpha1".to_owned()),
            kind: Some("Pipeline".to_owned()),
            name: Some("simple".to_owned()),
            namespace: Some(namespace.clone()),
            uid: pipelines.get("simple").await.unwrap().metadata.uid,
            ..ObjectReference::default()
        },
        type_: Some("Warning".to_owned()),
        reason: Some("DaemonUnreachable".to_owned()),
        message: Some("the pause waits: the daemon does not answer".to_owned()),
        ..Event::default()
    };
    events
        .create(&PostParams::default(), &warning)
        .await
        .unwrap();
    let explained = stdout(&run(Identity::Alice, &["why", "pipeline/simple"]));
    for line in [
        "status.phase is Running: steady and healthy",
        "spec.lifecycle.desiredPhase is Paused: in a state that stands for no condition",
        "its controller has not yet observed generation 2 (the status is of 1)",
        "Warning DaemonUnreachable the pause waits: the daemon does not answer",
    ] {
        assert!(
            squeezed(&explained).contains(line),
            "{line:?} in:\n{explained}"
        );
    }

    // A kind the plugin knows only from its CRD: bob holds `start` and `patch`, alice
    // neither, carol `start` alone; g2 is locked, which only the server's rule knows.
    let gadgets: Api<DynamicObject> = Api::namespaced_with(
        admin.clone(),
        namespace,
        &kube::api::ApiResource::erase::<Gadget>(&()),
    );
    for (name, spec) in [("g1", json!({})), ("g2", json!({ "locked": true }))] {
        let gadget: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "gadgets.example.com/v1", "kind": "Gadget",
            "metadata": { "name": name }, "spec": spec,
        }))
        .unwrap();
        gadgets
            .create(&PostParams::default(), &gadget)
            .await
            .unwrap();
    }
    let gadget_rule = |verbs: &[&str]| vec![rule("gadgets.example.com", "gadgets", verbs)];
    grant(
        &admin,
        namespace,
        Identity::Bob,
        "gadget-starter",
        gadget_rule(&["get", "list", "patch", "start"]),
    )
    .await;
    grant(
        &admin,
        namespace,
        Identity::Carol,
        "gadget-verb-only",
        gadget_rule(&["get", "start"]),
    )
    .await;
    let shown = stdout(&run(Identity::Bob, &["get", "gadget/g1"]));
    assert!(
        shown.contains("spec.power: Off (Power, Suspended)"),
        "{shown}"
    );
    assert!(
        row(&shown, "spec.power", "start").ends_with("Off → On you may (start, patch)"),
        "{shown}"
    );
    let said = refused(&run(Identity::Alice, &["fire", "gadget/g1", "start"]), 1);
    assert!(
        said.contains("it needs `start` on gadgets.gadgets.example.com and `patch` on gadgets.gadgets.example.com, which you do not hold"),
        "{said}"
    );
    let said = refused(&run(Identity::Carol, &["fire", "gadget/g1", "start"]), 1);
    assert!(
        said.contains("it needs `patch` on gadgets.gadgets.example.com, which you do not hold"),
        "{said}"
    );
    let fired = stdout(&run(Identity::Bob, &["fire", "gadget/g1", "start"]));
    assert_eq!(fired, "gadget/g1: start: Off → On (spec.power)\n");
    let g1: Value = serde_json::to_value(gadgets.get("g1").await.unwrap()).unwrap();
    assert_eq!(g1["spec"]["power"], "On");
    let server_said = refused(&run(Identity::Bob, &["fire", "gadget/g2", "start"]), 1);
    assert!(
        server_said.contains("the server refused the move: ")
            && server_said.contains("a locked gadget stays off"),
        "{server_said}"
    );
    // Before an upgrade that renames `Off`: without the old name kept, the gadget stored
    // in `Off` would be stranded (g1 is `On`; g2's unset phase reads as the default);
    // with it, none would.
    let g3: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gadgets.example.com/v1", "kind": "Gadget",
        "metadata": { "name": "g3" }, "spec": { "power": "Off" },
    }))
    .unwrap();
    gadgets.create(&PostParams::default(), &g3).await.unwrap();
    let renamed = next_crd::<next::Power>("renamed.json");
    let audited = run(
        Identity::Bob,
        &["audit", "gadget", "--against", renamed.to_str().unwrap()],
    );
    let report = String::from_utf8_lossy(&audited.stdout).into_owned();
    let said = refused(&audited, 1);
    assert!(
        said.contains("1 of 3 objects would be stranded by the new version"),
        "{said}"
    );
    assert_eq!(
        squeezed(&report),
        format!(
            "NAMESPACE NAME FIELD PHASE WHY\n{namespace} g3 spec.power Off `Off` is not a state of Power, nor a former name of one: the new version cannot read it, and the server refuses the object's next write; its states are: Down, On"
        )
    );
    let kept = next_crd::<next::kept::Power>("kept.json");
    let audited = stdout(&run(
        Identity::Bob,
        &["audit", "gadget", "--against", kept.to_str().unwrap()],
    ));
    assert_eq!(
        audited,
        "none of 3 objects of gadgets.gadgets.example.com would be stranded\n"
    );
    let _ = (std::fs::remove_file(renamed), std::fs::remove_file(kept));
    let explained = stdout(&run(Identity::Bob, &["why", "gadget/g1"]));
    assert_eq!(
        explained,
        format!(
            "Gadget g1 in {namespace}\nspec.power is On: steady and healthy\nno Events about it\n"
        )
    );
    let drawn = stdout(&run(Identity::Bob, &["graph", "gadgets"]));
    assert!(drawn.starts_with("Power (spec.power)\n"), "{drawn}");
    let unknown = refused(&run(Identity::Bob, &["get", "widget/w"]), 2);
    assert!(unknown.contains("no kind `widget` carries a lifecycle here; the kinds that do: gadgets.gadgets.example.com, monovertices.numaflow.numaproj.io, pipelines.numaflow.numaproj.io, vertices.numaflow.numaproj.io"), "{unknown}");
}
