// An event's verb is lower-case letters, digits and '-': the error is at the literal.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(pause: Running -> Paused, verb = "Pause"))]
#[lifecycle(event(resume: Paused -> Running))]
enum Desired {
    #[lifecycle(initial)]
    Running,
    Paused,
}

fn main() {}
