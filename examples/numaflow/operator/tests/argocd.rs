//! Argo CD's health checks, generated from the lifecycles (`crdgen --argocd-health`), run
//! in gopher-lua (Lua 5.1, as Argo CD runs them) on pipelines, vertices and MonoVertices
//! in every state: each gives the health its state is declared with, and a message.

use lifecycle_apiserver::ArgoHealth;
use numaflow_model::crd::argocd_health_config_map;
use serde_json::{Value, json};

/// An object at generation 2 with `spec` and `status`.
fn object(kind: &str, spec: Value, status: Value) -> Value {
    json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1", "kind": kind,
        "metadata": { "name": "x", "generation": 2 },
        "spec": spec,
        "status": status,
    })
}

/// The health check of `kind`, as the ConfigMap carries it.
fn script(kind: &str) -> String {
    let data = argocd_health_config_map().data.expect("the checks");
    data[&format!("resource.customizations.health.numaflow.numaproj.io_{kind}")].clone()
}

#[test]
fn each_state_reads_the_health_it_is_declared_with() {
    let argo = ArgoHealth::build().expect("the health runner builds with Go");
    let pipeline = |status: Value| object("Pipeline", json!({}), status);
    let observed = |mut status: Value| {
        status["observedGeneration"] = json!(2);
        status
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            pipeline(observed(json!({ "phase": "Running" }))),
            "Healthy",
            "PipelinePhase is Running",
        ),
        (
            pipeline(observed(
                json!({ "phase": "Pausing", "message": "Pausing in progress" }),
            )),
            "Progressing",
            "Pausing in progress",
        ),
        (
            pipeline(observed(
                json!({ "phase": "Paused", "message": "Pipeline paused" }),
            )),
            "Suspended",
            "Pipeline paused",
        ),
        (
            pipeline(observed(
                json!({ "phase": "Failed", "message": "spec.vertices[1].scale: min 3 is greater than max 2" }),
            )),
            "Degraded",
            "spec.vertices[1].scale: min 3 is greater than max 2",
        ),
        (
            pipeline(observed(json!({ "phase": "Running", "conditions": [
                { "type": "Stalled", "status": "True", "message": "the daemon answers garbage" },
            ] }))),
            "Degraded",
            "the daemon answers garbage",
        ),
        (
            pipeline(observed(json!({ "phase": "Deleting" }))),
            "Progressing",
            "PipelinePhase is Deleting",
        ),
        (
            pipeline(json!({ "phase": "Paused", "observedGeneration": 1 })),
            "Progressing",
            "Generation 2 is not observed yet (the status is of 1)",
        ),
        (
            object("Pipeline", json!({}), Value::Null),
            "Progressing",
            "Waiting for the controller's first status",
        ),
        (pipeline(observed(json!({}))), "Progressing", "No phase yet"),
        (
            pipeline(observed(json!({ "phase": "Sleeping" }))),
            "Unknown",
            "Phase Sleeping is not a state of PipelinePhase; its states are: Running, Failed, Pausing, Paused, Deleting",
        ),
    ];
    let (objects, wanted): (Vec<Value>, Vec<(&str, &str)>) =
        cases.into_iter().map(|(o, s, m)| (o, (s, m))).unzip();
    let got = argo.check(&script("Pipeline"), &objects).unwrap();
    let got: Vec<(&str, &str)> = got
        .iter()
        .map(|c| (c.status.as_str(), c.message.as_str()))
        .collect();
    assert_eq!(got, wanted);

    // The vertex's and the MonoVertex's phase is their desired phase, which reads
    // `Running` when unset.
    for kind in ["Vertex", "MonoVertex"] {
        let desired = |phase: Option<&str>| {
            let spec = match phase {
                Some(p) => json!({ "lifecycle": { "desiredPhase": p } }),
                None => json!({}),
            };
            object(kind, spec, json!({ "observedGeneration": 2 }))
        };
        let machine = format!("{kind}Phase");
        let got = argo
            .check(
                &script(kind),
                &[
                    desired(Some("Running")),
                    desired(Some("Paused")),
                    desired(None),
                ],
            )
            .unwrap();
        let got: Vec<(&str, String)> = got
            .iter()
            .map(|c| (c.status.as_str(), c.message.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("Healthy", format!("{machine} is Running")),
                ("Suspended", format!("{machine} is Paused")),
                ("Healthy", format!("{machine} is Running")),
            ],
            "{kind}"
        );
    }
}

#[test]
fn a_script_that_fails_is_reported_with_the_error() {
    let argo = ArgoHealth::build().expect("the health runner builds with Go");
    let broken = argo
        .check("return obj.nothing.deeper", &[json!({})])
        .unwrap_err();
    assert!(broken.to_string().contains("object 0"), "{broken}");
}
