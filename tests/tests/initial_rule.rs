//! The create-time rule of a machine that enforces its initial states, evaluated as the
//! API server does under `optionalOldSelf: true` (`oldSelf` an optional: empty when the
//! field has no old value), gives the client-side twin's verdict and words for every
//! state; and kube's CEL engine, given the schema through `kube_cel_schema`, agrees.

use std::sync::Arc;

use cel::objects::OptionalValue;
use cel::{Context, Program, Value as Cel};
use lifecycle_model::machine::Machine;
use lifecycle_tests::scenarios::kube_cel_schema;
use lifecycle_tests::strategies;
use proptest::prelude::*;
use serde_json::json;

fn eval(source: &str, phase: &str, old: Option<&str>) -> Cel {
    let program = Program::compile(source).unwrap_or_else(|e| panic!("{source}: {e:?}"));
    let mut context = Context::default();
    context.add_variable_from_value("self", Cel::from(phase.to_owned()));
    let old = match old {
        Some(o) => OptionalValue::of(Cel::from(o.to_owned())),
        None => OptionalValue::none(),
    };
    context.add_variable_from_value("oldSelf", Cel::Opaque(Arc::new(old)));
    program
        .execute(&context)
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

/// The phase schema as `phase_schema` renders it, on an object's `phase` field.
fn schema(machine: &Machine) -> serde_json::Value {
    let mut phase = json!({ "type": "string", "enum": machine.states });
    if let Some(rule) = machine.initial_rule() {
        phase["x-kubernetes-validations"] = json!([{
            "rule": rule,
            "optionalOldSelf": true,
            "message": machine.initial_message(),
            "messageExpression": machine.initial_message_expression(),
        }]);
    }
    json!({ "type": "object", "properties": { "phase": phase } })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_create_rule_gives_the_twins_verdict_and_words(
        mut machine in strategies::machine(),
        enforce in any::<bool>(),
    ) {
        machine.enforce_initial = enforce;
        let rule = machine.initial_rule();
        // Enforced, with some state that may not come first: exactly then is there a rule.
        prop_assert_eq!(
            rule.is_some(),
            enforce && (0..machine.states.len()).any(|s| !machine.initial.contains(&s))
        );
        let validator = kube_core::cel::Validator::new();
        let kube_schema = kube_cel_schema(&schema(&machine));
        for (state, name) in machine.states.iter().enumerate() {
            let denial = machine.start_denial(state);
            prop_assert_eq!(denial.is_none(), !enforce || machine.initial.contains(&state));
            // Without a rule the server admits every first phase; so does the twin.
            let Some(rule) = &rule else {
                prop_assert!(denial.is_none());
                continue;
            };
            prop_assert_eq!(eval(rule, name, None), Cel::Bool(denial.is_none()), "{}", name);
            if let Some(denial) = &denial {
                let said = eval(&machine.initial_message_expression(), name, None);
                prop_assert_eq!(said, Cel::from(denial.clone()));
            }
            // Once the field has a value, the create rule lets the transition rule judge.
            for old in &machine.states {
                prop_assert_eq!(eval(rule, name, Some(old)), Cel::Bool(true));
            }
            let created = validator.validate(&kube_schema, &json!({ "phase": name }), None);
            prop_assert_eq!(created.is_ok(), denial.is_none(), "{:?}", created);
            if let (Err(errors), Some(denial)) = (&created, &denial) {
                prop_assert!(errors[0].to_string().contains(denial.as_str()), "{:?}", errors);
            }
            let updated = validator.validate(
                &kube_schema,
                &json!({ "phase": name }),
                Some(&json!({ "phase": machine.states[0] })),
            );
            prop_assert!(updated.is_ok(), "{:?}", updated);
        }
    }
}

#[test]
fn a_long_list_of_initial_states_is_cut_in_both_messages() {
    let mut machine = strategies::ring(256);
    machine.initial = (0..200).collect();
    machine.enforce_initial = true;
    let message = machine.initial_message();
    assert!(message.ends_with(", ..."), "{message}");
    assert!(message.len() < 600, "{}", message.len());
    let denial = machine.start_denial(255).unwrap();
    assert!(denial.ends_with(", ..."), "{denial}");
    let said = eval(
        &machine.initial_message_expression(),
        &machine.states[255],
        None,
    );
    assert_eq!(said, Cel::from(denial));
}
