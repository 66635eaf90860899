// a paused source cannot scale.
use lifecycle_examples::numaflow::vertex::*;
use lifecycle_model::Typed;

fn spec(json: serde_json::Value) -> VertexSpec {
    serde_json::from_value(json).unwrap()
}

fn main() {
    let v = Vertex::new("in", spec(serde_json::json!({"source": {}})));
    let running: Typed<Vertex, phase::Running, role::Source> = Typed::try_new(v).unwrap();
    let mut paused = running.pause();
    paused.scale(3);
}
