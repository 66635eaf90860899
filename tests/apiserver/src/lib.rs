//! A real Kubernetes API server for end-to-end tests: kube-apiserver with an embedded
//! etcd, built once from this package's Go program with `build.sh`, started on 127.0.0.1,
//! and shared by every test of a test binary ([`SharedApiServer`]), with the CRDs that
//! binary names installed once.
//!
//! The server has RBAC on and five named identities, each with a context in its
//! kubeconfig and a [`Client`] here ([`Identity`]): the admin, the plain users `alice`,
//! `bob` and `carol`, and a controller's ServiceAccount. There is no controller-manager,
//! scheduler or kubelet: pods stay Pending, namespaces never finish deleting, and
//! ClusterRole aggregation happens only where a test asks for it
//! ([`aggregate_cluster_role`], [`grant_edit`]).
//!
//! The server exits by itself when its standard input closes, and the test process holds
//! the only writer: when the process ends, however it ends, panics and aborts included,
//! the pipe closes and the server stops and cleans up. A server started in a data
//! directory ([`ApiServer::start_in`]) leaves its state there instead, so that a test can
//! stop it ([`ApiServer::stop`]) and start it again on the same objects, URL and
//! credentials.
//!
//! Beside the server, the helpers every end-to-end suite needs: [`eventually`] for what
//! the server does in the background, [`status_of`] for a request's answer,
//! [`KillOnDrop`] for the processes a test starts, and [`Kubectl`], real kubectl bound to
//! a server's kubeconfig, skipped with the reason printed where the machine has none.

mod build;
mod checks;
mod kubectl;
mod process;
mod rbac;
mod server;
mod setup;
mod tools;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;

pub use build::{build, kubernetes_release};
pub use checks::{eventually, status_of};
pub use kubectl::{Kubectl, find_kubectl};
pub use process::{KillOnDrop, run_without_cluster, stderr_of, stdout_of};
pub use rbac::{
    aggregate_cluster_role, bind_cluster_role, create_cluster_role, editor_role, grant_edit,
};
pub use server::ApiServer;
pub use setup::{bind_policy_in_namespace, create_namespace, install_crd};
pub use tools::{ArgoHealth, Computed, Kstatus, KubeStateMetrics, RunningKubeStateMetrics};

/// How long the server may take to print READY.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a CRD may take to become Established.
const ESTABLISH_TIMEOUT: Duration = Duration::from_secs(60);

/// The namespace of the controller's ServiceAccount.
pub const CONTROLLER_NAMESPACE: &str = "lifecycle-system";
/// The name of the controller's ServiceAccount.
pub const CONTROLLER_SERVICE_ACCOUNT: &str = "numaflow-controller";

/// The group the user `carol` is in.
pub const WIDGET_OPERATORS: &str = "widget-operators";

/// What can go wrong in the fixture.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The build script could not be run.
    #[error("running {} (it needs bash and Go 1.26 or newer)", script.display())]
    BuildScript {
        /// The script, `tests/apiserver/build.sh`.
        script: PathBuf,
        /// Why it could not run.
        #[source]
        source: std::io::Error,
    },
    /// The build failed.
    #[error("building the test API server failed:\n{stderr}")]
    GoBuild {
        /// What the build printed.
        stderr: String,
    },
    /// The server binary could not be started.
    #[error("starting {}", binary.display())]
    Spawn {
        /// The binary.
        binary: PathBuf,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// The server did not print READY in time.
    #[error("the API server did not print READY within {START_TIMEOUT:?} (exit: {status})")]
    NotReady {
        /// How the server ended, if it did.
        status: String,
    },
    /// The kubeconfig the server wrote could not be read.
    #[error("reading the kubeconfig {}", path.display())]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// A client could not be made from a kubeconfig context.
    #[error("a client for context {context}")]
    Client {
        /// The context.
        context: &'static str,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// A request the fixture sent failed.
    #[error("{what}")]
    Request {
        /// What the fixture was doing.
        what: String,
        /// The failure.
        #[source]
        source: kube::Error,
    },
    /// A CRD was not Established in time.
    #[error("CRD {name} was not Established within {ESTABLISH_TIMEOUT:?}")]
    NotEstablished {
        /// The CRD's name.
        name: String,
    },
    /// A tool (kstatus, the Argo CD health runner) refused its input or answered
    /// something else.
    #[error("{tool}: {why}")]
    Tool {
        /// The tool.
        tool: String,
        /// What it said, or what was wrong with its answer.
        why: String,
    },
    /// The server did not exit cleanly when stopped.
    #[error("the API server did not stop cleanly (exit: {status})")]
    NotStopped {
        /// How the server ended.
        status: String,
    },
    /// The shared server's setup thread panicked.
    #[error("the setup thread panicked")]
    SetupPanicked,
}

impl Error {
    fn request(what: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let what = what.into();
        move |source| Error::Request { what, source }
    }
}

/// A `Result` with the fixture's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who a client speaks as. Each identity is a context of the server's kubeconfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Client certificate `CN=admin, O=system:masters`: allowed everything.
    Admin,
    /// A plain user with a static token: allowed nothing but what RBAC grants.
    Alice,
    /// Another plain user with a static token.
    Bob,
    /// A user with a static token in the group [`WIDGET_OPERATORS`].
    Carol,
    /// The ServiceAccount [`CONTROLLER_NAMESPACE`]/[`CONTROLLER_SERVICE_ACCOUNT`], with a
    /// token from the TokenRequest API: allowed nothing but what RBAC grants.
    Controller,
}

