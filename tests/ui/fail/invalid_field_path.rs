// An action `field` that is not a dotted path of identifiers is rejected at the string.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(phase_field = "status.phase")]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(scale, states = Opened, field = "spec..replicas"))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
