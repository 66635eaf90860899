// One event may fire from several states: `event(name: A | B -> C)`.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = door)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Locked), event(unlock: Locked -> Closed))]
#[lifecycle(event(demolish: Closed | Opened | Locked -> Demolished))]
enum DoorState {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Locked,
    #[lifecycle(terminal)]
    Demolished,
}

struct Door {
    state: DoorState,
}

impl HasPhase<DoorState> for Door {
    fn phase(&self) -> Option<DoorState> {
        Some(self.state)
    }
    fn set_phase(&mut self, phase: DoorState) {
        self.state = phase;
    }
}

fn main() {
    for from in [DoorState::Closed, DoorState::Opened, DoorState::Locked] {
        assert_eq!(from.on(DoorStateEvent::Demolish), Ok(DoorState::Demolished));
    }
    assert!(DoorState::Demolished.fire("demolish").is_err());

    // The typed method exists in every source state.
    let locked: Typed<Door, door::Locked> = Typed::try_new(Door {
        state: DoorState::Locked,
    })
    .ok()
    .unwrap();
    assert_eq!(locked.demolish().state, DoorState::Demolished);
    let opened: Typed<Door, door::Opened> = Typed::try_new(Door {
        state: DoorState::Opened,
    })
    .ok()
    .unwrap();
    assert_eq!(opened.demolish().state(), DoorState::Demolished);
}
