// The smallest machine: one initial state, one other, an event each way.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {
    assert_eq!(Door::STATES, &[Door::Closed, Door::Opened]);
    assert_eq!(Door::INITIAL, &[Door::Closed]);
    assert!(Door::can_transition(Door::Closed, Door::Opened));
    assert_eq!(Door::Closed.fire("open"), Ok(Door::Opened));
}
