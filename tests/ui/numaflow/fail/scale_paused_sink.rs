// a paused sink cannot scale.
use lifecycle_examples::numaflow::vertex::*;
use lifecycle_model::Typed;

fn spec(json: serde_json::Value) -> VertexSpec {
    serde_json::from_value(json).unwrap()
}

fn main() {
    fn f(mut v: Typed<Vertex, phase::Paused, role::Sink>) {
        v.scale(3);
    }
    let _ = f;
}
