// Only a failed pipeline recovers straight to Paused; a pausing one finishes its pause.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Pausing>) {
    let _ = p.recover_paused();
}

fn main() {
    let _ = f;
}
