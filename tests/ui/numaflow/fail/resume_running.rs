// a running vertex cannot resume.
use lifecycle_examples::numaflow::vertex::*;
use lifecycle_model::Typed;

fn spec(json: serde_json::Value) -> VertexSpec {
    serde_json::from_value(json).unwrap()
}

fn main() {
    fn f(v: Typed<Vertex, phase::Running, role::Source>) {
        let _ = v.resume();
    }
    let _ = f;
}
