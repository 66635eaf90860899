//! Both CRDs as one YAML stream, as `crdgen` prints them.
//!
//! ```
//! let yaml = lifecycle_examples::numaflow::crd::yaml().unwrap();
//! assert!(yaml.starts_with("---\n"));
//! assert_eq!(yaml.matches("\n---\n").count() + 1, 2);
//! assert!(yaml.contains("name: pipelines.numaflow.numaproj.io"));
//! assert!(yaml.contains("name: vertices.numaflow.numaproj.io"));
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::numaflow::pipeline::Pipeline;
use crate::numaflow::vertex::Vertex;

/// The CRDs, Pipeline first.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![Pipeline::crd(), Vertex::crd()]
}

/// The CRDs as YAML documents, each starting with `---`.
pub fn yaml() -> Result<String, serde_saphyr::ser::Error> {
    let mut out = String::new();
    for crd in crds() {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&crd)?);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}
