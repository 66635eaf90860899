// A data-carrying state is rejected at its fields, and that is the only error: the stub
// still generates the `module = ...` markers, the role markers, the event and action
// enums, the events trait and the bridge, so code that uses them adds no second wave.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = hinge, roles = Side, role_module = side, role(Left), role(Right))]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(oil, states = Opened, roles = Left))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened(u8),
}

struct Gate {
    door: Door,
}

impl HasPhase<Door> for Gate {
    fn phase(&self) -> Option<Door> {
        Some(self.door)
    }
    fn set_phase(&mut self, door: Door) {
        self.door = door;
    }
}

fn swing(closed: Typed<Gate, hinge::Closed, side::Left>) -> Typed<Gate, hinge::Closed, side::Left> {
    closed.open().close()
}

fn check<S: hinge::CanOil<side::Left>>() {}

fn main() {
    let _ = (DoorEvent::Open, DoorAction::Oil, Door::NAME);
    let _ = DoorTyped::from_object(Gate { door: Door::Closed }).map(DoorTyped::into_inner);
    let _ = swing;
    let _ = (Door::enter::<Gate>, DoorTyped::<Gate>::fire);
    check::<hinge::Opened>();
}
