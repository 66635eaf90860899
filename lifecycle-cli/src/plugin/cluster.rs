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
    /// Its resource, `pipelines`, and group.
    pub plural: String,
    /// The API group.
    pub group: String,
    /// The version objects are read in: the storage version.
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
        let version = crd
            .spec
            .versions
            .iter()
            .find(|v| v.storage)
            .or(crd.spec.versions.first())
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

    /// Whether the user may `verb` the object `name` of `kind`, by a
    /// SelfSubjectAccessReview.
    pub async fn may(&self, kind: &Kind, name: &str, verb: &str) -> Result<bool, PluginError> {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    group: Some(kind.group.clone()),
                    resource: Some(kind.plural.clone()),
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

    /// The Events about the object `name` of `kind`, oldest first.
    pub async fn events(&self, kind: &Kind, name: &str) -> Result<Vec<Event>, PluginError> {
        let events: Api<Event> = Api::namespaced(self.client.clone(), &self.namespace);
        let selector = format!(
            "involvedObject.name={name},involvedObject.kind={}",
            kind.kind
        );
        let mut list = events
            .list(&ListParams::default().fields(&selector))
            .await
            .map_err(|e| PluginError::Server(format!("listing Events: {}", server_message(&e))))?
            .items;
        list.sort_by_key(|e| {
            let time = e.event_time.as_ref().map(|t| t.0.to_string());
            time.or_else(|| e.last_timestamp.as_ref().map(|t| t.0.to_string()))
        });
        Ok(list)
    }

    /// Writes `state` at `path` of the object `name` with a merge patch, of the status
    /// subresource for a path in `status`. A refusal is the server's message.
    pub async fn write(
        &self,
        kind: &Kind,
        name: &str,
        path: &str,
        state: &str,
    ) -> Result<(), PluginError> {
        let body = path.rsplit('.').fold(
            Value::String(state.to_owned()),
            |inner, key| serde_json::json!({ key: inner }),
        );
        let api = self.api(kind);
        let params = PatchParams::default();
        let sent = match path.starts_with("status.") {
            true => api.patch_status(name, &params, &Patch::Merge(body)).await,
            false => api.patch(name, &params, &Patch::Merge(body)).await,
        };
        sent.map(drop)
            .map_err(|e| PluginError::Refused(server_message(&e)))
    }
}
