// An action `field` on a machine without `phase_field` is rejected at the field.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed, field = "spec.color"))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
