//! The Vertex spec's own rules: the replica decision (`desired_replicas`), roles,
//! partitions, scalability, the scale bounds and the spec hash; checked against
//! `numaflow.md` and against NumaFlow upstream's own test cases, re-expressed as rows.

mod common;

use common::spec;
use numaflow_model::vertex::{DEFAULT_MAX_REPLICAS, VertexPhase, VertexRole, VertexSpec};
use serde_json::{Value, json};

/// One case of the replica decision: a NumaFlow vertex spec and the replicas it must give.
struct Row {
    case: &'static str,
    spec: Value,
    want: i32,
}

fn check(rows: &[Row]) {
    for row in rows {
        let got = spec(row.spec.clone()).desired_replicas();
        assert_eq!(
            got, row.want,
            "{}: desired_replicas of {} is {got}, want {}",
            row.case, row.spec, row.want
        );
    }
}

// ---------------------------------------------------------------------------------------
// The replica decision, rule by rule (numaflow.md, "Replica decision").
// ---------------------------------------------------------------------------------------

#[test]
fn paused_gives_zero_whatever_else_is_set() {
    check(&[
        Row {
            case: "paused source with replicas",
            spec: json!({"source": {}, "replicas": 5, "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
        Row {
            case: "paused map with a min above zero",
            spec: json!({"udf": {}, "replicas": 5, "scale": {"min": 3, "max": 10},
                         "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
        Row {
            case: "paused keyed reduce with partitions",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 4, "scale": {"min": 2},
                         "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
        Row {
            case: "paused sink with scaling disabled",
            spec: json!({"sink": {}, "replicas": 7, "scale": {"disabled": true},
                         "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
        Row {
            case: "paused vertex without a role",
            spec: json!({"replicas": 2, "lifecycle": {"desiredPhase": "Paused"}}),
            want: 0,
        },
    ]);
}

#[test]
fn running_is_the_default_and_does_not_zero() {
    // The same specs as above, Running or with no lifecycle, do not give 0.
    check(&[
        Row {
            case: "explicit Running",
            spec: json!({"source": {}, "replicas": 5, "lifecycle": {"desiredPhase": "Running"}}),
            want: 5,
        },
        Row {
            case: "no lifecycle",
            spec: json!({"source": {}, "replicas": 5}),
            want: 5,
        },
        Row {
            case: "lifecycle without desiredPhase",
            spec: json!({"source": {}, "replicas": 5, "lifecycle": {}}),
            want: 5,
        },
    ]);
}

#[test]
fn reduce_uses_its_partition_count_and_ignores_replicas() {
    check(&[
        Row {
            case: "keyed reduce, 4 partitions, replicas 9",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 4, "replicas": 9}),
            want: 4,
        },
        Row {
            case: "keyed reduce, 4 partitions, replicas 0",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 4, "replicas": 0}),
            want: 4,
        },
        Row {
            case: "keyed reduce, no partitions",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "replicas": 9}),
            want: 1,
        },
        Row {
            case: "non-keyed reduce counts one partition",
            spec: json!({"udf": {"groupBy": {}}, "partitions": 4, "replicas": 9}),
            want: 1,
        },
        Row {
            case: "explicitly non-keyed reduce",
            spec: json!({"udf": {"groupBy": {"keyed": false}}, "partitions": 4}),
            want: 1,
        },
    ]);
}

#[test]
fn other_roles_use_replicas_or_one() {
    check(&[
        Row {
            case: "source, replicas 3",
            spec: json!({"source": {}, "replicas": 3}),
            want: 3,
        },
        Row {
            case: "source, unset",
            spec: json!({"source": {}}),
            want: 1,
        },
        Row {
            case: "sink, replicas 4",
            spec: json!({"sink": {}, "replicas": 4}),
            want: 4,
        },
        Row {
            case: "sink, unset",
            spec: json!({"sink": {}}),
            want: 1,
        },
        Row {
            case: "map, replicas 0 (min defaults to 0)",
            spec: json!({"udf": {}, "replicas": 0}),
            want: 0,
        },
        Row {
            case: "map, unset",
            spec: json!({"udf": {}}),
            want: 1,
        },
        Row {
            case: "map ignores partitions",
            spec: json!({"udf": {}, "partitions": 6, "replicas": 2}),
            want: 2,
        },
    ]);
}

#[test]
fn clamp_applies_to_every_role_unless_disabled() {
    check(&[
        Row {
            case: "below min gives min",
            spec: json!({"source": {}, "replicas": 1, "scale": {"min": 2, "max": 5}}),
            want: 2,
        },
        Row {
            case: "unset replicas (1) below min",
            spec: json!({"udf": {}, "scale": {"min": 3}}),
            want: 3,
        },
        Row {
            case: "above max gives max",
            spec: json!({"sink": {}, "replicas": 9, "scale": {"min": 2, "max": 4}}),
            want: 4,
        },
        Row {
            case: "inside the range is kept",
            spec: json!({"udf": {}, "replicas": 3, "scale": {"min": 2, "max": 4}}),
            want: 3,
        },
        Row {
            case: "on the bounds is kept (min)",
            spec: json!({"udf": {}, "replicas": 2, "scale": {"min": 2, "max": 4}}),
            want: 2,
        },
        Row {
            case: "on the bounds is kept (max)",
            spec: json!({"udf": {}, "replicas": 4, "scale": {"min": 2, "max": 4}}),
            want: 4,
        },
        Row {
            case: "reduce partitions above max are clamped",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 6, "scale": {"max": 4}}),
            want: 4,
        },
        Row {
            case: "reduce partitions below min are raised",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 2, "scale": {"min": 3}}),
            want: 3,
        },
        Row {
            case: "disabled: false clamps like unset",
            spec: json!({"source": {}, "replicas": 9, "scale": {"disabled": false, "max": 4}}),
            want: 4,
        },
    ]);
}

