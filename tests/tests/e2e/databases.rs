//! The database operator, the second example operator, on the full API server: written
//! only against `lifecycle-model`'s runtime, it walks a database through its lifecycle
//! in `status`, keeps its own status fields and other writers' conditions across every
//! move, has a frozen field enforced by the server with the lifecycle's words, recovers
//! from `Failed`, and on deletion fires `delete`, cleans up and keeps a foreign
//! finalizer. The runtime's writer refuses a plan made from a stale read.

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use lifecycle_apiserver::{self as apiserver, eventually};
use lifecycle_example_databases::database::{
    self, Database, DatabasePhase, DatabasePhaseEvent, DatabaseSpec,
};
use lifecycle_example_databases::operator::{FIELD_MANAGER, FINALIZER};
use lifecycle_model::Transition;
use lifecycle_model::conditions::{Condition, ConditionStatus, find_condition};
use lifecycle_model::metrics::LifecycleMetrics;
use lifecycle_model::runtime::{STALE_RETRY, StatusWriter, Step};
use serde_json::json;

use super::{client, namespace};

/// A foreign controller's finalizer.
const HOLD: &str = "e2e.example.dev/hold";

/// Installs the CRD, makes a namespace, and runs the operator on it until the test ends.
async fn operator_in(ns: &str) -> (Client, Api<Database>) {
    let client = client().await;
    apiserver::install_crd(&client, &database::crd())
        .await
        .expect("the Database CRD");
    let ns = namespace(ns).await;
    let running = client.clone();
    let watched = ns.clone();
    tokio::spawn(async move {
        let result = lifecycle_example_databases::operator::run(
            running,
            Some(&watched),
            None,
            None,
            std::future::pending(),
        )
        .await;
        panic!("the operator stopped: {result:?}");
    });
    (client.clone(), Api::namespaced(client, &ns))
}

async fn create(api: &Api<Database>, name: &str, version: &str) -> Database {
    let database = Database::new(
        name,
        DatabaseSpec {
            version: version.to_owned(),
            storage_gb: 10,
            suspend: false,
        },
    );
    api.create(&PostParams::default(), &database)
        .await
        .expect("the database is created")
}

async fn get(api: &Api<Database>, name: &str) -> Database {
    api.get(name).await.expect("the database is read")
}

async fn phase_of(api: &Api<Database>, name: &str) -> Option<DatabasePhase> {
    get(api, name).await.status.and_then(|s| s.phase)
}

async fn wait_for(api: &Api<Database>, name: &str, phase: DatabasePhase) {
    eventually(&format!("{name} in {phase:?}"), || async {
        phase_of(api, name).await == Some(phase)
    })
    .await;
}

async fn patch_spec(
    api: &Api<Database>,
    name: &str,
    spec: serde_json::Value,
) -> kube::Result<Database> {
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": spec })),
    )
    .await
}

fn condition<'a>(database: &'a Database, type_: &str) -> &'a Condition {
    let conditions = &database.status.as_ref().expect("a status").conditions;
    find_condition(conditions, type_).unwrap_or_else(|| panic!("no {type_} in {conditions:?}"))
}

