// A gated action in a state that does not allow it is E0277 naming the action and state.
use lifecycle_model::{HasPhase, Lifecycle, NoRole, RoleMarker, StateMarker, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = door)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed))]
enum DoorState {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

struct Door {
    state: DoorState,
    colour: &'static str,
}

impl HasPhase<DoorState> for Door {
    fn phase(&self) -> Option<DoorState> {
        Some(self.state)
    }
    fn set_phase(&mut self, phase: DoorState) {
        self.state = phase;
    }
}

trait DoorOps<S, R> {
    fn paint(&mut self, colour: &'static str)
    where
        S: door::CanPaint<R>;
}

impl<S, R> DoorOps<S, R> for Typed<Door, S, R>
where
    S: StateMarker<Phase = DoorState>,
    R: RoleMarker<Role = NoRole>,
{
    fn paint(&mut self, colour: &'static str)
    where
        S: door::CanPaint<R>,
    {
        self.update(|d| d.colour = colour);
    }
}

fn main() {
    let door = Door {
        state: DoorState::Opened,
        colour: "white",
    };
    let mut opened: Typed<Door, door::Opened> = Typed::try_new(door).ok().unwrap();
    opened.paint("red");
}
