//! Building the server binary with Go, and where the workspace's binaries live.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Error, Result};

/// The workspace's target directory: `CARGO_TARGET_DIR`, or `target` at its root.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Builds the server binary with `tests/apiserver/build.sh` and returns its path. Go's
/// build cache makes a rebuild a few seconds; the first build compiles kube-apiserver
/// and takes many minutes (see the README).
pub fn build() -> Result<PathBuf> {
    let source = workspace_root().join("tests").join("apiserver");
    let binary = target_dir()
        .join("lifecycle-apiserver")
        .join("lifecycle-apiserver");
    let script = source.join("build.sh");
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(&script)
        .arg(&binary)
        .output()
        .map_err(|source| Error::BuildScript { script, source })?;
    if !output.status.success() {
        return Err(Error::GoBuild {
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    if started.elapsed() > Duration::from_secs(20) {
        eprintln!("built the test API server in {:.0?}", started.elapsed());
    }
    Ok(binary)
}
