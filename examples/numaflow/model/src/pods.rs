//! The Vertex controller's pods, as NumaFlow orchestrates them: one Pod object per
//! replica, no Deployment. Replica `i` of vertex `v` is a pod named `v-i-<random>`,
//! labelled with its pipeline and vertex and annotated with its index and the vertex's
//! spec hash. Scaling to `n` keeps or creates replicas `0..n` and deletes every pod of a
//! higher index, the highest first.
//!
//! ```
//! use numaflow_model::pods::{PodsSeen, plan_pods};
//! use numaflow_model::vertex::Vertex;
//!
//! let spec = serde_json::from_value(serde_json::json!({
//!     "name": "cat", "pipelineName": "simple", "replicas": 2, "udf": {}
//! })).unwrap();
//! let vertex = Vertex::new("simple-cat", spec);
//! let plan = plan_pods(&vertex, &[]);
//! let names: Vec<_> = plan.create.iter().map(|p| p.metadata.generate_name.clone().unwrap()).collect();
//! assert_eq!(names, ["simple-cat-0-", "simple-cat-1-"]);
//! assert!(plan.delete.is_empty());
//! assert_eq!(PodsSeen::of(&plan.create).running, 2);
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use kube::Resource;
use kube::core::ObjectMeta;

use crate::vertex::{PIPELINE_NAME_LABEL, VERTEX_NAME_LABEL, Vertex, vertex_labels};

/// The annotation with a pod's replica index.
pub const REPLICA_ANNOTATION: &str = "numaflow.numaproj.io/replica";
pub use crate::vertex::HASH_ANNOTATION;
/// The image of a vertex pod's main container.
pub const IMAGE: &str = "quay.io/numaproj/numaflow:v1.8.0";

/// The pods to create and the pods to delete, by name, highest replica first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodPlan {
    /// Pods to create; each has a `generateName`, so the server picks the suffix.
    pub create: Vec<Pod>,
    /// Names of pods to delete.
    pub delete: Vec<String>,
}

/// A pod's replica index: its annotation, else the number after the vertex's name in its
/// own name.
pub fn replica_of(vertex: &str, pod: &Pod) -> Option<i32> {
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REPLICA_ANNOTATION))
        .and_then(|v| v.parse().ok());
    annotated.or_else(|| {
        let rest = pod.metadata.name.as_deref()?.strip_prefix(vertex)?;
        rest.strip_prefix('-')?.split('-').next()?.parse().ok()
    })
}

fn is_failed(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed")
}

/// The pods `vertex` wants given the `pods` it has (its own, by label): replicas below
/// [`desired_replicas`](crate::vertex::VertexSpec::desired_replicas) that have
/// no live pod get one; pods of higher replicas, duplicates, failed pods and pods without
/// an index go. Pods already terminating are left to finish.
pub fn plan_pods(vertex: &Vertex, pods: &[Pod]) -> PodPlan {
    let name = vertex.metadata.name.clone().unwrap_or_default();
    plan_replicas(&name, vertex.spec.desired_replicas(), pods, |i| {
        replica_pod(vertex, i)
    })
}

/// The pods an owner named `name` wants given the `pods` it has, when it should run
/// `desired` replicas, each made by `replica`: replicas below `desired` that have no live
/// pod get one; pods of higher replicas, duplicates, failed pods and pods without an
/// index go, the highest first. Pods already terminating are left to finish.
pub fn plan_replicas(
    name: &str,
    desired: i32,
    pods: &[Pod],
    replica: impl Fn(i32) -> Pod,
) -> PodPlan {
    let desired = desired.max(0);
    let mut kept: BTreeMap<i32, &Pod> = BTreeMap::new();
    let mut delete: Vec<(i32, String)> = Vec::new();
    for pod in pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
    {
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        match replica_of(name, pod) {
            Some(i) if (0..desired).contains(&i) && !is_failed(pod) && !kept.contains_key(&i) => {
                kept.insert(i, pod);
            }
            index => delete.push((index.unwrap_or(i32::MAX), pod_name)),
        }
    }
    delete.sort_by(|a, b| b.cmp(a));
    let create = (0..desired)
        .filter(|i| !kept.contains_key(i))
        .map(replica)
        .collect();
    PodPlan {
        create,
        delete: delete.into_iter().map(|(_, n)| n).collect(),
    }
}

