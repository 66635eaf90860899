// `#[serde(rename_all)]` and `#[serde(rename)]` set the wire names the runtime and CEL use.
use lifecycle_model::Lifecycle;
use serde::{Deserialize, Serialize};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[lifecycle(schema)]
#[lifecycle(event(spin_up: ColdStandby -> WarmStandby), event(spin_down: WarmStandby -> ColdStandby))]
#[lifecycle(event(decommission: ColdStandby -> Retired))]
enum Replica {
    #[lifecycle(initial)]
    ColdStandby,
    WarmStandby,
    #[serde(rename = "gone")]
    #[lifecycle(terminal)]
    Retired,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[lifecycle(event(go: NotStarted -> InProgress), event(back: InProgress -> NotStarted))]
enum Step {
    #[lifecycle(initial)]
    NotStarted,
    InProgress,
}

fn main() {
    assert_eq!(Replica::ColdStandby.name(), "cold-standby");
    assert_eq!(Replica::Retired.name(), "gone");
    assert_eq!(
        Replica::from_name("warm-standby"),
        Some(Replica::WarmStandby)
    );
    for state in Replica::STATES {
        // The runtime's names are serde's names.
        assert_eq!(serde_json::to_value(state).unwrap(), state.name());
    }
    let schema = serde_json::to_value(schemars::schema_for!(Replica)).unwrap();
    assert_eq!(
        schema["enum"],
        serde_json::json!(["cold-standby", "warm-standby", "gone"])
    );
    assert_eq!(Step::InProgress.name(), "IN_PROGRESS");
    assert_eq!(Step::from_name("NOT_STARTED"), Some(Step::NotStarted));
}
