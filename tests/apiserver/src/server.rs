//! One server process: starting it, in a temp dir or a data directory of its own,
//! reaching it, and stopping it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::{
    CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, Error, Identity, Result, START_TIMEOUT, build,
};

/// A running API server and the kubeconfig that reaches it.
///
/// Dropping it closes the server's standard input, which stops the server without
/// waiting for it; [`ApiServer::stop`] waits.
pub struct ApiServer {
    kubeconfig: PathBuf,
    url: String,
    child: Mutex<Child>,
    // Held open for the life of the process; its closing stops the server.
    stdin: Mutex<ChildStdin>,
}

static NEXT_SERVER: AtomicUsize = AtomicUsize::new(0);

impl ApiServer {
    /// Builds the server if needed and starts a new one; prefer a [`SharedApiServer`].
    ///
    /// [`SharedApiServer`]: crate::SharedApiServer
    pub fn start() -> Result<ApiServer> {
        ApiServer::start_with(&[])
    }

    /// Starts a new server, as [`ApiServer::start`] does, passing `args` on to
    /// kube-apiserver (`--audit-log-path=...`).
    pub fn start_with(args: &[String]) -> Result<ApiServer> {
        // The server writes this file when ready and removes it when it stops.
        let kubeconfig = std::env::temp_dir().join(format!(
            "lifecycle-e2e-{}-{}.kubeconfig",
            std::process::id(),
            NEXT_SERVER.fetch_add(1, Ordering::Relaxed)
        ));
        ApiServer::spawn(kubeconfig, None, args)
    }

    /// Starts a server, as [`ApiServer::start_with`] does, that keeps its state in `dir`
    /// (created if missing) and leaves it there when it stops: etcd's data, the
    /// certificates, the tokens, the ports, and the kubeconfig, `dir/kubeconfig`. Started
    /// again in the same `dir`, once the first has stopped ([`ApiServer::stop`]), it
    /// serves the same objects on the same URL with the same CA, and the clients made
    /// before the restart keep working. The certificates are good for a week from the
    /// first start. The caller removes `dir`.
    pub fn start_in(dir: &Path, args: &[String]) -> Result<ApiServer> {
        ApiServer::spawn(dir.join("kubeconfig"), Some(dir), args)
    }

