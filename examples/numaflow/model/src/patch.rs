//! The writes the controllers send: JSON merge patches, each addressed to one object by
//! its kind and name, and the one function that applies a merge patch in memory. The
//! pipeline's plan is typed ([`crate::write::Write`]) and rendered as these.
//!
//! ```
//! use numaflow_model::patch::{Patch, PatchTarget, Subresource};
//! use numaflow_model::pipeline::Pipeline;
//! use numaflow_model::vertex::Vertex;
//!
//! let patch = Patch {
//!     target: PatchTarget::status::<Pipeline>("simple"),
//!     body: serde_json::json!({ "status": { "phase": "Pausing" } }),
//! };
//! assert!(patch.target.is::<Pipeline>() && !patch.target.is::<Vertex>());
//! assert_eq!(patch.target.subresource, Subresource::Status);
//! assert_eq!(patch.target.to_string(), "Pipeline/simple (status)");
//!
//! let mut pipeline = Pipeline::new("simple", Default::default());
//! patch.merge_into(&mut pipeline).unwrap();
//! assert_eq!(pipeline.status.unwrap().phase.map(|p| format!("{p:?}")).as_deref(), Some("Pausing"));
//! ```

use std::borrow::Cow;
use std::fmt;

use kube::Resource;
use kube::core::ApiResource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The type of a Kubernetes object: API group, version, kind and plural, as
/// [`kube::Resource`] names them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKind {
    /// The API group, e.g. `numaflow.numaproj.io`.
    pub group: Cow<'static, str>,
    /// The API version, e.g. `v1alpha1`.
    pub version: Cow<'static, str>,
    /// The kind, e.g. `Vertex`.
    pub kind: Cow<'static, str>,
    /// The plural of the resource, e.g. `vertices`.
    pub plural: Cow<'static, str>,
}

impl ResourceKind {
    /// The type of `K`.
    pub fn of<K: Resource<DynamicType = ()>>() -> Self {
        ResourceKind {
            group: K::group(&()),
            version: K::version(&()),
            kind: K::kind(&()),
            plural: K::plural(&()),
        }
    }

    /// Whether this is the type of `K`.
    pub fn is<K: Resource<DynamicType = ()>>(&self) -> bool {
        self.kind == K::kind(&()) && self.group == K::group(&()) && self.version == K::version(&())
    }

    /// The type as kube's dynamic API takes it, for `Api::<DynamicObject>::namespaced_with`.
    pub fn api_resource(&self) -> ApiResource {
        let api_version = match self.group.as_ref() {
            "" => self.version.to_string(),
            group => format!("{group}/{}", self.version),
        };
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version,
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }
}

/// Which part of an object a patch writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subresource {
    /// The object itself: metadata and spec.
    #[default]
    Main,
    /// The `status` subresource.
    Status,
}

/// The object a patch applies to: its type, its `metadata.name`, and the part written.
/// Any [`kube::Resource`] can be a target; the namespace is the reconciled object's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatchTarget {
    /// The object's type.
    pub resource: ResourceKind,
    /// The object's `metadata.name`.
    pub name: String,
    /// The part of the object written.
    pub subresource: Subresource,
}

impl PatchTarget {
    /// The object of type `K` named `name`: its metadata and spec.
    pub fn object<K: Resource<DynamicType = ()>>(name: impl Into<String>) -> Self {
        PatchTarget {
            resource: ResourceKind::of::<K>(),
            name: name.into(),
            subresource: Subresource::Main,
        }
    }

    /// The status subresource of the object of type `K` named `name`.
    pub fn status<K: Resource<DynamicType = ()>>(name: impl Into<String>) -> Self {
        PatchTarget {
            subresource: Subresource::Status,
            ..PatchTarget::object::<K>(name)
        }
    }

    /// The metadata and spec of `object`.
    pub fn object_of<K: Resource<DynamicType = ()>>(object: &K) -> Self {
        PatchTarget::object::<K>(object.meta().name.clone().unwrap_or_default())
    }

