//! Who may move a lifecycle (feature `admission`, which needs k8s-openapi and no kube
//! client; the feature `kube` adds [`WriterPolicy::requester`] and
//! [`WriterPolicy::may_fire`], which ask the server). A CRD's CEL rules judge a change by the
//! objects alone; a `ValidatingAdmissionPolicy` (admissionregistration.k8s.io/v1) also
//! sees who asks and can ask the authorizer. [`WriterPolicy`] renders one, with its
//! binding, from the declared machine.
//!
//! - **Who.** A move of the phase field passes for the named writers (user names,
//!   ServiceAccounts, groups) and for whoever holds, on the object, the RBAC verb of an
//!   event that makes the move (`event(pause: Running -> Paused, verb = "pause")`, or
//!   every event by its own name under `#[lifecycle(verbs)]`). Everyone else is denied
//!   with a message that names the field, the requester, the move and the verb it needs.
//!   Requests that leave the phase alone pass untouched.
//! - **Every path to the field.** The policy matches creates and updates of the resource
//!   and of its `status` and `scale` subresources: merge patch, JSON patch, update and
//!   server-side apply alike. A field under `status` is written through
//!   `RESOURCE/status` when the CRD has a status subresource and through the resource
//!   when it has none. A create is a move from the default state (unset without one).
//!   Through `scale` the server hands a policy an `autoscaling/v1` `Scale`, which has no
//!   phase, so `kubectl scale` passes on to RBAC and the CRD's rules.
//! - **Verbs are RBAC.** A verb such as `pause` is granted by a Role like any other
//!   (`verbs: ["pause"]` on the resource), audited like any other, and answered by
//!   `kubectl auth can-i pause pipelines`.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::admission::{Requester, WriterPolicy};
//! use serde_json::json;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
//! #[lifecycle(verbs, event(pause: Running -> Paused), event(resume: Paused -> Running))]
//! enum Desired {
//!     #[default]
//!     #[lifecycle(initial)]
//!     Running,
//!     #[lifecycle(initial)]
//!     Paused,
//! }
//!
//! let writers = WriterPolicy::new("numaflow.numaproj.io", "pipelines", "spec.lifecycle.desiredPhase")
//!     .service_account("numaflow-system", "numaflow-controller");
//! let (policy, binding) = writers.render::<Desired>().unwrap();
//! let spec = policy.spec.unwrap();
//! let rules = spec.match_constraints.unwrap().resource_rules.unwrap();
//! assert_eq!(rules[0].resources.clone().unwrap(), ["pipelines", "pipelines/status", "pipelines/scale"]);
//! let rule = &spec.validations.unwrap()[0];
//! assert!(rule.expression.contains("request.userInfo.username in ['system:serviceaccount:numaflow-system:numaflow-controller']"));
//! assert!(rule.expression.contains(".check('pause').allowed()"));
//! assert_eq!(binding.spec.validation_actions, ["Deny"]);
//!
//! // The client-side twin: bob holds `pause` but not `resume`.
//! let bob = Requester::user("bob").granted("pause");
//! let running = json!({ "spec": {} });
//! let paused = json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } });
//! assert_eq!(writers.verdict::<Desired>(&bob, Some(&running), &paused), Ok(()));
//! let denial = writers.verdict::<Desired>(&bob, Some(&paused), &running).unwrap_err();
//! assert!(denial.ends_with(": bob may not move it from Paused to Running without verb resume"));
//!
//! // A field that CEL cannot select is refused, with what was wrong.
//! let bad = WriterPolicy::new("numaflow.numaproj.io", "pipelines", "spec.lifecycle.desired-phase");
//! assert!(bad.render::<Desired>().unwrap_err().to_string().contains("desired-phase"));
//! ```

use std::fmt;

use k8s_openapi::api::admissionregistration::v1::{
    MatchResources, NamedRuleWithOperations, ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding, ValidatingAdmissionPolicyBindingSpec,
    ValidatingAdmissionPolicySpec, Validation, Variable,
};
#[cfg(feature = "kube")]
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
#[cfg(feature = "kube")]
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lifecycle_machine::{Operation, WriteRequest, Writers};

