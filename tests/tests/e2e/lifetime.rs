//! The server never outlives its test process.

use std::time::Duration;

use lifecycle_tests::apiserver::ApiServer;

/// Set to a file path, the probe below starts a server, writes its pid there, and dies
/// the way the variable's value names: `panic` or `abort`.
const PROBE_VAR: &str = "LIFECYCLE_E2E_PROBE";

#[test]
#[ignore = "a probe that the no-leftover test runs in a child process"]
fn probe_start_a_server_then_die() {
    let Ok(spec) = std::env::var(PROBE_VAR) else {
        return;
    };
    let (how, path) = spec.split_once(':').expect("how:path");
    let server = ApiServer::start().expect("a server");
    std::fs::write(path, server.pid().to_string()).unwrap();
    match how {
        "abort" => std::process::abort(),
        _ => panic!("the probe panics on purpose"),
    }
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.split_whitespace().nth(2) == Some("Z"))
}

#[test]
fn no_server_outlives_a_test_process_that_panics_or_aborts() {
    for how in ["panic", "abort"] {
        let pid_file =
            std::env::temp_dir().join(format!("lifecycle-probe-{}-{how}", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "lifetime::probe_start_a_server_then_die",
                "--ignored",
                "--nocapture",
            ])
            .env(PROBE_VAR, format!("{how}:{}", pid_file.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "{how}: the probe should fail");
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let _ = std::fs::remove_file(&pid_file);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while process_alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            !process_alive(pid),
            "{how}: the server {pid} outlived its test process"
        );
    }
}