#[test]
fn min_is_tested_before_max() {
    check(&[
        Row {
            case: "min > max, base below both: min wins",
            spec: json!({"udf": {}, "replicas": 1, "scale": {"min": 5, "max": 3}}),
            want: 5,
        },
        Row {
            case: "min > max, base between: below min, so min",
            spec: json!({"udf": {}, "replicas": 4, "scale": {"min": 5, "max": 3}}),
            want: 5,
        },
        Row {
            case: "min > max, base above both: not below min, above max, so max",
            spec: json!({"udf": {}, "replicas": 10, "scale": {"min": 5, "max": 3}}),
            want: 3,
        },
        Row {
            case: "min > max = 0 with unset replicas: min",
            spec: json!({"source": {}, "scale": {"min": 2, "max": 0}}),
            want: 2,
        },
    ]);
}

#[test]
fn negative_min_reads_as_zero() {
    let s = spec(json!({"udf": {}, "replicas": 0, "scale": {"min": -3}}));
    assert_eq!(s.scale_min(), 0);
    assert_eq!(
        s.desired_replicas(),
        0,
        "0 is not below an effective min of 0"
    );
    check(&[
        Row {
            case: "negative min, negative replicas: raised to 0, not to -3",
            spec: json!({"udf": {}, "replicas": -2, "scale": {"min": -3}}),
            want: 0,
        },
        Row {
            case: "negative min, replicas 4",
            spec: json!({"udf": {}, "replicas": 4, "scale": {"min": -1, "max": 10}}),
            want: 4,
        },
    ]);
}

#[test]
fn max_defaults_to_fifty() {
    assert_eq!(DEFAULT_MAX_REPLICAS, 50);
    check(&[
        Row {
            case: "no scale at all",
            spec: json!({"source": {}, "replicas": 80}),
            want: 50,
        },
        Row {
            case: "scale with min only",
            spec: json!({"sink": {}, "replicas": 51, "scale": {"min": 1}}),
            want: 50,
        },
        Row {
            case: "exactly fifty is kept",
            spec: json!({"udf": {}, "replicas": 50}),
            want: 50,
        },
    ]);
}

#[test]
fn max_zero_is_legal_and_clamps_to_zero() {
    let s = spec(json!({"source": {}, "replicas": 3, "scale": {"max": 0}}));
    assert_eq!(s.scale_max(), 0, "max: 0 must not read as the default 50");
    check(&[
        Row {
            case: "replicas 3, max 0",
            spec: json!({"source": {}, "replicas": 3, "scale": {"max": 0}}),
            want: 0,
        },
        Row {
            case: "unset replicas, max 0",
            spec: json!({"udf": {}, "scale": {"max": 0}}),
            want: 0,
        },
        Row {
            case: "reduce, max 0",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 3, "scale": {"max": 0}}),
            want: 0,
        },
    ]);
}

