// An event whose target is unknown is rejected at that name; its method and its value
// still exist, so code that calls them adds no second error.
use lifecycle_model::{HasPhase, Typed};

#[derive(lifecycle_model::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Lokced))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

struct House {
    door: Door,
}

impl HasPhase<Door> for House {
    fn phase(&self) -> Option<Door> {
        Some(self.door)
    }
    fn set_phase(&mut self, door: Door) {
        self.door = door;
    }
}

fn main() {
    let closed: Typed<House, door::Closed> = Typed::try_new(House { door: Door::Closed }).unwrap();
    let _ = closed.lock();
    let _ = DoorEvent::Lock;
}
