//! The server never outlives its test process, and leaves nothing behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lifecycle_apiserver::ApiServer;

/// Set to `how:path`, the probe below starts a server, writes what it must clean up to
/// `path`, and dies the way `how` names: `panic` or `abort`.
const PROBE_VAR: &str = "LIFECYCLE_E2E_PROBE";

/// The server's working directories in the temp dir, named `lifecycle-apiserver-*`.
fn server_dirs() -> BTreeSet<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("lifecycle-apiserver-")
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "a probe that the no-leftover test runs in a child process"]
fn probe_start_a_server_then_die() {
    let Ok(spec) = std::env::var(PROBE_VAR) else {
        return;
    };
    let (how, path) = spec.split_once(':').expect("how:path");
    let before = server_dirs();
    let server = ApiServer::start().expect("a server");
    let ours: Vec<PathBuf> = server_dirs().difference(&before).cloned().collect();
    // Line 1: the pid; then the paths the server must remove.
    let mut report = format!("{}\n{}\n", server.pid(), server.kubeconfig().display());
    for dir in ours {
        report.push_str(&format!("{}\n", dir.display()));
    }
    std::fs::write(path, report).unwrap();
    match how {
        "abort" => std::process::abort(),
        _ => panic!("the probe panics on purpose"),
    }
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.split_whitespace().nth(2) == Some("Z"))
}

#[test]
fn no_server_outlives_a_test_process_that_panics_or_aborts() {
    for how in ["panic", "abort"] {
        let report_file =
            std::env::temp_dir().join(format!("lifecycle-probe-{}-{how}", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "lifetime::probe_start_a_server_then_die",
                "--ignored",
                "--nocapture",
            ])
            .env(PROBE_VAR, format!("{how}:{}", report_file.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "{how}: the probe should fail");
        let report = std::fs::read_to_string(&report_file).unwrap();
        let _ = std::fs::remove_file(&report_file);
        let mut lines = report.lines();
        let pid: u32 = lines.next().unwrap().trim().parse().unwrap();
        let leftovers: Vec<&str> = lines.collect();
        assert!(
            leftovers.len() >= 2,
            "{how}: the kubeconfig and the server's temp dir: {leftovers:?}"
        );

        let deadline = Instant::now() + Duration::from_secs(20);
        while process_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            !process_alive(pid),
            "{how}: the server {pid} outlived its test process"
        );
        for path in leftovers {
            assert!(
                !Path::new(path).exists(),
                "{how}: the server left {path} behind"
            );
        }
    }
}
