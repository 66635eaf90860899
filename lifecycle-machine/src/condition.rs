//! The standard status conditions a state stands for.

use std::fmt;

use crate::Machine;

/// A standard condition type, as Kubernetes' kstatus library reads a resource's health:
/// `Ready` when the object is steady and healthy, `Reconciling` while it moves toward what
/// its spec asks, `Stalled` when it cannot get there without help. `Suspended` marks a
/// state the object rests in because it was asked to (`Paused`): it is settled, so
/// `Ready` holds there too, and `Suspended` tells it apart from running (Argo CD's
/// `Suspended` health).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionType {
    /// Steady and healthy.
    Ready,
    /// Moving toward the desired state.
    Reconciling,
    /// Stuck: it will not get there on its own.
    Stalled,
    /// Resting where it was asked to be, doing no work: settled, and so `Ready` as well.
    Suspended,
}

impl ConditionType {
    /// The four, in the order conditions are listed.
    pub const ALL: [ConditionType; 4] = [
        ConditionType::Ready,
        ConditionType::Reconciling,
        ConditionType::Stalled,
        ConditionType::Suspended,
    ];

    /// The condition's `type`, as it appears in `status.conditions`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionType::Ready => "Ready",
            ConditionType::Reconciling => "Reconciling",
            ConditionType::Stalled => "Stalled",
            ConditionType::Suspended => "Suspended",
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
            ConditionType::Suspended => &self.suspended,
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
    /// conditions the lifecycle owns on an object. A suspended state brings `Ready`
    /// along, since it holds there.
    pub fn condition_types(&self) -> Vec<ConditionType> {
        ConditionType::ALL
            .into_iter()
            .filter(|&c| {
                !self.states_for(c).is_empty()
                    || (c == ConditionType::Ready && !self.suspended.is_empty())
            })
            .collect()
    }

    /// Whether `condition` holds in `state`: it does in the states that stand for it,
    /// and `Ready` holds in suspended states as well.
    ///
    /// ```
    /// use lifecycle_machine::{ConditionType, Machine};
    ///
    /// let mut machine = Machine::new("Job", ["Running", "Paused"]);
    /// machine.ready = vec![0];
    /// machine.suspended = vec![1];
    /// assert!(machine.condition_holds(1, ConditionType::Ready));
    /// assert!(machine.condition_holds(1, ConditionType::Suspended));
    /// assert!(!machine.condition_holds(0, ConditionType::Suspended));
    /// ```
    pub fn condition_holds(&self, state: usize, condition: ConditionType) -> bool {
        self.states_for(condition).contains(&state)
            || (condition == ConditionType::Ready && self.suspended.contains(&state))
    }
}