    /// The status subresource of `object`.
    pub fn status_of<K: Resource<DynamicType = ()>>(object: &K) -> Self {
        PatchTarget::status::<K>(object.meta().name.clone().unwrap_or_default())
    }

    /// The object this target writes, as its main resource: the status and the main
    /// resource of one object share one `resourceVersion`, so this is what a write's
    /// precondition is kept by.
    ///
    /// ```
    /// use numaflow_model::patch::PatchTarget;
    /// use numaflow_model::pipeline::Pipeline;
    ///
    /// let status = PatchTarget::status::<Pipeline>("simple");
    /// assert_eq!(status.object_part(), PatchTarget::object::<Pipeline>("simple"));
    /// ```
    pub fn object_part(&self) -> PatchTarget {
        PatchTarget {
            subresource: Subresource::Main,
            ..self.clone()
        }
    }

    /// Whether the target is an object of type `K`.
    pub fn is<K: Resource<DynamicType = ()>>(&self) -> bool {
        self.resource.is::<K>()
    }

    /// Whether the target is `object`: same type and same name.
    pub fn targets<K: Resource<DynamicType = ()>>(&self, object: &K) -> bool {
        self.is::<K>() && object.meta().name.as_deref().unwrap_or_default() == self.name
    }
}

impl fmt::Display for PatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.resource.kind, self.name)?;
        match self.subresource {
            Subresource::Main => Ok(()),
            Subresource::Status => f.write_str(" (status)"),
        }
    }
}

/// A JSON merge patch to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    /// Where it goes.
    pub target: PatchTarget,
    /// The merge patch body.
    pub body: Value,
}

impl Patch {
    /// Applies the body to `object` with [`merge_into`]; the target is not checked.
    pub fn merge_into<T: Serialize + DeserializeOwned>(
        &self,
        object: &mut T,
    ) -> serde_json::Result<()> {
        merge_into(object, &self.body)
    }
}

/// Applies the JSON merge patch `body` (RFC 7386) to `object`, as the API server would.
/// When the result does not read back as a `T`, `object` is left as it was and the error
/// says why.
pub fn merge_into<T: Serialize + DeserializeOwned>(
    object: &mut T,
    body: &Value,
) -> serde_json::Result<()> {
    let mut value = serde_json::to_value(&*object)?;
    json_patch::merge(&mut value, body);
    *object = serde_json::from_value(value)?;
    Ok(())
}

/// The JSON merge patch (RFC 7386) that turns `from` into `to`: changed and new members
/// as they are in `to`, members `to` lacks as `null`, objects compared member by member
/// and anything else replaced whole. Equal values give an empty object.
///
/// ```
/// use numaflow_model::patch::merge_patch_between;
/// use serde_json::json;
///
/// let from = json!({ "udf": { "image": "cat:1", "args": ["-v"] }, "limits": { "batch": 10 } });
/// let to = json!({ "udf": { "image": "cat:2", "args": ["-v"] } });
/// let patch = merge_patch_between(&from, &to);
/// assert_eq!(patch, json!({ "udf": { "image": "cat:2" }, "limits": null }));
///
/// let mut applied = from.clone();
/// json_patch::merge(&mut applied, &patch);
/// assert_eq!(applied, to);
/// ```
pub fn merge_patch_between(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(from), Value::Object(to)) => {
            let mut patch = serde_json::Map::new();
            for (key, old) in from {
                match to.get(key) {
                    None => {
                        patch.insert(key.clone(), Value::Null);
                    }
                    Some(new) if new != old => {
                        patch.insert(key.clone(), merge_patch_between(old, new));
                    }
                    Some(_) => {}
                }
            }
            for (key, new) in to {
                if !from.contains_key(key) {
                    patch.insert(key.clone(), new.clone());
                }
            }
            Value::Object(patch)
        }
        (_, to) => to.clone(),
    }
}
