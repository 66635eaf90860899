//! A checker for Kubernetes' structural-schema rules, plus the rules this project adds on
//! top (one-line messages, valid reasons). The API server refuses a CRD whose schema
//! breaks the first kind; the second kind are our own promises.

use serde_json::{Map, Value};

/// The reasons Kubernetes accepts in `x-kubernetes-validations`.
pub const VALID_REASONS: [&str; 4] = [
    "FieldValueInvalid",
    "FieldValueForbidden",
    "FieldValueRequired",
    "FieldValueDuplicate",
];

/// Keys a node inside `allOf`, `anyOf`, `oneOf` or `not` must not set.
const FORBIDDEN_IN_JUNCTORS: [&str; 5] = [
    "type",
    "description",
    "default",
    "additionalProperties",
    "nullable",
];

/// One broken rule, at a JSON pointer into the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: a JSON pointer such as `/properties/spec`.
    pub at: String,
    /// Which rule.
    pub rule: Rule,
}

/// The rules [`check`] applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A node without `type` (only `x-kubernetes-int-or-string` nodes may omit it).
    MissingType,
    /// A `$ref`: structural schemas are self-contained.
    Ref,
    /// `additionalProperties` beside `properties` in one node.
    AdditionalPropertiesBesideProperties,
    /// A key that is forbidden inside a logical junctor.
    ForbiddenInJunctor(String),
    /// `uniqueItems: true`.
    UniqueItems,
    /// A validation message with a line break.
    MultilineMessage,
    /// A validation reason Kubernetes does not know.
    InvalidReason(String),
}

/// Every violation in `schema` (an `openAPIV3Schema`), in document order.
pub fn check(schema: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    walk(schema, String::new(), false, &mut out);
    out
}

fn walk(node: &Value, at: String, in_junctor: bool, out: &mut Vec<Violation>) {
    let Some(map) = node.as_object() else {
        return;
    };
    let mut push = |rule: Rule| {
        out.push(Violation {
            at: at.clone(),
            rule,
        })
    };
    if map.contains_key("$ref") {
        push(Rule::Ref);
    }
    if in_junctor {
        for key in FORBIDDEN_IN_JUNCTORS {
            if map.contains_key(key) {
                push(Rule::ForbiddenInJunctor(key.to_owned()));
            }
        }
    } else if !map.contains_key("type")
        && map.get("x-kubernetes-int-or-string") != Some(&Value::Bool(true))
    {
        push(Rule::MissingType);
    }
    if map.contains_key("properties") && map.contains_key("additionalProperties") {
        push(Rule::AdditionalPropertiesBesideProperties);
    }
    if map.get("uniqueItems") == Some(&Value::Bool(true)) {
        push(Rule::UniqueItems);
    }
    check_validations(map, &mut push);

    if let Some(Value::Object(properties)) = map.get("properties") {
        for (name, child) in properties {
            walk(child, format!("{at}/properties/{name}"), in_junctor, out);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child @ Value::Object(_)) = map.get(key) {
            walk(
                child,
                format!("{at}/{key}"),
                in_junctor || key == "not",
                out,
            );
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(children)) = map.get(key) {
            for (i, child) in children.iter().enumerate() {
                walk(child, format!("{at}/{key}/{i}"), true, out);
            }
        }
    }
}

