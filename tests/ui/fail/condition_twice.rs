// `ready` given twice on one variant is rejected at the second.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(start: Pending -> Running), event(stop: Running -> Pending))]
enum Job {
    #[lifecycle(initial)]
    Pending,
    #[lifecycle(ready)]
    #[lifecycle(ready)]
    Running,
}

fn main() {}