impl Identity {
    /// Every identity the server issues.
    pub const ALL: [Identity; 5] = [
        Identity::Admin,
        Identity::Alice,
        Identity::Bob,
        Identity::Carol,
        Identity::Controller,
    ];

    /// Its context in the kubeconfig, for `kubectl --context`.
    pub fn context(self) -> &'static str {
        match self {
            Identity::Admin => "admin",
            Identity::Alice => "alice",
            Identity::Bob => "bob",
            Identity::Carol => "carol",
            Identity::Controller => CONTROLLER_SERVICE_ACCOUNT,
        }
    }

    /// The user name the server authenticates it as (`request.userInfo.username`).
    pub fn username(self) -> String {
        match self {
            Identity::Admin => "admin".to_owned(),
            Identity::Alice | Identity::Bob | Identity::Carol => self.context().to_owned(),
            Identity::Controller => {
                format!("system:serviceaccount:{CONTROLLER_NAMESPACE}:{CONTROLLER_SERVICE_ACCOUNT}")
            }
        }
    }
}

/// The server shared by every test of a test binary: built and started on first use,
/// with the CRDs its binary names installed and Established once. Declare one `static`
/// per test binary and reach the server through it:
///
/// ```
/// use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
/// use lifecycle_apiserver::SharedApiServer;
///
/// fn crds() -> Vec<CustomResourceDefinition> {
///     Vec::new() // the CRDs of the operator under test
/// }
///
/// static SERVER: SharedApiServer = SharedApiServer::new(crds);
/// ```
///
/// A failure to start, or to install a CRD, is reported to every test that asks, without
/// a second attempt.
pub struct SharedApiServer {
    crds: fn() -> Vec<CustomResourceDefinition>,
    server: OnceLock<Result<ApiServer>>,
}

impl SharedApiServer {
    /// A server not started yet, which will install the CRDs `crds` returns when first
    /// asked for.
    pub const fn new(crds: fn() -> Vec<CustomResourceDefinition>) -> Self {
        SharedApiServer {
            crds,
            server: OnceLock::new(),
        }
    }

    /// The server, started and set up on the first call.
    ///
    /// # Panics
    ///
    /// When the server could not be built or started, or a CRD not installed: on this
    /// call and on every later one.
    pub fn get(&self) -> &ApiServer {
        let shared = self.server.get_or_init(|| {
            let server = ApiServer::start()?;
            let crds = (self.crds)();
            // Setup runs on a thread of its own: the caller may be inside a test's runtime.
            std::thread::scope(|scope| {
                scope
                    .spawn(|| block_on(install_crds(&server, &crds)))
                    .join()
                    .unwrap_or(Err(Error::SetupPanicked))
            })?;
            Ok(server)
        });
        match shared {
            Ok(server) => server,
            Err(e) => panic!("the test API server is not available: {}", error_chain(e)),
        }
    }

    /// A client of the server speaking as `identity`.
    ///
    /// # Panics
    ///
    /// When the server is not available ([`SharedApiServer::get`]) or the client cannot
    /// be made.
    pub async fn client(&self, identity: Identity) -> Client {
        match self.get().client(identity).await {
            Ok(client) => client,
            Err(e) => panic!(
                "a client for the test API server as {identity:?}: {}",
                error_chain(&e)
            ),
        }
    }

    /// A namespace of its own for one test, created by the admin unless it exists; its
    /// name.
    ///
    /// # Panics
    ///
    /// When the server is not available or the namespace cannot be created.
    pub async fn namespace(&self, name: &str) -> String {
        let admin = self.client(Identity::Admin).await;
        if let Err(e) = create_namespace(&admin, name).await {
            panic!("namespace {name}: {}", error_chain(&e));
        }
        name.to_owned()
    }
}

async fn install_crds(server: &ApiServer, crds: &[CustomResourceDefinition]) -> Result<()> {
    let client = server.admin().await?;
    for crd in crds {
        install_crd(&client, crd).await?;
    }
    Ok(())
}

/// `error` and its sources, one per line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    text
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
