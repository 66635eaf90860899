//! What the binaries share: log output through `tracing`. Built with the `cli` feature.

use tracing_subscriber::EnvFilter;

/// Sends `tracing` events to stderr, filtered by `RUST_LOG` (for example
/// `RUST_LOG=numaflow_operator=debug,kube=info`), or by `default` when `RUST_LOG` is
/// unset or does not parse.
pub fn init_tracing(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second call (as in tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
