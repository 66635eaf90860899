// `enforce_initial` given twice is rejected at the second.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(enforce_initial, event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(enforce_initial)]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
