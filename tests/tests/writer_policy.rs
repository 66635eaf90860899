//! The client-side twin of the writer policy. For random machines, writers and requests,
//! the generated CEL (the policy's two variables, its validation and its
//! messageExpression), evaluated by a CEL interpreter over the admission request's shape,
//! gives the verdict and the words that `Machine::writer_verdict` computes natively, the
//! verdict `WriterPolicy::verdict` explains before sending. The server's side is checked
//! end to end in `e2e/writers.rs`.

use std::sync::Arc;

use cel::{Context, Program, Value as Cel};
use lifecycle_tests::strategies;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The object with `phase` at the dotted `field`, or without it.
fn object(field: &str, phase: Option<&str>) -> Value {
    let mut object = json!({ "metadata": { "name": "x" }, "spec": { "replicas": 1 } });
    if let Some(phase) = phase {
        let mut at = &mut object;
        for part in field.split('.') {
            if at.get(part).is_none() {
                at[part] = json!({});
            }
            at = &mut at[part];
        }
        *at = json!(phase);
    }
    object
}

fn eval(source: &str, context: &Context<'_>) -> Cel {
    let program = Program::compile(source).unwrap_or_else(|e| panic!("{source}: {e:?}"));
    program
        .execute(context)
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

/// What the policy's CEL says of `username` updating `old` into `new`.
fn policy_verdict(
    rule: &lifecycle_model::machine::WriterRule,
    username: &str,
    old: &Value,
    new: &Value,
) -> Result<(), String> {
    let mut context = Context::default();
    context.add_variable_from_value("oldObject", cel::to_value(old).unwrap());
    context.add_variable_from_value("object", cel::to_value(new).unwrap());
    context.add_variable_from_value(
        "request",
        cel::to_value(json!({ "operation": "UPDATE", "userInfo": { "username": username } }))
            .unwrap(),
    );
    let old_phase = eval(&rule.old_phase, &context);
    let new_phase = eval(&rule.new_phase, &context);
    let text = |v: &Cel| match v {
        Cel::String(s) => Arc::clone(s).to_string(),
        other => panic!("a phase that is not a string: {other:?}"),
    };
    context.add_variable_from_value(
        "variables",
        cel::to_value(json!({ "oldPhase": text(&old_phase), "newPhase": text(&new_phase) }))
            .unwrap(),
    );
    match eval(&rule.expression, &context) {
        Cel::Bool(true) => Ok(()),
        Cel::Bool(false) => match eval(&rule.message_expression, &context) {
            Cel::String(message) => Err(message.to_string()),
            other => panic!("a message that is not a string: {other:?}"),
        },
        other => panic!("a verdict that is not a bool: {other:?}"),
    }
}

const FIELDS: [&str; 3] = ["phase", "status.phase", "spec.lifecycle.desiredPhase"];
const USERS: [&str; 4] = [
    "alice",
    "system:serviceaccount:ops:controller",
    "o'brien",
    "back\\slash",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_policys_cel_gives_the_native_verdict_word_for_word(
        machine in strategies::machine(),
        field in prop::sample::select(FIELDS.to_vec()),
        writers in prop::sample::subsequence(USERS.to_vec(), 0..=2),
        username in prop::sample::select(USERS.to_vec()),
        old in any::<Option<prop::sample::Index>>(),
        new in any::<Option<prop::sample::Index>>(),
    ) {
        let writers: Vec<String> = writers.into_iter().map(str::to_owned).collect();
        let pick = |i: &Option<prop::sample::Index>| i.as_ref().map(|i| machine.states[i.index(machine.states.len())].clone());
        let (old, new) = (pick(&old), pick(&new));
        let rule = machine.writer_rule(field, &writers).expect("a selectable field");
        let native = machine.writer_verdict(field, &writers, username, old.as_deref(), new.as_deref());
        let cel = policy_verdict(&rule, username, &object(field, old.as_deref()), &object(field, new.as_deref()));
        prop_assert_eq!(&cel, &native);
        // Writers always pass; anyone passes when the phase stays put.
        if writers.iter().any(|w| w == username) || old == new {
            prop_assert!(native.is_ok());
        }
    }
}
