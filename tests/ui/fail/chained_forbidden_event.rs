// A chain of moves is checked move by move, recording or not: `lock` returns a locked door,
// and `open` on it, recorded, is E0277 naming the event and the state it fires from.
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
        state: DoorState::Closed,
    };
    let closed: Typed<Door, door::Closed> = Typed::try_new(door).ok().unwrap();
    let _opened = closed.lock().record().open();
}
