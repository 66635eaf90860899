// A retired state is kept only for the objects stored in it: nothing moves into it,
// nothing starts in it, and it is left by its exits, so it is not terminal.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(park: Running -> Legacy), event(resume: Legacy -> Running))]
#[lifecycle(event(finish: Running -> Done), event(drop_old: Old -> Done))]
enum Order {
    #[lifecycle(initial)]
    Running,
    #[lifecycle(retired)]
    Legacy,
    #[lifecycle(initial, retired)]
    Old,
    #[lifecycle(terminal, retired)]
    Done,
}

fn main() {}
