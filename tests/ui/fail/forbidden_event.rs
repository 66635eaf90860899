// Firing `open` on a locked door is E0277 naming the event and the state, not E0599; so is
// firing it on a door just locked, through a recording handle.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = door)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Locked), event(unlock: Locked -> Closed))]
enum DoorState {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Locked,
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
    let door = Door {
        state: DoorState::Locked,
    };
    let locked: Typed<Door, door::Locked> = Typed::try_new(door).ok().unwrap();
    let _opened = locked.open();
    let closed: Typed<Door, door::Closed> = Typed::try_new(Door { state: DoorState::Closed }).ok().unwrap();
    let _opened = closed.lock().record().open();
}
