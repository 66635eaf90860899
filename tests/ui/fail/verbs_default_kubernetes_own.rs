// Under `verbs`, an event named like one of Kubernetes' own verbs needs a verb of its own:
// the error is at the event's name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(verbs, event(pause: Running -> Paused), event(resume: Paused -> Running))]
#[lifecycle(event(delete: Running | Paused -> Deleting))]
enum Desired {
    #[lifecycle(initial)]
    Running,
    Paused,
    #[lifecycle(terminal)]
    Deleting,
}

fn main() {}
