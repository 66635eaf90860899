//! The CEL agreement tables: every lifecycle scenario gets the same verdict from the
//! server's CRD validation rules as from the client-side CEL engine.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, Patch as KubePatch, PatchParams, PostParams};
use lifecycle_apiserver::install_crd;
use lifecycle_examples::numaflow::pipeline::{Pipeline, PipelinePhase};
use lifecycle_examples::numaflow::vertex::Vertex;
use lifecycle_model::Lifecycle;
use lifecycle_tests::scenarios::{
    Scenario, client_verdict, frozen_replicas, pipeline_scenarios, pipeline_schema,
    vertex_scenarios, vertex_schema,
};
use serde_json::json;

use super::{NAMESPACE, client};

/// The server's verdict on one write: `Ok` when admitted, the message when rejected as
/// invalid (422). Any other failure is a broken test, not a verdict.
fn verdict<T>(result: Result<T, kube::Error>, what: &str) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 422 => Err(status.message),
        Err(e) => panic!("{what}: unexpected failure: {e}"),
    }
}

/// Counts verdicts and collects every case where the server and the client disagree.
#[derive(Default)]
struct Tally {
    admitted: usize,
    rejected: usize,
    disagreements: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        scenario: &Scenario,
        server: &Result<(), String>,
        client: &Result<(), Vec<String>>,
    ) {
        match server {
            Ok(()) => self.admitted += 1,
            Err(_) => self.rejected += 1,
        }
        if server.is_ok() != client.is_ok() {
            self.disagreements.push(format!(
                "{}: server {:?}, client {:?}",
                scenario.name, server, client
            ));
        }
        assert_eq!(
            server.is_ok(),
            scenario.admitted,
            "{}: the server's verdict differs from the lifecycle: {server:?}",
            scenario.name
        );
    }

    fn finish(self, what: &str) {
        eprintln!(
            "{what}: {} admitted, {} rejected",
            self.admitted, self.rejected
        );
        assert!(
            self.disagreements.is_empty(),
            "client-side CEL and the API server disagree:\n{}",
            self.disagreements.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_accepts_both_generated_crds() {
    let api: Api<CustomResourceDefinition> = Api::all(client().await);
    for name in [
        "pipelines.numaflow.numaproj.io",
        "vertices.numaflow.numaproj.io",
    ] {
        let crd = api.get(name).await.expect(name);
        let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
        assert!(
            conditions
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True"),
            "{name}: {conditions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_pipeline_phase_move_gets_the_same_verdict_as_client_side_cel() {
    let api: Api<Pipeline> = Api::namespaced(client().await, NAMESPACE);
    let schema = pipeline_schema();
    let mut tally = Tally::default();
    let mut denials = 0;
    for scenario in pipeline_scenarios() {
        let mut object: Pipeline = serde_json::from_value(scenario.old.clone()).unwrap();
        let status = object.status.take();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        // A first phase must be initial: a pipeline reaches any other through one that is.
        let old_phase = scenario.old["status"]["phase"].as_str();
        let first = old_phase.and_then(PipelinePhase::from_name).map(|old| {
            *PipelinePhase::INITIAL
                .iter()
                .find(|start| PipelinePhase::can_transition(**start, old))
                .expect("every phase is reached from an initial one")
        });
        if let Some(first) = first.filter(|first| Some(first.name()) != old_phase) {
            api.patch_status(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(json!({ "status": { "phase": first.name() } })),
            )
            .await
            .expect(&scenario.name);
        }
        api.patch_status(
            &scenario.name,
            &PatchParams::default(),
            &KubePatch::Merge(json!({ "status": status })),
        )
        .await
        .expect(&scenario.name);
        let server = verdict(
            api.patch_status(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(&scenario.patch),
            )
            .await,
            &scenario.name,
        );
        let client = client_verdict(&schema, &scenario);
        if let Err(message) = &server {
            // The server's own words name the move and where the old phase may go, as
            // the client-side evaluation of the same messageExpression does.
            if let Err(said) = &client {
                let said = said[0].trim_start_matches("status.phase: ");
                assert!(
                    message.contains(said),
                    "{}: {said} in {message}",
                    scenario.name
                );
            }
            let from = scenario.old["status"]["phase"].as_str().unwrap_or_default();
            let to = scenario.patch["status"]["phase"]
                .as_str()
                .unwrap_or_default();
            let targets = PipelinePhase::STATES
                .iter()
                .filter(|s| {
                    PipelinePhase::can_transition(PipelinePhase::from_name(from).unwrap(), **s)
                })
                .map(|s| s.name())
                .collect::<Vec<_>>();
            assert!(
                message.contains("status.phase")
                    && message.contains(&format!(
                        "phase cannot go from {from} to {to}; from {from} "
                    )),
                "{}: {message}",
                scenario.name
            );
            for target in &targets {
                assert!(
                    message.contains(target),
                    "{}: {target} in {message}",
                    scenario.name
                );
            }
            if targets.is_empty() {
                assert!(
                    message.contains("it may not move"),
                    "{}: {message}",
                    scenario.name
                );
            }
            denials += 1;
        }
        tally.record(&scenario, &server, &client);
    }
    assert!(denials > 0, "no move was denied");
    tally.finish("pipeline phase moves");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vertex_update_gets_the_same_verdict_as_client_side_cel() {
    let api: Api<Vertex> = Api::namespaced(client().await, NAMESPACE);
    let schema = vertex_schema();
    let mut tally = Tally::default();
    for scenario in vertex_scenarios() {
        let object: Vertex = serde_json::from_value(scenario.old.clone()).unwrap();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        let server = verdict(
            api.patch(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(&scenario.patch),
            )
            .await,
            &scenario.name,
        );
        if let Err(message) = &server {
            // The server's words are the machine's: the phase the vertex stays in.
            let words = frozen_replicas(&scenario).expect("a refused edit of replicas");
            assert!(
                message.contains("spec.replicas") && message.contains(&words),
                "{}: {message}",
                scenario.name
            );
        }
        tally.record(&scenario, &server, &client_verdict(&schema, &scenario));
    }
    tally.finish("vertex updates");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scale_subresource_obeys_the_lifecycle_as_kubectl_scale_would() {
    let api: Api<Vertex> = Api::namespaced(client().await, NAMESPACE);
    let schema = vertex_schema();
    let mut tally = Tally::default();
    for mut scenario in vertex_scenarios().into_iter().filter(|s| s.scale_only) {
        scenario.name = format!("{}-via-scale", scenario.name);
        scenario.old["metadata"]["name"] = json!(scenario.name);
        let object: Vertex = serde_json::from_value(scenario.old.clone()).unwrap();
        api.create(&PostParams::default(), &object)
            .await
            .expect(&scenario.name);
        let replicas = scenario.patch["spec"]["replicas"].clone();
        let server = verdict(
            api.patch_scale(
                &scenario.name,
                &PatchParams::default(),
                &KubePatch::Merge(json!({ "spec": { "replicas": replicas } })),
            )
            .await,
            &scenario.name,
        );
        tally.record(&scenario, &server, &client_verdict(&schema, &scenario));
    }
    assert!(
        tally.rejected >= 5 && tally.admitted >= 3,
        "both verdicts exercised"
    );
    tally.finish("scale subresource");
}

/// A ring of `n` states, each with four exits, as a CRD of its own.
fn ring_crd(n: usize) -> CustomResourceDefinition {
    let mut m = lifecycle_tests::strategies::ring(n);
    // Half the states may come first, so the create-time rule lists 128 of them.
    m.initial = (0..n / 2).collect();
    m.enforce_initial = true;
    let phase = json!({
        "type": "string",
        "enum": m.states,
        "x-kubernetes-validations": [{
            "rule": m.transition_rule().unwrap(),
            "message": m.transition_message(),
            "messageExpression": m.transition_message_expression(),
            "reason": "FieldValueInvalid",
        }, {
            "rule": m.initial_rule().unwrap(),
            "optionalOldSelf": true,
            "message": m.initial_message(),
            "messageExpression": m.initial_message_expression(),
            "reason": "FieldValueInvalid",
        }],
    });
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": "rings.e2e.lifecycle.test" },
        "spec": {
            "group": "e2e.lifecycle.test",
            "scope": "Namespaced",
            "names": { "plural": "rings", "singular": "ring", "kind": "Ring", "listKind": "RingList" },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": { "type": "object", "properties": { "phase": phase } } }
                } }
            }]
        }
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_256_state_rule_fits_the_servers_cost_budget() {
    let client = client().await;
    install_crd(&client, &ring_crd(256))
        .await
        .expect("the 256-state CRD, both rules and their message expressions, is accepted");
}
