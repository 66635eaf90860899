// An event's verb may not be one of Kubernetes' own: everyone who may patch would fire it.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(pause: Running -> Paused, verb = "patch"))]
#[lifecycle(event(resume: Paused -> Running))]
enum Desired {
    #[lifecycle(initial)]
    Running,
    Paused,
}

fn main() {}
