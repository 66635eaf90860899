// `#[default]` marks the state an absent phase field reads as in the CEL rules.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[lifecycle(phase_field = "phase")]
#[lifecycle(event(start: Idle -> Busy), event(stop: Busy -> Idle))]
#[lifecycle(action(resize, states = Idle, field = "size"))]
enum Worker {
    #[default]
    #[lifecycle(initial)]
    Idle,
    Busy,
}

fn main() {
    assert_eq!(Worker::default(), Worker::Idle);
    let machine = Worker::machine();
    assert_eq!(machine.default_state, Some(0));
    let rule = machine.action_rule(0).unwrap().rule;
    // An absent phase reads as the default state, `Idle`.
    assert!(
        rule.contains("(has(self.phase) ? self.phase : 'Idle')"),
        "{rule}"
    );
}
