//! NumaFlow's Pipeline: its spec, its lifecycle settings and its status phase machine.
//!
//! ```
//! use numaflow_model::pipeline::*;
//! use lifecycle_model::Lifecycle;
//!
//! // Pausing always passes through Pausing; Deleting is final.
//! assert!(!PipelinePhase::can_transition(PipelinePhase::Running, PipelinePhase::Paused));
//! assert!(PipelinePhase::can_transition(PipelinePhase::Pausing, PipelinePhase::Paused));
//! assert!(!PipelinePhase::can_transition(PipelinePhase::Deleting, PipelinePhase::Running));
//! ```

use kube::CustomResource;
use lifecycle_model::conditions::Condition;
use lifecycle_model::{HasPhase, Lifecycle};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::Unknown;
use crate::vertex::{Vertex, VertexRole, VertexSpec};

mod graph;
mod resume;
mod validate;

pub use graph::{AbstractVertex, Edge};
pub use resume::{ResumeStrategy, UnknownResumeStrategy};
pub use validate::InvalidSpec;

/// The annotation that records when a pause began (RFC 3339).
pub const PAUSE_TIMESTAMP_ANNOTATION: &str = "numaflow.numaproj.io/pause-timestamp";
/// The annotation that picks the [`ResumeStrategy`]; `slow` restarts vertices at their
/// default replicas.
pub const RESUME_STRATEGY_ANNOTATION: &str = "numaflow.numaproj.io/resume-strategy";
/// The finalizer the Pipeline controller puts on a pipeline, so that a deleted pipeline
/// stays until its vertices are paused.
pub const FINALIZER: &str = "numaflow.numaproj.io/pipeline-controller";
/// The finalizer's older name, which NumaFlow still removes from pipelines that carry it.
pub const DEPRECATED_FINALIZER: &str = "pipeline-controller";
/// The default of `pauseGracePeriodSeconds` and `deletionGracePeriodSeconds`.
pub const DEFAULT_GRACE_PERIOD_SECONDS: i64 = 30;

/// The phase of a pipeline, `status.phase`. Unset means unknown, and any phase but
/// `Paused` may come first. Pausing always passes through `Pausing`, and `Deleting` is
/// final. An invalid spec marks any live pipeline `Failed`; once fixed it recovers to
/// the phase it is asked for, `Paused` included when its vertices are paused. The API
/// server enforces the same moves through the CEL rules on the field, the first phase
/// included (`enforce_initial`).
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[lifecycle(module = pipeline_phase, schema, enforce_initial, phase_field = "status.phase")]
#[lifecycle(event(pause: Running | Failed -> Pausing))]
#[lifecycle(event(finish_pause: Pausing -> Paused))]
#[lifecycle(event(resume: Pausing | Paused -> Running))]
#[lifecycle(event(recover: Failed -> Running))]
#[lifecycle(event(recover_paused: Failed -> Paused))]
#[lifecycle(event(fail: Running | Pausing | Paused -> Failed))]
#[lifecycle(event(delete: Running | Pausing | Paused | Failed -> Deleting))]
pub enum PipelinePhase {
    /// Processing; `Ready`.
    #[lifecycle(initial, ready)]
    Running,
    /// Something went wrong; `Stalled`.
    #[lifecycle(initial, stalled)]
    Failed,
    /// Sources are paused; the rest drains. `Reconciling`.
    #[lifecycle(initial, reconciling)]
    Pausing,
    /// Every vertex is paused, as asked: settled, so `Ready`, and `Suspended`. Waiting
    /// for the pipeline to run again is waiting for `status.phase` to read `Running`.
    #[lifecycle(suspended)]
    Paused,
    /// Going away; final. `Reconciling`.
    #[lifecycle(initial, terminal, reconciling)]
    Deleting,
}

