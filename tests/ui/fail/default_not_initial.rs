// With `enforce_initial`, an absent phase must read as a state an object may start in.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[lifecycle(enforce_initial, event(start: Pending -> Running), event(stop: Running -> Pending))]
enum Job {
    #[lifecycle(initial)]
    Pending,
    #[default]
    Running,
}

fn main() {}