use crate::{Lifecycle, LifecycleError};

/// The writers of one phase field of one resource, and the policy that enforces them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterPolicy {
    writers: Writers,
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

/// Who asks, as the policy sees it: the user name and groups the server authenticated,
/// and the authorizer's answer for each of the machine's verbs on the object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    /// `request.userInfo.username`.
    pub username: String,
    /// `request.userInfo.groups`.
    pub groups: Vec<String>,
    /// The events' verbs the requester holds on the object.
    pub verbs: Vec<String>,
}

impl Requester {
    /// The user `username`, in no group, holding no verb.
    pub fn user(username: impl Into<String>) -> Self {
        Requester {
            username: username.into(),
            ..Requester::default()
        }
    }

    /// The same requester, also a member of `group`.
    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// The same requester, also holding `verb` on the object.
    pub fn granted(mut self, verb: impl Into<String>) -> Self {
        self.verbs.push(verb.into());
        self
    }
}

/// Why [`WriterPolicy::may_fire`] says no, or could not tell.
#[derive(Debug, thiserror::Error)]
pub enum FireError {
    /// The event does not fire from the object's phase.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The policy would deny the move, in the words the server would use.
    #[error("{0}")]
    Denied(String),
    /// The server did not say who the caller is or what it may do.
    #[cfg(feature = "kube")]
    #[error("asking the API server who may fire the event: {0}")]
    Api(#[source] ::kube::Error),
}

impl WriterPolicy {
    /// The writers of `field` (a dotted path from the object's root) of the objects of
    /// `resource` (the plural) in API group `group`; nobody yet.
    pub fn new(
        group: impl Into<String>,
        resource: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        WriterPolicy {
            writers: Writers::new(group, resource, field),
        }
    }

    /// Adds a writer: a user name as the API server authenticates it.
    pub fn writer(mut self, username: impl Into<String>) -> Self {
        self.writers.users.push(username.into());
        self
    }

    /// Adds the ServiceAccount `namespace`/`name` as a writer
    /// (`system:serviceaccount:NAMESPACE:NAME`).
    pub fn service_account(self, namespace: &str, name: &str) -> Self {
        self.writer(format!("system:serviceaccount:{namespace}:{name}"))
    }

    /// Adds a group whose members are writers, such as `system:masters` or
    /// `system:serviceaccounts:NAMESPACE`.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.writers.user_groups.push(group.into());
        self
    }

    /// Lets only the writers create objects of the resource, whatever phase they start
    /// in: for objects a controller makes and nobody else should.
    pub fn only_writers_create(mut self) -> Self {
        self.writers.only_writers_create = true;
        self
    }

    /// Who the policy lets move the phase, as plain data.
    pub fn writers(&self) -> &Writers {
        &self.writers
    }

    /// The policy's name: resource, field and group, as a DNS subdomain
    /// (`vertices-spec-lifecycle-desiredphase-writers.numaflow.numaproj.io`).
    pub fn name(&self) -> String {
        let w = &self.writers;
        let field = w.field.replace('.', "-").to_lowercase();
        match w.api_group.is_empty() {
            true => format!("{}-{field}-writers", w.resource),
            false => format!("{}-{field}-writers.{}", w.resource, w.api_group),
        }
    }

    /// The policy's verdict, computed here before anything is sent: whether `requester`
    /// may write `new` (a whole object, as JSON) over `old` (`None`: a create), and
    /// otherwise the denial the server would give, word for word. An absent phase reads
    /// as `L`'s default state, as in the policy's CEL.
    pub fn verdict<L: Lifecycle>(
        &self,
        requester: &Requester,
        old: Option<&serde_json::Value>,
        new: &serde_json::Value,
    ) -> Result<(), String> {
        let phase = |object: &'_ serde_json::Value| {
            let mut at = Some(object);
            for part in self.writers.field.split('.') {
                at = at.and_then(|v| v.get(part));
            }
            at.map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let (from, to) = (old.and_then(phase), phase(new));
        L::machine().writer_verdict(
            &self.writers,
            &WriteRequest {
                operation: match old {
                    Some(_) => Operation::Update,
                    None => Operation::Create,
                },
                username: &requester.username,
                groups: &requester.groups,
                verbs: &requester.verbs,
                old: from.as_deref(),
                new: to.as_deref(),
            },
        )
    }

