//! A client the way kubectl finds its cluster: a kubeconfig file and context when given,
//! otherwise `KUBECONFIG`, `~/.kube/config`, or the in-cluster service account.

use std::path::{Path, PathBuf};

use ::kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use ::kube::{Client, Config};

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The kubeconfig file could not be read, or the context not used.
    #[error("cannot use kubeconfig {}", path.display())]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: KubeconfigError,
    },
    /// No client could be built: from the configuration given, or from none found in the
    /// environment.
    #[error("cannot create a Kubernetes client")]
    Client(#[source] ::kube::Error),
}

/// A client for the cluster in `kubeconfig`, in its `context` or its current one; or,
/// without a kubeconfig, for the one kube finds itself: `KUBECONFIG`, `~/.kube/config`
/// (in `context` if given), or the in-cluster service account. The flags
/// `--kubeconfig` and `--context` of an operator's command line map onto it.
pub async fn client(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Client, ClientError> {
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let config = match kubeconfig {
        None if context.is_none() => {
            return Client::try_default().await.map_err(ClientError::Client);
        }
        None => Config::from_kubeconfig(&options)
            .await
            .map_err(|e| ClientError::Client(::kube::Error::InferKubeconfig(e)))?,
        Some(path) => {
            let kubeconfig_error = |source| ClientError::Kubeconfig {
                path: path.to_owned(),
                source,
            };
            let kubeconfig = Kubeconfig::read_from(path).map_err(kubeconfig_error)?;
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(kubeconfig_error)?
        }
    };
    Client::try_from(config).map_err(ClientError::Client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::error_chain;

    #[test]
    fn kubeconfig_errors_name_the_file_and_keep_their_source() {
        let error = ClientError::Kubeconfig {
            path: PathBuf::from("/k"),
            source: KubeconfigError::ReadConfig(
                std::io::Error::other("no such file"),
                PathBuf::from("/k"),
            ),
        };
        assert_eq!(error.to_string(), "cannot use kubeconfig /k");
        assert_eq!(
            error_chain(&error),
            "cannot use kubeconfig /k: failed to read kubeconfig from '\"/k\"': no such file"
        );
    }

    #[tokio::test]
    async fn a_missing_kubeconfig_is_a_kubeconfig_error() {
        let error = client(Some(Path::new("/nonexistent/kubeconfig")), None)
            .await
            .err()
            .expect("no such file");
        assert!(
            matches!(&error, ClientError::Kubeconfig { path, .. } if path == Path::new("/nonexistent/kubeconfig")),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_context_the_kubeconfig_lacks_is_a_kubeconfig_error_that_names_it() {
        let path = std::env::temp_dir().join(format!("kubeconfig-{}", std::process::id()));
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n",
        )
        .unwrap();
        let found = client(Some(&path), Some("a")).await;
        let error = client(Some(&path), Some("elsewhere"))
            .await
            .err()
            .expect("no such context");
        let _ = std::fs::remove_file(&path);
        assert!(found.is_ok(), "{:?}", found.err());
        assert!(
            matches!(&error, ClientError::Kubeconfig { path: p, .. } if *p == path),
            "{error:?}"
        );
        assert!(
            error_chain(&error).contains("elsewhere"),
            "{}",
            error_chain(&error)
        );
    }
}
