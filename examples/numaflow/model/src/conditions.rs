//! The status conditions of pipelines and vertices: the standard ones from the lifecycle
//! declaration (`Ready`, `Reconciling`, `Stalled`, `Suspended`) beside NumaFlow's own.
//!
//! - A pipeline is `Configured` once its spec is accepted, `Deployed` once every vertex
//!   it declares exists, and `VerticesHealthy` once every one of them is healthy
//!   ([`vertex_healthy`]).
//! - A vertex is `Deployed` once its controller has written its status, and
//!   `PodsHealthy` unless one of its pods crash-loops.
//!
//! Reasons and messages are NumaFlow's: `Successful`, `Progressing`, `NoPodsFound`,
//! `Running`, `CrashLoopBackOff`.
//!
//! ```
//! use numaflow_model::conditions::{VERTICES_HEALTHY, pipeline_conditions};
//! use numaflow_model::pipeline::{Pipeline, PipelinePhase};
//! use lifecycle_model::conditions::{ConditionStatus, find_condition};
//!
//! let pipeline = Pipeline::new("simple", Default::default());
//! let conditions = pipeline_conditions(&pipeline, PipelinePhase::Pausing, &[], "2026-01-01T00:00:00Z");
//! let types: Vec<&str> = conditions.iter().map(|c| c.type_.as_str()).collect();
//! assert_eq!(
//!     types,
//!     ["Ready", "Reconciling", "Stalled", "Suspended", "Configured", "Deployed", "VerticesHealthy"]
//! );
//! // No vertex declared: vacuously deployed and healthy.
//! let healthy = find_condition(&conditions, VERTICES_HEALTHY).unwrap();
//! assert_eq!(healthy.status, ConditionStatus::True);
//! ```

use jiff::Timestamp;
use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::{Condition, ConditionStatus, find_condition};

use crate::pipeline::{Pipeline, PipelinePhase, declared_vertices};
use crate::pods::PodsSeen;
use crate::replicas::ReplicaStatus;
use crate::vertex::{Vertex, VertexStatusPhase};

/// A pipeline's spec is accepted.
pub const CONFIGURED: &str = "Configured";
/// A pipeline's vertices exist; a vertex's status is written.
pub const DEPLOYED: &str = "Deployed";
/// Every vertex of a pipeline is healthy.
pub const VERTICES_HEALTHY: &str = "VerticesHealthy";
/// A vertex's pods are ready.
pub const PODS_HEALTHY: &str = "PodsHealthy";

/// `now` as a condition's `lastTransitionTime`: RFC 3339 in whole seconds, as
/// `metav1.Time` writes it.
pub fn condition_time(now: Timestamp) -> String {
    Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

fn condition(
    type_: &str,
    holds: bool,
    generation: Option<i64>,
    now: &str,
    (reason, message): (&str, String),
) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: if holds {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        },
        observed_generation: generation,
        last_transition_time: now.to_owned(),
        reason: reason.to_owned(),
        message,
    }
}

/// Whether a vertex's controller has caught up with its spec: its status reflects its
/// current generation, in the phase the spec asks for. One that has not is on its way
/// (NumaFlow's `Progressing`).
pub fn vertex_caught_up(vertex: &Vertex) -> bool {
    let Some(status) = vertex.status.as_ref() else {
        return false;
    };
    let observed = vertex.metadata.generation.is_none()
        || status.observed_generation == vertex.metadata.generation;
    observed && status.phase == Some(VertexStatusPhase::from(vertex.spec.desired_phase()))
}

/// Whether a vertex is healthy, as the pipeline judges it: it has caught up with its
/// spec ([`vertex_caught_up`]) and `PodsHealthy` holds.
pub fn vertex_healthy(vertex: &Vertex) -> bool {
    vertex_caught_up(vertex)
        && vertex.status.as_ref().is_some_and(|status| {
            find_condition(&status.conditions, PODS_HEALTHY)
                .is_some_and(|c| c.status == ConditionStatus::True)
        })
}

