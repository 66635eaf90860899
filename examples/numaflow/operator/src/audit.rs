//! The pre-upgrade audit (`numaflow-controller --audit-against CRDS`): the stored
//! pipelines, vertices and MonoVertices that the lifecycles of the new version's CRDs
//! would strand ([`lifecycle_model::machine::stranded`]), before they are applied.

use std::io::Write;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use lifecycle_model::crd::machines_of;
use lifecycle_model::machine::{Machine, StrandedObject, stranded};
use numaflow_model::monovertex::MonoVertex;
use numaflow_model::pipeline::Pipeline;
use numaflow_model::vertex::Vertex;
use serde_json::Value;

/// Why the audit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The CRDs do not read.
    #[error("the new CRDs do not read: {0}")]
    Crds(String),
    /// Listing the stored objects failed.
    #[error("listing {resource}")]
    List {
        /// `plural.group`.
        resource: String,
        /// The server's answer.
        #[source]
        source: kube::Error,
    },
    /// Writing the report failed.
    #[error("writing the report")]
    Write(#[from] std::io::Error),
}

/// The machines a CRD carries, each with the path of its phase field.
pub type Carried = Vec<(String, Machine)>;

/// The lifecycles of each CRD in `text` (YAML documents, as `numaflow-crdgen` prints
/// them), by CRD name.
///
/// # Errors
///
/// When a document is not YAML, not a CRD, or carries machines that do not read.
pub fn lifecycles(text: &str) -> Result<Vec<(String, Carried)>, AuditError> {
    let documents: Vec<Value> =
        serde_saphyr::from_multiple(text).map_err(|e| AuditError::Crds(e.to_string()))?;
    let mut out = Vec::new();
    for document in documents {
        if document["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let crd: CustomResourceDefinition =
            serde_json::from_value(document).map_err(|e| AuditError::Crds(e.to_string()))?;
        let machines = machines_of(&crd).map_err(|e| AuditError::Crds(e.to_string()))?;
        out.push((crd.metadata.name.unwrap_or_default(), machines));
    }
    Ok(out)
}

/// Writes to `out`, for each of the three kinds in `namespace` (all when `None`), the
/// stored objects the lifecycles in `crds` would strand, and returns how many there are.
///
/// # Errors
///
/// When the CRDs do not read, a list fails, or `out` cannot be written.
pub async fn audit(
    client: Client,
    namespace: Option<&str>,
    crds: &str,
    out: &mut impl Write,
) -> Result<usize, AuditError> {
    let lifecycles = lifecycles(crds)?;
    let kinds = [
        ApiResource::erase::<Pipeline>(&()),
        ApiResource::erase::<Vertex>(&()),
        ApiResource::erase::<MonoVertex>(&()),
    ];
    let mut found: Vec<(String, StrandedObject)> = Vec::new();
    for kind in &kinds {
        let resource = format!("{}.{}", kind.plural, kind.group);
        let Some((_, machines)) = lifecycles.iter().find(|(name, _)| *name == resource) else {
            continue;
        };
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, kind),
            None => Api::all_with(client.clone(), kind),
        };
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|source| AuditError::List {
                resource: resource.clone(),
                source,
            })?;
        let objects: Vec<Value> = list
            .items
            .iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect();
        found.extend(
            stranded(&objects, machines)
                .into_iter()
                .map(|s| (kind.kind.clone(), s)),
        );
    }
    for (kind, s) in &found {
        let phase = s.phase.as_deref().unwrap_or("(not set)");
        writeln!(
            out,
            "{kind} {}/{} {}={phase}: {}",
            s.namespace, s.name, s.field, s.why
        )?;
    }
    match found.len() {
        0 => writeln!(out, "no stored object would be stranded")?,
        n => writeln!(out, "{n} stored objects would be stranded")?,
    }
    Ok(found.len())
}
