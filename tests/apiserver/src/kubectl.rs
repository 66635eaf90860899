//! Real kubectl as a second client of a server: found on `PATH` or at
//! `/usr/bin/kubectl`, and skipped, with the reason printed, where the machine has none.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use super::ApiServer;

/// kubectl on `PATH`, else `/usr/bin/kubectl`.
pub fn find_kubectl() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("kubectl"));
    on_path
        .chain([PathBuf::from("/usr/bin/kubectl")])
        .find(|candidate| candidate.is_file())
}

/// kubectl bound to a server's kubeconfig. Its methods fail the test (they panic) when
/// kubectl does not answer as asked.
pub struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Kubectl {
    /// kubectl for `server`, or `None` (with the reason printed) where the machine has
    /// none.
    pub fn for_server(server: &ApiServer) -> Option<Kubectl> {
        let Some(binary) = find_kubectl() else {
            eprintln!("skipped: kubectl is on neither PATH nor /usr/bin/kubectl");
            return None;
        };
        Some(Kubectl {
            binary,
            kubeconfig: server.kubeconfig().to_owned(),
        })
    }

    /// Runs `kubectl ARGS` with `stdin` fed in, and returns what it did.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(&self.binary)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.binary.display()));
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            pipe.write_all(text.as_bytes()).expect("kubectl's stdin");
        }
        child.wait_with_output().expect("kubectl's output")
    }

    /// Runs kubectl and returns its stdout; fails the test if kubectl fails.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {}: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits, a minute at most, until each of `crds` is `Established`; fails the test
    /// otherwise.
    pub fn wait_established(&self, crds: &[CustomResourceDefinition]) {
        let names: Vec<String> = crds
            .iter()
            .map(|crd| format!("crd/{}", crd.metadata.name.as_deref().unwrap_or_default()))
            .collect();
        let mut args = vec!["wait", "--for=condition=Established", "--timeout=60s"];
        args.extend(names.iter().map(String::as_str));
        self.ok(&args, None);
    }

    /// Runs kubectl, whatever its exit code says, and returns its stdout, trimmed: for
    /// commands such as `auth can-i` that answer `no` by failing.
    pub fn answer(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs kubectl, expects it to fail, and returns its stderr.
    pub fn refused(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            !out.status.success(),
            "kubectl {} should fail: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}
