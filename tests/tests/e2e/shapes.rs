//! Pipelines in every shape NumaFlow's own examples use ([`lifecycle_tests::upstream`])
//! are admitted by the generated CRD and come back whole: as the server stores them, read
//! through this project's types, and after a replace written from those types. The CRD
//! adds NumaFlow's lifecycle defaults and nothing else.

use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use lifecycle_examples::numaflow::monovertex::MonoVertex;
use lifecycle_examples::numaflow::pipeline::Pipeline;
use lifecycle_tests::upstream::{mono_vertices, pipelines};
use serde_json::{Value, json};

use super::{client, namespace};

/// `spec` as the server defaults it: a lifecycle, where there is one, gets NumaFlow's
/// defaults for the fields it leaves out.
fn with_defaults(spec: &Value) -> Value {
    let mut spec = spec.clone();
    if let Some(lifecycle) = spec.get_mut("lifecycle").and_then(Value::as_object_mut) {
        for (field, default) in [
            ("desiredPhase", json!("Running")),
            ("pauseGracePeriodSeconds", json!(30)),
            ("deletionGracePeriodSeconds", json!(30)),
            ("deleteGracePeriodSeconds", json!(30)),
        ] {
            lifecycle.entry(field).or_insert(default);
        }
    }
    spec
}

/// Creates `object` (a `K`) in `namespace`, then checks that it comes back with `spec` as
/// `expected`: as the server stores it, read through the types, and after a replace
/// written from what was read, which changes nothing.
async fn admitted_whole<K>(namespace: &str, what: &str, object: &Value, expected: &Value)
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    let client = client().await;
    let raw: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &ApiResource::erase::<K>(&()));
    let typed: Api<K> = Api::namespaced(client, namespace);
    let created: K = serde_json::from_value(object.clone()).unwrap();
    let name = created.meta().name.clone().unwrap();
    if let Err(e) = typed.create(&PostParams::default(), &created).await {
        panic!("{what}: refused: {e}");
    }
    let stored = raw.get(&name).await.unwrap();
    assert_eq!(&stored.data["spec"], expected, "{what}: as stored");
    let read = typed.get(&name).await.unwrap();
    assert_eq!(
        &serde_json::to_value(&read).unwrap()["spec"],
        expected,
        "{what}: as read"
    );
    let replaced = typed
        .replace(&name, &PostParams::default(), &read)
        .await
        .unwrap_or_else(|e| panic!("{what}: the replace was refused: {e}"));
    assert_eq!(
        &raw.get(&name).await.unwrap().data["spec"],
        expected,
        "{what}: after a replace"
    );
    assert_eq!(
        replaced.meta().generation,
        read.meta().generation,
        "{what}: writing back what was read changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_upstream_shape_is_admitted_and_round_trips_through_the_types() {
    let namespace = &namespace("upstream-shapes-test").await;
    let mut defaulted = 0;
    for (what, object) in pipelines() {
        let expected = with_defaults(&object["spec"]);
        if expected != object["spec"] {
            defaulted += 1;
        }
        admitted_whole::<Pipeline>(namespace, what, &object, &expected).await;
    }
    assert!(defaulted >= 1, "some shape has a lifecycle to default");
}

/// MonoVertices in the shapes of NumaFlow's own MonoVertex examples are admitted by the
/// generated CRD and come back whole, the default of `replicas` added: as stored, read
/// through this project's types, and after a replace written from those types.
#[tokio::test(flavor = "multi_thread")]
async fn every_upstream_mono_vertex_is_admitted_and_round_trips_through_the_types() {
    let namespace = &namespace("upstream-mono-vertices-test").await;
    for (what, object) in mono_vertices() {
        let mut expected = object["spec"].clone();
        expected
            .as_object_mut()
            .unwrap()
            .entry("replicas")
            .or_insert(json!(1));
        admitted_whole::<MonoVertex>(namespace, what, &object, &expected).await;
    }
}
