// An action allowed in every state for every role is rejected at its name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed | Opened))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
