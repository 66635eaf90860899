// Every legal vertex and pipeline move compiles, written against the contract paths.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_examples::numaflow::vertex::*;
use lifecycle_model::{Lifecycle, Typed};

fn spec(json: serde_json::Value) -> VertexSpec {
    serde_json::from_value(json).unwrap()
}

fn main() {
    for (role, json) in [
        ("source", serde_json::json!({ "source": {} })),
        ("sink", serde_json::json!({ "sink": {} })),
        ("map", serde_json::json!({ "udf": {} })),
    ] {
        let vertex = Vertex::new(role, spec(json));
        match VertexPhaseTyped::from_object(vertex).unwrap() {
            VertexPhaseTyped::RunningSource(mut v) => {
                v.scale(3);
                assert_eq!(v.pause().resume().spec.replicas, Some(3));
            }
            VertexPhaseTyped::RunningSink(mut v) => {
                v.scale(2);
                assert_eq!(v.pause().spec.desired_replicas(), 0);
            }
            VertexPhaseTyped::RunningMapUdf(mut v) => {
                v.scale(4);
                assert_eq!(v.spec.desired_replicas(), 4);
            }
            other => panic!("unexpected {:?}", other.state()),
        }
    }
    let reduce = Vertex::new(
        "agg",
        spec(serde_json::json!({ "udf": { "groupBy": { "keyed": true } }, "partitions": 3 })),
    );
    let reduce: Typed<Vertex, phase::Running, role::ReduceUdf> = Typed::try_new(reduce).unwrap();
    assert_eq!(reduce.pause().resume().spec.desired_replicas(), 3);

    let mut pipeline = Pipeline::new("p", PipelineSpec::default());
    pipeline.status = Some(PipelineStatus { phase: Some(PipelinePhase::Running), ..Default::default() });
    let running: Typed<Pipeline, pipeline_phase::Running> = Typed::try_new(pipeline).unwrap();
    let paused = running.pause().finish_pause();
    let failed = paused.resume().fail();
    let pausing = failed.recover().pause();
    // A paused pipeline can fail and come straight back to Paused.
    let paused_again = pausing.finish_pause().fail().recover_paused();
    assert_eq!(paused_again.state(), PipelinePhase::Paused);
    let deleting = paused_again.resume().delete();
    assert_eq!(deleting.state(), PipelinePhase::Deleting);
    assert!(PipelinePhase::TERMINAL.contains(&deleting.state()));
}
