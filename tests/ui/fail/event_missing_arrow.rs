// An event without `->` is rejected where the arrow should be, with no graph errors after.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed => Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