/// The pod of replica `index` of `vertex`, owned by it.
pub fn replica_pod(vertex: &Vertex, index: i32) -> Pod {
    let name = vertex.metadata.name.clone().unwrap_or_default();
    let mut labels = vertex_labels(&vertex.spec.pipeline_name, &vertex.spec.name);
    labels.insert("app.kubernetes.io/name".to_owned(), name);
    let args = [
        "--type=vertex".to_owned(),
        format!("--vertex-name={}", vertex.spec.name),
    ];
    owned_replica_pod(vertex, index, ("vertex", labels), &vertex.spec.hash(), args)
}

/// The pod of replica `index` of `owner`, as NumaFlow makes one: named after the owner and
/// the index, labelled with `labels` and as part of NumaFlow run by the `component`'s
/// controller, annotated with its index and the owner's spec `hash`, owned by `owner`, and
/// running NumaFlow's `processor` with `args`.
pub fn owned_replica_pod<K: Resource<DynamicType = ()>>(
    owner: &K,
    index: i32,
    (component, mut labels): (&str, BTreeMap<String, String>),
    hash: &str,
    args: impl IntoIterator<Item = String>,
) -> Pod {
    let name = owner.meta().name.clone().unwrap_or_default();
    labels.extend(
        [
            ("app.kubernetes.io/part-of", "numaflow".to_owned()),
            (
                "app.kubernetes.io/managed-by",
                format!("{component}-controller"),
            ),
            ("app.kubernetes.io/component", component.to_owned()),
        ]
        .map(|(key, value)| (key.to_owned(), value)),
    );
    let annotations = BTreeMap::from([
        (REPLICA_ANNOTATION.to_owned(), index.to_string()),
        (HASH_ANNOTATION.to_owned(), hash.to_owned()),
    ]);
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{name}-{index}-")),
            namespace: owner.meta().namespace.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references: owner.controller_owner_ref(&()).map(|o| vec![o]),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            hostname: Some(format!("{name}-{index}")),
            containers: vec![Container {
                name: "numa".to_owned(),
                image: Some(IMAGE.to_owned()),
                args: Some(
                    std::iter::once("processor".to_owned())
                        .chain(args)
                        .collect(),
                ),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        status: None,
    }
}

/// The label selector of the pods of vertex `vertex` of `pipeline`.
pub fn pod_selector(pipeline: &str, vertex: &str) -> String {
    format!("{PIPELINE_NAME_LABEL}={pipeline},{VERTEX_NAME_LABEL}={vertex}")
}

/// What the Vertex controller saw of a vertex's pods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodsSeen {
    /// Pods that exist and are not terminating.
    pub running: i32,
    /// Of those, pods whose `Ready` condition holds.
    pub ready: i32,
    /// Pods with a container in `CrashLoopBackOff`.
    pub crash_looping: Vec<String>,
}

impl PodsSeen {
    /// What `pods` say.
    pub fn of(pods: &[Pod]) -> Self {
        let live: Vec<&Pod> = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect();
        let ready = live.iter().filter(|p| is_ready(p)).count();
        let crash_looping = live
            .iter()
            .filter(|p| is_crash_looping(p))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        PodsSeen {
            running: i32::try_from(live.len()).unwrap_or(i32::MAX),
            ready: i32::try_from(ready).unwrap_or(i32::MAX),
            crash_looping,
        }
    }
}

