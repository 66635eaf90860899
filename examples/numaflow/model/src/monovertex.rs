//! NumaFlow's MonoVertex: source, transformer, UDF and sink in one set of pods, paused
//! and resumed by its users directly.
//!
//! A MonoVertex has no parent and no inter-step buffers, so its lifecycle is the desired
//! phase alone: `Running` or `Paused`, with no `Pausing` and no drain. Paused runs no
//! pods; `spec.replicas` changes only while running, which the CRD's rule enforces for
//! `kubectl scale` too; and `pause` and `resume` are RBAC verbs on `monovertices`, which
//! the writer policy `crdgen` renders checks.
//!
//! ```
//! use lifecycle_model::Typed;
//! use numaflow_model::monovertex::*;
//!
//! let spec: MonoVertexSpec = serde_json::from_value(serde_json::json!({
//!     "replicas": 2,
//!     "source": { "generator": { "rpu": 5 } },
//!     "sink": { "log": {} }
//! })).unwrap();
//! let mvtx = MonoVertex::new("simple-mono-vertex", spec);
//!
//! let mut running: Typed<MonoVertex, mono_vertex_phase::Running> = Typed::try_new(mvtx).unwrap();
//! running.scale(3);
//! let paused = running.pause();
//! assert_eq!(paused.spec.desired_replicas(), 0);
//! // paused.scale(1); // does not compile: a paused MonoVertex cannot `scale`
//! assert_eq!(paused.resume().spec.desired_replicas(), 3);
//! ```

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use lifecycle_model::conditions::{Condition, merge_conditions};
use lifecycle_model::{Lifecycle, NoRole, StateMarker, Typed};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::Unknown;
use crate::conditions::{condition_time, replica_conditions};
use crate::patch::{Patch, PatchTarget};
use crate::pods::{PodPlan, PodsSeen, owned_replica_pod, plan_replicas};
use crate::vertex::{DesiredLifecycle, ReplicaStatus, Scale, spec_hash};

/// The label that names a MonoVertex on its pods.
pub const MONO_VERTEX_NAME_LABEL: &str = "numaflow.numaproj.io/mono-vertex-name";

/// The reason of the Event that reports a MonoVertex's phase change, as NumaFlow gives it.
pub const PHASE_EVENT_REASON: &str = "UpdateMonoVertexPhase";

/// The desired phase of a MonoVertex, `spec.lifecycle.desiredPhase`. Missing means
/// `Running`; any other value is rejected, by serde and by the CRD's enum.
///
/// Users move it, and each move is an RBAC verb on `monovertices` (`verbs`): `pause` and
/// `resume`. Only a running MonoVertex may `scale`; the CRD's rule on
/// [`MonoVertexSpec`] makes the API server refuse a change of `spec.replicas` otherwise.
#[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[lifecycle(module = mono_vertex_phase, schema, verbs)]
#[lifecycle(phase_field = "lifecycle.desiredPhase")]
#[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
#[lifecycle(action(scale, states = Running, field = "replicas"))]
pub enum MonoVertexPhase {
    /// Processing; the default. `Ready`.
    #[default]
    #[lifecycle(initial, ready)]
    Running,
    /// No pods, as its users asked: `Ready` and `Suspended`. A MonoVertex may be created
    /// paused.
    #[lifecycle(initial, suspended)]
    Paused,
}

/// `spec.lifecycle` of a MonoVertex, which its users move.
pub type MonoVertexLifecycle = DesiredLifecycle<MonoVertexPhase>;

replica_resource! {
    object = MonoVertex,
    kind = "MonoVertex",
    plural = "monovertices",
    shortname = "mvtx",
    status = "MonoVertexStatus",
    phase = MonoVertexPhase;
    /// The spec of a NumaFlow MonoVertex. It reads NumaFlow's own JSON; the fields the
    /// lifecycle does not use (the source, UDF and sink, containers, limits, the daemon's
    /// template, ...) are kept as they are, and the CRD preserves them.
    pub struct MonoVertexSpec {
        /// The replicas asked for; unset reads as 1, which the CRD also defaults.
        #[schemars(extend("default" = 1))]
        pub replicas: Option<i32>,
        /// Autoscaling bounds.
        pub scale: Option<Scale>,
        /// The desired phase, which users move.
        pub lifecycle: Option<MonoVertexLifecycle>,
        /// Fields this model does not read, kept as they are ([`Unknown`]).
        #[serde(flatten)]
        pub extra: Unknown,
    }
}

