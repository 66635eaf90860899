//! The objects tests start from: CRDs, namespaces, and admission policies bound to one
//! namespace.

use std::time::{Duration, Instant};

use k8s_openapi::api::admissionregistration::v1::{
    MatchResources, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding,
};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::Client;
use kube::api::{Api, ObjectMeta, PostParams};

use super::{ESTABLISH_TIMEOUT, Error, Result};

/// Creates `crd` unless it exists, and waits until it is Established.
pub async fn install_crd(client: &Client, crd: &CustomResourceDefinition) -> Result<()> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd.metadata.name.clone().unwrap_or_default();
    match api.create(&PostParams::default(), crd).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => return Err(Error::request(format!("creating CRD {name}"))(e)),
    }
    let deadline = Instant::now() + ESTABLISH_TIMEOUT;
    loop {
        let current = api
            .get(&name)
            .await
            .map_err(Error::request(format!("reading CRD {name}")))?;
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
            return Err(Error::NotEstablished { name });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates the namespace `name` unless it exists. Namespaces are cheap and never finish
/// deleting here (no controller-manager), so tests take a fresh one each.
pub async fn create_namespace(client: &Client, name: &str) -> Result<Namespace> {
    let api: Api<Namespace> = Api::all(client.clone());
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    match api.create(&PostParams::default(), &namespace).await {
        Ok(created) => Ok(created),
        Err(kube::Error::Api(status)) if status.code == 409 => api
            .get(name)
            .await
            .map_err(Error::request(format!("reading namespace {name}"))),
        Err(e) => Err(Error::request(format!("creating namespace {name}"))(e)),
    }
}

/// Creates `policy` unless one by its name exists, and `binding` for it matching
/// `namespace` alone, named `{binding's name}-{namespace}`: one namespace, one binding, so
/// the tests of other namespaces run beside it untouched.
pub async fn bind_policy_in_namespace(
    client: &Client,
    namespace: &str,
    policy: &ValidatingAdmissionPolicy,
    mut binding: ValidatingAdmissionPolicyBinding,
) -> Result<ValidatingAdmissionPolicyBinding> {
    binding.spec.match_resources = Some(MatchResources {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(
                [(
                    "kubernetes.io/metadata.name".to_owned(),
                    namespace.to_owned(),
                )]
                .into(),
            ),
            ..LabelSelector::default()
        }),
        ..MatchResources::default()
    });
    let name = format!("{}-{namespace}", binding.metadata.name.unwrap_or_default());
    binding.metadata.name = Some(name.clone());
    let policy_name = policy.metadata.name.clone().unwrap_or_default();
    match Api::<ValidatingAdmissionPolicy>::all(client.clone())
        .create(&PostParams::default(), policy)
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => {
            return Err(Error::request(format!(
                "creating ValidatingAdmissionPolicy {policy_name}"
            ))(e));
        }
    }
    Api::<ValidatingAdmissionPolicyBinding>::all(client.clone())
        .create(&PostParams::default(), &binding)
        .await
        .map_err(Error::request(format!(
            "creating ValidatingAdmissionPolicyBinding {name}"
        )))
}
