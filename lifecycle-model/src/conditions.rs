//! Standard status conditions from the lifecycle declaration.
//!
//! Kubernetes' API conventions prefer `status.conditions` to a bare phase, and kstatus
//! (what `kubectl wait`, Flux and Argo CD read) judges health from three of them:
//! `Ready`, `Reconciling` and `Stalled`. Mark the states that stand for each with
//! `#[lifecycle(ready)]`, `#[lifecycle(reconciling)]` or `#[lifecycle(stalled)]`; a
//! phase's [`Lifecycle::conditions`] are then one [`Condition`] per type the declaration
//! uses, `True` for the type the phase stands for and `False` for the others.
//! `#[lifecycle(suspended)]` marks a state the object rests in because it was asked to
//! (`Paused`): `Suspended` is `True` there, and so is `Ready`, since the object is
//! settled where its spec wants it and kstatus must read it as current.
//! [`set_condition`] and [`merge_conditions`] fold them into an object's list the way Go's
//! `meta.SetStatusCondition` does: `lastTransitionTime` moves only when `status` changes,
//! and conditions the lifecycle does not own are kept.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::conditions::{ConditionStatus, merge_conditions};
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(event(deploy: Pending -> Running), event(fail: Pending | Running -> Failed))]
//! enum Phase {
//!     #[lifecycle(initial, reconciling)]
//!     Pending,
//!     #[lifecycle(ready)]
//!     Running,
//!     #[lifecycle(terminal, stalled)]
//!     Failed,
//! }
//!
//! let mut conditions = Phase::Pending.conditions(Some(1), "2026-01-01T00:00:00Z");
//! let types: Vec<&str> = conditions.iter().map(|c| c.type_.as_str()).collect();
//! assert_eq!(types, ["Ready", "Reconciling", "Stalled"]);
//! assert_eq!(conditions[1].status, ConditionStatus::True);
//! assert_eq!(conditions[1].reason, "Pending");
//!
//! // Running: Ready turns True and Reconciling False, both at the new time; Stalled
//! // stays False and keeps its first transition time.
//! let changed = merge_conditions(
//!     &mut conditions,
//!     Phase::Running.conditions(Some(2), "2026-01-01T00:05:00Z"),
//! );
//! assert!(changed);
//! assert_eq!(conditions[0].status, ConditionStatus::True);
//! assert_eq!(conditions[0].last_transition_time, "2026-01-01T00:05:00Z");
//! assert_eq!(conditions[2].last_transition_time, "2026-01-01T00:00:00Z");
//! assert_eq!(conditions[2].observed_generation, Some(2));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Lifecycle;
pub use crate::machine::ConditionType;

/// Whether a condition holds, as `metav1.ConditionStatus` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// It holds.
    True,
    /// It does not hold.
    False,
    /// The controller cannot tell.
    Unknown,
}

impl fmt::Display for ConditionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        })
    }
}

/// One entry of `status.conditions`, in the shape of Kubernetes' `metav1.Condition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The condition's type, `Ready` for example; unique in a list.
    #[serde(rename = "type")]
    pub type_: String,
    /// Whether it holds.
    pub status: ConditionStatus,
    /// The `metadata.generation` the condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When `status` last changed, in RFC 3339.
    pub last_transition_time: String,
    /// A CamelCase word for why, for machines.
    pub reason: String,
    /// A sentence for people.
    pub message: String,
}

/// A condition `reason` from a state's wire name: CamelCase, letters and digits only,
/// starting with a letter, as `metav1.Condition` requires.
pub fn reason_for(state: &str) -> String {
    let mut out = String::new();
    for word in state.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        _ => format!("Phase{out}"),
    }
}

/// The standard conditions of `phase`; see [`Lifecycle::conditions`].
pub fn conditions_of<L: Lifecycle>(
    phase: L,
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    let machine = L::machine();
    let state = phase.index();
    machine
        .condition_types()
        .into_iter()
        .map(|type_| {
            let holds = machine.condition_holds(state, type_);
            Condition {
                type_: type_.as_str().to_owned(),
                status: if holds {
                    ConditionStatus::True
                } else {
                    ConditionStatus::False
                },
                observed_generation,
                last_transition_time: now.to_owned(),
                reason: reason_for(phase.name()),
                message: format!("{} is {}", machine.name, phase.name()),
            }
        })
        .collect()
}

/// The condition of type `type_` in `conditions`, if there is one.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Sets `new` in `conditions`, as Go's `meta.SetStatusCondition` does: a new type is
/// appended; an existing one takes `new`'s status, reason, message and generation, and
/// `new`'s `lastTransitionTime` only if its status changed. Returns whether anything
/// changed, so a controller can skip a write that would change nothing.
pub fn set_condition(conditions: &mut Vec<Condition>, new: Condition) -> bool {
    let Some(existing) = conditions.iter_mut().find(|c| c.type_ == new.type_) else {
        conditions.push(new);
        return true;
    };
    let mut changed = false;
    if existing.status != new.status {
        existing.status = new.status;
        existing.last_transition_time = new.last_transition_time;
        changed = true;
    }
    if existing.reason != new.reason {
        existing.reason = new.reason;
        changed = true;
    }
    if existing.message != new.message {
        existing.message = new.message;
        changed = true;
    }
    if existing.observed_generation != new.observed_generation {
        existing.observed_generation = new.observed_generation;
        changed = true;
    }
    changed
}

/// [`set_condition`] for each of `new`; conditions of other types are kept as they are.
/// Returns whether anything changed.
pub fn merge_conditions(
    conditions: &mut Vec<Condition>,
    new: impl IntoIterator<Item = Condition>,
) -> bool {
    new.into_iter()
        .fold(false, |changed, c| set_condition(conditions, c) | changed)
}
