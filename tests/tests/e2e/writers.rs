//! Who may move NumaFlow's lifecycles, end to end: the writer policies `crdgen` renders,
//! bound to one namespace, judged by a table of identities × paths × moves. The admin
//! (`system:masters`), the controller's ServiceAccount, alice (full RBAC on pipelines,
//! vertices and their `status` and `scale` subresources, but no lifecycle verb) and bob
//! (who may patch pipelines and holds `pause` but not `resume`) each try every move
//! through merge patch, JSON patch, update and server-side apply, on the resource or on
//! its `status` subresource where the phase lives there. Every move gets the client-side
//! verdict (`WriterPolicy::verdict`, with who the server says the requester is and which
//! verbs it holds, from `WriterPolicy::requester`), word for word; and edits that leave
//! the phase alone pass. That nobody but the controller creates a vertex, which takes the
//! controller running, is numaflow-operator's end-to-end suite.

use k8s_openapi::api::admissionregistration::v1::{
    ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use kube::Client;
use kube::api::{
    Api, ApiResource, DynamicObject, ObjectMeta, Patch as KubePatch, PatchParams, PostParams,
};
use lifecycle_apiserver::{
    self as apiserver, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Identity, Kubectl,
    bind_cluster_role, bind_policy_in_namespace, create_cluster_role, eventually, status_of,
};
use lifecycle_examples::numaflow::crd::{ServiceAccountRef, controller_manifests, writer_policies};
use lifecycle_examples::numaflow::pipeline::{
    DesiredPhase, DesiredPhaseEvent, Pipeline, PipelinePhase,
};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_model::admission::{FireError, Requester, WriterPolicy};
use lifecycle_tests::scenarios;
use serde_json::{Value, json};

use super::{SERVER, client, client_as, namespace, numaflow_editor_role};

/// A way to write an object, as clients send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    Merge,
    Json,
    Update,
    Apply,
}

impl Path {
    pub(super) const ALL: [Path; 4] = [Path::Merge, Path::Json, Path::Update, Path::Apply];
}

/// The lifecycle a guarded field follows, for the calls that are generic over it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Machine {
    PipelineStatus,
    PipelineDesired,
    VertexDesired,
    Widget,
}

impl Machine {
    fn verdict(
        self,
        policy: &WriterPolicy,
        who: &Requester,
        old: Option<&Value>,
        new: &Value,
    ) -> Result<(), String> {
        match self {
            Machine::PipelineStatus => policy.verdict::<PipelinePhase>(who, old, new),
            Machine::PipelineDesired => policy.verdict::<DesiredPhase>(who, old, new),
            Machine::VertexDesired => policy.verdict::<VertexPhase>(who, old, new),
            Machine::Widget => policy.verdict::<super::widgets::WidgetPhase>(who, old, new),
        }
    }

    async fn requester(
        self,
        policy: &WriterPolicy,
        client: &Client,
        namespace: &str,
        name: &str,
    ) -> Requester {
        let ns = Some(namespace);
        let asked = match self {
            Machine::PipelineStatus => policy.requester::<PipelinePhase>(client, ns, name).await,
            Machine::PipelineDesired => policy.requester::<DesiredPhase>(client, ns, name).await,
            Machine::VertexDesired => policy.requester::<VertexPhase>(client, ns, name).await,
            Machine::Widget => {
                policy
                    .requester::<super::widgets::WidgetPhase>(client, ns, name)
                    .await
            }
        };
        asked.unwrap_or_else(|e| panic!("who the server says the requester is: {e}"))
    }
}

/// One guarded field: where it lives, who guards it, and how objects are made.
pub(super) struct Target {
    pub(super) resource: ApiResource,
    pub(super) field: &'static str,
    /// Whether the field is written through the `status` subresource.
    pub(super) status: bool,
    pub(super) policy: WriterPolicy,
    pub(super) machine: Machine,
    /// Who sets an object's phase before a row runs.
    pub(super) setter: Identity,
    /// A new object of the resource named `name`, its phase unset.
    pub(super) object: fn(&str) -> Value,
}

/// One row: `who` moves the field of a fresh object from `from` to `to` through `path`.
pub(super) struct Row {
    pub(super) who: Identity,
    pub(super) path: Path,
    pub(super) from: &'static str,
    pub(super) to: &'static str,
}

