//! The tools that read objects as other programs do, built with Go from the module in
//! `tools/` into the target directory beside the server:
//!
//! - [`Kstatus`]: what `sigs.k8s.io/cli-utils/pkg/kstatus/status` (the library behind
//!   Flux's health checks, kpt, Config Sync and cli-utils' apply with wait) computes of
//!   an object;
//! - [`ArgoHealth`]: what an Argo CD health check in Lua says of an object, run as Argo CD
//!   runs it, with gopher-lua (Lua 5.1) and the object as `obj`;
//! - [`KubeStateMetrics`]: kube-state-metrics itself, from its own module in `tools/ksm`,
//!   run against a server with a `CustomResourceStateMetrics` configuration.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Error, Result};

/// The status a tool computes of one object, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// kstatus's `Current`, `InProgress`, `Failed`, `Terminating`, `NotFound` or
    /// `Unknown`; Argo CD's `Healthy`, `Progressing`, `Degraded`, `Suspended`, `Missing`
    /// or `Unknown`.
    pub status: String,
    /// Why, in the tool's words or the object's.
    pub message: String,
}

/// The built kstatus program.
#[derive(Debug, Clone)]
pub struct Kstatus {
    binary: PathBuf,
}

impl Kstatus {
    /// Builds the tools with Go (a few seconds with a warm Go cache; the module is
    /// small), into `lifecycle-apiserver/` under the target directory.
    pub fn build() -> Result<Kstatus> {
        Ok(Kstatus {
            binary: build_tools()?.join("kstatus"),
        })
    }

    /// What kstatus computes of each of `objects` (whole objects as the server returns
    /// them), in order.
    pub fn compute(&self, objects: &[Value]) -> Result<Vec<Computed>> {
        run(Command::new(&self.binary), objects, "kstatus")
    }
}

/// The built Argo CD health runner.
#[derive(Debug, Clone)]
pub struct ArgoHealth {
    binary: PathBuf,
}

impl ArgoHealth {
    /// Builds the tools with Go, as [`Kstatus::build`] does.
    pub fn build() -> Result<ArgoHealth> {
        Ok(ArgoHealth {
            binary: build_tools()?.join("health"),
        })
    }

    /// What the Lua health check `script` says of each of `objects`, in order.
    pub fn check(&self, script: &str, objects: &[Value]) -> Result<Vec<Computed>> {
        let file = std::env::temp_dir().join(format!(
            "lifecycle-health-{}-{}.lua",
            std::process::id(),
            SCRIPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::write(&file, script).map_err(|source| Error::Spawn {
            binary: file.clone(),
            source,
        })?;
        let mut command = Command::new(&self.binary);
        command.arg(&file);
        let answer = run(command, objects, "the Argo CD health check");
        let _ = std::fs::remove_file(&file);
        answer
    }
}

/// The built kube-state-metrics.
#[derive(Debug, Clone)]
pub struct KubeStateMetrics {
    binary: PathBuf,
}

/// A running kube-state-metrics, stopped when dropped.
pub struct RunningKubeStateMetrics {
    _process: crate::KillOnDrop,
    /// Where its `/metrics` is served: `127.0.0.1:PORT`.
    pub addr: std::net::SocketAddr,
    config: PathBuf,
    log: PathBuf,
}

impl RunningKubeStateMetrics {
    /// What it has written to standard error so far, for a failing test to show.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RunningKubeStateMetrics {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.config);
        let _ = std::fs::remove_file(&self.log);
    }
}

impl KubeStateMetrics {
    /// Builds `k8s.io/kube-state-metrics/v2` with Go from the module in `tools/ksm` into
    /// `lifecycle-apiserver/kube-state-metrics` under the target directory (a minute or
    /// two with a cold Go cache).
    pub fn build() -> Result<KubeStateMetrics> {
        let dir = super::build::target_dir().join("lifecycle-apiserver");
        go_build(
            &super::build::package_dir().join("tools").join("ksm"),
            &[
                "-o".to_owned(),
                dir.join("kube-state-metrics").display().to_string(),
                "k8s.io/kube-state-metrics/v2".to_owned(),
            ],
        )?;
        Ok(KubeStateMetrics {
            binary: dir.join("kube-state-metrics"),
        })
    }

