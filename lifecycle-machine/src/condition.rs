//! The standard status conditions a state stands for.

use std::fmt;

use crate::Machine;

/// A standard condition type, as Kubernetes' kstatus library reads a resource's health:
/// `Ready` when the object is steady and healthy, `Reconciling` while it moves toward what
/// its spec asks, `Stalled` when it cannot get there without help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionType {
    /// Steady and healthy.
    Ready,
    /// Moving toward the desired state.
    Reconciling,
    /// Stuck: it will not get there on its own.
    Stalled,
}

impl ConditionType {
    /// The three, in the order conditions are listed.
    pub const ALL: [ConditionType; 3] = [
        ConditionType::Ready,
        ConditionType::Reconciling,
        ConditionType::Stalled,
    ];

    /// The condition's `type`, as it appears in `status.conditions`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionType::Ready => "Ready",
            ConditionType::Reconciling => "Reconciling",
            ConditionType::Stalled => "Stalled",
        }
    }
}

impl fmt::Display for ConditionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Machine {
    /// The states that stand for `condition`.
    pub fn states_for(&self, condition: ConditionType) -> &[usize] {
        match condition {
            ConditionType::Ready => &self.ready,
            ConditionType::Reconciling => &self.reconciling,
            ConditionType::Stalled => &self.stalled,
        }
    }

    /// The condition `state` stands for, if any; the first in [`ConditionType::ALL`]
    /// order should a hand-built machine list a state under two.
    pub fn condition_of(&self, state: usize) -> Option<ConditionType> {
        ConditionType::ALL
            .into_iter()
            .find(|&c| self.states_for(c).contains(&state))
    }

    /// The condition types some state stands for, in [`ConditionType::ALL`] order: the
    /// conditions the lifecycle owns on an object.
    pub fn condition_types(&self) -> Vec<ConditionType> {
        ConditionType::ALL
            .into_iter()
            .filter(|&c| !self.states_for(c).is_empty())
            .collect()
    }
}
