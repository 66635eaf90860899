//! The replica decision, rule by rule (numaflow.md, "Replica decision").

use super::*;

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