/// `value` at the dotted `field` of `object`, creating the objects on the way.
pub(super) fn set_field(object: &mut Value, field: &str, value: Value) {
    let mut at = object;
    let parts: Vec<&str> = field.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !at.get(*part).is_some_and(Value::is_object) {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    at[parts[parts.len() - 1]] = value;
}

/// The string at the dotted `field` of `object`.
pub(super) fn field_of(object: &Value, field: &str) -> Option<String> {
    let mut at = object;
    for part in field.split('.') {
        at = at.get(part)?;
    }
    at.as_str().map(str::to_owned)
}

/// The refusal of `result`: its code and message; `None` when admitted.
pub(super) fn refusal<T>(result: Result<T, kube::Error>, what: &str) -> Option<(u16, String)> {
    match result {
        Ok(_) => None,
        Err(kube::Error::Api(status)) => Some((status.code, status.message)),
        Err(e) => panic!("{what}: not an API answer: {e}"),
    }
}

impl Target {
    pub(super) fn api(&self, client: Client, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(client, namespace, &self.resource)
    }

    /// Writes `value` to the field of `name` as `client` through `path`: the resource's
    /// own endpoint, or `status` where the field lives there.
    pub(super) async fn write(
        &self,
        api: &Api<DynamicObject>,
        path: Path,
        name: &str,
        before: &Value,
        value: &str,
    ) -> Result<(), kube::Error> {
        let mut body = json!({});
        set_field(&mut body, self.field, json!(value));
        let params = PatchParams::default();
        match path {
            Path::Merge => {
                self.patch(api, name, &params, &KubePatch::Merge(body))
                    .await
            }
            Path::Json => {
                let op = json!([{
                    "op": "add",
                    "path": format!("/{}", self.field.replace('.', "/")),
                    "value": value,
                }]);
                let ops: json_patch::Patch = serde_json::from_value(op).unwrap();
                self.patch(api, name, &params, &KubePatch::Json(ops)).await
            }
            Path::Update => {
                let mut after = before.clone();
                set_field(&mut after, self.field, json!(value));
                let object: DynamicObject = serde_json::from_value(after).unwrap();
                let params = PostParams::default();
                match self.status {
                    true => api.replace_status(name, &params, &object).await.map(drop),
                    false => api.replace(name, &params, &object).await.map(drop),
                }
            }
            Path::Apply => {
                body["apiVersion"] = json!(self.resource.api_version);
                body["kind"] = json!(self.resource.kind);
                body["metadata"] = json!({ "name": name });
                let params = PatchParams::apply("writers-test").force();
                self.patch(api, name, &params, &KubePatch::Apply(body))
                    .await
            }
        }
    }

    /// Sends `patch` to the resource's own endpoint, or to `status` where the field
    /// lives there.
    async fn patch(
        &self,
        api: &Api<DynamicObject>,
        name: &str,
        params: &PatchParams,
        patch: &KubePatch<Value>,
    ) -> Result<(), kube::Error> {
        match self.status {
            true => api.patch_status(name, params, patch).await.map(drop),
            false => api.patch(name, params, patch).await.map(drop),
        }
    }

    /// A fresh object `name` whose field reads `phase`, set by the target's setter.
    pub(super) async fn fresh(&self, namespace: &str, name: &str, phase: &str) -> Value {
        let admin = self.api(client().await, namespace);
        let setter = self.api(client_as(self.setter).await, namespace);
        let mut object = (self.object)(name);
        if !self.status {
            set_field(&mut object, self.field, json!(phase));
        }
        let object: DynamicObject = serde_json::from_value(object).unwrap();
        setter
            .create(&PostParams::default(), &object)
            .await
            .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        if self.status {
            let mut body = json!({});
            set_field(&mut body, self.field, json!(phase));
            setter
                .patch_status(name, &PatchParams::default(), &KubePatch::Merge(body))
                .await
                .unwrap_or_else(|e| panic!("setting {name}'s phase to {phase}: {e}"));
        }
        serde_json::to_value(admin.get(name).await.unwrap()).unwrap()
    }

    /// Waits until the policy refuses `who` a dry run of the move `from` -> `to`: the
    /// server loads policies and bindings in the background.
    pub(super) async fn wait_in_force(&self, namespace: &str, who: Identity, from: &str, to: &str) {
        let name = format!("probe-{}", self.resource.plural);
        let name = match self.status {
            true => format!("{name}-status"),
            false => name,
        };
        self.fresh(namespace, &name, from).await;
        let api = self.api(client_as(who).await, namespace);
        let mut body = json!({});
        set_field(&mut body, self.field, json!(to));
        let dry_run = PatchParams {
            dry_run: true,
            ..PatchParams::default()
        };
        eventually("the writer policy is in force", || async {
            let answer = self
                .patch(&api, &name, &dry_run, &KubePatch::Merge(body.clone()))
                .await;
            status_of(answer) == 403
        })
        .await;
    }

    /// Runs every row, each on an object of its own, and returns what went wrong: a
    /// server that admitted what the client-side verdict denies, or the reverse, or
    /// denied with other words, or a phase that moved when it should not have.
    pub(super) async fn run(&self, namespace: &str, prefix: &str, rows: &[Row]) -> Vec<String> {
        let mut wrong = Vec::new();
        let (mut admitted, mut denied) = (0, 0);
        for (i, row) in rows.iter().enumerate() {
            let name = format!("{prefix}-{i}");
            let before = self.fresh(namespace, &name, row.from).await;
            let mut after = before.clone();
            set_field(&mut after, self.field, json!(row.to));
            let client = client_as(row.who).await;
            let requester = self
                .machine
                .requester(&self.policy, &client, namespace, &name)
                .await;
            let expected = self
                .machine
                .verdict(&self.policy, &requester, Some(&before), &after);
            let api = self.api(client, namespace);
            let answer = self.write(&api, row.path, &name, &before, row.to).await;
            let what = format!(
                "{:?} {:?} {} {} -> {}",
                row.who, row.path, self.field, row.from, row.to
            );
            let now = self
                .api(super::client().await, namespace)
                .get(&name)
                .await
                .unwrap();
            let now = field_of(&serde_json::to_value(now).unwrap(), self.field);
            match (refusal(answer, &what), &expected) {
                (None, Ok(())) if now.as_deref() == Some(row.to) => admitted += 1,
                (Some((403, message)), Err(denial))
                    if message.contains(denial.as_str()) && now.as_deref() == Some(row.from) =>
                {
                    denied += 1
                }
                (server, _) => wrong.push(format!(
                    "{what}: the server said {server:?} and left {now:?}; the client-side verdict is {expected:?}"
                )),
            }
        }
        eprintln!(
            "{}: {admitted} moves admitted, {denied} denied, {} wrong",
            self.field,
            wrong.len()
        );
        assert!(
            admitted > 0 && denied > 0,
            "{}: both verdicts exercised",
            self.field
        );
        wrong
    }
}

/// Fails with every row [`Target::run`] found wrong.
pub(super) fn no_bypasses(wrong: &[String]) {
    assert!(
        wrong.is_empty(),
        "{} bypasses or misjudged rows:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every row of `identities` × [`Path::ALL`] × `moves`.
pub(super) fn rows(identities: &[Identity], moves: &[(&'static str, &'static str)]) -> Vec<Row> {
    let mut out = Vec::new();
    for &who in identities {
        for path in Path::ALL {
            for &(from, to) in moves {
                out.push(Row {
                    who,
                    path,
                    from,
                    to,
                });
            }
        }
    }
    out
}

/// Binds `policy` in `namespace` alone: the other tests' controllers run beside it.
pub(super) async fn bind_here(
    namespace: &str,
    (policy, binding): (ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding),
) {
    let bound = bind_policy_in_namespace(&client().await, namespace, &policy, binding).await;
    if let Err(e) = bound {
        panic!("the policy and its binding: {}", apiserver::error_chain(&e));
    }
}

/// A ClusterRole named `name` with one rule: `verbs` on `resources` in `group`.
pub(super) async fn role(name: &str, group: &str, resources: &[&str], verbs: &[&str]) {
    let role = ClusterRole {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![group.to_owned()]),
            resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
            verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
            ..PolicyRule::default()
        }]),
        ..ClusterRole::default()
    };
    if let Err(e) = create_cluster_role(&client().await, &role).await {
        panic!("ClusterRole {name}: {}", apiserver::error_chain(&e));
    }
}

