// An event names one verb: the second `verb` is the error.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(pause: Running -> Paused, verb = "pause", verb = "halt"))]
#[lifecycle(event(resume: Paused -> Running))]
enum Desired {
    #[lifecycle(initial)]
    Running,
    Paused,
}

fn main() {}
