//! `lifecycle`: what a change of a lifecycle does to the objects already stored.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a change of a lifecycle does to the objects already stored.
#[derive(Parser)]
#[command(name = "lifecycle", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compares two versions of the lifecycles in OLD and NEW (machine documents, or CRDs
    /// carrying lifecycle.rs/machines) and classifies each change as safe, needing
    /// migration, or breaking. Exits 1 when a change is breaking, 2 when a file cannot be
    /// read.
    Diff {
        /// The version stored objects were written under.
        old: PathBuf,
        /// The version about to be installed.
        new: PathBuf,
    },
}

/// The lifecycles in the file at `path`, or the exit code after saying why there are
/// none.
fn lifecycles(path: &PathBuf) -> Result<Lifecycles, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("lifecycle: cannot read {}: {e}", path.display());
        ExitCode::from(2)
    })?;
    lifecycle_cli::lifecycles_in(&text).map_err(|e| {
        eprintln!("lifecycle: {}: {e}", path.display());
        ExitCode::from(2)
    })
}

type Lifecycles = std::collections::BTreeMap<String, lifecycle_machine::Machine>;

fn main() -> ExitCode {
    let Command::Diff { old, new } = Cli::parse().command;
    let (old, new) = match (lifecycles(&old), lifecycles(&new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let changes = lifecycle_cli::changes(&old, &new);
    match lifecycle_cli::report(&changes, &mut std::io::stdout().lock()) {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lifecycle: writing the report: {error}");
            ExitCode::from(2)
        }
    }
}
