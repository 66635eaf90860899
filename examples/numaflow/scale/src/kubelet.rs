//! A stand-in for the kubelet's part in deleting a pod. The test API server runs no
//! kubelet, so a pod is gone at once only when its deletion completes in the server's one
//! request; one whose request was cut short (its client killed mid-request, or the server
//! stopped) is left terminating for good, where a kubelet would have finished it. This
//! finishes such a pod the way a kubelet does, with a deletion of grace period 0, as the
//! admin, whom the audit policy leaves out.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use tokio::task::JoinHandle;

/// Watches the pods of `namespace` through `client` and finishes the deletion of each
/// one left terminating; stops when dropped.
pub struct StandInKubelet(JoinHandle<()>);

impl StandInKubelet {
    /// Starts watching.
    pub fn start(client: &Client, namespace: &str) -> StandInKubelet {
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        StandInKubelet(tokio::spawn(async move {
            let mut events = watcher::watcher(pods.clone(), watcher::Config::default())
                .default_backoff()
                .boxed();
            while let Some(event) = events.next().await {
                let (Ok(Event::Apply(pod)) | Ok(Event::InitApply(pod))) = event else {
                    continue;
                };
                if pod.metadata.deletion_timestamp.is_some() {
                    let pods = pods.clone();
                    tokio::spawn(async move {
                        let _ = pods
                            .delete(&pod.name_any(), &DeleteParams::default().grace_period(0))
                            .await;
                    });
                }
            }
        }))
    }
}

impl Drop for StandInKubelet {
    fn drop(&mut self) {
        self.0.abort();
    }
}
