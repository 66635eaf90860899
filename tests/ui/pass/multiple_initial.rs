// Several variants may be `initial`: each is a root of reachability.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(start: Queued | Imported -> Running), event(finish: Running -> Done))]
enum Job {
    #[lifecycle(initial)]
    Queued,
    #[lifecycle(initial)]
    Imported,
    Running,
    #[lifecycle(terminal)]
    Done,
}

fn main() {
    assert_eq!(Job::INITIAL, &[Job::Queued, Job::Imported]);
    assert_eq!(Job::TERMINAL, &[Job::Done]);
    assert_eq!(Job::machine().initial, vec![0, 1]);
    assert!(Job::can_transition(Job::Imported, Job::Running));
}