#[test]
fn disabled_keeps_the_base_as_it_is() {
    check(&[
        Row {
            case: "disabled keeps 0 below min",
            spec: json!({"udf": {}, "replicas": 0, "scale": {"disabled": true, "min": 2}}),
            want: 0,
        },
        Row {
            case: "disabled keeps a value above max",
            spec: json!({"sink": {}, "replicas": 80, "scale": {"disabled": true, "max": 10}}),
            want: 80,
        },
        Row {
            case: "disabled keeps a value above the default max",
            spec: json!({"source": {}, "replicas": 80, "scale": {"disabled": true}}),
            want: 80,
        },
        Row {
            case: "disabled reduce keeps its partition count above max",
            spec: json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 4,
                         "scale": {"disabled": true, "max": 1}}),
            want: 4,
        },
        Row {
            case: "disabled, unset replicas reads 1 even with min 5",
            spec: json!({"udf": {}, "scale": {"disabled": true, "min": 5}}),
            want: 1,
        },
    ]);
}

#[test]
fn clamp_to_scale_is_the_clamp_alone() {
    let s = spec(json!({"udf": {}, "scale": {"min": 2, "max": 4}}));
    assert_eq!(s.clamp_to_scale(0), 2);
    assert_eq!(s.clamp_to_scale(3), 3);
    assert_eq!(s.clamp_to_scale(9), 4);
    // The clamp ignores the phase and `disabled`: those belong to desired_replicas.
    let paused = spec(json!({"udf": {}, "scale": {"min": 2, "disabled": true},
                             "lifecycle": {"desiredPhase": "Paused"}}));
    assert_eq!(paused.clamp_to_scale(0), 2);
}

// ---------------------------------------------------------------------------------------
// NumaFlow upstream's own cases for its replica decision, re-expressed as rows.
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Roles, partitions, scalability, bounds.
// ---------------------------------------------------------------------------------------

#[test]
fn role_is_detected_in_numaflows_order() {
    let rows: &[(&str, Value, Option<VertexRole>)] = &[
        (
            "source beats sink and udf",
            json!({"source": {}, "sink": {}, "udf": {"groupBy": {}}}),
            Some(VertexRole::Source),
        ),
        (
            "source beats sink",
            json!({"source": {}, "sink": {}}),
            Some(VertexRole::Source),
        ),
        (
            "source beats udf",
            json!({"source": {}, "udf": {}}),
            Some(VertexRole::Source),
        ),
        (
            "sink beats udf",
            json!({"sink": {}, "udf": {}}),
            Some(VertexRole::Sink),
        ),
        (
            "sink beats a reduce udf",
            json!({"sink": {}, "udf": {"groupBy": {"keyed": true}}}),
            Some(VertexRole::Sink),
        ),
        (
            "udf without groupBy is a map",
            json!({"udf": {"builtin": {"name": "cat"}}}),
            Some(VertexRole::MapUdf),
        ),
        (
            "udf with groupBy: null is a map",
            json!({"udf": {"groupBy": null}}),
            Some(VertexRole::MapUdf),
        ),
        (
            "udf with an empty groupBy is a reduce",
            json!({"udf": {"groupBy": {}}}),
            Some(VertexRole::ReduceUdf),
        ),
        (
            "udf with a keyed groupBy is a reduce",
            json!({"udf": {"groupBy": {"keyed": true, "window": {"fixed": {"length": "60s"}}}}}),
            Some(VertexRole::ReduceUdf),
        ),
        (
            "nothing set has no role",
            json!({"name": "x", "replicas": 2}),
            None,
        ),
    ];
    for (case, value, want) in rows {
        assert_eq!(spec(value.clone()).role(), *want, "{case}");
    }
}

#[test]
fn keyed_reduce_is_read_from_group_by() {
    assert!(spec(json!({"udf": {"groupBy": {"keyed": true}}})).is_keyed_reduce());
    assert!(!spec(json!({"udf": {"groupBy": {"keyed": false}}})).is_keyed_reduce());
    assert!(!spec(json!({"udf": {"groupBy": {}}})).is_keyed_reduce());
    assert!(!spec(json!({"udf": {}})).is_keyed_reduce());
    assert!(!spec(json!({"source": {}})).is_keyed_reduce());
}

