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
