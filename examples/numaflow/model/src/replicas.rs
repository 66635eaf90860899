//! What vertices and MonoVertices share: `spec.lifecycle`, the autoscaling bounds and
//! their clamp, the status of an object that runs one pod per replica, and the hash of a
//! spec that scaling and pausing leave alone.

use lifecycle_model::conditions::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sha2::{Digest, Sha256};

use crate::Unknown;

/// `spec.lifecycle` of a vertex or a MonoVertex: the phase `P` asked of it.
///
/// ```
/// use numaflow_model::replicas::DesiredLifecycle;
/// use numaflow_model::vertex::VertexPhase;
///
/// let mut lifecycle = None;
/// assert_eq!(DesiredLifecycle::phase_of(lifecycle.as_ref()), VertexPhase::Running);
/// DesiredLifecycle::set(&mut lifecycle, VertexPhase::Paused);
/// assert_eq!(DesiredLifecycle::phase_of(lifecycle.as_ref()), VertexPhase::Paused);
/// ```
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(bound = "P: JsonSchema + Default + Serialize")]
pub struct DesiredLifecycle<P> {
    /// The desired phase; missing means the phase's default (`Running`), which the CRDs
    /// also default, as NumaFlow's do.
    #[serde(default)]
    #[schemars(with = "P", extend("default" = P::default()))]
    // optional, never null: the enum is closed
    pub desired_phase: Option<P>,
}

impl<P: Copy + Default> DesiredLifecycle<P> {
    /// The phase `lifecycle` asks for: its desired phase, or the default where either is
    /// missing.
    pub fn phase_of(lifecycle: Option<&Self>) -> P {
        lifecycle.and_then(|l| l.desired_phase).unwrap_or_default()
    }

    /// Sets `lifecycle`'s desired phase to `phase`, adding the lifecycle where missing.
    pub fn set(lifecycle: &mut Option<Self>, phase: P) {
        lifecycle.get_or_insert_with(Self::default).desired_phase = Some(phase);
    }
}

/// The replica ceiling when `scale.max` is unset.
pub const DEFAULT_MAX_REPLICAS: i32 = 50;

/// `spec.scale`: the autoscaling bounds.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    /// Turns the clamp and the autoscaler off.
    pub disabled: Option<bool>,
    /// The floor; unset or negative reads as 0.
    pub min: Option<i32>,
    /// The ceiling; unset reads as 50. `0` is legal.
    pub max: Option<i32>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

impl Scale {
    /// Whether `disabled` is set: no clamp and no autoscaler.
    pub fn is_disabled(&self) -> bool {
        self.disabled.unwrap_or(false)
    }

    /// The effective floor: `min`, or 0 when unset or negative.
    pub fn min_replicas(&self) -> i32 {
        self.min.unwrap_or(0).max(0)
    }

    /// The effective ceiling: `max`, or 50 when unset.
    pub fn max_replicas(&self) -> i32 {
        self.max.unwrap_or(DEFAULT_MAX_REPLICAS)
    }

    /// Clamps `base` to the bounds, min first: below min gives min, else above max gives
    /// max.
    pub fn clamp(&self, base: i32) -> i32 {
        let (min, max) = (self.min_replicas(), self.max_replicas());
        if base < min {
            min
        } else if base > max {
            max
        } else {
            base
        }
    }
}

/// The status of an object that runs one pod per replica, as NumaFlow reports it for a
/// vertex and a MonoVertex, with the phase type of each. Fields NumaFlow writes and this
/// model does not read (`lastScaledAt`, hashes, update counts) are kept.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaStatus<P> {
    /// The phase the object is in: its desired phase once its controller has seen it.
    #[serde(default)]
    #[schemars(with = "P")]
    pub phase: Option<P>,
    /// Pods running.
    pub replicas: Option<i32>,
    /// Pods the controller wants, from the spec alone.
    pub desired_replicas: Option<i32>,
    /// Pods ready.
    pub ready_replicas: Option<i32>,
    /// The pods' label selector, for the scale subresource.
    pub selector: Option<String>,
    /// Why the object is in its phase.
    pub reason: Option<String>,
    /// A human-readable message.
    pub message: Option<String>,
    /// The generation the status reflects.
    pub observed_generation: Option<i64>,
    /// The standard conditions (`Ready`) and NumaFlow's own (`Deployed`, `PodsHealthy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
    pub conditions: Vec<Condition>,
    /// Fields this model does not read, kept as they are ([`Unknown`]).
    #[serde(flatten)]
    pub extra: Unknown,
}

/// A SHA-256 of `spec` as JSON, in hex, leaving out `replicas` and `lifecycle`, so that
/// scaling, pausing and resuming never look like a change of the pods' template.
pub fn spec_hash<T: Serialize>(spec: &T) -> String {
    let mut value = serde_json::to_value(spec).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("replicas");
        map.remove("lifecycle");
    }
    // serde_json's map is ordered by key, so the text is canonical.
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
