// An event target that is not a variant is rejected at that name, listing the states.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed -> Lokced))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
