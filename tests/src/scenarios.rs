//! The NumaFlow update scenarios that both the client-side CEL engine and the real API
//! server judge, so their verdicts can be compared case by case.

use lifecycle_examples::numaflow::pipeline::{Pipeline, PipelinePhase};
use lifecycle_examples::numaflow::vertex::Vertex;
use lifecycle_model::Lifecycle;
use serde_json::{Value, json};

/// One update: an object as stored, the merge patch sent, and whether the lifecycle
/// admits it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// A readable name, unique among the scenarios.
    pub name: String,
    /// The object before the update.
    pub old: Value,
    /// The merge patch sent.
    pub patch: Value,
    /// Whether the update must be admitted.
    pub admitted: bool,
    /// Whether the patch only changes `spec.replicas`, so it can go through the scale
    /// subresource as `kubectl scale` does.
    pub scale_only: bool,
}

impl Scenario {
    /// The object after the patch.
    pub fn new_object(&self) -> Value {
        let mut new = self.old.clone();
        json_patch::merge(&mut new, &self.patch);
        new
    }
}

/// A vertex object of `role` (`source`, `sink`, `map`, `reduce` or `none`), in `phase`,
/// with `replicas` set or not.
pub fn vertex(name: &str, role: &str, phase: &str, replicas: Option<i32>) -> Value {
    let mut spec = json!({
        "name": name,
        "pipelineName": "demo",
        "lifecycle": { "desiredPhase": phase },
    });
    match role {
        "source" => spec["source"] = json!({ "generator": { "rpu": 5 } }),
        "sink" => spec["sink"] = json!({ "log": {} }),
        "map" => spec["udf"] = json!({ "container": { "image": "cat" } }),
        "reduce" => {
            spec["udf"] = json!({ "container": { "image": "sum" }, "groupBy": { "keyed": true } });
            spec["partitions"] = json!(2);
        }
        _ => {}
    }
    if let Some(r) = replicas {
        spec["replicas"] = json!(r);
    }
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Vertex",
        "metadata": { "name": name },
        "spec": spec,
    })
}

/// The machine's words for a refused edit of a vertex's replicas in `scenario`
/// ([`Machine::action_denial`](lifecycle_model::machine::Machine::action_denial)): the
/// phase the vertex stays in and where `scale` is allowed. `None` when the vertex may
/// scale there.
pub fn frozen_replicas(scenario: &Scenario) -> Option<String> {
    use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase, VertexPhaseAction};
    use lifecycle_model::{Lifecycle, Named, Role};

    let vertex: Vertex = serde_json::from_value(scenario.old.clone()).ok()?;
    let role = vertex.spec.role()?;
    let machine = VertexPhase::machine();
    let scale = machine
        .actions
        .iter()
        .position(|a| a.name == VertexPhaseAction::Scale.name())?;
    machine.action_denial(
        scale,
        vertex.spec.desired_phase().index(),
        Some(role.index()),
    )
}

/// Every vertex scenario: scaling in each role and phase, pause, fast and slow resume,
/// and edits that leave replicas alone.
pub fn vertex_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut add = |name: String, old: Value, patch: Value, admitted: bool, scale_only: bool| {
        out.push(Scenario {
            name,
            old,
            patch,
            admitted,
            scale_only,
        });
    };
    for role in ["source", "sink", "map", "reduce"] {
        for phase in ["Running", "Paused"] {
            // Scaling is allowed for a running source, sink or map only.
            let admitted = phase == "Running" && role != "reduce";
            let name = format!("scale-{role}-{}", phase.to_lowercase());
            add(
                name.clone(),
                vertex(&name, role, phase, Some(2)),
                json!({ "spec": { "replicas": 3 } }),
                admitted,
                true,
            );
        }
        let name = format!("set-replicas-paused-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Paused", None),
            // Not 1: the CRD defaults an absent `replicas` to 1 on the server.
            json!({ "spec": { "replicas": 3 } }),
            false,
            false,
        );
        let name = format!("unset-replicas-paused-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Paused", Some(2)),
            json!({ "spec": { "replicas": null } }),
            false,
            false,
        );
        let name = format!("pause-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Running", Some(2)),
            json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } }),
            true,
            false,
        );
        let name = format!("fast-resume-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Paused", Some(2)),
            json!({ "spec": { "lifecycle": { "desiredPhase": "Running" } } }),
            true,
            false,
        );
        let name = format!("slow-resume-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Paused", Some(2)),
            json!({ "spec": { "lifecycle": { "desiredPhase": "Running" }, "replicas": null } }),
            true,
            false,
        );
        let name = format!("edit-paused-{role}");
        add(
            name.clone(),
            vertex(&name, role, "Paused", Some(2)),
            json!({ "spec": { "scale": { "max": 7 } } }),
            true,
            false,
        );
    }
    let name = "scale-roleless-paused".to_owned();
    add(
        name.clone(),
        vertex(&name, "none", "Paused", Some(2)),
        json!({ "spec": { "replicas": 3 } }),
        true,
        true,
    );
    let name = "scale-source-default-phase".to_owned();
    let mut old = vertex(&name, "source", "Running", Some(2));
    old["spec"]
        .as_object_mut()
        .map(|spec| spec.remove("lifecycle"));
    add(name, old, json!({ "spec": { "replicas": 4 } }), true, true);
    out
}

