//! Prints the Pipeline and Vertex CRDs as one YAML stream:
//! `cargo run -q -p lifecycle-examples --bin crdgen | kubectl apply -f -`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Prints the NumaFlow Pipeline and Vertex CRDs as one YAML stream on stdout, each
/// document starting with `---`.
#[derive(Parser, Debug)]
#[command(
    name = "crdgen",
    version,
    after_help = "Example: crdgen | kubectl apply -f -"
)]
struct Args {}

fn main() -> ExitCode {
    let Args {} = Args::parse();
    let yaml = match lifecycle_examples::numaflow::crd::yaml() {
        Ok(yaml) => yaml,
        Err(e) => {
            eprintln!("crdgen: cannot render the CRDs: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::io::stdout().write_all(yaml.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crdgen: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}