#[test]
fn partition_count_rules() {
    let rows: &[(&str, Value, i32)] = &[
        (
            "source counts 1 whatever partitions says",
            json!({"source": {}, "partitions": 5}),
            1,
        ),
        (
            "non-keyed reduce counts 1",
            json!({"udf": {"groupBy": {}}, "partitions": 4}),
            1,
        ),
        (
            "explicitly non-keyed reduce counts 1",
            json!({"udf": {"groupBy": {"keyed": false}}, "partitions": 4}),
            1,
        ),
        (
            "keyed reduce counts its partitions",
            json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 4}),
            4,
        ),
        (
            "map counts its partitions",
            json!({"udf": {}, "partitions": 3}),
            3,
        ),
        (
            "sink counts its partitions",
            json!({"sink": {}, "partitions": 2}),
            2,
        ),
        ("no role counts its partitions", json!({"partitions": 2}), 2),
        ("partitions 1", json!({"udf": {}, "partitions": 1}), 1),
        (
            "partitions 0 reads 1",
            json!({"udf": {}, "partitions": 0}),
            1,
        ),
        (
            "negative partitions read 1",
            json!({"udf": {"groupBy": {"keyed": true}}, "partitions": -3}),
            1,
        ),
        (
            "unset partitions read 1",
            json!({"udf": {"groupBy": {"keyed": true}}}),
            1,
        ),
    ];
    for (case, value, want) in rows {
        assert_eq!(spec(value.clone()).partition_count(), *want, "{case}");
    }
}

#[test]
fn scalable_rules() {
    let rows: &[(&str, Value, bool)] = &[
        ("source", json!({"source": {}}), true),
        ("sink", json!({"sink": {}}), true),
        ("map", json!({"udf": {}}), true),
        (
            "keyed reduce",
            json!({"udf": {"groupBy": {"keyed": true}}, "partitions": 3}),
            false,
        ),
        (
            "source, disabled",
            json!({"source": {}, "scale": {"disabled": true}}),
            false,
        ),
        (
            "sink, disabled",
            json!({"sink": {}, "scale": {"disabled": true}}),
            false,
        ),
        (
            "map, disabled",
            json!({"udf": {}, "scale": {"disabled": true}}),
            false,
        ),
        (
            "map, disabled: false",
            json!({"udf": {}, "scale": {"disabled": false}}),
            true,
        ),
        ("no role", json!({}), false),
    ];
    for (case, value, want) in rows {
        let s = spec(value.clone());
        assert_eq!(s.scalable(), *want, "{case}");
        assert_eq!(
            s.scale_disabled(),
            value.pointer("/scale/disabled") == Some(&json!(true)),
            "{case}: scale_disabled"
        );
    }
}

#[test]
fn scale_bounds() {
    let rows: &[(&str, Value, i32, i32)] = &[
        ("no scale", json!({}), 0, 50),
        ("empty scale", json!({"scale": {}}), 0, 50),
        ("min only", json!({"scale": {"min": 3}}), 3, 50),
        ("max only", json!({"scale": {"max": 7}}), 0, 7),
        ("max 0", json!({"scale": {"max": 0}}), 0, 0),
        (
            "negative min",
            json!({"scale": {"min": -4, "max": 2}}),
            0,
            2,
        ),
        (
            "min above max is read as given",
            json!({"scale": {"min": 6, "max": 2}}),
            6,
            2,
        ),
    ];
    for (case, value, min, max) in rows {
        let s = spec(value.clone());
        assert_eq!((s.scale_min(), s.scale_max()), (*min, *max), "{case}");
    }
}

#[test]
fn desired_phase_accessor_and_setter() {
    let mut s = spec(json!({"source": {}, "replicas": 2}));
    assert_eq!(s.desired_phase(), VertexPhase::Running);
    s.set_desired_phase(VertexPhase::Paused);
    assert_eq!(s.desired_phase(), VertexPhase::Paused);
    assert_eq!(s.desired_replicas(), 0);
    assert_eq!(
        serde_json::to_value(&s).unwrap()["lifecycle"],
        json!({"desiredPhase": "Paused"})
    );
    s.set_desired_phase(VertexPhase::Running);
    assert_eq!(s.desired_replicas(), 2);
}

// ---------------------------------------------------------------------------------------
// The spec hash.
// ---------------------------------------------------------------------------------------

fn base_for_hash() -> VertexSpec {
    spec(json!({
        "name": "cat",
        "pipelineName": "simple",
        "replicas": 2,
        "scale": {"min": 1, "max": 5},
        "lifecycle": {"desiredPhase": "Running"},
        "udf": {"groupBy": {"keyed": true}},
        "partitions": 3
    }))
}

