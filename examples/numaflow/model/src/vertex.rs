//! NumaFlow's Vertex: its desired-phase lifecycle, its roles, and the replica decision.
//!
//! The Vertex controller decides from the vertex's own spec alone; only the Pipeline
//! controller writes `spec.lifecycle.desiredPhase`. The lifecycle is declared once on
//! [`VertexPhase`]:
//!
//! ```
//! use numaflow_model::vertex::*;
//! use lifecycle_model::Typed;
//!
//! let spec: VertexSpec = serde_json::from_value(serde_json::json!({
//!     "name": "in", "pipelineName": "simple", "replicas": 2,
//!     "source": { "generator": { "rpu": 5 } }
//! })).unwrap();
//! let vertex = Vertex::new("simple-in", spec);
//!
//! let mut running: Typed<Vertex, phase::Running, role::Source> = Typed::try_new(vertex).unwrap();
//! running.scale(3);
//! assert_eq!(running.spec.desired_replicas(), 3);
//!
//! let paused = running.pause();
//! assert_eq!(paused.spec.desired_replicas(), 0); // paused overrides everything
//! // paused.scale(1); // does not compile: a `Source` in state `Paused` cannot `scale`
//! let running = paused.resume();
//! assert_eq!(running.spec.desired_replicas(), 3); // a fast resume keeps the replicas
//! ```

use std::collections::BTreeMap;

use lifecycle_model::{Lifecycle, RoleMarker, StateMarker, Typed};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::Unknown;
use crate::pipeline::AbstractVertex;

pub use crate::replicas::{
    DEFAULT_MAX_REPLICAS, DesiredLifecycle, ReplicaStatus, Scale, spec_hash,
};

/// The label that names a vertex's pipeline, on the vertex and on its pods.
pub const PIPELINE_NAME_LABEL: &str = "numaflow.numaproj.io/pipeline-name";
/// The label that names a vertex within its pipeline, on the vertex and on its pods.
pub const VERTEX_NAME_LABEL: &str = "numaflow.numaproj.io/vertex-name";

/// The annotation with the spec hash ([`VertexSpec::hash`]) an object was built from: on
/// a vertex, the hash of the spec the pipeline declares for it; on a pod, its vertex's.
pub const HASH_ANNOTATION: &str = "numaflow.numaproj.io/hash";

/// The role of a vertex, from which part of its spec is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VertexRole {
    /// `source` is set.
    Source,
    /// `sink` is set.
    Sink,
    /// `udf` is set, without `groupBy`.
    MapUdf,
    /// `udf` is set, with `groupBy`: its replicas follow its partitions.
    ReduceUdf,
}

/// The desired phase of a vertex, `spec.lifecycle.desiredPhase`. A missing value means
/// `Running`; any other value than these two is rejected, by serde and by the CRD's enum.
///
/// Only `Source`, `Sink` and `MapUdf` vertices may `scale`, and only while `Running`; the
/// API server enforces the same through the CEL rule on [`VertexSpec`]. A vertex may
/// start in either phase: it enforces its initial states, and today both are, so the
/// server needs no create-time rule until a phase that may not come first is added.
#[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[lifecycle(module = phase, roles = VertexRole, role_module = role, schema, enforce_initial)]
#[lifecycle(phase_field = "lifecycle.desiredPhase")]
#[lifecycle(role(Source, cel = "has(self.source)"))]
#[lifecycle(role(Sink, cel = "!has(self.source) && has(self.sink)"))]
#[lifecycle(role(
    MapUdf,
    cel = "!has(self.source) && !has(self.sink) && has(self.udf) && !has(self.udf.groupBy)"
))]
#[lifecycle(role(
    ReduceUdf,
    cel = "!has(self.source) && !has(self.sink) && has(self.udf) && has(self.udf.groupBy)"
))]
#[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
#[lifecycle(action(scale, states = Running, roles = Source | Sink | MapUdf, field = "replicas"))]
pub enum VertexPhase {
    /// Processing; the default. `Ready`.
    #[default]
    #[lifecycle(initial, ready)]
    Running,
    /// Scaled to zero by the pipeline's pause: `Ready` and `Suspended`. Initial too: a
    /// pipeline created paused creates its vertices paused.
    #[lifecycle(initial, suspended)]
    Paused,
}

/// `spec.lifecycle` of a vertex; written only by the Pipeline controller.
pub type VertexLifecycle = DesiredLifecycle<VertexPhase>;

/// `udf.groupBy`: present on reduce vertices.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupBy {
    /// Whether the reduce is keyed, and so partitioned.
    pub keyed: Option<bool>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

/// `spec.udf`: a user-defined function.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Udf {
    /// Set for a reduce; absent for a map.
    pub group_by: Option<GroupBy>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

replica_resource! {
    object = Vertex,
    kind = "Vertex",
    plural = "vertices",
    shortname = "vtx",
    status = "VertexStatus",
    phase = VertexPhase,
    role = VertexRole;
    /// The spec of a NumaFlow Vertex. It reads NumaFlow's own JSON and ignores the fields the
    /// lifecycle does not use; the CRD keeps them.
    pub struct VertexSpec {
        /// The vertex as its pipeline declares it: its name, role, scale bounds, partitions,
        /// and the fields this model does not read. As Go's embedding of `AbstractVertex`
        /// does upstream, its fields read as the spec's own (`spec.name`, through `Deref`).
        #[serde(flatten)]
        pub vertex: AbstractVertex,
        /// The pipeline it belongs to.
        #[serde(default)]
        pub pipeline_name: String,
        /// The replicas asked for; unset reads as 1, which the CRD also defaults.
        #[schemars(extend("default" = 1))]
        pub replicas: Option<i32>,
        /// The desired phase, written by the Pipeline controller.
        pub lifecycle: Option<VertexLifecycle>,
    }
}

