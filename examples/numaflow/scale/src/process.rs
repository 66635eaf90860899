//! `numaflow-controller` as a child process: started, watched for readiness, measured
//! from `/proc`, and killed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a process has used so far, from `/proc/PID/status` and `/proc/PID/stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// Its peak resident set (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
    /// CPU time in user and kernel mode, in seconds.
    pub cpu_seconds: f64,
}

impl Usage {
    /// The usage of process `pid`, or `None` once it is gone (or off Linux).
    pub fn of(pid: u32) -> Option<Usage> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        Some(Usage {
            peak_rss_kib: peak_rss_kib(&status)?,
            cpu_seconds: cpu_ticks(&stat)? as f64 / clock_ticks_per_second() as f64,
        })
    }

    /// The larger peak and the sum of CPU time: two replicas, or one process and the one
    /// that replaced it.
    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            peak_rss_kib: self.peak_rss_kib.max(other.peak_rss_kib),
            cpu_seconds: self.cpu_seconds + other.cpu_seconds,
        }
    }
}

/// `VmHWM` from the text of `/proc/PID/status`, in KiB.
fn peak_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `utime + stime` from the text of `/proc/PID/stat`: fields 14 and 15, counted after the
/// command name, which is in parentheses and may hold spaces.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (the state).
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

/// `sysconf(_SC_CLK_TCK)` as `getconf` says it; 100, Linux's value, if it cannot.
fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// A running `numaflow-controller`.
pub struct ControllerProcess {
    child: Child,
    /// Where it serves `/metrics`, `/healthz` and `/readyz`.
    pub metrics: SocketAddr,
    /// Its `--identity` in the Lease, when it elects a leader.
    pub identity: String,
    /// What it used, read just before it was killed.
    last: Usage,
}

impl ControllerProcess {
    /// Starts `binary` with `args`, serving its endpoints on a free loopback port and
    /// logging at `level` (`RUST_LOG`) to `log`.
    pub fn start(
        binary: &Path,
        args: &[String],
        identity: &str,
        log: &Path,
        level: &str,
    ) -> std::io::Result<ControllerProcess> {
        let metrics = free_loopback_port()?;
        let child = Command::new(binary)
            .args(args)
            .args(["--metrics-addr", &metrics.to_string()])
            .env("RUST_LOG", level)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?)
            .spawn()?;
        Ok(ControllerProcess {
            child,
            metrics,
            identity: identity.to_owned(),
            last: Usage::default(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `/readyz` answers 200, for at most `limit`.
    pub async fn ready(&mut self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("numaflow-controller exited with {status}"));
            }
            if http_status(self.metrics, "/readyz") == Some(200) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("numaflow-controller not ready after {limit:?}"))
    }

    /// How it ended, if it has exited on its own.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// What it has used so far; once killed, what it had used.
    pub fn usage(&mut self) -> Usage {
        if let Some(now) = Usage::of(self.pid()) {
            self.last = now;
        }
        self.last
    }

    /// Kills it with SIGKILL, as a crash or an evicted pod would end it, and waits for
    /// it; returns what it used.
    pub fn kill(&mut self) -> Usage {
        let usage = self.usage();
        let _ = self.child.kill();
        let _ = self.child.wait();
        usage
    }
}

impl Drop for ControllerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address no one listens on now.
pub fn free_loopback_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// The HTTP status of `GET path` at `addr`, or `None` if nothing answers.
fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read() {
        let status = "Name:\tcat\nVmPeak:\t  9000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(peak_rss_kib(status), Some(1234));
        let stat = "42 (a name (with) spaces) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0";
        assert_eq!(cpu_ticks(stat), Some(300));
        assert_eq!(peak_rss_kib("Name:\tcat\n"), None);
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn a_process_that_exits_on_its_own_says_how() {
        let log = std::env::temp_dir().join(format!("exits-{}.log", std::process::id()));
        let script = ["-c".to_owned(), "exit 3".to_owned()];
        let mut process =
            ControllerProcess::start(Path::new("/bin/sh"), &script, "r", &log, "info").unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = process.exited() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "still running");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(3));
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn this_process_is_measured() {
        let usage = Usage::of(std::process::id()).expect("/proc on Linux");
        assert!(usage.peak_rss_kib > 0);
        assert!(usage.cpu_seconds >= 0.0);
    }
}
