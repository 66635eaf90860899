// An action declared twice is rejected at its second name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed), action(paint, states = Opened))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
