//! The generated CEL rules of the NumaFlow CRDs, judged by kube's client-side CEL engine:
//! every pipeline phase pair, with the message that names the move and where the old
//! phase may go, and every vertex scaling and lifecycle scenario.

use lifecycle_tests::scenarios::{
    client_verdict, frozen_replicas, pipeline_scenarios, pipeline_schema, vertex_scenarios,
    vertex_schema,
};

#[test]
fn every_pipeline_phase_pair_gets_the_machines_verdict() {
    let schema = pipeline_schema();
    let scenarios = pipeline_scenarios();
    assert_eq!(scenarios.len(), 25);
    let mut admitted = 0;
    for scenario in &scenarios {
        let verdict = client_verdict(&schema, scenario);
        assert_eq!(
            verdict.is_ok(),
            scenario.admitted,
            "{}: {verdict:?}",
            scenario.name
        );
        if let Err(messages) = verdict {
            assert_eq!(messages.len(), 1, "{}: {messages:?}", scenario.name);
            // The requester's own move, and where the old phase may go.
            let from = scenario.old["status"]["phase"].as_str().unwrap();
            let to = scenario.patch["status"]["phase"].as_str().unwrap();
            let allowed = match from {
                "Running" => "it may go to Failed, Pausing or Deleting",
                "Failed" => "it may go to Running, Pausing, Paused or Deleting",
                "Pausing" => "it may go to Running, Failed, Paused or Deleting",
                "Paused" => "it may go to Running, Failed or Deleting",
                "Deleting" => "it may not move",
                other => panic!("{}: no phase {other}", scenario.name),
            };
            assert_eq!(
                messages[0],
                format!("status.phase: phase cannot go from {from} to {to}; from {from} {allowed}"),
                "{}",
                scenario.name
            );
        } else {
            admitted += 1;
        }
    }
    // 5 stays plus the 14 moves the reference lists (`Failed -> Paused` included).
    assert_eq!(admitted, 19);
}

#[test]
fn every_vertex_scenario_gets_the_lifecycles_verdict() {
    let schema = vertex_schema();
    let paused_source = vertex_scenarios()
        .into_iter()
        .find(|s| !s.admitted && s.old["spec"]["source"].is_object())
        .expect("a refused scaling of a paused source");
    assert_eq!(
        frozen_replicas(&paused_source).as_deref(),
        Some(
            "replicas cannot change while Paused; `scale` is allowed for Source, Sink, MapUdf \
             in Running; never for ReduceUdf"
        )
    );
    for scenario in vertex_scenarios() {
        let verdict = client_verdict(&schema, &scenario);
        assert_eq!(
            verdict.is_ok(),
            scenario.admitted,
            "{}: {verdict:?}",
            scenario.name
        );
        if let Err(messages) = verdict {
            assert_eq!(
                messages,
                vec![format!(
                    "spec.replicas: {}",
                    frozen_replicas(&scenario).expect("a refused edit of replicas")
                )],
                "{}",
                scenario.name
            );
        }
    }
}

#[test]
fn the_scenarios_cover_what_the_lifecycle_promises() {
    let names: Vec<String> = vertex_scenarios().into_iter().map(|s| s.name).collect();
    for required in [
        "scale-source-paused",
        "scale-sink-paused",
        "scale-source-running",
        "scale-map-running",
        "pause-source",
        "fast-resume-source",
        "slow-resume-source",
        "edit-paused-source",
    ] {
        assert!(names.iter().any(|n| n == required), "missing {required}");
    }
}