impl std::ops::Deref for VertexSpec {
    type Target = AbstractVertex;
    fn deref(&self) -> &AbstractVertex {
        &self.vertex
    }
}

impl std::ops::DerefMut for VertexSpec {
    fn deref_mut(&mut self) -> &mut AbstractVertex {
        &mut self.vertex
    }
}

/// The status of a vertex.
pub type VertexStatus = ReplicaStatus<VertexStatusPhase>;

status_phase! {
    /// The phase a vertex reports in `status.phase`, as NumaFlow spells it.
    pub enum VertexStatusPhase reports VertexPhase {
        /// Something went wrong.
        Failed,
    }
}

impl VertexSpec {
    /// Whether the vertex is a keyed reduce.
    pub fn is_keyed_reduce(&self) -> bool {
        self.udf
            .as_ref()
            .and_then(|u| u.group_by.as_ref())
            .and_then(|g| g.keyed)
            .unwrap_or(false)
    }

    /// The partition count: `partitions` when at least 1, otherwise 1. Sources and
    /// non-keyed reduces always count 1.
    pub fn partition_count(&self) -> i32 {
        match self.role() {
            Some(VertexRole::Source) => 1,
            Some(VertexRole::ReduceUdf) if !self.is_keyed_reduce() => 1,
            _ => self.partitions.filter(|&p| p >= 1).unwrap_or(1),
        }
    }

    /// Whether `scale.disabled` is set.
    pub fn scale_disabled(&self) -> bool {
        self.scale.as_ref().is_some_and(Scale::is_disabled)
    }

    /// Whether the autoscaler may scale the vertex: sources, sinks and maps, unless
    /// scaling is disabled.
    pub fn scalable(&self) -> bool {
        !self.scale_disabled()
            && matches!(
                self.role(),
                Some(VertexRole::Source | VertexRole::Sink | VertexRole::MapUdf)
            )
    }

    /// The effective floor: `scale.min`, or 0 when unset or negative.
    pub fn scale_min(&self) -> i32 {
        self.scale.as_ref().map_or(0, Scale::min_replicas)
    }

    /// The effective ceiling: `scale.max`, or 50 when unset.
    pub fn scale_max(&self) -> i32 {
        self.scale
            .as_ref()
            .map_or(DEFAULT_MAX_REPLICAS, Scale::max_replicas)
    }

    /// The replicas the vertex should run, from the spec alone:
    ///
    /// 1. `Paused` gives 0, whatever else is set.
    /// 2. A reduce runs its partition count and ignores `replicas`; the others run
    ///    `replicas`, or 1 when unset.
    /// 3. Unless scaling is disabled, the value is clamped: below min gives min, else
    ///    above max gives max.
    pub fn desired_replicas(&self) -> i32 {
        if self.desired_phase() == VertexPhase::Paused {
            return 0;
        }
        let base = match self.role() {
            Some(VertexRole::ReduceUdf) => self.partition_count(),
            _ => self.replicas.unwrap_or(1),
        };
        if self.scale_disabled() {
            return base;
        }
        self.clamp_to_scale(base)
    }

    /// Clamps `base` to the scale bounds, min first: below min gives min, else above max
    /// gives max.
    pub fn clamp_to_scale(&self, base: i32) -> i32 {
        self.scale.clone().unwrap_or_default().clamp(base)
    }

    /// A hash of the spec that leaves out `replicas` and `lifecycle`, so that scaling,
    /// pausing and resuming never look like a change of the pods' template.
    pub fn hash(&self) -> String {
        spec_hash(self)
    }
}

impl VertexStatus {
    /// The label selector of a vertex's pods.
    pub fn selector_for(pipeline: &str, vertex: &str) -> String {
        format!("{PIPELINE_NAME_LABEL}={pipeline},{VERTEX_NAME_LABEL}={vertex}")
    }
}

/// Operations on a typed vertex that the lifecycle gates.
pub trait VertexOps<S, R> {
    /// Sets `spec.replicas`. Compiles only for a `Running` `Source`, `Sink` or `MapUdf`:
    /// a reduce's replicas follow its partitions, and a paused vertex stays at zero.
    fn scale(&mut self, replicas: i32)
    where
        S: phase::CanScale<R>;
}

impl<S, R> VertexOps<S, R> for Typed<Vertex, S, R>
where
    S: StateMarker<Phase = VertexPhase>,
    R: RoleMarker<Role = VertexRole>,
{
    fn scale(&mut self, replicas: i32)
    where
        S: phase::CanScale<R>,
    {
        self.update(|v| v.spec.replicas = Some(replicas));
    }
}

/// The labels NumaFlow puts on a vertex.
pub fn vertex_labels(pipeline: &str, vertex: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (PIPELINE_NAME_LABEL.to_owned(), pipeline.to_owned()),
        (VERTEX_NAME_LABEL.to_owned(), vertex.to_owned()),
    ])
}

/// The label selector of every vertex of `pipeline`.
pub fn pipeline_selector(pipeline: &str) -> String {
    format!("{PIPELINE_NAME_LABEL}={pipeline}")
}
