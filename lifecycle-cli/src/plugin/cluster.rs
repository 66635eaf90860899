//! What `kubectl lifecycle` asks the cluster: the CRD of a kind and the machines it
//! carries, the object, the user's rights (SelfSubjectAccessReview), the Events about
//! the object, and the write of a move.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use lifecycle_machine::Machine;
use lifecycle_machine::json::{MACHINES_ANNOTATION, carried};
use serde_json::Value;

use super::PluginError;

/// A client of the cluster, and the namespace objects are looked up in.
pub struct Cluster {
    client: Client,
    /// `--namespace`, else the context's namespace, else `default`.
    pub namespace: String,
}

/// A kind whose CRD carries its lifecycles.
pub struct Kind {
    /// The kind, `Pipeline`.
    pub kind: String,
    /// Its resource's plural name, `pipelines`.
    pub plural: String,
    /// The API group.
    pub group: String,
    /// The version objects are read in: the storage version if it is served, else the
    /// first served one.
    pub version: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Its machines, each with the path of its phase field.
    pub machines: Vec<(String, Machine)>,
}

impl Kind {
    /// `plural.group`, as RBAC and messages name the resource.
    pub fn resource(&self) -> String {
        format!("{}.{}", self.plural, self.group)
    }

    fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: format!("{}/{}", self.group, self.version),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }
}

/// What the server said, as the message a user reads.
fn server_message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

impl Cluster {
    /// Connects with `kubeconfig` (else `KUBECONFIG` or `~/.kube/config`) and `context`
    /// (else the current one).
    pub async fn connect(
        kubeconfig: Option<&std::path::Path>,
        context: Option<String>,
        namespace: Option<String>,
    ) -> Result<Cluster, PluginError> {
        let read = match kubeconfig {
            Some(path) => Kubeconfig::read_from(path),
            None => Kubeconfig::read(),
        };
        let config = match read {
            Ok(kubeconfig) => {
                let options = KubeConfigOptions {
                    context,
                    ..KubeConfigOptions::default()
                };
                Config::from_custom_kubeconfig(kubeconfig, &options).await
            }
            Err(e) => Err(e),
        }
        .map_err(|e| PluginError::Kubeconfig(e.to_string()))?;
        let namespace = namespace.unwrap_or_else(|| config.default_namespace.clone());
        let client =
            Client::try_from(config).map_err(|e| PluginError::Kubeconfig(e.to_string()))?;
        Ok(Cluster { client, namespace })
    }

    /// The kind `name` names (its kind, plural, singular or a short name, any case, or
    /// `plural.group`), from the CRDs that carry lifecycles.
    pub async fn kind(&self, name: &str) -> Result<Kind, PluginError> {
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let list = crds
            .list(&ListParams::default())
            .await
            .map_err(|e| PluginError::Server(format!("listing CRDs: {}", server_message(&e))))?;
        let wanted = name.to_ascii_lowercase();
        let names = |crd: &CustomResourceDefinition| {
            let n = &crd.spec.names;
            let mut all = vec![
                n.kind.to_ascii_lowercase(),
                n.plural.clone(),
                format!("{}.{}", n.plural, crd.spec.group),
            ];
            all.extend(n.singular.clone());
            all.extend(n.short_names.clone().unwrap_or_default());
            all
        };
        let carrying: Vec<&CustomResourceDefinition> = list
            .items
            .iter()
            .filter(|crd| {
                let annotations = crd.metadata.annotations.as_ref();
                annotations.is_some_and(|a| a.contains_key(MACHINES_ANNOTATION))
            })
            .collect();
        let Some(crd) = carrying.iter().find(|crd| names(crd).contains(&wanted)) else {
            let mut known: Vec<String> = carrying
                .iter()
                .map(|c| format!("{}.{}", c.spec.names.plural, c.spec.group))
                .collect();
            known.sort();
            return Err(PluginError::UnknownKind {
                kind: name.to_owned(),
                known,
            });
        };
        let text = &crd.metadata.annotations.as_ref().expect("filtered above")[MACHINES_ANNOTATION];
        let machines = carried(text).map_err(|e| PluginError::Carried(e.to_string()))?;
        let served = crd.spec.versions.iter().filter(|v| v.served);
        let version = served
            .clone()
            .find(|v| v.storage)
            .or(served.clone().next())
            .map(|v| v.name.clone())
            .unwrap_or_default();
        Ok(Kind {
            kind: crd.spec.names.kind.clone(),
            plural: crd.spec.names.plural.clone(),
            group: crd.spec.group.clone(),
            version,
            namespaced: crd.spec.scope == "Namespaced",
            machines,
        })
    }

