// A struct variant is rejected at its fields: states carry no data.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened {
        angle: u8,
    },
}

fn main() {}