/// The status of a MonoVertex: its phase (`MonoVertex paused` is its message while
/// paused), its replicas and its conditions (`Ready`, `Deployed`, `PodsHealthy`).
pub type MonoVertexStatus = ReplicaStatus<MonoVertexStatusPhase>;

status_phase! {
    /// The phase a MonoVertex reports in `status.phase`, as NumaFlow spells it; its
    /// controller copies the desired phase there.
    pub enum MonoVertexStatusPhase reports MonoVertexPhase {
        /// Something went wrong.
        Failed,
        /// On its way to `Paused` (NumaFlow's enum has it; its controller never writes it).
        Pausing,
        /// Being deleted (in NumaFlow's enum; never written).
        Deleting,
    }
}

impl MonoVertexSpec {
    /// The replicas the MonoVertex should run, from the spec alone, as NumaFlow decides
    /// them: `Paused` gives 0; otherwise `replicas` (1 when unset), clamped into the
    /// scale bounds (min first, the ceiling 50 when unset) unless scaling is disabled.
    ///
    /// ```
    /// use numaflow_model::monovertex::{MonoVertexPhase, MonoVertexSpec};
    /// use numaflow_model::vertex::Scale;
    ///
    /// let mut spec = MonoVertexSpec {
    ///     replicas: Some(9),
    ///     scale: Some(Scale { max: Some(4), ..Default::default() }),
    ///     ..Default::default()
    /// };
    /// assert_eq!(spec.desired_replicas(), 4);
    /// spec.set_desired_phase(MonoVertexPhase::Paused);
    /// assert_eq!(spec.desired_replicas(), 0);
    /// ```
    pub fn desired_replicas(&self) -> i32 {
        if self.desired_phase() == MonoVertexPhase::Paused {
            return 0;
        }
        let base = self.replicas.unwrap_or(1);
        let scale = self.scale.clone().unwrap_or_default();
        match scale.is_disabled() {
            true => base,
            false => scale.clamp(base),
        }
    }
}

impl MonoVertexStatus {
    /// The label selector of the pods of the MonoVertex `name`.
    pub fn selector_for(name: &str) -> String {
        format!("{MONO_VERTEX_NAME_LABEL}={name}")
    }
}

/// Operations on a typed MonoVertex that the lifecycle gates.
pub trait MonoVertexOps<S> {
    /// Sets `spec.replicas`. Compiles only for a `Running` MonoVertex.
    fn scale(&mut self, replicas: i32)
    where
        S: mono_vertex_phase::CanScale<NoRole>;
}

impl<S> MonoVertexOps<S> for Typed<MonoVertex, S>
where
    S: StateMarker<Phase = MonoVertexPhase>,
{
    fn scale(&mut self, replicas: i32)
    where
        S: mono_vertex_phase::CanScale<NoRole>,
    {
        self.update(|m| m.spec.replicas = Some(replicas));
    }
}

/// The pods `mvtx` wants given the `pods` it has (its own, by label): one per replica
/// below [`MonoVertexSpec::desired_replicas`], as [`plan_replicas`] keeps them; none
/// while paused.
pub fn plan_pods(mvtx: &MonoVertex, pods: &[Pod]) -> PodPlan {
    let name = mvtx.metadata.name.clone().unwrap_or_default();
    plan_replicas(&name, mvtx.spec.desired_replicas(), pods, |i| {
        replica_pod(mvtx, i)
    })
}

/// The pod of replica `index` of `mvtx`, owned by it.
pub fn replica_pod(mvtx: &MonoVertex, index: i32) -> Pod {
    let name = mvtx.metadata.name.clone().unwrap_or_default();
    let labels = BTreeMap::from([(MONO_VERTEX_NAME_LABEL.to_owned(), name)]);
    let args = ["--type=mono-vertex".to_owned()];
    owned_replica_pod(
        mvtx,
        index,
        ("mono-vertex", labels),
        &spec_hash(&mvtx.spec),
        args,
    )
}

/// The conditions of `mvtx`: `Ready` from its desired phase, then `Deployed` and
/// `PodsHealthy` as a vertex's.
pub fn conditions(mvtx: &MonoVertex, pods: Option<&PodsSeen>, now: &str) -> Vec<Condition> {
    let status = mvtx.status.as_ref();
    let desired = mvtx.spec.desired_phase();
    replica_conditions(desired, mvtx.metadata.generation, status, pods, now)
}

