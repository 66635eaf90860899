// A `phase_field` that is not a dotted path is rejected at the string, with no error per action.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(phase_field = "status..phase")]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed, field = "spec.color"))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