/// Grants `identity` the ClusterRole `role` in `namespace`.
pub(super) async fn grant(namespace: &str, role: &str, identity: Identity) {
    if let Err(e) = bind_cluster_role(&client().await, namespace, role, identity).await {
        panic!(
            "granting {identity:?} {role}: {}",
            apiserver::error_chain(&e)
        );
    }
}

fn account() -> ServiceAccountRef {
    ServiceAccountRef {
        namespace: CONTROLLER_NAMESPACE.to_owned(),
        name: CONTROLLER_SERVICE_ACCOUNT.to_owned(),
    }
}

fn pipeline(name: &str) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": name },
        "spec": {
            "vertices": [{ "name": "in", "source": { "generator": {} } }, { "name": "out", "sink": { "log": {} } }],
            "edges": [{ "from": "in", "to": "out" }],
            "lifecycle": {},
        },
    })
}

fn source_vertex(name: &str) -> Value {
    let mut vertex = scenarios::vertex(name, "source", "Running", Some(1));
    vertex["spec"]["lifecycle"] = json!({});
    vertex
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_allowed_move_numaflows_lifecycles_on_every_path() {
    let namespace = &namespace("writers-test").await;
    // alice and the controller: everything on NumaFlow's resources and subresources.
    create_cluster_role(&client().await, &numaflow_editor_role())
        .await
        .unwrap();
    for who in [Identity::Alice, Identity::Controller] {
        grant(namespace, "numaflow-edit", who).await;
    }
    // bob: patch pipelines, and pause them.
    role(
        "pipeline-pauser",
        "numaflow.numaproj.io",
        &["pipelines"],
        &["patch", "pause"],
    )
    .await;
    grant(namespace, "pipeline-pauser", Identity::Bob).await;
    let policies = writer_policies(&account());
    for rendered in controller_manifests(&account()).policies {
        bind_here(namespace, rendered).await;
    }
    let pipelines = ApiResource::erase::<Pipeline>(&());
    let vertices = ApiResource::erase::<Vertex>(&());
    let targets = [
        Target {
            resource: pipelines.clone(),
            field: "status.phase",
            status: true,
            policy: policies[0].clone(),
            machine: Machine::PipelineStatus,
            setter: Identity::Admin,
            object: pipeline,
        },
        Target {
            resource: pipelines.clone(),
            field: "spec.lifecycle.desiredPhase",
            status: false,
            policy: policies[1].clone(),
            machine: Machine::PipelineDesired,
            setter: Identity::Admin,
            object: pipeline,
        },
        Target {
            resource: vertices.clone(),
            field: "spec.lifecycle.desiredPhase",
            status: false,
            policy: policies[2].clone(),
            machine: Machine::VertexDesired,
            setter: Identity::Admin,
            object: source_vertex,
        },
    ];

    // Policies are loaded in the background: wait until each refuses alice a move.
    for (target, (from, to)) in targets.iter().zip([
        ("Running", "Pausing"),
        ("Running", "Paused"),
        ("Running", "Paused"),
    ]) {
        target
            .wait_in_force(namespace, Identity::Alice, from, to)
            .await;
    }
    let pause = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });

    let everyone = [Identity::Admin, Identity::Controller, Identity::Alice];
    let mut wrong = Vec::new();
    wrong.extend(
        targets[0]
            .run(
                namespace,
                "status",
                &rows(
                    &everyone,
                    &[
                        ("Running", "Pausing"),
                        ("Running", "Deleting"),
                        ("Failed", "Running"),
                    ],
                ),
            )
            .await,
    );
    let mut desired = rows(&everyone, &[("Running", "Paused"), ("Paused", "Running")]);
    // bob may patch, not update: every other path, both moves.
    desired.extend(
        rows(
            &[Identity::Bob],
            &[("Running", "Paused"), ("Paused", "Running")],
        )
        .into_iter()
        .filter(|r| r.path != Path::Update),
    );
    wrong.extend(targets[1].run(namespace, "desired", &desired).await);
    wrong.extend(
        targets[2]
            .run(
                namespace,
                "vertex",
                &rows(&everyone, &[("Running", "Paused"), ("Paused", "Running")]),
            )
            .await,
    );
    no_bypasses(&wrong);

    // Edits that leave the phases alone pass, whoever makes them: a label and replicas,
    // a vertex scaled through its scale subresource, a status phase sent to the main
    // resource and a desired phase sent to `status` (the server keeps each where it is).
    let admin_pipelines = targets[0].api(client().await, namespace);
    targets[0].fresh(namespace, "untouched", "Running").await;
    let alice_pipelines = targets[0].api(client_as(Identity::Alice).await, namespace);
    let edits = [
        json!({ "metadata": { "labels": { "team": "a" } } }),
        json!({ "status": { "phase": "Deleting" } }),
    ];
    for edit in &edits {
        alice_pipelines
            .patch(
                "untouched",
                &PatchParams::default(),
                &KubePatch::Merge(edit),
            )
            .await
            .unwrap_or_else(|e| panic!("alice's edit {edit}: {e}"));
    }
    alice_pipelines
        .patch_status(
            "untouched",
            &PatchParams::default(),
            &KubePatch::Merge(&pause),
        )
        .await
        .unwrap_or_else(|e| panic!("alice's desired phase through status: {e}"));
    let now = serde_json::to_value(admin_pipelines.get("untouched").await.unwrap()).unwrap();
    assert_eq!(field_of(&now, "status.phase").as_deref(), Some("Running"));
    assert_eq!(
        field_of(&now, "spec.lifecycle.desiredPhase").as_deref(),
        Some("Running")
    );
    let alice_vertices: Api<Vertex> = Api::namespaced(client_as(Identity::Alice).await, namespace);
    alice_vertices
        .patch(
            "probe-vertices",
            &PatchParams::default(),
            &KubePatch::Merge(
                json!({ "metadata": { "labels": { "team": "a" } }, "spec": { "replicas": 2 } }),
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("alice's edit of a vertex: {e}"));
    let scaled = alice_vertices
        .patch_scale(
            "probe-vertices",
            &PatchParams::default(),
            &KubePatch::Merge(json!({ "spec": { "replicas": 3 } })),
        )
        .await
        .unwrap_or_else(|e| panic!("alice scales a running source: {e}"));
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(3));
    let probe = alice_vertices.get("probe-vertices").await.unwrap();
    assert_eq!(probe.spec.desired_phase(), VertexPhase::Running);

    // The kube helper asks the server what bob may do, and says what the policy will.
    targets[1].fresh(namespace, "bobs", "Running").await;
    let bob = client_as(Identity::Bob).await;
    let desired_policy = &policies[1];
    desired_policy
        .may_fire::<DesiredPhase>(
            &bob,
            Some(namespace),
            "bobs",
            DesiredPhase::Running,
            DesiredPhaseEvent::Pause,
        )
        .await
        .unwrap_or_else(|e| panic!("bob may pause: {e}"));
    match desired_policy
        .may_fire::<DesiredPhase>(
            &bob,
            Some(namespace),
            "bobs",
            DesiredPhase::Paused,
            DesiredPhaseEvent::Resume,
        )
        .await
    {
        Err(FireError::Denied(message)) => assert!(
            message.ends_with("bob may not move it from Paused to Running without verb resume"),
            "{message}"
        ),
        other => panic!("bob may not resume: {other:?}"),
    }
    assert!(matches!(
        desired_policy
            .may_fire::<DesiredPhase>(
                &bob,
                Some(namespace),
                "bobs",
                DesiredPhase::Paused,
                DesiredPhaseEvent::Pause
            )
            .await,
        Err(FireError::Lifecycle(_))
    ));

    // `kubectl scale` through the scale subresource, which the policies leave alone: a
    // paused source is refused by the CRD's rule, not by a policy.
    let Some(kubectl) = Kubectl::for_server(SERVER.get()) else {
        return;
    };
    targets[2].fresh(namespace, "paused", "Paused").await;
    let refused = kubectl.refused(
        &[
            "--context",
            Identity::Alice.context(),
            "scale",
            "-n",
            namespace,
            "vertex/paused",
            "--replicas=3",
        ],
        None,
    );
    assert!(
        refused.contains("replicas cannot change while Paused"),
        "{refused}"
    );
}
