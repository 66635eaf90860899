// `crate = "..."` makes the generated code reach the runtime through another path.
extern crate lifecycle_model as lm;

use lm::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(crate = "lm", schema)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

mod renamed {
    pub(crate) use lm as runtime;
}

#[derive(lm::Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(crate = "crate::renamed::runtime")]
#[lifecycle(event(start: Idle -> Busy), event(stop: Busy -> Idle))]
enum Worker {
    #[lifecycle(initial)]
    Idle,
    Busy,
}

fn main() {
    assert!(Door::can_transition(Door::Closed, Door::Opened));
    assert_eq!(Door::NAME, "Door");
    let schema = lm::schema::phase_schema::<Door>();
    assert_eq!(schema.get("type").and_then(|t| t.as_str()), Some("string"));
    assert_eq!(Worker::Idle.fire("start"), Ok(Worker::Busy));
}
