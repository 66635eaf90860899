// An event takes `verb` and nothing else after its target.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(pause: Running -> Paused, verbs = "pause"))]
#[lifecycle(event(resume: Paused -> Running))]
enum Desired {
    #[lifecycle(initial)]
    Running,
    Paused,
}

fn main() {}
