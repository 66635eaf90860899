// An event source that is not a variant is rejected at that name, listing the states.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(slam: Opend -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
