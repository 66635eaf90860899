// A machine with no `#[lifecycle(initial)]` state is rejected at the enum's name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    Closed,
    Opened,
}

fn main() {}
