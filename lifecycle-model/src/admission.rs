//! Who may move a lifecycle (feature `kube`). A CRD's CEL rules judge a change by the
//! objects alone; a `ValidatingAdmissionPolicy` (admissionregistration.k8s.io/v1) also
//! sees who asks. [`WriterPolicy`] renders one, with its binding, from the declared
//! machine: updates that change the phase field are denied to everyone but the named
//! writers, with a message that names the field, the requester, the move and who may
//! make it. Requests that leave the phase alone pass untouched, so every other edit,
//! `kubectl scale` included, stays with RBAC and the CRD's rules.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::admission::WriterPolicy;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
//! #[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
//! enum Desired {
//!     #[default]
//!     #[lifecycle(initial)]
//!     Running,
//!     Paused,
//! }
//!
//! let (policy, binding) = WriterPolicy::new("numaflow.numaproj.io", "vertices", "spec.lifecycle.desiredPhase")
//!     .writer("system:serviceaccount:numaflow-system:numaflow-controller")
//!     .render::<Desired>()
//!     .unwrap();
//! let spec = policy.spec.unwrap();
//! let rule = &spec.validations.unwrap()[0];
//! assert!(rule.expression.contains("request.userInfo.username in ['system:serviceaccount:numaflow-system:numaflow-controller']"));
//! assert_eq!(rule.reason.as_deref(), Some("Forbidden"));
//! // An absent phase reads as the default state.
//! let variables = spec.variables.unwrap();
//! assert!(variables[0].expression.ends_with(": 'Running')"));
//! assert_eq!(Some(binding.spec.policy_name), policy.metadata.name);
//! assert_eq!(binding.spec.validation_actions, ["Deny"]);
//!
//! // A field that CEL cannot select is refused, with what was wrong.
//! let bad = WriterPolicy::new("numaflow.numaproj.io", "vertices", "spec.lifecycle.desired-phase");
//! assert!(bad.render::<Desired>().unwrap_err().to_string().contains("desired-phase"));
//! ```

use std::fmt;

use k8s_openapi::api::admissionregistration::v1::{
    MatchResources, NamedRuleWithOperations, ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding, ValidatingAdmissionPolicyBindingSpec,
    ValidatingAdmissionPolicySpec, Validation, Variable,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::Lifecycle;

/// The writers of one phase field of one resource, and the policy that enforces them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterPolicy {
    group: String,
    resource: String,
    field: String,
    writers: Vec<String>,
}

/// A phase field that CEL cannot select: not a dotted path of identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAFieldPath(pub String);

impl fmt::Display for NotAFieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a dotted path of identifiers from the object's root, such as `spec.lifecycle.desiredPhase`",
            self.0
        )
    }
}

impl std::error::Error for NotAFieldPath {}

impl WriterPolicy {
    /// The writers of `field` (a dotted path from the object's root) of the objects of
    /// `resource` (the plural) in API group `group`; nobody yet.
    pub fn new(
        group: impl Into<String>,
        resource: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        WriterPolicy {
            group: group.into(),
            resource: resource.into(),
            field: field.into(),
            writers: Vec::new(),
        }
    }

    /// Adds a writer: a user name as the API server authenticates it,
    /// `system:serviceaccount:NAMESPACE:NAME` for a ServiceAccount.
    pub fn writer(mut self, username: impl Into<String>) -> Self {
        self.writers.push(username.into());
        self
    }

    /// The policy's name: resource, field and group, as a DNS subdomain
    /// (`vertices-spec-lifecycle-desiredphase-writers.numaflow.numaproj.io`).
    pub fn name(&self) -> String {
        let field = self.field.replace('.', "-").to_lowercase();
        format!("{}-{field}-writers.{}", self.resource, self.group)
    }

    /// The policy's verdict, computed here before anything is sent: whether `username`
    /// may update an object from `old` to `new` (whole objects, as JSON), and otherwise
    /// the denial the server would give, word for word. An absent phase reads as `L`'s
    /// default state, as in the policy's CEL.
    ///
    /// ```
    /// # use lifecycle_model::Lifecycle;
    /// # use lifecycle_model::admission::WriterPolicy;
    /// # #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
    /// # #[lifecycle(event(pause: Running -> Paused), event(resume: Paused -> Running))]
    /// # enum Desired { #[default] #[lifecycle(initial)] Running, Paused }
    /// use serde_json::json;
    ///
    /// let policy = WriterPolicy::new("numaflow.numaproj.io", "vertices", "spec.lifecycle.desiredPhase")
    ///     .writer("system:serviceaccount:numaflow-system:numaflow-controller");
    /// let running = json!({ "spec": { "replicas": 1 } });
    /// let paused = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" }, "replicas": 1 } });
    /// let denial = policy.verdict::<Desired>("alice", &running, &paused).unwrap_err();
    /// assert!(denial.ends_with(": alice may not move it from Running to Paused"));
    /// assert!(policy.verdict::<Desired>("system:serviceaccount:numaflow-system:numaflow-controller", &running, &paused).is_ok());
    /// assert!(policy.verdict::<Desired>("alice", &running, &json!({ "spec": { "replicas": 3 } })).is_ok());
    /// ```
    pub fn verdict<L: Lifecycle>(
        &self,
        username: &str,
        old: &serde_json::Value,
        new: &serde_json::Value,
    ) -> Result<(), String> {
        let phase = |object: &'_ serde_json::Value| {
            let mut at = Some(object);
            for part in self.field.split('.') {
                at = at.and_then(|v| v.get(part));
            }
            at.map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let (from, to) = (phase(old), phase(new));
        L::machine().writer_verdict(
            &self.field,
            &self.writers,
            username,
            from.as_deref(),
            to.as_deref(),
        )
    }

    /// The `ValidatingAdmissionPolicy` and its binding (`Deny`) for machine `L`.
    pub fn render<L: Lifecycle>(
        &self,
    ) -> Result<(ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding), NotAFieldPath> {
        let rule = L::machine()
            .writer_rule(&self.field, &self.writers)
            .ok_or_else(|| NotAFieldPath(self.field.clone()))?;
        let name = self.name();
        let policy = ValidatingAdmissionPolicy {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(ValidatingAdmissionPolicySpec {
                failure_policy: Some("Fail".to_owned()),
                match_constraints: Some(MatchResources {
                    resource_rules: Some(vec![NamedRuleWithOperations {
                        api_groups: Some(vec![self.group.clone()]),
                        api_versions: Some(vec!["*".to_owned()]),
                        operations: Some(vec!["UPDATE".to_owned()]),
                        resources: Some(vec![self.resource.clone()]),
                        ..NamedRuleWithOperations::default()
                    }]),
                    ..MatchResources::default()
                }),
                variables: Some(vec![
                    Variable {
                        name: "oldPhase".to_owned(),
                        expression: rule.old_phase,
                    },
                    Variable {
                        name: "newPhase".to_owned(),
                        expression: rule.new_phase,
                    },
                ]),
                validations: Some(vec![Validation {
                    expression: rule.expression,
                    message: Some(rule.message),
                    message_expression: Some(rule.message_expression),
                    reason: Some("Forbidden".to_owned()),
                }]),
                ..ValidatingAdmissionPolicySpec::default()
            }),
            status: None,
        };
        let binding = ValidatingAdmissionPolicyBinding {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..ObjectMeta::default()
            },
            spec: ValidatingAdmissionPolicyBindingSpec {
                policy_name: name,
                validation_actions: vec!["Deny".to_owned()],
                ..ValidatingAdmissionPolicyBindingSpec::default()
            },
        };
        Ok((policy, binding))
    }
}