/// One reconcile of the MonoVertex controller at `now`: a status patch with the fields
/// that differ from what the spec asks for (the phase copied from the desired one, with
/// NumaFlow's message `MonoVertex paused`; the replica counts; the conditions;
/// `observedGeneration`), or `None` when the status is already right.
///
/// ```
/// use numaflow_model::monovertex::{MonoVertex, MonoVertexPhase, reconcile};
///
/// let mut mvtx = MonoVertex::new("m", Default::default());
/// mvtx.spec.set_desired_phase(MonoVertexPhase::Paused);
/// let write = reconcile(&mvtx, None, jiff::Timestamp::UNIX_EPOCH).unwrap();
/// assert_eq!(write.patch.body["status"]["phase"], "Paused");
/// assert_eq!(write.patch.body["status"]["desiredReplicas"], 0);
/// assert_eq!(write.patch.body["status"]["message"], "MonoVertex paused");
/// assert_eq!(write.change, None, "a first phase is no change");
/// ```
pub fn reconcile(
    mvtx: &MonoVertex,
    pods: Option<&PodsSeen>,
    now: Timestamp,
) -> Option<StatusWrite> {
    let name = mvtx.metadata.name.clone().unwrap_or_default();
    let desired = mvtx.spec.desired_replicas();
    let phase = MonoVertexStatusPhase::from(mvtx.spec.desired_phase());
    let message = (phase == MonoVertexStatusPhase::Paused).then_some("MonoVertex paused");
    let selector = MonoVertexStatus::selector_for(&name);
    let current = mvtx.status.clone().unwrap_or_default();
    let mut status = Map::new();
    let mut differs = |field: &str, now: Value, was: Value| {
        if now != was {
            status.insert(field.to_owned(), now);
        }
    };
    differs("phase", json!(phase), json!(current.phase));
    differs("message", json!(message), json!(current.message));
    differs(
        "desiredReplicas",
        json!(desired),
        json!(current.desired_replicas),
    );
    differs("selector", json!(selector), json!(current.selector));
    if let Some(seen) = pods {
        differs("replicas", json!(seen.running), json!(current.replicas));
        let ready = seen.ready.min(desired.max(0));
        differs("readyReplicas", json!(ready), json!(current.ready_replicas));
    }
    let mut merged = current.conditions.clone();
    if merge_conditions(&mut merged, conditions(mvtx, pods, &condition_time(now))) {
        status.insert("conditions".to_owned(), json!(merged));
    }
    if let Some(generation) = mvtx.metadata.generation
        && (!status.is_empty() || current.observed_generation != Some(generation))
    {
        status.insert("observedGeneration".to_owned(), json!(generation));
    }
    let to = mvtx.spec.desired_phase();
    let from = match current.phase {
        Some(MonoVertexStatusPhase::Running) => Some(MonoVertexPhase::Running),
        Some(MonoVertexStatusPhase::Paused) => Some(MonoVertexPhase::Paused),
        _ => None,
    };
    let change = from.filter(|from| *from != to).and_then(|from| {
        let event = MonoVertexPhase::event_between(from, to)?;
        Some(PhaseChange { event, from, to })
    });
    (!status.is_empty()).then(|| StatusWrite {
        patch: Patch {
            target: PatchTarget::status_of(mvtx),
            body: json!({ "status": Value::Object(status) }),
        },
        change,
    })
}

/// A move of a MonoVertex's reported phase: the status copying a desired phase the user
/// changed. What its Event and metric report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseChange {
    /// The event the user fired.
    pub event: MonoVertexPhaseEvent,
    /// The phase the status reported.
    pub from: MonoVertexPhase,
    /// The phase it reports now.
    pub to: MonoVertexPhase,
}

impl PhaseChange {
    /// The Event's note, in NumaFlow's words: `Updated MonoVertex phase from Running to
    /// Paused`.
    pub fn note(&self) -> String {
        format!(
            "Updated MonoVertex phase from {} to {}",
            self.from.name(),
            self.to.name()
        )
    }
}

/// A status write of the MonoVertex controller, and the phase change it reports, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusWrite {
    /// The merge patch of the status subresource.
    pub patch: Patch,
    /// The move of the reported phase; none for a first phase or an unchanged one.
    pub change: Option<PhaseChange>,
}