/// The phase a pipeline is asked to be in, `spec.lifecycle.desiredPhase`. Missing means
/// `Running`; any other value is rejected. A pipeline may be created in either.
///
/// Users move it, and each move is an RBAC verb on `pipelines` (`verbs`): `pause` and
/// `resume`, granted by [`EDITOR_ROLE`](crate::crd::EDITOR_ROLE) and checked by
/// the writer policy `crdgen` renders, so `kubectl auth can-i pause pipelines` answers
/// who may pause.
#[derive(
    Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[lifecycle(module = desired_phase, verbs)]
#[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
pub enum DesiredPhase {
    /// Run.
    #[default]
    #[lifecycle(initial)]
    Running,
    /// Pause: sources first, then the rest once drained.
    #[lifecycle(initial)]
    Paused,
}

/// `spec.lifecycle` of a pipeline.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineLifecycle {
    /// The desired phase; missing means `Running`, which the CRD also defaults.
    #[serde(default)]
    #[schemars(with = "DesiredPhase", extend("default" = "Running"))]
    // optional, never null: the enum is closed
    pub desired_phase: Option<DesiredPhase>,
    /// How long a pause waits for the buffers to drain; default 30, in the CRD too.
    #[schemars(extend("default" = 30))]
    pub pause_grace_period_seconds: Option<i64>,
    /// How long a delete waits for the buffers to drain; default 30, in the CRD too.
    #[schemars(extend("default" = 30))]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Deprecated spelling of `deletionGracePeriodSeconds`, read as its fallback. The CRD
    /// defaults both to 30, as NumaFlow's does, so on a server the fallback counts only
    /// for objects written before the default.
    #[schemars(extend("default" = 30))]
    pub delete_grace_period_seconds: Option<i64>,
}

/// The object name of the vertex `vertex` of `pipeline`: `{pipeline}-{vertex}`.
pub fn vertex_object_name(pipeline: &str, vertex: &str) -> String {
    format!("{pipeline}-{vertex}")
}