/// A pipeline object whose status is in `phase`.
pub fn pipeline(name: &str, phase: PipelinePhase) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": name },
        "spec": { "vertices": [ { "name": "in", "source": { "generator": {} } } ] },
        "status": { "phase": phase.name() },
    })
}

/// The moves of a pipeline's `status.phase` besides staying put, written out by hand from
/// NumaFlow's lifecycle, so the scenarios do not take their verdicts from the machine
/// they judge.
pub const PIPELINE_MOVES: [(&str, &[&str]); 5] = [
    ("Running", &["Pausing", "Failed", "Deleting"]),
    ("Pausing", &["Paused", "Running", "Failed", "Deleting"]),
    ("Paused", &["Running", "Failed", "Deleting"]),
    ("Failed", &["Pausing", "Paused", "Running", "Deleting"]),
    ("Deleting", &[]),
];

/// Whether [`PIPELINE_MOVES`] lets a pipeline go from `from` to `to`.
fn pipeline_move_is_legal(from: &str, to: &str) -> bool {
    from == to
        || PIPELINE_MOVES
            .iter()
            .any(|(f, targets)| *f == from && targets.contains(&to))
}

/// One scenario per ordered pair of pipeline phases: a status update from the first to
/// the second, admitted exactly when [`PIPELINE_MOVES`] has the move.
pub fn pipeline_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for &from in PipelinePhase::STATES {
        for &to in PipelinePhase::STATES {
            let name = format!("pl-{}-to-{}", from.name(), to.name()).to_lowercase();
            out.push(Scenario {
                old: pipeline(&name, from),
                patch: json!({ "status": { "phase": to.name() } }),
                admitted: pipeline_move_is_legal(from.name(), to.name()),
                scale_only: false,
                name,
            });
        }
    }
    out
}

/// The `openAPIV3Schema` of the CRD of `K`, as JSON.
pub fn crd_schema<K: kube_core::CustomResourceExt>() -> Value {
    let crd = K::crd();
    let schema = crd.spec.versions[0]
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .map(serde_json::to_value);
    match schema {
        Some(Ok(value)) => value,
        _ => Value::Null,
    }
}

/// The schemas both scenario sets validate against.
pub fn vertex_schema() -> Value {
    crd_schema::<Vertex>()
}

/// The Pipeline CRD's schema.
pub fn pipeline_schema() -> Value {
    crd_schema::<Pipeline>()
}

/// The client-side verdict of kube's CEL engine on `scenario`: `Ok` when admitted, the
/// failed rules' messages otherwise.
pub fn client_verdict(schema: &Value, scenario: &Scenario) -> Result<(), Vec<String>> {
    kube_core::cel::Validator::new()
        .validate(
            &kube_cel_schema(schema),
            &scenario.new_object(),
            Some(&scenario.old),
        )
        .map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

/// `schema` as kube's CEL engine (kube-cel 0.8) evaluates it the way the API server
/// does. Under `optionalOldSelf: true` the server binds `oldSelf` to an optional, while
/// kube-cel binds the plain old value, or `null` when there is none; so the create-time
/// rule's `oldSelf.hasValue()` reads `oldSelf != null` there. Nothing else changes.
pub fn kube_cel_schema(schema: &Value) -> Value {
    let mut out = schema.clone();
    rewrite_optional_old_self(&mut out);
    out
}

fn rewrite_optional_old_self(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("optionalOldSelf") == Some(&Value::Bool(true))
                && let Some(Value::String(rule)) = map.get_mut("rule")
            {
                *rule = rule.replace("oldSelf.hasValue()", "oldSelf != null");
            }
            map.values_mut().for_each(rewrite_optional_old_self);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_optional_old_self),
        _ => {}
    }
}
