//! A real Kubernetes API server for end-to-end tests: built once from
//! `tests/apiserver` with Go, started on 127.0.0.1, shared by every test of a test binary.
//!
//! The server exits by itself when its standard input closes, and the test process holds
//! the only writer: when the process ends, however it ends, panics and aborts included,
//! the pipe closes and the server stops and cleans up.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// How long the server may take to print READY.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a CRD may take to become Established.
const ESTABLISH_TIMEOUT: Duration = Duration::from_secs(60);

/// A running API server and the kubeconfig that reaches it.
pub struct ApiServer {
    kubeconfig: PathBuf,
    url: String,
    child: Mutex<Child>,
    // Held open for the life of the process; its closing stops the server.
    _stdin: Mutex<ChildStdin>,
}

static NEXT_SERVER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

static SHARED: OnceLock<Result<ApiServer, String>> = OnceLock::new();

impl ApiServer {
    /// The server shared by this test binary, built and started on first use, with the
    /// NumaFlow CRDs installed and Established. A failure to start is reported to every
    /// test that asks, without a second attempt.
    pub fn shared() -> &'static ApiServer {
        let shared = SHARED.get_or_init(|| {
            let server = ApiServer::start()?;
            // Setup runs on a thread of its own: the caller may be inside a test's runtime.
            std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        block_on(async {
                            let client = server.client().await?;
                            for crd in lifecycle_examples::numaflow::crd::crds() {
                                install_crd(&client, &crd).await?;
                            }
                            Ok::<_, String>(())
                        })
                    })
                    .join()
                    .unwrap_or_else(|_| Err("the setup thread panicked".to_owned()))
            })
            .map_err(|e| format!("installing the CRDs: {e}"))?;
            Ok(server)
        });
        match shared {
            Ok(server) => server,
            Err(e) => panic!("the test API server is not available: {e}"),
        }
    }

    /// Builds the server if needed and starts a new one; prefer [`ApiServer::shared`].
    pub fn start() -> Result<ApiServer, String> {
        let binary = build()?;
        // The server writes this file when ready and removes it when it stops.
        let kubeconfig = std::env::temp_dir().join(format!(
            "lifecycle-e2e-{}-{}.kubeconfig",
            std::process::id(),
            NEXT_SERVER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut child = Command::new(&binary)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--exit-on-stdin-eof")
            .arg("--parent-pid")
            .arg(std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("READY ") {
                    let _ = ready_tx.send(url.to_owned());
                }
            }
        });
        let url = match ready_rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(format!(
                    "the API server did not print READY within {START_TIMEOUT:?} (exit: {status})"
                ));
            }
        };
        Ok(ApiServer {
            kubeconfig,
            url,
            child: Mutex::new(child),
            _stdin: Mutex::new(stdin),
        })
    }

    /// The kubeconfig file that reaches the server.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.lock().map(|c| c.id()).unwrap_or(0)
    }

    /// A client for the server, bound to the calling task's runtime.
    pub async fn client(&self) -> Result<Client, String> {
        let kubeconfig = Kubeconfig::read_from(&self.kubeconfig).map_err(|e| e.to_string())?;
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        Client::try_from(config).map_err(|e| e.to_string())
    }
}

/// Runs `future` on a runtime of its own, for setup outside any test's runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => panic!("cannot build a tokio runtime: {e}"),
    }
}

/// Creates `crd` unless it exists, and waits until it is Established.
pub async fn install_crd(client: &Client, crd: &CustomResourceDefinition) -> Result<(), String> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd.metadata.name.clone().unwrap_or_default();
    match api.create(&PostParams::default(), crd).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => return Err(format!("creating CRD {name}: {e}")),
    }
    let deadline = Instant::now() + ESTABLISH_TIMEOUT;
    loop {
        let current = api.get(&name).await.map_err(|e| e.to_string())?;
        let established = current
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "CRD {name} was not Established within {ESTABLISH_TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The workspace's target directory.
fn target_dir() -> PathBuf {
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

/// Builds the server binary with Go; Go's build cache makes a rebuild take about a
/// second. The first build fetches the modules and takes a few minutes.
pub fn build() -> Result<PathBuf, String> {
    let source = workspace_root().join("tests").join("apiserver");
    let binary = target_dir()
        .join("lifecycle-apiserver")
        .join("lifecycle-apiserver");
    let started = Instant::now();
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .output()
        .map_err(|e| {
            format!(
                "running `go build` in {} (is Go installed?): {e}",
                source.display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "`go build` of the test API server failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if started.elapsed() > Duration::from_secs(10) {
        eprintln!("built the test API server in {:.0?}", started.elapsed());
    }
    Ok(binary)
}
