//! Roles, partitions, scalability, bounds.

use super::*;

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
