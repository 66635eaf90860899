// A former name must name one state only: not a state's name, not another state's
// former name; and `alias` takes a name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(fail: Running -> Backoff), event(retry: Backoff -> Running))]
#[lifecycle(event(stop: Backoff -> Stopped))]
enum Job {
    #[lifecycle(initial, alias = "Started")]
    Running,
    #[lifecycle(alias = "Running", alias = "Started")]
    Backoff,
    #[lifecycle(terminal, alias)]
    Stopped,
}

fn main() {}
