//! The writer policy of a lifecycle that is not NumaFlow's: a `Widget` whose phase is
//! `status.phase`, moved by a controller's ServiceAccount and the members of a group,
//! with two events (`retry`, `abandon`) granted by RBAC verbs of their own. The same
//! table of identities × paths × moves as NumaFlow's, through the `status` subresource;
//! and for `Gadget`, the same CRD without a status subresource, through the resource
//! itself, creates included.

use kube::CustomResource;
use kube::CustomResourceExt;
use kube::api::{ApiResource, PostParams};
use lifecycle_apiserver::{
    self as apiserver, CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Identity,
    WIDGET_OPERATORS, eventually,
};
use lifecycle_model::Lifecycle;
use lifecycle_model::admission::{Requester, WriterPolicy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::writers::{Machine, Target, bind_here, grant, no_bypasses, refusal, role, rows};
use super::{client, client_as, namespace};

/// A widget's phase: made, run, finished or failed; a failed one is retried or
/// abandoned by whoever holds that verb.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(schema, phase_field = "status.phase")]
#[lifecycle(event(start: Pending -> Running), event(finish: Running -> Done))]
#[lifecycle(event(fail: Pending | Running -> Failed))]
#[lifecycle(event(retry: Failed -> Pending, verb = "retry"))]
#[lifecycle(event(abandon: Failed -> Done, verb = "abandon"))]
pub(super) enum WidgetPhase {
    #[lifecycle(initial)]
    Pending,
    Running,
    Failed,
    #[lifecycle(terminal)]
    Done,
}

/// A widget.
#[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "lifecycle.example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    status = "WidgetStatus"
)]
pub(super) struct WidgetSpec {
    size: Option<i32>,
}

/// Where the widget's phase lives.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub(super) struct WidgetStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "WidgetPhase")]
    phase: Option<WidgetPhase>,
}

const GROUP: &str = "lifecycle.example.com";

/// The widget CRD with another kind and no subresources: `gadgets`.
fn gadget_crd() -> Value {
    let mut crd = serde_json::to_value(Widget::crd()).unwrap();
    crd["metadata"]["name"] = json!(format!("gadgets.{GROUP}"));
    crd["spec"]["names"] = json!({ "kind": "Gadget", "plural": "gadgets", "singular": "gadget" });
    crd["spec"]["versions"][0]
        .as_object_mut()
        .unwrap()
        .remove("subresources");
    crd
}

fn widget(name: &str) -> Value {
    json!({
        "apiVersion": format!("{GROUP}/v1"),
        "kind": "Widget",
        "metadata": { "name": name },
        "spec": { "size": 1 },
    })
}