/// Each vertex `pipeline` declares, in order: its object name, and the object of that
/// name among `vertices`, if there is one.
pub fn declared_vertices<'a>(
    pipeline: &'a Pipeline,
    vertices: &'a [Vertex],
) -> impl Iterator<Item = (String, Option<&'a Vertex>)> + 'a {
    let name = pipeline.metadata.name.as_deref().unwrap_or_default();
    pipeline.spec.vertices.iter().map(move |declared| {
        let object = vertex_object_name(name, &declared.name);
        let found = vertices
            .iter()
            .find(|v| v.metadata.name.as_deref() == Some(object.as_str()));
        (object, found)
    })
}

/// The spec of a NumaFlow Pipeline; fields the lifecycle does not use are kept by the CRD
/// and ignored here.
// kube's `printcolumn(...)` repeats by design; clippy reads the repeats as duplicates.
#[allow(clippy::duplicated_attributes)]
#[skip_serializing_none]
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "numaflow.numaproj.io",
    version = "v1alpha1",
    kind = "Pipeline",
    plural = "pipelines",
    shortname = "pl",
    namespaced,
    derive = "PartialEq",
    status = "PipelineStatus",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Vertices",
        type_ = "integer",
        json_path = ".status.vertexCount"
    ),
    printcolumn(
        name = "Sources",
        type_ = "integer",
        json_path = ".status.sourceCount",
        priority = 10
    ),
    printcolumn(
        name = "Sinks",
        type_ = "integer",
        json_path = ".status.sinkCount",
        priority = 10
    ),
    printcolumn(
        name = "UDFs",
        type_ = "integer",
        json_path = ".status.udfCount",
        priority = 10
    ),
    printcolumn(
        name = "Map UDFs",
        type_ = "integer",
        json_path = ".status.mapUDFCount",
        priority = 10
    ),
    printcolumn(
        name = "Reduce UDFs",
        type_ = "integer",
        json_path = ".status.reduceUDFCount",
        priority = 10
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    printcolumn(name = "Message", type_ = "string", json_path = ".status.message")
)]
#[serde(rename_all = "camelCase")]
pub struct PipelineSpec {
    /// The vertices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vertices: Vec<AbstractVertex>,
    /// The edges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<Edge>,
    /// The lifecycle settings.
    pub lifecycle: Option<PipelineLifecycle>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

/// The status of a pipeline. Fields NumaFlow writes and this model does not read are kept
/// by the CRD (`x-kubernetes-preserve-unknown-fields`).
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineStatus {
    /// The phase; unset means unknown.
    #[serde(default)]
    #[schemars(with = "PipelinePhase")]
    pub phase: Option<PipelinePhase>,
    /// True only when the last pause really drained the buffers.
    pub drained_on_pause: Option<bool>,
    /// What the phase means, in NumaFlow's words (`Pausing in progress`, `Pipeline
    /// paused`, `Deleting in progress`), or what failed.
    pub message: Option<String>,
    /// When the Pipeline controller last wrote the status (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub last_updated: Option<String>,
    /// The `metadata.generation` of the spec this status reflects.
    pub observed_generation: Option<i64>,
    /// The vertex counts, which follow the spec.
    #[serde(flatten)]
    pub counts: VertexCounts,
    /// The standard conditions (`Ready`, `Reconciling`, `Stalled`) and NumaFlow's own
    /// (`Configured`, `Deployed`, `VerticesHealthy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
    pub conditions: Vec<Condition>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

/// The vertex counts NumaFlow reports in a pipeline's status (`vertexCount`,
/// `sourceCount`, ...): how many vertices its spec declares, and how many of each role.
#[skip_serializing_none]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VertexCounts {
    /// How many vertices the spec declares.
    pub vertex_count: Option<u32>,
    /// How many of them are sources.
    pub source_count: Option<u32>,
    /// How many are sinks.
    pub sink_count: Option<u32>,
    /// How many are user-defined functions, maps and reduces.
    pub udf_count: Option<u32>,
    /// How many are maps.
    #[serde(rename = "mapUDFCount")]
    pub map_udf_count: Option<u32>,
    /// How many are reduces.
    #[serde(rename = "reduceUDFCount")]
    pub reduce_udf_count: Option<u32>,
}

impl PipelineSpec {
    /// The vertex counts NumaFlow reports for this spec in the status, each vertex
    /// counted by its [role](AbstractVertex::role).
    ///
    /// ```
    /// use numaflow_model::pipeline::PipelineSpec;
    ///
    /// let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
    ///     "vertices": [
    ///         { "name": "in", "source": { "generator": {} } },
    ///         { "name": "sum", "udf": { "groupBy": {} } },
    ///         { "name": "out", "sink": { "log": {} } }
    ///     ]
    /// }))
    /// .unwrap();
    /// let counts = spec.vertex_counts();
    /// assert_eq!(counts.vertex_count, Some(3));
    /// assert_eq!((counts.source_count, counts.sink_count), (Some(1), Some(1)));
    /// assert_eq!(counts.udf_count, Some(1));
    /// assert_eq!((counts.map_udf_count, counts.reduce_udf_count), (Some(0), Some(1)));
    /// ```
    pub fn vertex_counts(&self) -> VertexCounts {
        let count = |f: fn(Option<VertexRole>) -> bool| {
            let n = self.vertices.iter().filter(|v| f(v.role())).count();
            Some(u32::try_from(n).unwrap_or(u32::MAX))
        };
        VertexCounts {
            vertex_count: count(|_| true),
            source_count: count(|r| r == Some(VertexRole::Source)),
            sink_count: count(|r| r == Some(VertexRole::Sink)),
            udf_count: count(|r| matches!(r, Some(VertexRole::MapUdf | VertexRole::ReduceUdf))),
            map_udf_count: count(|r| r == Some(VertexRole::MapUdf)),
            reduce_udf_count: count(|r| r == Some(VertexRole::ReduceUdf)),
        }
    }
}

impl PipelineSpec {
    /// The desired phase; missing means `Running`.
    pub fn desired_phase(&self) -> DesiredPhase {
        self.lifecycle
            .as_ref()
            .and_then(|l| l.desired_phase)
            .unwrap_or_default()
    }

