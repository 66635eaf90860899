//! The bridge from runtime objects to typed handles, and the typed event methods.

use core::mem::size_of;

use lifecycle_model::{HasPhase, Lifecycle, LifecycleError, Mismatch, Transition, Typed};
use lifecycle_tests::{
    Channel, Door, DoorState, DoorStateEvent, DoorStateEvents, DoorStateTyped, Release, ReleaseOps,
    ReleasePhase, ReleasePhaseEvents, ReleasePhaseTyped, channel, door, release,
};

fn door(state: DoorState) -> Door {
    Door {
        name: "front".to_owned(),
        state,
    }
}

fn release(phase: Option<ReleasePhase>, channel: Option<Channel>) -> Release {
    Release {
        channel,
        phase,
        traffic: 7,
    }
}

#[test]
fn try_new_accepts_the_matching_state() {
    let closed: Typed<Door, door::Closed> = Typed::try_new(door(DoorState::Closed)).unwrap();
    assert_eq!(closed.state(), DoorState::Closed);
    assert_eq!(closed.get().name, "front");
    assert_eq!(closed.name, "front");

    let built: Typed<Release, release::Built, channel::Hotfix> =
        Typed::try_new(release(Some(ReleasePhase::Built), Some(Channel::Hotfix))).unwrap();
    assert_eq!(built.state(), ReleasePhase::Built);
    assert_eq!(built.role(), Channel::Hotfix);
    assert_eq!(
        built.into_inner(),
        release(Some(ReleasePhase::Built), Some(Channel::Hotfix))
    );
}

#[test]
fn try_new_mismatch_hands_the_object_back() {
    let original = door(DoorState::Locked);
    let err = Typed::<Door, door::Opened>::try_new(original.clone()).unwrap_err();
    assert_eq!(err.expected(), "Opened");
    assert_eq!(err.found(), "Locked");
    assert_eq!(
        err.to_string(),
        "expected a `DoorState` object in Opened, found Locked"
    );
    assert_eq!(err.get(), &original);
    assert_eq!(err.into_inner(), original);

    let original = release(Some(ReleasePhase::Draft), Some(Channel::Stable));
    let err =
        Typed::<Release, release::Built, channel::Canary>::try_new(original.clone()).unwrap_err();
    assert_eq!(err.expected(), "built / Canary");
    assert_eq!(err.found(), "draft / Stable");
    assert_eq!(
        err.to_string(),
        "expected a `ReleasePhase` object in built / Canary, found draft / Stable"
    );
    assert_eq!(err.into_inner(), original);

    // Right phase, wrong role.
    let original = release(Some(ReleasePhase::Built), Some(Channel::Stable));
    let err =
        Typed::<Release, release::Built, channel::Canary>::try_new(original.clone()).unwrap_err();
    assert_eq!(err.found(), "built / Stable");
    assert_eq!(err.into_inner(), original);

    let original = release(Some(ReleasePhase::Archived), None);
    let err = Typed::<Release, release::Archived, channel::Stable>::try_new(original.clone())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a `ReleasePhase` object in archived-for-good / Stable, found archived-for-good / no role"
    );
    assert_eq!(err.into_inner(), original);

    let original = release(None, Some(Channel::Canary));
    let err =
        Typed::<Release, release::Draft, channel::Canary>::try_new(original.clone()).unwrap_err();
    assert_eq!(err.found(), "no phase / Canary");
    assert_eq!(err.into_inner(), original);
}

/// The state and role a bridge variant stands for, matched exhaustively: a new state or
/// role breaks this match.
fn release_case(typed: &ReleasePhaseTyped<Release>) -> (ReleasePhase, Channel) {
    use ReleasePhase as P;
    use ReleasePhaseTyped as T;
    match typed {
        T::DraftCanary(t) => (t.state(), t.role()),
        T::DraftStable(t) => (t.state(), t.role()),
        T::DraftHotfix(t) => (t.state(), t.role()),
        T::BuiltCanary(t) => (t.state(), t.role()),
        T::BuiltStable(t) => (t.state(), t.role()),
        T::BuiltHotfix(t) => (t.state(), t.role()),
        T::ShippedCanary(_) => (P::Shipped, Channel::Canary),
        T::ShippedStable(_) => (P::Shipped, Channel::Stable),
        T::ShippedHotfix(_) => (P::Shipped, Channel::Hotfix),
        T::HaltedCanary(_) => (P::Halted, Channel::Canary),
        T::HaltedStable(_) => (P::Halted, Channel::Stable),
        T::HaltedHotfix(_) => (P::Halted, Channel::Hotfix),
        T::ArchivedCanary(_) => (P::Archived, Channel::Canary),
        T::ArchivedStable(_) => (P::Archived, Channel::Stable),
        T::ArchivedHotfix(_) => (P::Archived, Channel::Hotfix),
    }
}

