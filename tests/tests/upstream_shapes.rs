//! Pipelines and MonoVertices shaped like NumaFlow's own examples
//! ([`lifecycle_tests::upstream`]) read into this project's types and write back without
//! loss, unknown fields included; the model finds in each what it needs: valid specs, a
//! role for every vertex, counts, replicas.

use lifecycle_examples::numaflow::monovertex::{MonoVertex, MonoVertexPhase};
use lifecycle_examples::numaflow::pipeline::Pipeline;
use lifecycle_tests::upstream::{mono_vertices, pipelines};

fn typed(what: &str, object: &serde_json::Value) -> Pipeline {
    serde_json::from_value(object.clone()).unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[test]
fn every_upstream_shape_round_trips_through_the_types_without_loss() {
    for (what, object) in pipelines() {
        let pipeline = typed(what, &object);
        let written = serde_json::to_value(&pipeline).unwrap();
        assert_eq!(written, object, "{what}");
    }
}

#[test]
fn every_upstream_shape_is_a_valid_pipeline_whose_vertices_all_have_a_role() {
    for (what, object) in pipelines() {
        let pipeline = typed(what, &object);
        assert_eq!(pipeline.spec.validate(), Ok(()), "{what}");
        let declared = object["spec"]["vertices"].as_array().unwrap().len() as u32;
        let counts = pipeline.spec.vertex_counts();
        assert_eq!(counts.vertex_count, Some(declared), "{what}");
        let (sources, sinks, udfs) = (counts.source_count, counts.sink_count, counts.udf_count);
        assert_eq!(
            sources.unwrap() + sinks.unwrap() + udfs.unwrap(),
            declared,
            "{what}: {counts:?}"
        );
        let (maps, reduces) = (counts.map_udf_count, counts.reduce_udf_count);
        assert_eq!(
            maps.unwrap() + reduces.unwrap(),
            udfs.unwrap(),
            "{what}: {counts:?}"
        );
        for vertex in &pipeline.spec.vertices {
            let spec = pipeline.vertex_spec(vertex);
            assert!(spec.role().is_some(), "{what}: {} has no role", vertex.name);
            // What the pipeline declares reaches the vertex whole.
            let declared = serde_json::to_value(vertex).unwrap();
            let built = serde_json::to_value(&spec).unwrap();
            for (key, value) in declared.as_object().unwrap() {
                assert_eq!(&built[key], value, "{what}: {}.{key}", vertex.name);
            }
        }
    }
}

#[test]
fn every_upstream_mono_vertex_round_trips_and_gets_its_replicas() {
    let shapes = mono_vertices();
    assert_eq!(shapes.len(), 4);
    for (what, object) in shapes {
        let mut mvtx: MonoVertex =
            serde_json::from_value(object.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(serde_json::to_value(&mvtx).unwrap(), object, "{what}");
        assert_eq!(
            mvtx.spec.desired_phase(),
            MonoVertexPhase::Running,
            "{what}"
        );
        let floor = object["spec"]["scale"]["min"].as_i64().unwrap_or(1) as i32;
        assert_eq!(mvtx.spec.desired_replicas(), floor.max(1), "{what}");
        mvtx.spec.set_desired_phase(MonoVertexPhase::Paused);
        assert_eq!(
            mvtx.spec.desired_replicas(),
            0,
            "{what}: paused runs nothing"
        );
    }
}
