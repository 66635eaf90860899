// a paused vertex cannot pause again.
use lifecycle_examples::numaflow::vertex::*;
use lifecycle_model::Typed;

fn spec(json: serde_json::Value) -> VertexSpec {
    serde_json::from_value(json).unwrap()
}

fn main() {
    fn f(v: Typed<Vertex, phase::Paused, role::Sink>) {
        let _ = v.pause();
    }
    let _ = f;
}
