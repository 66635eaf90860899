//! The NumaFlow CRDs as `crdgen` prints them: structural, free of empty lists, carrying
//! the lifecycle's rules where DESIGN.md puts them, and shaped as NumaFlow ships them.

use lifecycle_examples::numaflow::crd;
use lifecycle_tests::scenarios::{pipeline_schema, vertex_schema};
use lifecycle_tests::structural;
use serde_json::Value;

#[test]
fn every_schema_is_structural() {
    let mono_vertex = crd_value(2)["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    for (name, schema) in [
        ("pipeline", pipeline_schema()),
        ("vertex", vertex_schema()),
        ("monovertex", mono_vertex),
    ] {
        assert!(schema.is_object(), "{name}: no schema");
        assert_eq!(structural::check(&schema), Vec::new(), "{name}");
    }
}

#[test]
fn the_yaml_stream_has_a_document_per_crd_each_opened_by_dashes_and_no_empty_lists() {
    let yaml = crd::yaml().unwrap();
    let documents: Vec<&str> = yaml.split("---\n").skip(1).collect();
    assert!(yaml.starts_with("---\n"));
    assert_eq!(documents.len(), 3);
    assert!(documents[0].contains("name: pipelines.numaflow.numaproj.io"));
    assert!(documents[1].contains("name: vertices.numaflow.numaproj.io"));
    assert!(documents[2].contains("name: monovertices.numaflow.numaproj.io"));
    for line in yaml.lines() {
        assert!(!line.trim_end().ends_with("[]"), "empty list: {line}");
    }
}

fn crd_value(index: usize) -> Value {
    serde_json::to_value(&crd::crds()[index]).unwrap()
}

#[test]
fn the_vertex_and_monovertex_crds_have_numaflows_names_subresources_and_columns() {
    for (index, plural, kind, short) in [
        (1, "vertices", "Vertex", "vtx"),
        (2, "monovertices", "MonoVertex", "mvtx"),
    ] {
        replicated_crd_is_numaflows(&crd_value(index), plural, kind, short);
    }
}

fn replicated_crd_is_numaflows(crd: &Value, plural: &str, kind: &str, short: &str) {
    let spec = &crd["spec"];
    assert_eq!(spec["group"], "numaflow.numaproj.io");
    assert_eq!(spec["scope"], "Namespaced");
    assert_eq!(spec["names"]["plural"], plural);
    assert_eq!(spec["names"]["kind"], kind);
    assert_eq!(spec["names"]["shortNames"], serde_json::json!([short]));
    let version = &spec["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert_eq!(
        version["subresources"]["scale"],
        serde_json::json!({
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": ".status.selector",
        })
    );
    assert!(version["subresources"]["status"].is_object());
    let columns: Vec<(&str, &str)> = version["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["jsonPath"].as_str().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Phase", ".status.phase"),
            ("Desired Phase", ".spec.lifecycle.desiredPhase"),
            ("Desired", ".status.desiredReplicas"),
            ("Current", ".status.replicas"),
            ("Ready", ".status.readyReplicas"),
            ("Age", ".metadata.creationTimestamp"),
            ("Reason", ".status.reason"),
            ("Message", ".status.message"),
        ]
    );
}

#[test]
fn the_pipeline_crd_has_a_status_subresource_and_no_scale() {
    let pipeline = crd_value(0);
    let spec = &pipeline["spec"];
    assert_eq!(spec["names"]["plural"], "pipelines");
    assert_eq!(spec["names"]["shortNames"], serde_json::json!(["pl"]));
    let subresources = &spec["versions"][0]["subresources"];
    assert!(subresources["status"].is_object());
    assert!(subresources.get("scale").is_none());
}

#[test]
fn the_rules_sit_where_the_lifecycle_needs_them() {
    let pipeline = pipeline_schema();
    let phase = &pipeline["properties"]["status"]["properties"]["phase"];
    assert_eq!(
        phase["enum"],
        serde_json::json!(["Running", "Failed", "Pausing", "Paused", "Deleting"])
    );
    assert!(
        phase.get("nullable").is_none(),
        "a phase is absent or a state, never null"
    );
    let rule = phase["x-kubernetes-validations"][0]["rule"]
        .as_str()
        .unwrap();
    assert!(rule.starts_with(
        "self == oldSelf || (oldSelf == 'Running' && self in ['Failed', 'Pausing', 'Deleting'])"
    ));
    assert!(
        !rule.contains("oldSelf == 'Deleting'"),
        "Deleting is terminal"
    );

    let vertex = vertex_schema();
    let spec = &vertex["properties"]["spec"];
    let desired = &spec["properties"]["lifecycle"]["properties"]["desiredPhase"];
    assert_eq!(desired["enum"], serde_json::json!(["Running", "Paused"]));
    // Running <-> Paused are both legal, so the field needs no transition rule.
    assert!(desired.get("x-kubernetes-validations").is_none());
    let rules = spec["x-kubernetes-validations"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["fieldPath"], ".replicas");
    assert_eq!(rules[0]["reason"], "FieldValueForbidden");
}