#[test]
fn hash_is_a_stable_sha256_hex() {
    let h = base_for_hash().hash();
    // `printf '%s' '{"name":"cat","partitions":3,"pipelineName":"simple",
    // "scale":{"max":5,"min":1},"udf":{"groupBy":{"keyed":true}}}' | sha256sum`, on one
    // line: the spec without replicas and lifecycle, keys sorted, no spaces.
    assert_eq!(
        h,
        "e96c9f466593fdd37aaaf67cb9ac250b185840f74052c42159dd67006a4f41c9"
    );
    assert_eq!(h.len(), 64);
    assert!(
        h.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(h, base_for_hash().hash(), "the same spec hashes the same");
    // The key order of the input does not matter.
    let reordered = spec(json!({
        "partitions": 3,
        "udf": {"groupBy": {"keyed": true}},
        "lifecycle": {"desiredPhase": "Running"},
        "scale": {"max": 5, "min": 1},
        "replicas": 2,
        "pipelineName": "simple",
        "name": "cat"
    }));
    assert_eq!(h, reordered.hash());
}

#[test]
fn hash_ignores_replicas_and_lifecycle() {
    let base = base_for_hash();
    let h = base.hash();
    let mut s = base.clone();
    s.replicas = Some(40);
    assert_eq!(s.hash(), h, "scaling must not change the hash");
    s.replicas = None;
    assert_eq!(
        s.hash(),
        h,
        "dropping replicas (a slow resume) must not change the hash"
    );
    s.set_desired_phase(VertexPhase::Paused);
    assert_eq!(s.hash(), h, "pausing must not change the hash");
    s.lifecycle = None;
    assert_eq!(s.hash(), h, "dropping lifecycle must not change the hash");
}

#[test]
fn hash_changes_with_every_other_modelled_field() {
    let base = base_for_hash();
    let h = base.hash();
    type Change = Box<dyn Fn(&mut VertexSpec)>;
    let changes: Vec<(&str, Change)> = vec![
        ("name", Box::new(|s| s.name = "cat2".into())),
        (
            "pipelineName",
            Box::new(|s| s.pipeline_name = "other".into()),
        ),
        (
            "scale.min",
            Box::new(|s| s.scale.as_mut().unwrap().min = Some(2)),
        ),
        (
            "scale.max",
            Box::new(|s| s.scale.as_mut().unwrap().max = Some(6)),
        ),
        (
            "scale.disabled",
            Box::new(|s| s.scale.as_mut().unwrap().disabled = Some(true)),
        ),
        ("scale removed", Box::new(|s| s.scale = None)),
        ("partitions", Box::new(|s| s.partitions = Some(4))),
        (
            "udf.groupBy.keyed",
            Box::new(|s| s.udf.as_mut().unwrap().group_by.as_mut().unwrap().keyed = Some(false)),
        ),
        (
            "udf.groupBy removed",
            Box::new(|s| s.udf.as_mut().unwrap().group_by = None),
        ),
        (
            "source added",
            Box::new(|s| s.source = Some(spec(json!({"source": {"http": {}}})).source.unwrap())),
        ),
        (
            "sink added",
            Box::new(|s| s.sink = Some(spec(json!({"sink": {"log": {}}})).sink.unwrap())),
        ),
    ];
    for (field, change) in changes {
        let mut s = base.clone();
        change(&mut s);
        assert_ne!(s.hash(), h, "changing {field} must change the hash");
    }
}

#[test]
fn hash_covers_the_content_of_a_source_or_sink() {
    let a = spec(json!({"name": "in", "source": {"generator": {"rpu": 5}}}));
    let b = spec(json!({"name": "in", "source": {"generator": {"rpu": 6}}}));
    assert_ne!(a.hash(), b.hash());
    let a = spec(json!({"name": "out", "sink": {"log": {}}}));
    let b = spec(json!({"name": "out", "sink": {"blackhole": {}}}));
    assert_ne!(a.hash(), b.hash());
}

/// The pod template of a map or reduce lives in `udf.container` / `udf.builtin`; the
/// spec keeps those fields, so a new UDF image changes the hash and rolls the pods.
#[test]
fn hash_covers_the_udf_container() {
    let a = spec(json!({"name": "cat", "udf": {"container": {"image": "my/udf:v1"}}}));
    let b = spec(json!({"name": "cat", "udf": {"container": {"image": "my/udf:v2"}}}));
    assert_ne!(
        a.hash(),
        b.hash(),
        "a new udf.container.image must change the spec hash"
    );
}
