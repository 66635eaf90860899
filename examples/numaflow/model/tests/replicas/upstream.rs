//! NumaFlow upstream's own cases for its replica decision, re-expressed as rows.

use super::*;

/// From upstream `TestGetVertexReplicas` (pkg/apis/numaflow/v1alpha1/vertex_types_test.go).
/// It mutates one vertex named "b" step by step; each step is a row here. Upstream asserts
/// the base value (`GetReplicas`, before any clamp); upstream's `CalculateReplicas` then
/// clamps with the default max of 50, which our `desired_replicas` includes. The last
/// step (a map with replicas 1000) therefore appears twice: clamped to 50, and unclamped
/// with `scale.disabled`.
#[test]
fn upstream_test_get_vertex_replicas() {
    check(&[
        Row {
            case: "no role, replicas unset",
            spec: json!({"name": "b"}),
            want: 1,
        },
        Row {
            case: "no role, replicas 3",
            spec: json!({"name": "b", "replicas": 3}),
            want: 3,
        },
        Row {
            case: "no role, replicas 0",
            spec: json!({"name": "b", "replicas": 0}),
            want: 0,
        },
        Row {
            case: "reduce with an empty groupBy, replicas 5",
            spec: json!({"name": "b", "udf": {"groupBy": {}}, "replicas": 5}),
            want: 1,
        },
        Row {
            case: "reduce with an empty groupBy, replicas 1000",
            spec: json!({"name": "b", "udf": {"groupBy": {}}, "replicas": 1000}),
            want: 1,
        },
        Row {
            case: "groupBy removed (a map), replicas 1000, unclamped",
            spec: json!({"name": "b", "udf": {}, "replicas": 1000, "scale": {"disabled": true}}),
            want: 1000,
        },
        Row {
            case: "groupBy removed (a map), replicas 1000, clamped to the default max",
            spec: json!({"name": "b", "udf": {}, "replicas": 1000}),
            want: 50,
        },
    ]);
}

/// From upstream `TestMonoVertex_CalculateReplicas` and `TestMonoVertex_GetReplicas`
/// (pkg/apis/numaflow/v1alpha1/mono_vertex_types_test.go). A MonoVertex runs the same
/// decision (paused, then replicas or 1, then the min-first clamp unless disabled); here
/// each case is a source vertex, a MonoVertex's nearest equivalent.
#[test]
fn upstream_test_mono_vertex_calculate_replicas() {
    check(&[
        Row {
            case: "GetReplicas: default replicas",
            spec: json!({"source": {}}),
            want: 1,
        },
        Row {
            case: "GetReplicas: custom replicas",
            spec: json!({"source": {}, "replicas": 3}),
            want: 3,
        },
        Row {
            case: "auto scaling disabled",
            spec: json!({"source": {}, "replicas": 5, "scale": {"disabled": true}}),
            want: 5,
        },
        Row {
            case: "auto scaling enabled, within range",
            spec: json!({"source": {}, "replicas": 3, "scale": {"disabled": false, "min": 1, "max": 5}}),
            want: 3,
        },
        Row {
            case: "auto scaling enabled, below min",
            spec: json!({"source": {}, "replicas": 0, "scale": {"disabled": false, "min": 2, "max": 5}}),
            want: 2,
        },
        Row {
            case: "auto scaling enabled, above max",
            spec: json!({"source": {}, "replicas": 10, "scale": {"disabled": false, "min": 2, "max": 5}}),
            want: 5,
        },
        Row {
            case: "phase paused",
            spec: json!({"source": {}, "replicas": 10, "scale": {"disabled": false, "min": 2, "max": 5},
                         "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
    ]);
}

/// From upstream `TestScalable` (vertex_types_test.go): disabled is never scalable; sinks,
/// maps and every kind of source are; a reduce (a udf with groupBy) is not.
#[test]
fn upstream_test_scalable() {
    let rows: &[(&str, Value, bool)] = &[
        (
            "disabled, no role",
            json!({"scale": {"disabled": true}}),
            false,
        ),
        (
            "sink",
            json!({"sink": {}, "scale": {"disabled": false}}),
            true,
        ),
        ("map udf", json!({"udf": {}}), true),
        ("reduce udf", json!({"udf": {"groupBy": {}}}), false),
        ("http source", json!({"source": {"http": {}}}), true),
        ("kafka source", json!({"source": {"kafka": {}}}), true),
        (
            "user-defined source",
            json!({"source": {"udsource": {}}}),
            true,
        ),
    ];
    for (case, value, want) in rows {
        assert_eq!(spec(value.clone()).scalable(), *want, "{case}");
    }
}

/// From upstream `Test_Scale_Parameters` (vertex_types_test.go): the min/max getters.
#[test]
fn upstream_test_scale_parameters() {
    let empty = spec(json!({"scale": {}}));
    assert_eq!(empty.scale_min(), 0);
    assert_eq!(empty.scale_max(), DEFAULT_MAX_REPLICAS);
    let set = spec(json!({"scale": {"min": 2, "max": 4, "lookbackSeconds": 101}}));
    assert_eq!((set.scale_min(), set.scale_max()), (2, 4));
    let big = spec(json!({"scale": {"min": 2, "max": 500}}));
    assert_eq!(big.scale_max(), 500, "a max above 50 is taken as it is");
}

/// From upstream `Test_GetVertexType` (vertex_types_test.go).
#[test]
fn upstream_test_get_vertex_type() {
    assert_eq!(spec(json!({"source": {}})).role(), Some(VertexRole::Source));
    assert_eq!(spec(json!({"sink": {}})).role(), Some(VertexRole::Sink));
    assert_eq!(spec(json!({"udf": {}})).role(), Some(VertexRole::MapUdf));
    assert_eq!(spec(json!({})).role(), None);
}
