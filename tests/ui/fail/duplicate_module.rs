// `module` given twice is rejected at the second key.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = door, event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(module = door_state)]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
