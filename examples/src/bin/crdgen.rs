//! Prints the Pipeline and Vertex CRDs as one YAML stream:
//! `cargo run -q -p lifecycle-examples --bin crdgen | kubectl apply -f -`.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match lifecycle_examples::numaflow::crd::yaml() {
        Ok(yaml) => {
            if std::io::stdout().write_all(yaml.as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crdgen: cannot render the CRDs: {e}");
            ExitCode::FAILURE
        }
    }
}