    /// The `ValidatingAdmissionPolicy` and its binding (`Deny`) for machine `L`.
    pub fn render<L: Lifecycle>(
        &self,
    ) -> Result<(ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding), NotAFieldPath> {
        let rule = L::machine()
            .writer_rule(&self.writers)
            .ok_or_else(|| NotAFieldPath(self.writers.field.clone()))?;
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
                        api_groups: Some(vec![self.writers.api_group.clone()]),
                        api_versions: Some(vec!["*".to_owned()]),
                        operations: Some(rule.operations),
                        resources: Some(rule.resources),
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
                validations: Some(
                    rule.validations
                        .into_iter()
                        .map(|v| Validation {
                            expression: v.expression,
                            message: Some(v.message),
                            message_expression: Some(v.message_expression),
                            reason: Some("Forbidden".to_owned()),
                        })
                        .collect(),
                ),
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

    /// Who `client` is to the server (a `SelfSubjectReview`), and which of `L`'s verbs it
    /// holds on the object `name` in `namespace` (`None` for a cluster-scoped resource),
    /// one `SelfSubjectAccessReview` per verb.
    #[cfg(feature = "kube")]
    pub async fn requester<L: Lifecycle>(
        &self,
        client: &::kube::Client,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Requester, ::kube::Error> {
        let post = ::kube::api::PostParams::default();
        let review = ::kube::Api::<SelfSubjectReview>::all(client.clone())
            .create(&post, &SelfSubjectReview::default())
            .await?;
        let user = review.status.and_then(|s| s.user_info).unwrap_or_default();
        let mut requester = Requester {
            username: user.username.unwrap_or_default(),
            groups: user.groups.unwrap_or_default(),
            verbs: Vec::new(),
        };
        let reviews = ::kube::Api::<SelfSubjectAccessReview>::all(client.clone());
        for (verb, _) in L::machine().verb_moves() {
            let question = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        group: Some(self.writers.api_group.clone()),
                        resource: Some(self.writers.resource.clone()),
                        namespace: namespace.map(str::to_owned),
                        name: Some(name.to_owned()),
                        verb: Some(verb.to_owned()),
                        ..ResourceAttributes::default()
                    }),
                    ..SelfSubjectAccessReviewSpec::default()
                },
                ..SelfSubjectAccessReview::default()
            };
            let answer = reviews.create(&post, &question).await?;
            if answer.status.is_some_and(|s| s.allowed) {
                requester.verbs.push(verb.to_owned());
            }
        }
        Ok(requester)
    }

    /// Whether `client` may fire `event` on the object `name` in `namespace`, whose
    /// phase is `from`: the server says who the caller is and which verbs it holds
    /// ([`WriterPolicy::requester`]), and the policy's verdict follows, in its words.
    #[cfg(feature = "kube")]
    pub async fn may_fire<L: Lifecycle>(
        &self,
        client: &::kube::Client,
        namespace: Option<&str>,
        name: &str,
        from: L,
        event: L::Event,
    ) -> Result<(), FireError> {
        let to = from.on(event)?;
        let requester = self
            .requester::<L>(client, namespace, name)
            .await
            .map_err(FireError::Api)?;
        L::machine()
            .writer_verdict(
                &self.writers,
                &WriteRequest {
                    operation: Operation::Update,
                    username: &requester.username,
                    groups: &requester.groups,
                    verbs: &requester.verbs,
                    old: Some(from.name()),
                    new: Some(to.name()),
                },
            )
            .map_err(FireError::Denied)
    }
}