fn check_validations(map: &Map<String, Value>, push: &mut impl FnMut(Rule)) {
    let Some(Value::Array(rules)) = map.get("x-kubernetes-validations") else {
        return;
    };
    for rule in rules {
        if let Some(message) = rule.get("message").and_then(Value::as_str)
            && (message.contains('\n') || message.contains('\r'))
        {
            push(Rule::MultilineMessage);
        }
        if let Some(reason) = rule.get("reason").and_then(Value::as_str)
            && !VALID_REASONS.contains(&reason)
        {
            push(Rule::InvalidReason(reason.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rules(schema: Value) -> Vec<Rule> {
        check(&schema).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn a_structural_schema_passes() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "x-kubernetes-validations": [
                        { "rule": "self.a == oldSelf.a", "message": "a is frozen", "reason": "FieldValueForbidden" }
                    ],
                    "properties": { "a": { "type": "string", "nullable": true } },
                    "anyOf": [ { "required": ["a"] }, { "not": { "required": ["a"] } } ]
                },
                "labels": { "type": "object", "additionalProperties": { "type": "string" } },
                "port": { "x-kubernetes-int-or-string": true }
            }
        });
        assert_eq!(check(&schema), Vec::new());
    }

    #[test]
    fn an_untyped_node_is_reported_with_its_path() {
        let schema = json!({ "type": "object", "properties": { "spec": { "properties": {} } } });
        assert_eq!(
            check(&schema),
            vec![Violation {
                at: "/properties/spec".to_owned(),
                rule: Rule::MissingType
            }]
        );
    }

    #[test]
    fn a_ref_is_reported() {
        let schema = json!({ "type": "object", "properties": { "a": { "$ref": "#/$defs/A" } } });
        assert_eq!(rules(schema), vec![Rule::Ref, Rule::MissingType]);
    }

    #[test]
    fn additional_properties_beside_properties_is_reported() {
        let schema = json!({
            "type": "object",
            "properties": { "a": { "type": "string" } },
            "additionalProperties": { "type": "string" }
        });
        assert_eq!(
            rules(schema),
            vec![Rule::AdditionalPropertiesBesideProperties]
        );
    }

    #[test]
    fn every_forbidden_key_inside_a_junctor_is_reported() {
        for key in FORBIDDEN_IN_JUNCTORS {
            let mut branch = serde_json::Map::new();
            branch.insert(key.to_owned(), json!("x"));
            let schema = json!({ "type": "string", "oneOf": [ Value::Object(branch.clone()) ] });
            assert_eq!(
                rules(schema),
                vec![Rule::ForbiddenInJunctor(key.to_owned())],
                "{key}"
            );
            let schema = json!({ "type": "string", "not": Value::Object(branch) });
            assert_eq!(
                rules(schema),
                vec![Rule::ForbiddenInJunctor(key.to_owned())],
                "{key}"
            );
        }
    }

    #[test]
    fn unique_items_is_reported() {
        let schema = json!({ "type": "array", "uniqueItems": true, "items": { "type": "string" } });
        assert_eq!(rules(schema), vec![Rule::UniqueItems]);
    }

    #[test]
    fn a_multiline_message_is_reported() {
        let schema = json!({
            "type": "string",
            "x-kubernetes-validations": [ { "rule": "true", "message": "one\ntwo" } ]
        });
        assert_eq!(rules(schema), vec![Rule::MultilineMessage]);
    }

    #[test]
    fn an_unknown_reason_is_reported() {
        let schema = json!({
            "type": "string",
            "x-kubernetes-validations": [ { "rule": "true", "message": "m", "reason": "Forbidden" } ]
        });
        assert_eq!(
            rules(schema),
            vec![Rule::InvalidReason("Forbidden".to_owned())]
        );
    }

    #[test]
    fn array_items_and_map_values_are_checked() {
        let schema = json!({
            "type": "object",
            "properties": {
                "list": { "type": "array", "items": { "properties": {} } },
                "map": { "type": "object", "additionalProperties": { "$ref": "#/x" } }
            }
        });
        assert_eq!(
            check(&schema)
                .into_iter()
                .map(|v| (v.at, v.rule))
                .collect::<Vec<_>>(),
            vec![
                ("/properties/list/items".to_owned(), Rule::MissingType),
                ("/properties/map/additionalProperties".to_owned(), Rule::Ref),
                (
                    "/properties/map/additionalProperties".to_owned(),
                    Rule::MissingType
                ),
            ]
        );
    }
}
