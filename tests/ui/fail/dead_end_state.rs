// A non-terminal state no event leaves is rejected at its variant.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Locked))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Locked,
}

fn main() {}
