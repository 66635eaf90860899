//! The checks of `DoorState` and `ReleasePhase`, written by hand as a reviewer would
//! expect them, returning the same values and errors as the derived ones; `#[inline]`
//! like the derived methods. Shared by the `runtime` and `sweeps` benches.

use lifecycle_model::{Lifecycle, LifecycleError};
use lifecycle_tests::{
    Channel, DoorState, DoorStateEvent, ReleasePhase, ReleasePhaseAction, ReleasePhaseEvent,
};

#[inline]
pub(crate) fn door_can_transition(from: DoorState, to: DoorState) -> bool {
    use DoorState::*;
    from == to
        || matches!(
            (from, to),
            (Closed, Opened)
                | (Closed, Locked)
                | (Closed, Demolished)
                | (Opened, Closed)
                | (Locked, Closed)
                | (Locked, Demolished)
        )
}

#[inline]
pub(crate) fn door_on(
    state: DoorState,
    event: DoorStateEvent,
) -> Result<DoorState, LifecycleError> {
    use DoorState::*;
    use DoorStateEvent as E;
    match (event, state) {
        (E::Open, Closed) => Ok(Opened),
        (E::Close, Opened) => Ok(Closed),
        (E::Lock, Closed) => Ok(Locked),
        (E::Unlock, Locked) => Ok(Closed),
        (E::Demolish, Closed | Locked) => Ok(Demolished),
        (E::Open, from) => Err(not_allowed(from, "open", &[Closed])),
        (E::Close, from) => Err(not_allowed(from, "close", &[Opened])),
        (E::Lock, from) => Err(not_allowed(from, "lock", &[Closed])),
        (E::Unlock, from) => Err(not_allowed(from, "unlock", &[Locked])),
        (E::Demolish, from) => Err(not_allowed(from, "demolish", &[Closed, Locked])),
    }
}

#[inline]
pub(crate) fn release_can_transition(from: ReleasePhase, to: ReleasePhase) -> bool {
    use ReleasePhase::*;
    from == to
        || matches!(
            (from, to),
            (Draft, Built)
                | (Built, Shipped)
                | (Built, Halted)
                | (Shipped, Halted)
                | (Shipped, Archived)
                | (Halted, Draft)
                | (Halted, Archived)
        )
}

#[inline]
pub(crate) fn release_on(
    state: ReleasePhase,
    event: ReleasePhaseEvent,
) -> Result<ReleasePhase, LifecycleError> {
    use ReleasePhase::*;
    use ReleasePhaseEvent as E;
    match (event, state) {
        (E::Build, Draft) => Ok(Built),
        (E::Ship, Built) => Ok(Shipped),
        (E::Halt, Built | Shipped) => Ok(Halted),
        (E::Retry, Halted) => Ok(Draft),
        (E::Archive, Shipped | Halted) => Ok(Archived),
        (E::Build, from) => Err(not_allowed(from, "build", &[Draft])),
        (E::Ship, from) => Err(not_allowed(from, "ship", &[Built])),
        (E::Halt, from) => Err(not_allowed(from, "halt", &[Built, Shipped])),
        (E::Retry, from) => Err(not_allowed(from, "retry", &[Halted])),
        (E::Archive, from) => Err(not_allowed(from, "archive", &[Shipped, Halted])),
    }
}

#[inline]
pub(crate) fn release_allows(
    state: ReleasePhase,
    role: Channel,
    action: ReleasePhaseAction,
) -> bool {
    use ReleasePhase::*;
    match action {
        ReleasePhaseAction::Promote => {
            matches!(state, Built | Shipped) && matches!(role, Channel::Canary | Channel::Hotfix)
        }
        ReleasePhaseAction::Rollback => matches!(state, Shipped | Halted),
    }
}

fn not_allowed<P: Lifecycle>(from: P, event: &'static str, sources: &[P]) -> LifecycleError {
    LifecycleError::EventNotAllowed {
        machine: P::NAME,
        event,
        from: from.name(),
        allowed_from: sources.iter().map(|s| s.name()).collect(),
    }
}