    /// Starts it against `server` as the admin, watching only the custom resources that
    /// `config` (a `CustomResourceStateMetrics` document, YAML or JSON) names, serving on
    /// a free port of 127.0.0.1.
    pub fn start(
        &self,
        server: &crate::ApiServer,
        config: &str,
    ) -> Result<RunningKubeStateMetrics> {
        // Both ports are held until just before the start, so that they differ.
        let bind = || {
            std::net::TcpListener::bind("127.0.0.1:0").map_err(|source| Error::Spawn {
                binary: self.binary.clone(),
                source,
            })
        };
        let (main, telemetry) = (bind()?, bind()?);
        let port = |l: &std::net::TcpListener| {
            l.local_addr().map_err(|source| Error::Spawn {
                binary: self.binary.clone(),
                source,
            })
        };
        let (addr, telemetry_addr) = (port(&main)?, port(&telemetry)?);
        drop((main, telemetry));
        let file = std::env::temp_dir().join(format!(
            "lifecycle-ksm-{}-{}.yaml",
            std::process::id(),
            SCRIPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::write(&file, config).map_err(|source| Error::Spawn {
            binary: file.clone(),
            source,
        })?;
        let log_path = file.with_extension("log");
        let log = std::fs::File::create(&log_path).map_err(|source| Error::Spawn {
            binary: log_path.clone(),
            source,
        })?;
        let child = Command::new(&self.binary)
            .arg(format!("--kubeconfig={}", server.kubeconfig().display()))
            .args(["--host=127.0.0.1", "--telemetry-host=127.0.0.1"])
            .arg(format!("--port={}", addr.port()))
            .arg(format!("--telemetry-port={}", telemetry_addr.port()))
            .arg("--custom-resource-state-only")
            .arg(format!(
                "--custom-resource-state-config-file={}",
                file.display()
            ))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| Error::Spawn {
                binary: self.binary.clone(),
                source,
            })?;
        Ok(RunningKubeStateMetrics {
            _process: crate::KillOnDrop(child),
            addr,
            config: file,
            log: log_path,
        })
    }
}

/// Runs `go build ARGS` in `dir` with the local toolchain and no cgo.
fn go_build(dir: &std::path::Path, args: &[String]) -> Result<()> {
    let output = Command::new("go")
        .arg("build")
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .output()
        .map_err(|source| Error::Spawn {
            binary: "go".into(),
            source,
        })?;
    match output.status.success() {
        true => Ok(()),
        false => Err(Error::GoBuild {
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }),
    }
}

/// Numbers the script files of one process.
static SCRIPTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Builds both tools into `lifecycle-apiserver/` under the target directory and returns
/// that directory.
fn build_tools() -> Result<PathBuf> {
    // One build a process: tests that run at once must not rewrite a binary another runs.
    static BUILT: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(dir) = built.as_ref() {
        return Ok(dir.clone());
    }
    let dir = super::build::target_dir().join("lifecycle-apiserver");
    let args = [
        "-o".to_owned(),
        format!("{}/", dir.display()),
        "./kstatus".to_owned(),
        "./health".to_owned(),
    ];
    go_build(&super::build::package_dir().join("tools"), &args)?;
    *built = Some(dir.clone());
    Ok(dir)
}

/// Runs a tool with `objects` as a JSON array on its standard input and reads its JSON
/// array of `{status, message}`, one per object.
fn run(mut command: Command, objects: &[Value], tool: &str) -> Result<Vec<Computed>> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| Error::Spawn {
            binary: command.get_program().into(),
            source,
        })?;
    let input = Value::Array(objects.to_vec()).to_string();
    if let Some(mut stdin) = child.stdin.take() {
        // A program that exits early closes the pipe; its stderr says why.
        let _ = stdin.write_all(input.as_bytes());
    }
    let output = child.wait_with_output().map_err(|source| Error::Spawn {
        binary: command.get_program().into(),
        source,
    })?;
    let refused = |why: String| Error::Tool {
        tool: tool.to_owned(),
        why,
    };
    if !output.status.success() {
        return Err(refused(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    let answer: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| refused(format!("its answer is not JSON: {e}")))?;
    let field = |entry: &Value, name: &str| entry[name].as_str().map(str::to_owned);
    answer
        .as_array()
        .filter(|list| list.len() == objects.len())
        .ok_or_else(|| refused(format!("not one answer per object: {answer}")))?
        .iter()
        .map(
            |entry| match (field(entry, "status"), field(entry, "message")) {
                (Some(status), Some(message)) => Ok(Computed { status, message }),
                _ => Err(refused(format!(
                    "an answer without status and message: {entry}"
                ))),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(generation: i64, observed: i64, conditions: Value) -> Value {
        json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": { "name": "w", "generation": generation },
            "status": { "observedGeneration": observed, "conditions": conditions },
        })
    }

    /// Builds the program with Go, which the end-to-end tests need anyway.
    #[test]
    fn kstatus_reads_the_standard_conditions_and_refuses_what_is_not_an_object() {
        let kstatus = Kstatus::build().expect("kstatus builds");
        let condition =
            |t: &str, s: &str| json!({ "type": t, "status": s, "reason": "R", "message": t });
        let computed = kstatus
            .compute(&[
                object(2, 1, json!([condition("Ready", "True")])),
                object(2, 2, json!([condition("Ready", "False")])),
                object(2, 2, json!([condition("Ready", "True")])),
                object(2, 2, json!([condition("Stalled", "True")])),
            ])
            .unwrap();
        let statuses: Vec<&str> = computed.iter().map(|c| c.status.as_str()).collect();
        assert_eq!(statuses, ["InProgress", "InProgress", "Current", "Failed"]);
        let refused = kstatus
            .compute(&[json!(["not", "an", "object"])])
            .unwrap_err();
        assert!(
            refused.to_string().contains("not a Kubernetes object"),
            "{refused}"
        );
    }
}
