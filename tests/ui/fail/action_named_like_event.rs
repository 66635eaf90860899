// An action with the name of an event is rejected at the action's name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(open, states = Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