/// Whether the pod's `Ready` condition holds.
fn is_ready(pod: &Pod) -> bool {
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.as_deref());
    conditions
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// Whether a container of the pod waits in `CrashLoopBackOff`.
fn is_crash_looping(pod: &Pod) -> bool {
    let containers = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_deref());
    containers.unwrap_or_default().iter().any(|c| {
        let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref());
        waiting.and_then(|w| w.reason.as_deref()) == Some("CrashLoopBackOff")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vertex(replicas: i32, phase: &str) -> Vertex {
        let spec = serde_json::from_value(json!({
            "name": "cat", "pipelineName": "simple", "replicas": replicas, "udf": {},
            "lifecycle": { "desiredPhase": phase },
        }))
        .unwrap();
        Vertex::new("simple-cat", spec)
    }

    fn pod(name: &str, status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": { "name": name },
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn scaling_down_deletes_the_highest_replicas_first() {
        let pods: Vec<Pod> = (0..4)
            .map(|i| pod(&format!("simple-cat-{i}-abcde"), json!({})))
            .collect();
        let plan = plan_pods(&vertex(2, "Running"), &pods);
        assert!(plan.create.is_empty());
        assert_eq!(plan.delete, ["simple-cat-3-abcde", "simple-cat-2-abcde"]);
        // Paused: every pod goes.
        let plan = plan_pods(&vertex(2, "Paused"), &pods);
        assert_eq!(plan.delete.len(), 4);
        assert_eq!(plan.delete[0], "simple-cat-3-abcde");
    }

    #[test]
    fn missing_failed_duplicate_and_unindexed_pods_are_put_right() {
        let pods = vec![
            pod("simple-cat-0-aaaaa", json!({ "phase": "Failed" })),
            pod("simple-cat-1-aaaaa", json!({})),
            pod("simple-cat-1-bbbbb", json!({})),
            pod("stray", json!({})),
        ];
        let plan = plan_pods(&vertex(3, "Running"), &pods);
        let created: Vec<_> = plan
            .create
            .iter()
            .map(|p| p.metadata.generate_name.clone().unwrap())
            .collect();
        assert_eq!(created, ["simple-cat-0-", "simple-cat-2-"]);
        assert_eq!(
            plan.delete,
            ["stray", "simple-cat-1-bbbbb", "simple-cat-0-aaaaa"]
        );
        let created = &plan.create[0];
        assert_eq!(
            created.metadata.annotations.as_ref().unwrap()[REPLICA_ANNOTATION],
            "0"
        );
        assert_eq!(
            created.metadata.labels.as_ref().unwrap()[VERTEX_NAME_LABEL],
            "cat"
        );
    }

    #[test]
    fn terminating_pods_are_left_alone_and_not_counted() {
        let mut going = pod("simple-cat-0-aaaaa", json!({}));
        going.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2025-03-01T12:00:00Z".parse().unwrap(),
            ));
        let plan = plan_pods(&vertex(1, "Running"), std::slice::from_ref(&going));
        assert_eq!(plan.create.len(), 1, "replica 0 needs a live pod");
        assert!(plan.delete.is_empty());
        assert_eq!(PodsSeen::of(&[going]).running, 0);
    }

    #[test]
    fn readiness_and_crash_loops_are_read_from_the_pods() {
        let pods = vec![
            pod(
                "simple-cat-0-aaaaa",
                json!({ "conditions": [{ "type": "Ready", "status": "True" }] }),
            ),
            pod(
                "simple-cat-1-aaaaa",
                json!({ "containerStatuses": [{
                    "name": "numa", "image": IMAGE, "imageID": "", "ready": false,
                    "restartCount": 5,
                    "state": { "waiting": { "reason": "CrashLoopBackOff" } },
                }] }),
            ),
        ];
        assert_eq!(
            PodsSeen::of(&pods),
            PodsSeen {
                running: 2,
                ready: 1,
                crash_looping: vec!["simple-cat-1-aaaaa".to_owned()],
            }
        );
    }
}
