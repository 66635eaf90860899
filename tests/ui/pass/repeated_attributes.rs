// Several `#[lifecycle(...)]` attributes, on the enum and on a variant, are merged.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = light)]
#[lifecycle(event(switch_on: Off -> On))]
#[lifecycle(event(switch_off: On -> Off))]
#[lifecycle(event(burn_out: On -> Broken), action(dim, states = On))]
enum Light {
    #[lifecycle(initial)]
    Off,
    On,
    #[lifecycle(initial)]
    #[lifecycle(terminal)]
    Broken,
}

fn main() {
    assert_eq!(
        Light::EVENTS,
        &[
            LightEvent::SwitchOn,
            LightEvent::SwitchOff,
            LightEvent::BurnOut
        ]
    );
    assert_eq!(LightEvent::SwitchOn.to_string(), "switch_on");
    assert_eq!(Light::ACTIONS, &[LightAction::Dim]);
    assert_eq!(Light::INITIAL, &[Light::Off, Light::Broken]);
    assert!(Light::On.allows(lifecycle_model::NoRole, LightAction::Dim));
    assert!(!Light::Off.allows(lifecycle_model::NoRole, LightAction::Dim));
    // The marker module is the one `module = light` named.
    let _: light::On = light::On;
}