    fn spawn(kubeconfig: PathBuf, data_dir: Option<&Path>, args: &[String]) -> Result<ApiServer> {
        let binary = build()?;
        let mut command = Command::new(&binary);
        command.arg("--kubeconfig").arg(&kubeconfig);
        if let Some(dir) = data_dir {
            command.arg("--data-dir").arg(dir);
        }
        let mut child = command
            .arg("--exit-on-stdin-eof")
            .arg("--parent-pid")
            .arg(std::process::id().to_string())
            .arg("--service-account")
            .arg(format!(
                "{CONTROLLER_NAMESPACE}/{CONTROLLER_SERVICE_ACCOUNT}"
            ))
            .arg("--")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| Error::Spawn {
                binary: binary.clone(),
                source,
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were asked for");
        };
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
                return Err(Error::NotReady { status });
            }
        };
        Ok(ApiServer {
            kubeconfig,
            url,
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
        })
    }

    /// Stops the server and waits until it has exited: kube-apiserver and etcd are shut
    /// down, and its ports are free for a server started again in the same data
    /// directory ([`ApiServer::start_in`]). It blocks the calling thread, for at most
    /// about half a minute: the server cuts a teardown that hangs short.
    pub fn stop(self) -> Result<()> {
        let ApiServer { child, stdin, .. } = self;
        drop(stdin);
        let mut child = child.into_inner().unwrap_or_else(PoisonError::into_inner);
        match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Error::NotStopped {
                status: status.to_string(),
            }),
            Err(e) => Err(Error::NotStopped {
                status: format!("unknown, waiting failed: {e}"),
            }),
        }
    }

    /// The kubeconfig file that reaches the server: one context per [`Identity`], the
    /// admin's current.
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

    /// A client speaking as `identity`, bound to the calling task's runtime.
    pub async fn client(&self, identity: Identity) -> Result<Client> {
        let context = identity.context();
        let kubeconfig =
            Kubeconfig::read_from(&self.kubeconfig).map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.clone(),
                source,
            })?;
        let options = KubeConfigOptions {
            context: Some(context.to_owned()),
            ..KubeConfigOptions::default()
        };
        let config = Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.clone(),
                source,
            })?;
        Client::try_from(config).map_err(|source| Error::Client { context, source })
    }

    /// A client speaking as the admin.
    pub async fn admin(&self) -> Result<Client> {
        self.client(Identity::Admin).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
    use kube::api::{Api, ObjectMeta, PostParams};

    use super::*;
    use crate::{bind_cluster_role, create_cluster_role, create_namespace, eventually};

    const NAMESPACE: &str = "restart";
    const CONFIG_MAP: &str = "kept";

    /// A data directory of the test's own, removed when the test ends, however it ends.
    struct DataDir(PathBuf);

    impl Drop for DataDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn reads_the_config_map(client: &Client) -> bool {
        Api::<ConfigMap>::namespaced(client.clone(), NAMESPACE)
            .get(CONFIG_MAP)
            .await
            .is_ok_and(|found| {
                found.data.and_then(|d| d.get("answer").cloned()) == Some("42".to_owned())
            })
    }

    /// Creates the ConfigMap and lets the controller read it.
    async fn set_up(admin: &Client) -> Result<()> {
        create_namespace(admin, NAMESPACE).await?;
        let config_map = ConfigMap {
            metadata: ObjectMeta {
                name: Some(CONFIG_MAP.to_owned()),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([("answer".to_owned(), "42".to_owned())])),
            ..ConfigMap::default()
        };
        Api::<ConfigMap>::namespaced(admin.clone(), NAMESPACE)
            .create(&PostParams::default(), &config_map)
            .await
            .map_err(Error::request("creating the ConfigMap"))?;
        let reader = ClusterRole {
            metadata: ObjectMeta {
                name: Some("config-map-reader".to_owned()),
                ..ObjectMeta::default()
            },
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec![String::new()]),
                resources: Some(vec!["configmaps".to_owned()]),
                verbs: vec!["get".to_owned()],
                ..PolicyRule::default()
            }]),
            ..ClusterRole::default()
        };
        create_cluster_role(admin, &reader).await?;
        bind_cluster_role(admin, NAMESPACE, "config-map-reader", Identity::Controller).await?;
        Ok(())
    }

    /// Builds the server with Go, which the end-to-end tests need anyway, and starts it
    /// twice.
    #[test]
    fn a_server_started_again_in_its_data_dir_keeps_its_url_its_objects_and_its_clients() {
        let dir =
            DataDir(std::env::temp_dir().join(format!("lifecycle-restart-{}", std::process::id())));
        // One runtime for the whole test: a client lives on the runtime it was made on.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();

        let server = ApiServer::start_in(&dir.0, &[]).expect("the server starts");
        let url = server.url().to_owned();
        let (admin, controller) = runtime.block_on(async {
            let admin = server.admin().await.unwrap();
            set_up(&admin).await.unwrap();
            let controller = server.client(Identity::Controller).await.unwrap();
            eventually("the controller reads the ConfigMap", || {
                reads_the_config_map(&controller)
            })
            .await;
            (admin, controller)
        });
        server.stop().expect("the server stops cleanly");

        let server = ApiServer::start_in(&dir.0, &[]).expect("the server starts again");
        assert_eq!(server.url(), url);
        runtime.block_on(async {
            eventually(
                "the admin made before the restart reads the ConfigMap",
                || reads_the_config_map(&admin),
            )
            .await;
            eventually(
                "the controller made before the restart reads the ConfigMap",
                || reads_the_config_map(&controller),
            )
            .await;
        });
        server.stop().expect("the server stops cleanly again");
    }
}