fn door_case(typed: &DoorStateTyped<Door>) -> DoorState {
    match typed {
        DoorStateTyped::Closed(t) => t.state(),
        DoorStateTyped::Opened(_) => DoorState::Opened,
        DoorStateTyped::Locked(_) => DoorState::Locked,
        DoorStateTyped::Demolished(_) => DoorState::Demolished,
    }
}

#[test]
fn from_object_picks_the_variant_of_every_state_and_role() {
    let mut seen = Vec::new();
    for &phase in ReleasePhase::STATES {
        for channel in [Channel::Canary, Channel::Stable, Channel::Hotfix] {
            let object = release(Some(phase), Some(channel));
            let typed = ReleasePhaseTyped::from_object(object.clone()).unwrap();
            assert_eq!(release_case(&typed), (phase, channel));
            assert_eq!(typed.state(), phase);
            assert_eq!(typed.into_inner(), object);
            seen.push((phase, channel));
        }
    }
    assert_eq!(seen.len(), 15);

    for &state in DoorState::STATES {
        let typed = DoorStateTyped::from_object(door(state)).unwrap();
        assert_eq!(door_case(&typed), state);
        assert_eq!(typed.state(), state);
        assert_eq!(typed.into_inner(), door(state));
    }
}

/// The error of a bridge that must fail. `ReleasePhaseTyped` has no `Debug` impl, so
/// `unwrap_err` is out of reach.
fn mismatch<T: HasPhase<ReleasePhase>>(
    result: Result<ReleasePhaseTyped<T>, Mismatch<T>>,
) -> Mismatch<T> {
    match result {
        Ok(typed) => panic!("expected a mismatch, got state {:?}", typed.state()),
        Err(err) => err,
    }
}

#[test]
fn from_object_without_phase_or_role_is_a_mismatch() {
    for object in [
        release(None, Some(Channel::Canary)),
        release(Some(ReleasePhase::Shipped), None),
        release(None, None),
    ] {
        let err = mismatch(ReleasePhaseTyped::from_object(object.clone()));
        assert_eq!(err.expected(), "a declared state and role");
        assert_eq!(err.get(), &object);
        assert_eq!(err.into_inner(), object);
    }
    let err = mismatch(ReleasePhaseTyped::from_object(release(None, None)));
    assert_eq!(
        err.to_string(),
        "expected a `ReleasePhase` object in a declared state and role, found no phase / no role"
    );
    let err = mismatch(ReleasePhaseTyped::from_object(release(
        Some(ReleasePhase::Shipped),
        None,
    )));
    assert_eq!(err.found(), "shipped / no role");
}

#[test]
fn event_methods_write_the_phase() {
    let closed: Typed<Door, door::Closed> = Typed::try_new(door(DoorState::Closed)).unwrap();
    let opened: Typed<Door, door::Opened> = closed.open();
    assert_eq!(opened.state, DoorState::Opened);
    let closed = opened.close();
    assert_eq!(closed.state, DoorState::Closed);
    let locked = closed.lock();
    assert_eq!(locked.state, DoorState::Locked);
    let gone: Typed<Door, door::Demolished> = locked.demolish();
    assert_eq!(gone.state, DoorState::Demolished);
    assert_eq!(gone.into_inner().name, "front");

    let draft: Typed<Release, release::Draft, channel::Canary> =
        Typed::try_new(release(Some(ReleasePhase::Draft), Some(Channel::Canary))).unwrap();
    let built = draft.build();
    assert_eq!(built.phase, Some(ReleasePhase::Built));
    let halted = built.halt();
    assert_eq!(halted.phase, Some(ReleasePhase::Halted));
    let draft = halted.retry();
    assert_eq!(draft.phase, Some(ReleasePhase::Draft));
    let shipped = draft.build().ship();
    assert_eq!(shipped.phase, Some(ReleasePhase::Shipped));
    let archived: Typed<Release, release::Archived, channel::Canary> = shipped.archive();
    let object = archived.into_inner();
    assert_eq!(object.phase, Some(ReleasePhase::Archived));
    assert_eq!(object.channel, Some(Channel::Canary));
    assert_eq!(object.traffic, 7);

    // The typed result agrees with the runtime twin.
    let object = release(Some(ReleasePhase::Built), Some(Channel::Stable));
    let typed: Typed<Release, release::Built, channel::Stable> = Typed::try_new(object).unwrap();
    let by_type = typed.ship().phase;
    assert_eq!(by_type, ReleasePhase::Built.fire("ship").ok());
}