    fn api(&self, kind: &Kind) -> Api<DynamicObject> {
        let resource = kind.api_resource();
        match kind.namespaced {
            true => Api::namespaced_with(self.client.clone(), &self.namespace, &resource),
            false => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// The objects of `kind` in the namespace, or in every namespace, as JSON.
    pub async fn list(&self, kind: &Kind, all_namespaces: bool) -> Result<Vec<Value>, PluginError> {
        let api = match all_namespaces {
            true => Api::all_with(self.client.clone(), &kind.api_resource()),
            false => self.api(kind),
        };
        let list = api.list(&ListParams::default()).await.map_err(|e| {
            PluginError::Server(format!(
                "listing {}: {}",
                kind.resource(),
                server_message(&e)
            ))
        })?;
        list.items
            .into_iter()
            .map(|o| serde_json::to_value(o).map_err(|e| PluginError::Server(e.to_string())))
            .collect()
    }

    /// The object `name` of `kind`, as JSON.
    pub async fn object(&self, kind: &Kind, name: &str) -> Result<Value, PluginError> {
        let object = self.api(kind).get(name).await.map_err(|e| {
            PluginError::Server(format!(
                "reading {}/{name}: {}",
                kind.kind.to_ascii_lowercase(),
                server_message(&e)
            ))
        })?;
        serde_json::to_value(object).map_err(|e| PluginError::Server(e.to_string()))
    }

    /// Whether the user may `verb` the object `name` of `kind` (its `subresource`, if
    /// any), by a SelfSubjectAccessReview.
    pub async fn may(
        &self,
        kind: &Kind,
        name: &str,
        verb: &str,
        subresource: Option<&str>,
    ) -> Result<bool, PluginError> {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    group: Some(kind.group.clone()),
                    resource: Some(kind.plural.clone()),
                    subresource: subresource.map(str::to_owned),
                    verb: Some(verb.to_owned()),
                    name: Some(name.to_owned()),
                    namespace: kind.namespaced.then(|| self.namespace.clone()),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let reviews: Api<SelfSubjectAccessReview> = Api::all(self.client.clone());
        let answer = reviews
            .create(&PostParams::default(), &review)
            .await
            .map_err(|e| {
                PluginError::Server(format!("asking what you may do: {}", server_message(&e)))
            })?;
        Ok(answer.status.is_some_and(|s| s.allowed))
    }

    /// The Events about `object` (by its uid), oldest first by when each was last seen.
    /// Events about a cluster-scoped object are recorded in `default`.
    pub async fn events(&self, kind: &Kind, object: &Value) -> Result<Vec<Event>, PluginError> {
        let namespace = match kind.namespaced {
            true => self.namespace.as_str(),
            false => "default",
        };
        let events: Api<Event> = Api::namespaced(self.client.clone(), namespace);
        let uid = object["metadata"]["uid"].as_str().unwrap_or_default();
        let selector = format!("involvedObject.uid={uid}");
        let mut list = events
            .list(&ListParams::default().fields(&selector))
            .await
            .map_err(|e| PluginError::Server(format!("listing Events: {}", server_message(&e))))?
            .items;
        list.sort_by_key(|e| {
            let series = e
                .series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref());
            let times = [
                series.map(|t| t.0),
                e.last_timestamp.as_ref().map(|t| t.0),
                e.event_time.as_ref().map(|t| t.0),
                e.metadata.creation_timestamp.as_ref().map(|t| t.0),
            ];
            times.into_iter().flatten().max()
        });
        Ok(list)
    }

    /// Writes `state` at `path` of the object `name`, as read at `resource_version`, with
    /// a merge patch (of the status subresource for a path in `status`) that the server
    /// applies only if the object has not changed since. A refusal is the server's
    /// message.
    pub async fn write(
        &self,
        kind: &Kind,
        name: &str,
        resource_version: &str,
        path: &str,
        state: &str,
    ) -> Result<(), PluginError> {
        let mut body = path.rsplit('.').fold(
            Value::String(state.to_owned()),
            |inner, key| serde_json::json!({ key: inner }),
        );
        body["metadata"] = serde_json::json!({ "resourceVersion": resource_version });
        let api = self.api(kind);
        let params = PatchParams {
            field_manager: Some("kubectl-lifecycle".to_owned()),
            ..PatchParams::default()
        };
        let sent = match path.starts_with("status.") {
            true => api.patch_status(name, &params, &Patch::Merge(body)).await,
            false => api.patch(name, &params, &Patch::Merge(body)).await,
        };
        sent.map(drop).map_err(|e| match &e {
            kube::Error::Api(status) if status.code == 409 => PluginError::Refused(format!(
                "{name} changed since it was read; run the command again ({})",
                server_message(&e)
            )),
            _ => PluginError::Refused(server_message(&e)),
        })
    }
}
