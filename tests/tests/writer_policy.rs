//! The client-side twin of the writer policy. For random machines (some of whose events
//! name verbs), writers (users and groups), requests (creates and updates, by users in
//! groups holding verbs) and the resource and its `status` and `scale` subresources (a
//! `Scale` carries no phase), the generated CEL (the policy's two variables, its
//! validations and their messageExpressions), evaluated by a CEL interpreter over the
//! admission request's shape with an authorizer that grants the request's verbs, gives
//! the verdict and the words that `Machine::writer_verdict` computes natively, the
//! verdict `WriterPolicy::verdict` explains before sending. The server's side is checked
//! end to end in `e2e/writers.rs` and `e2e/widgets.rs`.

use std::sync::Arc;

use std::collections::HashMap;

use cel::extractors::This;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, Program, Value as Cel};
use lifecycle_model::machine::{Operation, WriteRequest, WriterRule, Writers};
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

/// The string at `key` of a CEL map.
fn text_at(map: &Cel, key: &str) -> Option<String> {
    match map {
        Cel::Map(m) => match m.map.get(&Key::from(key)) {
            Some(Cel::String(s)) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// A copy of the CEL map `this` with `key` set to `value`.
fn with(this: &Cel, key: &str, value: Arc<String>) -> Cel {
    let Cel::Map(m) = this else {
        panic!("an authorizer call on a non-map: {this:?}");
    };
    let mut map: HashMap<Key, Cel> = (*m.map).clone();
    map.insert(Key::from(key), Cel::String(value));
    Cel::Map(Map { map: Arc::new(map) })
}

/// The policy's `authorizer` as a map that each call of the chain
/// `authorizer.group(..).resource(..).namespace(..).name(..).check(..)` extends; its
/// `allowed()` is true when the checked verb is one the request holds and the check
/// names the policy's resource and the request's object.
fn authorizer(context: &mut Context<'_>, granted: &[&str], writers: &Writers, request: &Value) {
    context.add_variable_from_value(
        "authorizer",
        cel::to_value(json!({
            "granted": granted,
            "expect": {
                "group": writers.api_group,
                "resource": writers.resource,
                "namespace": request["namespace"],
                "name": request["name"],
            },
        }))
        .unwrap(),
    );
    for key in ["group", "resource", "namespace", "name", "check"] {
        context.add_function(
            key,
            move |This(this): This<Cel>, value: Cel| -> Result<Cel, ExecutionError> {
                match value {
                    Cel::String(value) => Ok(with(&this, key, value)),
                    other => panic!("authorizer.{key}() of a non-string: {other:?}"),
                }
            },
        );
    }
    context.add_function("allowed", |This(this): This<Cel>| {
        let Cel::Map(m) = &this else {
            panic!("allowed() on a non-map: {this:?}");
        };
        let expect = &m.map[&Key::from("expect")];
        for key in ["group", "resource", "namespace", "name"] {
            assert_eq!(
                text_at(&this, key),
                text_at(expect, key),
                "the authorizer's {key}"
            );
        }
        let verb = text_at(&this, "check").expect("a verb is checked");
        match &m.map[&Key::from("granted")] {
            Cel::List(verbs) => verbs.contains(&Cel::String(Arc::new(verb))),
            other => panic!("granted verbs that are not a list: {other:?}"),
        }
    });
}

/// What the policy's CEL says of `request` writing `new` over `old` (`None`: a create).
fn policy_verdict(
    rule: &WriterRule,
    writers: &Writers,
    request: &Value,
    granted: &[&str],
    old: Option<&Value>,
    new: &Value,
) -> Result<(), String> {
    let mut context = Context::default();
    context.add_variable_from_value(
        "oldObject",
        cel::to_value(old.cloned().unwrap_or(Value::Null)).unwrap(),
    );
    context.add_variable_from_value("object", cel::to_value(new).unwrap());
    context.add_variable_from_value("request", cel::to_value(request).unwrap());
    authorizer(&mut context, granted, writers, request);
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
    for validation in &rule.validations {
        match eval(&validation.expression, &context) {
            Cel::Bool(true) => {}
            Cel::Bool(false) => {
                return match eval(&validation.message_expression, &context) {
                    Cel::String(message) => Err(message.to_string()),
                    other => panic!("a message that is not a string: {other:?}"),
                };
            }
            other => panic!("a verdict that is not a bool: {other:?}"),
        }
    }
    Ok(())
}

const FIELDS: [&str; 3] = ["phase", "status.phase", "spec.lifecycle.desiredPhase"];
const USERS: [&str; 4] = [
    "alice",
    "system:serviceaccount:ops:controller",
    "o'brien",
    "back\\slash",
];
const GROUPS: [&str; 3] = ["system:masters", "system:serviceaccounts:ops", "team-a"];
const VERBS: [&str; 3] = ["pause", "resume", "approve-release"];
const RESOURCES: [&str; 3] = ["widgets", "widgets/status", "widgets/scale"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_policys_cel_gives_the_native_verdict_word_for_word(
        mut machine in strategies::machine(),
        verbs in prop::collection::vec(prop::option::of(prop::sample::select(VERBS.to_vec())), 0..8),
        field in prop::sample::select(FIELDS.to_vec()),
        users in prop::sample::subsequence(USERS.to_vec(), 0..=2),
        user_groups in prop::sample::subsequence(GROUPS.to_vec(), 0..=2),
        only_writers_create in any::<bool>(),
        username in prop::sample::select(USERS.to_vec()),
        groups in prop::sample::subsequence(GROUPS.to_vec(), 0..=2),
        granted in prop::sample::subsequence(VERBS.to_vec(), 0..=3),
        resource in prop::sample::select(RESOURCES.to_vec()),
        create in any::<bool>(),
        old in any::<Option<prop::sample::Index>>(),
        new in any::<Option<prop::sample::Index>>(),
    ) {
        for (event, verb) in machine.events.iter_mut().zip(&verbs) {
            event.verb = verb.map(str::to_owned);
        }
        let mut writers = Writers::new("example.com", "widgets", field);
        writers.users = users.iter().map(|u| (*u).to_owned()).collect();
        writers.user_groups = user_groups.iter().map(|g| (*g).to_owned()).collect();
        writers.only_writers_create = only_writers_create;
        let pick = |i: &Option<prop::sample::Index>| i.as_ref().map(|i| machine.states[i.index(machine.states.len())].clone());
        let subresource = resource.split_once('/').map_or("", |(_, sub)| sub);
        // Through `scale` the policy sees an update of a `Scale`, which has no phase.
        let scale = subresource == "scale";
        let create = create && !scale;
        let (old, new) = match scale {
            true => (None, None),
            false => (pick(&old).filter(|_| !create), pick(&new)),
        };
        let rule = machine.writer_rule(&writers).expect("a selectable field");
        // The resource and its status and scale subresources reach the policy.
        prop_assert!(rule.resources.iter().any(|r| r == resource));
        let operation = if create { "CREATE" } else { "UPDATE" };
        let object = |phase: Option<&str>| match scale {
            true => json!({ "kind": "Scale", "spec": { "replicas": 2 }, "status": { "replicas": 1 } }),
            false => object(field, phase),
        };
        let request = json!({
            "operation": operation,
            "subResource": subresource,
            "namespace": "ns",
            "name": "x",
            "userInfo": { "username": username, "groups": groups },
        });
        let old_object = (!create).then(|| object(old.as_deref()));
        let cel = policy_verdict(&rule, &writers, &request, &granted, old_object.as_ref(), &object(new.as_deref()));
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        let granted: Vec<String> = granted.iter().map(|v| (*v).to_owned()).collect();
        let native = machine.writer_verdict(&writers, &WriteRequest {
            operation: if create { Operation::Create } else { Operation::Update },
            username,
            groups: &groups,
            verbs: &granted,
            old: old.as_deref(),
            new: new.as_deref(),
        });
        prop_assert_eq!(&cel, &native);
        // Writers always pass; anyone passes an update that leaves the phase put, a
        // scale among them.
        let writer = users.contains(&username) || groups.iter().any(|g| user_groups.contains(&g.as_str()));
        if writer || scale || (!create && old == new) {
            prop_assert!(native.is_ok());
        }
    }
}
