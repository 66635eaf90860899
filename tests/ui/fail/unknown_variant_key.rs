// An unknown variant-level key is rejected at the key, listing the valid ones.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    #[lifecycle(final)]
    Opened,
}

fn main() {}
