//! The spec hash.

use super::*;

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
            Box::new(|s| {
                s.source = Some(spec(json!({"source": {"http": {}}})).vertex.source.unwrap())
            }),
        ),
        (
            "sink added",
            Box::new(|s| s.sink = Some(spec(json!({"sink": {"log": {}}})).vertex.sink.unwrap())),
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