async fn instance(client: &Client, ns: &str, name: &str) -> Option<ConfigMap> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    api.get_opt(&format!("{name}-instance"))
        .await
        .expect("the instance is read")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_walks_its_lifecycle_and_keeps_every_status_field() {
    let ns = "databases-lifecycle";
    let (client, api) = operator_in(ns).await;
    create(&api, "orders", "16").await;
    wait_for(&api, "orders", DatabasePhase::Ready).await;
    let ready = get(&api, "orders").await;
    let status = ready.status.clone().expect("a status");
    assert_eq!(status.current_version.as_deref(), Some("16"));
    assert_eq!(
        status.endpoint.as_deref(),
        Some("orders.databases-lifecycle.svc:5432")
    );
    assert_eq!(status.observed_generation, ready.metadata.generation);
    let condition_ready = condition(&ready, "Ready");
    assert_eq!(
        (condition_ready.status, condition_ready.message.as_str()),
        (ConditionStatus::True, "version 16 serving 10 GiB")
    );
    assert_eq!(ready.finalizers(), [FINALIZER]);
    let data = instance(&client, ns, "orders")
        .await
        .expect("an instance")
        .data
        .unwrap_or_default();
    assert_eq!(data.get("storageGb").map(String::as_str), Some("10"));

    // Another writer's condition, which every later write must keep.
    let audited = json!({ "status": { "conditions": [
        condition_ready,
        { "type": "example.dev/Audited", "status": "True", "reason": "Checked",
          "message": "audited", "lastTransitionTime": "2026-01-01T00:00:00Z" },
    ] } });
    api.patch_status("orders", &PatchParams::default(), &Patch::Merge(audited))
        .await
        .expect("another writer's condition");

    // Resize is allowed while Ready, and reaches the instance.
    patch_spec(&api, "orders", json!({ "storageGb": 20 }))
        .await
        .expect("a resize while Ready");
    eventually("the instance resized", || async {
        instance(&client, ns, "orders")
            .await
            .and_then(|c| c.data)
            .unwrap_or_default()
            .get("storageGb")
            .map(String::as_str)
            == Some("20")
    })
    .await;

    // Suspended: no instance; the frozen field is refused with the lifecycle's words.
    patch_spec(&api, "orders", json!({ "suspend": true }))
        .await
        .expect("suspend");
    wait_for(&api, "orders", DatabasePhase::Suspended).await;
    eventually("the instance removed", || async {
        instance(&client, ns, "orders").await.is_none()
    })
    .await;
    let refused = patch_spec(&api, "orders", json!({ "storageGb": 30 }))
        .await
        .expect_err("no resize while Suspended");
    let kube::Error::Api(status) = refused else {
        panic!("an API error: {refused:?}")
    };
    assert_eq!(status.code, 422);
    assert!(
        status.message.contains(
            "spec.storageGb cannot change while Suspended; `resize` is allowed only in Ready"
        ),
        "{}",
        status.message
    );
    let suspended = get(&api, "orders").await;
    let status = suspended.status.clone().expect("a status");
    assert_eq!(
        status.current_version.as_deref(),
        Some("16"),
        "fields survive a move that does not send them"
    );
    assert_eq!(
        status.endpoint.as_deref(),
        Some("orders.databases-lifecycle.svc:5432")
    );
    assert_eq!(
        condition(&suspended, "example.dev/Audited").message,
        "audited"
    );
    assert_eq!(
        condition(&suspended, "Ready").status,
        ConditionStatus::False
    );

    // Resumed, then an unsupported version fails the upgrade, and fixing it recovers.
    patch_spec(&api, "orders", json!({ "suspend": false }))
        .await
        .expect("resume");
    wait_for(&api, "orders", DatabasePhase::Ready).await;
    assert!(instance(&client, ns, "orders").await.is_some());
    patch_spec(&api, "orders", json!({ "version": "17" }))
        .await
        .expect("an upgrade");
    wait_for(&api, "orders", DatabasePhase::Failed).await;
    let failed = get(&api, "orders").await;
    assert_eq!(condition(&failed, "Stalled").status, ConditionStatus::True);
    assert_eq!(
        condition(&failed, "Stalled").message,
        "version 17 is not supported; supported: 14, 15, 16"
    );
    assert_eq!(
        failed
            .status
            .as_ref()
            .and_then(|s| s.current_version.as_deref()),
        Some("16")
    );
    patch_spec(&api, "orders", json!({ "version": "15" }))
        .await
        .expect("a fix");
    wait_for(&api, "orders", DatabasePhase::Ready).await;
    let recovered = get(&api, "orders").await;
    assert_eq!(
        recovered
            .status
            .as_ref()
            .and_then(|s| s.current_version.as_deref()),
        Some("15")
    );
    assert_eq!(
        condition(&recovered, "example.dev/Audited").message,
        "audited"
    );
    assert_eq!(
        condition(&recovered, "Stalled").status,
        ConditionStatus::False
    );

    // Every move is an Event on the database, by its event's name; the failure warns.
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let seen_by = |listed: Vec<Event>| -> Vec<(String, String)> {
        listed
            .iter()
            .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("orders"))
            .map(|e| {
                (
                    e.reason.clone().unwrap_or_default(),
                    e.type_.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    let reasons = [
        "Entered",
        "Provision",
        "Ready",
        "Suspend",
        "Resume",
        "Upgrade",
        "Fail",
        "Retry",
    ];
    eventually("the Events of every move", || async {
        let listed = events.list(&ListParams::default()).await.expect("Events");
        let seen = seen_by(listed.items);
        reasons
            .iter()
            .all(|reason| seen.iter().any(|(r, _)| r == reason))
    })
    .await;
    let seen = seen_by(
        events
            .list(&ListParams::default())
            .await
            .expect("Events")
            .items,
    );
    assert!(
        seen.contains(&("Fail".to_owned(), "Warning".to_owned())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("Ready".to_owned(), "Normal".to_owned())),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_database_fires_delete_cleans_up_and_keeps_a_foreign_finalizer() {
    let ns = "databases-deletion";
    let (client, api) = operator_in(ns).await;
    create(&api, "ledger", "14").await;
    wait_for(&api, "ledger", DatabasePhase::Ready).await;
    let hold = json!({ "metadata": { "finalizers": [FINALIZER, HOLD] } });
    api.patch("ledger", &PatchParams::default(), &Patch::Merge(hold))
        .await
        .expect("a foreign finalizer");
    api.delete("ledger", &DeleteParams::default())
        .await
        .expect("the delete");
    eventually("our finalizer released", || async {
        get(&api, "ledger").await.finalizers() == [HOLD]
    })
    .await;
    let held = get(&api, "ledger").await;
    assert_eq!(
        held.status.as_ref().and_then(|s| s.phase),
        Some(DatabasePhase::Deleting)
    );
    assert!(
        instance(&client, ns, "ledger").await.is_none(),
        "the instance is cleaned up"
    );
    let release = json!({ "metadata": { "finalizers": [] } });
    api.patch("ledger", &PatchParams::default(), &Patch::Merge(release))
        .await
        .expect("the foreign finalizer released");
    eventually("the database gone", || async {
        api.get_opt("ledger").await.expect("a read").is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_writer_refuses_a_stale_plan_and_never_repeats_it() {
    let client = client().await;
    apiserver::install_crd(&client, &database::crd())
        .await
        .expect("the Database CRD");
    let ns = namespace("databases-stale").await;
    let api: Api<Database> = Api::namespaced(client.clone(), &ns);
    create(&api, "reports", "16").await;
    let pending = json!({ "status": { "phase": "Pending" } });
    let read = api
        .patch_status("reports", &PatchParams::default(), &Patch::Merge(pending))
        .await
        .expect("the first phase");

    // Another replica moves it on after our read.
    let elsewhere = json!({ "status": { "phase": "Provisioning" } });
    api.patch_status("reports", &PatchParams::default(), &Patch::Merge(elsewhere))
        .await
        .expect("a move made elsewhere");

    let metrics = LifecycleMetrics::default();
    let writer = StatusWriter::new(client.clone(), FIELD_MANAGER).with_metrics(metrics.clone());
    let provision = Transition::fired(
        DatabasePhaseEvent::Provision,
        DatabasePhase::Pending,
        DatabasePhase::Provisioning,
    );
    let action = writer
        .apply(&read, Step::from(provision).field("endpoint", "stale"))
        .await
        .expect("a refused write is not an error");
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(STALE_RETRY)
    );
    assert_eq!(
        metrics.transitions(
            DatabasePhaseEvent::Provision,
            DatabasePhase::Pending,
            DatabasePhase::Provisioning
        ),
        0
    );
    let now = get(&api, "reports").await;
    let status = now.status.clone().expect("a status");
    assert_eq!(
        status.endpoint, None,
        "nothing of the stale plan was written"
    );
    assert!(status.conditions.is_empty(), "{:?}", status.conditions);

    // Planned again from the object as it is: the move is made already, so it stays.
    let action = writer
        .apply(
            &now,
            Step::<DatabasePhase>::stay().field("endpoint", "fresh"),
        )
        .await
        .expect("a fresh plan is written");
    assert_eq!(action, kube::runtime::controller::Action::await_change());
    let written = get(&api, "reports").await;
    let status = written.status.expect("a status");
    assert_eq!(status.phase, Some(DatabasePhase::Provisioning));
    assert_eq!(status.endpoint.as_deref(), Some("fresh"));
    assert_eq!(
        metrics.transitions(
            DatabasePhaseEvent::Provision,
            DatabasePhase::Pending,
            DatabasePhase::Provisioning
        ),
        0
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
}
