// Deleting is final: no event leaves it.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Deleting>) {
    let _ = p.delete();
}

fn main() {
    let _ = f;
}