fn gadget(name: &str) -> Value {
    let mut gadget = widget(name);
    gadget["kind"] = json!("Gadget");
    gadget
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_phase_moves_only_for_its_writers_and_the_holders_of_its_verbs() {
    let admin = client().await;
    let gadget_crd = serde_json::from_value(gadget_crd()).unwrap();
    for crd in [Widget::crd(), gadget_crd] {
        if let Err(e) = apiserver::install_crd(&admin, &crd).await {
            panic!("the CRD: {}", apiserver::error_chain(&e));
        }
    }
    let namespace = &namespace("widgets-test").await;
    let resources = ["widgets", "widgets/status", "gadgets"];
    role(
        "widget-edit",
        GROUP,
        &resources,
        &[
            "get", "list", "watch", "create", "update", "patch", "delete",
        ],
    )
    .await;
    role("widget-retrier", GROUP, &["widgets", "gadgets"], &["retry"]).await;
    for who in [
        Identity::Alice,
        Identity::Bob,
        Identity::Carol,
        Identity::Controller,
    ] {
        grant(namespace, "widget-edit", who).await;
    }
    grant(namespace, "widget-retrier", Identity::Bob).await;
    let writers = |resource: &str| {
        WriterPolicy::new(GROUP, resource, "status.phase")
            .service_account(CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT)
            .group(WIDGET_OPERATORS)
    };
    let (widgets, gadgets) = (writers("widgets"), writers("gadgets"));
    for policy in [&widgets, &gadgets] {
        bind_here(namespace, policy.render::<WidgetPhase>().unwrap()).await;
    }
    let widget_target = Target {
        resource: ApiResource::erase::<Widget>(&()),
        field: "status.phase",
        status: true,
        policy: widgets,
        machine: Machine::Widget,
        setter: Identity::Controller,
        object: widget,
    };
    let gadget_target = Target {
        resource: ApiResource {
            kind: "Gadget".to_owned(),
            plural: "gadgets".to_owned(),
            ..ApiResource::erase::<Widget>(&())
        },
        field: "status.phase",
        status: false,
        policy: gadgets,
        machine: Machine::Widget,
        setter: Identity::Controller,
        object: gadget,
    };

    // Policies are loaded in the background: wait until alice's move is refused.
    let alice_gadgets = gadget_target.api(client_as(Identity::Alice).await, namespace);
    let mut created = gadget("probe");
    created["status"] = json!({ "phase": "Running" });
    let created: kube::api::DynamicObject = serde_json::from_value(created.clone()).unwrap();
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    eventually("the writer policies are in force", || async {
        refusal(alice_gadgets.create(&dry_run, &created).await, "a dry run")
            .is_some_and(|r| r.0 == 403)
    })
    .await;
    widget_target
        .wait_in_force(namespace, Identity::Alice, "Pending", "Running")
        .await;

    let everyone = [
        Identity::Admin,
        Identity::Controller,
        Identity::Alice,
        Identity::Bob,
        Identity::Carol,
    ];
    let moves = [
        ("Pending", "Running"),
        ("Failed", "Pending"),
        ("Failed", "Done"),
    ];
    let mut wrong = widget_target
        .run(namespace, "widget", &rows(&everyone, &moves))
        .await;
    wrong.extend(
        gadget_target
            .run(namespace, "gadget", &rows(&everyone, &moves[1..2]))
            .await,
    );
    no_bypasses(&wrong);

    // A create is a move from no phase: through a resource without a status
    // subresource, alice may not create a gadget that starts Running; carol may.
    let created = serde_json::to_value(&created).unwrap();
    let expected = format!(
        "status.phase may be changed only by {}, members of {WIDGET_OPERATORS} or holders of verb retry or abandon on gadgets.{GROUP}: alice may not move it from (unset) to Running",
        Identity::Controller.username()
    );
    assert_eq!(
        gadget_target
            .policy
            .verdict::<WidgetPhase>(&Requester::user("alice"), None, &created),
        Err(expected.clone())
    );
    let denied = refusal(
        alice_gadgets
            .create(
                &PostParams::default(),
                &serde_json::from_value(created.clone()).unwrap(),
            )
            .await,
        "alice's create",
    );
    assert!(
        denied
            .as_ref()
            .is_some_and(|(code, m)| *code == 403 && m.contains(&expected)),
        "{denied:?}"
    );
    let carol = gadget_target.api(client_as(Identity::Carol).await, namespace);
    carol
        .create(
            &PostParams::default(),
            &serde_json::from_value(created).unwrap(),
        )
        .await
        .unwrap_or_else(|e| panic!("carol creates a running gadget: {e}"));
    // Through the status subresource the server drops a new widget's status, so a
    // create moves nothing and anyone with RBAC may make one.
    let mut widget_created = widget("alices");
    widget_created["status"] = json!({ "phase": "Done" });
    let alice_widgets = widget_target.api(client_as(Identity::Alice).await, namespace);
    let made = alice_widgets
        .create(
            &PostParams::default(),
            &serde_json::from_value(widget_created).unwrap(),
        )
        .await
        .unwrap_or_else(|e| panic!("alice creates a widget: {e}"));
    assert_eq!(serde_json::to_value(made).unwrap().get("status"), None);
}
