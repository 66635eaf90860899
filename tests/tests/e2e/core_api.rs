//! The core API a controller leans on beside its own resources: Pods, Events
//! (`events.k8s.io/v1`) and Leases, created, listed and deleted.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{Container, ObjectReference, Pod, PodSpec};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::Resource;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use lifecycle_apiserver::eventually;
use serde::de::DeserializeOwned;

use super::{client, namespace};

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        labels: Some(BTreeMap::from([(
            "app.kubernetes.io/part-of".to_owned(),
            "lifecycle-e2e".to_owned(),
        )])),
        ..ObjectMeta::default()
    }
}

/// The names of the objects `api` lists.
async fn names<K>(api: &Api<K>) -> Vec<String>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .iter()
        .filter_map(|o| o.meta().name.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn pods_are_created_listed_and_deleted() {
    let ns = namespace("core-pods").await;
    let pods: Api<Pod> = Api::namespaced(client().await, &ns);
    for name in ["in-0", "in-1"] {
        let pod = Pod {
            metadata: meta(name),
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "numa".to_owned(),
                    image: Some("quay.io/numaproj/numaflow:v1.5.0".to_owned()),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
            ..Pod::default()
        };
        pods.create(&PostParams::default(), &pod).await.expect(name);
    }
    assert_eq!(names(&pods).await, ["in-0", "in-1"]);
    // No scheduler or kubelet: the pod stays Pending, and an unscheduled pod goes at once.
    let phase = pods.get("in-0").await.unwrap().status.and_then(|s| s.phase);
    assert_eq!(phase.as_deref(), Some("Pending"));
    pods.delete("in-0", &DeleteParams::default()).await.unwrap();
    eventually("the deleted pod is gone", || async {
        names(&pods).await == ["in-1"]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_created_listed_and_deleted() {
    let ns = namespace("core-events").await;
    let events: Api<Event> = Api::namespaced(client().await, &ns);
    let event = Event {
        metadata: meta("pipeline-paused"),
        event_time: Some(MicroTime(Timestamp::now())),
        action: Some("Pause".to_owned()),
        reason: Some("Paused".to_owned()),
        note: Some("every vertex drained and paused".to_owned()),
        type_: Some("Normal".to_owned()),
        reporting_controller: Some("numaflow.numaproj.io/pipeline-controller".to_owned()),
        reporting_instance: Some("numaflow-controller-0".to_owned()),
        regarding: Some(ObjectReference {
            api_version: Some("numaflow.numaproj.io/v1alpha1".to_owned()),
            kind: Some("Pipeline".to_owned()),
            name: Some("demo".to_owned()),
            namespace: Some(ns.clone()),
            ..ObjectReference::default()
        }),
        ..Event::default()
    };
    events
        .create(&PostParams::default(), &event)
        .await
        .expect("an events.k8s.io/v1 Event");
    assert_eq!(names(&events).await, ["pipeline-paused"]);
    let stored = events.get("pipeline-paused").await.unwrap();
    assert_eq!(stored.reason.as_deref(), Some("Paused"));
    assert_eq!(
        stored.regarding.and_then(|r| r.kind).as_deref(),
        Some("Pipeline")
    );
    events
        .delete("pipeline-paused", &DeleteParams::default())
        .await
        .unwrap();
    assert!(names(&events).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn leases_are_created_listed_and_deleted() {
    let ns = namespace("core-leases").await;
    let leases: Api<Lease> = Api::namespaced(client().await, &ns);
    let lease = Lease {
        metadata: meta("numaflow-controller-leader"),
        spec: Some(LeaseSpec {
            holder_identity: Some("numaflow-controller-0".to_owned()),
            lease_duration_seconds: Some(15),
            acquire_time: Some(MicroTime(Timestamp::now())),
            renew_time: Some(MicroTime(Timestamp::now())),
            ..LeaseSpec::default()
        }),
    };
    leases
        .create(&PostParams::default(), &lease)
        .await
        .expect("a Lease");
    assert_eq!(names(&leases).await, ["numaflow-controller-leader"]);
    let held = leases.get("numaflow-controller-leader").await.unwrap();
    assert_eq!(
        held.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("numaflow-controller-0")
    );
    leases
        .delete("numaflow-controller-leader", &DeleteParams::default())
        .await
        .unwrap();
    assert!(names(&leases).await.is_empty());
}
