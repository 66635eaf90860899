//! The processes a test starts beside the server.

/// Kills the child process when dropped, so a failing test leaves no controller (or
/// `kubectl wait`) behind.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `binary` with `args` as a user on a machine with no cluster would: `KUBECONFIG`
/// names no file and `RUST_LOG` is unset. What it wrote and how it exited.
pub fn run_without_cluster(binary: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(binary)
        .args(args)
        .env("KUBECONFIG", "/nonexistent/path")
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"))
}

/// What a finished process wrote to its standard output, as text.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a finished process wrote to its standard error, as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