/// The conditions of `pipeline` in `phase`, with `vertices` its vertices as listed: the
/// standard ones of `phase`, then `Configured`, `Deployed` and `VerticesHealthy`, each at
/// `metadata.generation` and with `now` as a would-be transition time.
pub fn pipeline_conditions(
    pipeline: &Pipeline,
    phase: PipelinePhase,
    vertices: &[Vertex],
    now: &str,
) -> Vec<Condition> {
    let generation = pipeline.metadata.generation;
    let declared: Vec<Option<&Vertex>> = declared_vertices(pipeline, vertices)
        .map(|(_, v)| v)
        .collect();
    let missing = declared.iter().filter(|v| v.is_none()).count();
    let unhealthy: Vec<&str> = declared
        .iter()
        .flatten()
        .filter(|v| !vertex_healthy(v))
        .map(|v| v.spec.name.as_str())
        .collect();
    let deployed = if missing == 0 {
        ("Successful", "All vertices are created".to_owned())
    } else {
        ("Progressing", format!("{missing} vertices to create"))
    };
    let healthy = if missing == 0 && unhealthy.is_empty() {
        ("Successful", "All vertices are healthy".to_owned())
    } else if unhealthy.is_empty() {
        ("Progressing", format!("{missing} vertices to create"))
    } else {
        (
            "Progressing",
            format!("Vertices not healthy yet: {}", unhealthy.join(", ")),
        )
    };
    let mut conditions = phase.conditions(generation, now);
    conditions.extend([
        condition(
            CONFIGURED,
            true,
            generation,
            now,
            ("Successful", "Successful".to_owned()),
        ),
        condition(DEPLOYED, missing == 0, generation, now, deployed),
        condition(
            VERTICES_HEALTHY,
            missing == 0 && unhealthy.is_empty(),
            generation,
            now,
            healthy,
        ),
    ]);
    conditions
}

/// The conditions of `vertex`: the standard ones of its desired phase, then `Deployed`
/// and `PodsHealthy`, each at `metadata.generation`. `PodsHealthy` follows NumaFlow: false
/// only while a pod crash-loops; with no pod it holds (`NoPodsFound`). Without `pods`
/// seen, the status's `replicas` stands in and no crash loop is known.
pub fn vertex_conditions(vertex: &Vertex, pods: Option<&PodsSeen>, now: &str) -> Vec<Condition> {
    let status = vertex.status.as_ref();
    let desired = vertex.spec.desired_phase();
    replica_conditions(desired, vertex.metadata.generation, status, pods, now)
}

/// The conditions of an object that runs a pod per replica (a vertex, a MonoVertex) at
/// `generation`: the standard ones of its `desired` phase, then `Deployed` and
/// `PodsHealthy`, as [`vertex_conditions`] describes them. The `status`'s `replicas`
/// stands in when no `pods` were seen.
pub fn replica_conditions<L: Lifecycle, P>(
    desired: L,
    generation: Option<i64>,
    status: Option<&ReplicaStatus<P>>,
    pods: Option<&PodsSeen>,
    now: &str,
) -> Vec<Condition> {
    let mut conditions = desired.conditions(generation, now);
    let replicas = status.and_then(|s| s.replicas);
    let running = match pods {
        Some(seen) => seen.running,
        None => replicas.unwrap_or(0),
    };
    let crash_looping = pods.map(|p| p.crash_looping.as_slice()).unwrap_or_default();
    let (healthy, pods) = match crash_looping.first() {
        Some(pod) => (
            false,
            ("CrashLoopBackOff", format!("Pod {pod} is not healthy")),
        ),
        None if running <= 0 => (true, ("NoPodsFound", "No Pods found".to_owned())),
        None => (true, ("Running", "All vertex pods are healthy".to_owned())),
    };
    conditions.extend([
        condition(
            DEPLOYED,
            true,
            generation,
            now,
            ("Successful", "Successful".to_owned()),
        ),
        condition(PODS_HEALTHY, healthy, generation, now, pods),
    ]);
    conditions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_times_are_whole_seconds() {
        let now: Timestamp = "2026-11-30T08:30:25.987654321Z".parse().unwrap();
        assert_eq!(condition_time(now), "2026-11-30T08:30:25Z");
    }
}
