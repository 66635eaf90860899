//! Building the server binary with Go, and the Kubernetes release it is built from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Error, Result};

/// This package's directory: the Go program, `go.mod` and `build.sh`.
pub(crate) fn package_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target directory: `CARGO_TARGET_DIR`, or `target` at its root, two
/// levels above this package (`tests/apiserver`).
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => package_dir()
            .ancestors()
            .nth(2)
            .unwrap_or(Path::new("."))
            .join("target"),
    }
}

/// Builds the server binary with this package's `build.sh` into
/// `lifecycle-apiserver/lifecycle-apiserver` under the workspace's target directory, and
/// returns its path. Go's build cache makes a rebuild a few seconds; the first build
/// compiles kube-apiserver and takes many minutes (see the workspace README).
pub fn build() -> Result<PathBuf> {
    let binary = target_dir()
        .join("lifecycle-apiserver")
        .join("lifecycle-apiserver");
    let script = package_dir().join("build.sh");
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

/// The Kubernetes release the server is built from (`v1.36.3`), as its `go.mod` requires
/// `k8s.io/kubernetes`; `None` where `go.mod` cannot be read or names none.
pub fn kubernetes_release() -> Option<String> {
    let text = std::fs::read_to_string(package_dir().join("go.mod")).ok()?;
    text.lines()
        .map(str::split_whitespace)
        .find_map(|mut words| match (words.next(), words.next()) {
            (Some("k8s.io/kubernetes"), Some(version)) => Some(version.to_owned()),
            _ => None,
        })
}
