// A state no event leads to from an initial state is rejected at its variant.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(unlock: Locked -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Locked,
}

fn main() {}
