// A state stands for at most one standard condition: the second is rejected.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(start: Pending -> Running), event(stop: Running -> Pending))]
#[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
enum Job {
    #[lifecycle(initial, reconciling)]
    Pending,
    #[lifecycle(ready, stalled)]
    Running,
    #[lifecycle(suspended, ready)]
    Paused,
}

fn main() {}
