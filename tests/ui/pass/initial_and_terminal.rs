// A state may be both initial and terminal; a one-state machine needs no events.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
enum Tombstone {
    #[lifecycle(initial, terminal)]
    Gone,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(begin: Pending -> Active), event(skip: Pending -> Finished))]
#[lifecycle(event(end: Active -> Finished))]
enum Task {
    #[lifecycle(initial)]
    Pending,
    Active,
    #[lifecycle(initial)]
    #[lifecycle(terminal)]
    Finished,
}

fn main() {
    assert_eq!(Tombstone::INITIAL, Tombstone::TERMINAL);
    assert!(Tombstone::EVENTS.is_empty());
    assert!(Tombstone::can_transition(Tombstone::Gone, Tombstone::Gone));
    assert!(Tombstone::machine().problems().is_empty());

    assert_eq!(Task::INITIAL, &[Task::Pending, Task::Finished]);
    assert_eq!(Task::TERMINAL, &[Task::Finished]);
    assert!(!Task::can_transition(Task::Finished, Task::Pending));
}
