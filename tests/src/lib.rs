//! Machines shared by the tests of the lifecycle workspace: a door without roles, and a
//! release pipeline with roles, actions and a schema.

pub mod scenarios;
pub mod strategies;
pub mod structural;
pub mod upstream;

use lifecycle_model::{HasPhase, Lifecycle, Typed};
use serde::{Deserialize, Serialize};

/// A door: the smallest machine with a terminal state and a multi-source event.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(module = door)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Locked), event(unlock: Locked -> Closed))]
#[lifecycle(event(demolish: Closed | Locked -> Demolished))]
pub enum DoorState {
    /// Shut, not locked.
    #[lifecycle(initial)]
    Closed,
    /// Open.
    Opened,
    /// Shut and locked.
    Locked,
    /// Gone for good.
    #[lifecycle(terminal)]
    Demolished,
}

/// The object that holds a [`DoorState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    /// The door's name.
    pub name: String,
    /// Its state.
    pub state: DoorState,
}

impl HasPhase<DoorState> for Door {
    fn phase(&self) -> Option<DoorState> {
        Some(self.state)
    }
    fn set_phase(&mut self, phase: DoorState) {
        self.state = phase;
    }
}

/// The kind of a release: which deploy actions it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// A canary release.
    Canary,
    /// A stable release.
    Stable,
    /// A hotfix.
    Hotfix,
}

/// A release: roles, actions with fields, a schema, and serde renames.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[lifecycle(module = release, roles = Channel, role_module = channel)]
#[lifecycle(role(Canary, cel = "self.channel == 'canary'"))]
#[lifecycle(role(Stable, cel = "self.channel == 'stable'"))]
#[lifecycle(role(Hotfix, cel = "self.channel == 'hotfix'"))]
#[lifecycle(schema, phase_field = "status.phase")]
#[lifecycle(event(build: Draft -> Built), event(ship: Built -> Shipped, verb = "ship-release"))]
#[lifecycle(event(halt: Built | Shipped -> Halted), event(retry: Halted -> Draft))]
#[lifecycle(event(archive: Shipped | Halted -> Archived))]
#[lifecycle(action(promote, states = Built | Shipped, roles = Canary | Hotfix, field = "traffic"))]
#[lifecycle(action(rollback, states = Shipped | Halted))]
pub enum ReleasePhase {
    /// Being written.
    #[default]
    #[lifecycle(initial)]
    Draft,
    /// Built, not yet shipped.
    Built,
    /// Out in the world.
    Shipped,
    /// Stopped.
    Halted,
    /// Done for good.
    #[serde(rename = "archived-for-good")]
    #[lifecycle(terminal)]
    Archived,
}

/// The object that holds a [`ReleasePhase`] and a [`Channel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its channel, the role.
    pub channel: Option<Channel>,
    /// Its phase.
    pub phase: Option<ReleasePhase>,
    /// Percent of traffic.
    pub traffic: u8,
}

impl HasPhase<ReleasePhase> for Release {
    fn phase(&self) -> Option<ReleasePhase> {
        self.phase
    }
    fn set_phase(&mut self, phase: ReleasePhase) {
        self.phase = Some(phase);
    }
    fn role(&self) -> Option<Channel> {
        self.channel
    }
}

/// Operations gated on [`ReleasePhase`] actions, the way users write their own.
pub trait ReleaseOps<S, R> {
    /// Moves traffic; compiles only where `promote` is allowed.
    fn promote(&mut self, traffic: u8)
    where
        S: release::CanPromote<R>;
}

impl<S, R> ReleaseOps<S, R> for Typed<Release, S, R>
where
    S: lifecycle_model::StateMarker<Phase = ReleasePhase>,
    R: lifecycle_model::RoleMarker<Role = Channel>,
{
    fn promote(&mut self, traffic: u8)
    where
        S: release::CanPromote<R>,
    {
        self.update(|r| r.traffic = traffic);
    }
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
