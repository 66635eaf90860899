//! `kubectl lifecycle`: kubectl finds this binary on PATH by its name. See
//! [`lifecycle_cli::plugin`].

use std::process::ExitCode;

use clap::Parser;
use lifecycle_cli::plugin::{Cli, PluginError, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kubectl lifecycle: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match runtime.block_on(run(cli, &mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): nothing more to say.
        Err(PluginError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kubectl lifecycle: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