#[test]
fn typed_costs_nothing() {
    assert_eq!(size_of::<Typed<Door, door::Closed>>(), size_of::<Door>());
    assert_eq!(
        size_of::<Typed<Release, release::Built, channel::Canary>>(),
        size_of::<Release>()
    );
    assert_eq!(size_of::<door::Closed>(), 0);
    assert_eq!(size_of::<channel::Hotfix>(), 0);
}

#[test]
fn update_changes_the_object_in_place() {
    let mut shipped: Typed<Release, release::Shipped, channel::Hotfix> =
        Typed::try_new(release(Some(ReleasePhase::Shipped), Some(Channel::Hotfix))).unwrap();
    shipped.update(|r| r.traffic = 50);
    assert_eq!(shipped.traffic, 50);
    // The action-gated method from tests/src/lib.rs goes through `update` too.
    shipped.promote(100);
    assert_eq!(shipped.traffic, 100);
    assert_eq!(shipped.phase, Some(ReleasePhase::Shipped));
    let clone = shipped.clone();
    assert_eq!(clone.into_inner(), shipped.into_inner());
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "Typed::update changed the phase or role of a `ReleasePhase` object")]
fn update_that_changes_the_phase_panics_in_debug() {
    let mut built: Typed<Release, release::Built, channel::Canary> =
        Typed::try_new(release(Some(ReleasePhase::Built), Some(Channel::Canary))).unwrap();
    built.update(|r| r.phase = Some(ReleasePhase::Halted));
}

#[test]
fn typed_debug_shows_the_object() {
    let closed: Typed<Door, door::Closed> = Typed::try_new(door(DoorState::Closed)).unwrap();
    assert_eq!(
        format!("{closed:?}"),
        "Typed(Door { name: \"front\", state: Closed })"
    );
    let err = Typed::<Door, door::Opened>::try_new(door(DoorState::Closed)).unwrap_err();
    assert_eq!(
        format!("{err:?}"),
        "Mismatch { machine: \"DoorState\", expected: \"Opened\", found: \"Closed\", .. }"
    );
}

/// A door whose state is not recorded yet.
#[derive(Debug, Clone, PartialEq)]
struct UnsetDoor(Option<DoorState>);

impl HasPhase<DoorState> for UnsetDoor {
    fn phase(&self) -> Option<DoorState> {
        self.0
    }
    fn set_phase(&mut self, phase: DoorState) {
        self.0 = Some(phase);
    }
}

#[test]
fn from_object_without_roles_reads_the_phase_alone() {
    for &state in DoorState::STATES {
        let typed = DoorStateTyped::from_object(UnsetDoor(Some(state))).unwrap();
        assert_eq!(typed.state(), state);
        assert_eq!(typed.into_inner(), UnsetDoor(Some(state)));
    }
    let err = match DoorStateTyped::from_object(UnsetDoor(None)) {
        Ok(typed) => panic!("expected a mismatch, got state {:?}", typed.state()),
        Err(err) => err,
    };
    assert_eq!(err.expected(), "a declared state");
    assert_eq!(
        err.to_string(),
        "expected a `DoorState` object in a declared state, found no phase"
    );
    assert_eq!(err.into_inner(), UnsetDoor(None));
}

