// `phase_field` with field-naming actions yields object-level CEL rules for every role.
use lifecycle_model::Lifecycle;
use schemars::JsonSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(schema, phase_field = "status.phase", roles = Channel)]
#[lifecycle(role(Canary, cel = "self.spec.channel == 'Canary'"))]
#[lifecycle(role(Stable, cel = "self.spec.channel == 'Stable'"))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary, field = "spec.traffic"))]
enum ReleasePhase {
    #[lifecycle(initial)]
    Draft,
    Built,
}

#[derive(JsonSchema)]
struct Spec {
    channel: Channel,
    traffic: u8,
}

#[derive(JsonSchema)]
struct Status {
    phase: Option<ReleasePhase>,
}

#[derive(JsonSchema)]
#[schemars(transform = lifecycle_model::schema::action_rules::<ReleasePhase>)]
struct Release {
    spec: Spec,
    status: Status,
}

fn main() {
    let machine = ReleasePhase::machine();
    assert_eq!(machine.phase_field.as_deref(), Some("status.phase"));
    assert_eq!(machine.actions[0].field.as_deref(), Some("spec.traffic"));

    let schema = serde_json::to_value(schemars::schema_for!(Release)).unwrap();
    let rules = schema["x-kubernetes-validations"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["fieldPath"], ".spec.traffic");
    assert_eq!(rules[0]["reason"], "FieldValueForbidden");
    let rule = rules[0]["rule"].as_str().unwrap();
    assert!(rule.contains("self.spec.channel == 'Canary'"), "{rule}");
    assert!(rule.contains("self.status.phase"), "{rule}");
}
