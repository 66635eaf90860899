// `initial` given twice on one variant is rejected at the second.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