    /// `pauseGracePeriodSeconds`, default 30.
    pub fn pause_grace_period_seconds(&self) -> i64 {
        self.lifecycle
            .as_ref()
            .and_then(|l| l.pause_grace_period_seconds)
            .unwrap_or(DEFAULT_GRACE_PERIOD_SECONDS)
    }
}

impl Pipeline {
    /// `deletionGracePeriodSeconds`; else the deprecated `deleteGracePeriodSeconds`;
    /// else `metadata.deletionGracePeriodSeconds`; else 30.
    pub fn deletion_grace_period_seconds(&self) -> i64 {
        let lifecycle = self.spec.lifecycle.as_ref();
        lifecycle
            .and_then(|l| l.deletion_grace_period_seconds)
            .or_else(|| lifecycle.and_then(|l| l.delete_grace_period_seconds))
            .or(self.metadata.deletion_grace_period_seconds)
            .unwrap_or(DEFAULT_GRACE_PERIOD_SECONDS)
    }

    /// How the vertices come back on resume: the resume-strategy annotation, read by
    /// [`ResumeStrategy::from_annotation`] (missing or unknown values mean fast).
    pub fn resume_strategy(&self) -> ResumeStrategy {
        ResumeStrategy::from_annotation(
            self.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(RESUME_STRATEGY_ANNOTATION))
                .map(String::as_str),
        )
    }

    /// When the current pause began: the pause-timestamp annotation, if it reads as a
    /// time.
    pub fn pause_timestamp(&self) -> Option<jiff::Timestamp> {
        self.metadata
            .annotations
            .as_ref()?
            .get(PAUSE_TIMESTAMP_ANNOTATION)?
            .parse()
            .ok()
    }

    /// The status phase, if any.
    pub fn phase(&self) -> Option<PipelinePhase> {
        self.status.as_ref().and_then(|s| s.phase)
    }

    /// Whether a pause is asked for or under way: the desired phase is `Paused`, the
    /// status is `Pausing` or `Paused`, or the pause timestamp is set. New vertices start
    /// with no replicas then, as NumaFlow's do.
    pub fn lifecycle_change_under_way(&self) -> bool {
        self.spec.desired_phase() == DesiredPhase::Paused
            || matches!(
                self.phase(),
                Some(PipelinePhase::Pausing | PipelinePhase::Paused)
            )
            || self
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(PAUSE_TIMESTAMP_ANNOTATION))
    }

    /// The spec of a new vertex built from this pipeline: NumaFlow's initial replicas (0
    /// while [a lifecycle change is under way](Pipeline::lifecycle_change_under_way), the
    /// partition count for a reduce, otherwise 1 clamped), and the pipeline's desired
    /// phase.
    pub fn vertex_spec(&self, vertex: &AbstractVertex) -> VertexSpec {
        let mut spec = VertexSpec {
            vertex: vertex.clone(),
            pipeline_name: self.metadata.name.clone().unwrap_or_default(),
            replicas: None,
            lifecycle: None,
        };
        let desired = match self.spec.desired_phase() {
            DesiredPhase::Running => crate::vertex::VertexPhase::Running,
            DesiredPhase::Paused => crate::vertex::VertexPhase::Paused,
        };
        spec.set_desired_phase(desired);
        spec.replicas = Some(if self.lifecycle_change_under_way() {
            0
        } else if spec.role() == Some(crate::vertex::VertexRole::ReduceUdf) {
            spec.partition_count()
        } else {
            spec.clamp_to_scale(1)
        });
        spec
    }
}

impl HasPhase<PipelinePhase> for Pipeline {
    fn phase(&self) -> Option<PipelinePhase> {
        Pipeline::phase(self)
    }
    fn set_phase(&mut self, phase: PipelinePhase) {
        self.status
            .get_or_insert_with(PipelineStatus::default)
            .phase = Some(phase);
    }
}