#[test]
fn a_recording_handle_records_its_move() {
    let closed: Typed<Door, door::Closed> = Typed::try_new(door(DoorState::Closed)).unwrap();
    let locked = closed.record().lock();
    assert_eq!(
        locked.transition(),
        Transition::fired(DoorStateEvent::Lock, DoorState::Closed, DoorState::Locked)
    );
    assert_eq!(locked.state, DoorState::Locked);
    // Without `record`, the event returns the plain handle of the next state.
    let closed: Typed<Door, door::Closed> = locked.into_handle().unlock();
    let gone = closed.record().demolish();
    assert_eq!(
        gone.transition().to_string(),
        "demolish: Closed → Demolished"
    );
    let (handle, transition) = gone.into_parts();
    assert_eq!(handle.state, DoorState::Demolished);
    assert_eq!(transition.note(), "Closed → Demolished");
    assert_eq!(transition.reason(), "Demolish");

    // A multi-source event records the state it actually left.
    let locked: Typed<Door, door::Locked> = Typed::try_new(door(DoorState::Locked)).unwrap();
    assert_eq!(
        locked.record().demolish().transition().from(),
        Some(DoorState::Locked)
    );
    // With roles, the role stays in the type.
    let built: Typed<Release, release::Built, channel::Canary> =
        Typed::try_new(release(Some(ReleasePhase::Built), Some(Channel::Canary))).unwrap();
    let shipped: Typed<Release, release::Shipped, channel::Canary> =
        built.record().ship().into_handle();
    assert_eq!(shipped.phase, Some(ReleasePhase::Shipped));
}

#[test]
fn fire_moves_from_whichever_state_the_object_is_in() {
    for from in [DoorState::Closed, DoorState::Locked] {
        let typed = DoorStateTyped::from_object(door(from)).unwrap();
        let moved = typed.fire(DoorStateEvent::Demolish).unwrap();
        assert_eq!(moved.state(), DoorState::Demolished);
        assert!(matches!(*moved, DoorStateTyped::Demolished(_)));
        assert_eq!(
            moved.transition(),
            Transition::fired(DoorStateEvent::Demolish, from, DoorState::Demolished)
        );
    }

    // Roles stay as they were.
    let shipped =
        ReleasePhaseTyped::from_object(release(Some(ReleasePhase::Shipped), Some(Channel::Stable)))
            .unwrap();
    let (halted, transition) = shipped
        .fire(lifecycle_tests::ReleasePhaseEvent::Halt)
        .unwrap()
        .into_parts();
    assert!(matches!(halted, ReleasePhaseTyped::HaltedStable(_)));
    assert_eq!(transition.to_string(), "halt: shipped → halted");
}

#[test]
fn fire_from_a_state_the_event_does_not_leave_gives_the_object_back() {
    let opened = DoorStateTyped::from_object(door(DoorState::Opened)).unwrap();
    let Err(refused) = opened.fire(DoorStateEvent::Demolish) else {
        panic!("demolish does not fire from Opened")
    };
    assert_eq!(
        refused.to_string(),
        "event `demolish` cannot fire from `Opened` in `DoorState`; it fires from: Closed, Locked"
    );
    assert!(matches!(
        refused.error(),
        LifecycleError::EventNotAllowed { allowed_from, .. } if *allowed_from == ["Closed", "Locked"]
    ));
    assert_eq!(refused.into_inner(), door(DoorState::Opened));
}

#[test]
fn enter_writes_the_entry_state_into_an_object_without_a_phase() {
    let entered = ReleasePhase::enter(release(None, Some(Channel::Hotfix))).unwrap();
    assert_eq!(
        entered.transition(),
        Transition::entered(ReleasePhase::Draft)
    );
    assert_eq!(entered.transition().to_string(), "entered draft");
    let object = entered.into_handle();
    assert_eq!(
        object,
        release(Some(ReleasePhase::Draft), Some(Channel::Hotfix))
    );
    assert!(matches!(
        ReleasePhaseTyped::from_object(object),
        Ok(ReleasePhaseTyped::DraftHotfix(_))
    ));
}

#[test]
fn enter_refuses_an_object_that_has_a_phase_and_hands_it_back() {
    let refused =
        ReleasePhase::enter(release(Some(ReleasePhase::Built), Some(Channel::Canary))).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a `ReleasePhase` object in `built` has entered its lifecycle already; only an object without a phase enters it"
    );
    assert!(matches!(
        refused.error(),
        LifecycleError::AlreadyEntered {
            machine: "ReleasePhase",
            phase: "built"
        }
    ));
    assert_eq!(
        refused.into_inner(),
        release(Some(ReleasePhase::Built), Some(Channel::Canary))
    );
}
