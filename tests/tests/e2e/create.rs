//! Create-time rules on the real API server: a machine that enforces its initial states
//! has a first phase outside them refused, with the client-side twin's words; one that
//! does not is admitted in any state. The NumaFlow pipeline's first status phase may not
//! be `Paused`, and a vertex created paused stays legal.

use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::{CustomResource, CustomResourceExt};
use lifecycle_apiserver::install_crd;
use lifecycle_examples::numaflow::pipeline::{Pipeline, PipelinePhase};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_model::Lifecycle;
use lifecycle_tests::scenarios;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{client, namespace};

/// A door that must be built closed.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(schema, enforce_initial, phase_field = "spec.phase")]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum DoorPhase {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

/// The same lifecycle, not enforced when created.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(schema, phase_field = "spec.phase")]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum GatePhase {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

#[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "e2e.lifecycle.test",
    version = "v1",
    kind = "Door",
    namespaced
)]
struct DoorSpec {
    phase: DoorPhase,
}

#[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "e2e.lifecycle.test",
    version = "v1",
    kind = "Gate",
    namespaced
)]
struct GateSpec {
    phase: GatePhase,
}

/// The message of a 422, or a panic for anything else.
fn invalid<T: std::fmt::Debug>(result: Result<T, kube::Error>, what: &str) -> String {
    match result {
        Err(kube::Error::Api(status)) if status.code == 422 => status.message,
        other => panic!("{what}: expected 422 Invalid, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_outside_the_initial_states_is_refused_only_where_the_machine_opts_in() {
    let client = client().await;
    install_crd(&client, &Door::crd()).await.expect("Door CRD");
    install_crd(&client, &Gate::crd()).await.expect("Gate CRD");
    let ns = namespace("create-rules").await;
    let doors: Api<Door> = Api::namespaced(client.clone(), &ns);
    let gates: Api<Gate> = Api::namespaced(client.clone(), &ns);
    let post = PostParams::default();

    let refused = invalid(
        doors
            .create(
                &post,
                &Door::new(
                    "open",
                    DoorSpec {
                        phase: DoorPhase::Opened,
                    },
                ),
            )
            .await,
        "a door created open",
    );
    let twin = DoorPhase::machine()
        .start_denial(DoorPhase::Opened.index())
        .expect("the twin refuses it too");
    assert_eq!(twin, "phase cannot start at Opened; it may start at Closed");
    assert!(
        refused.contains("spec.phase") && refused.contains(&twin),
        "{refused}"
    );

    // Built closed, the door then opens: once the field has a value, only the
    // transition rule judges.
    doors
        .create(
            &post,
            &Door::new(
                "closed",
                DoorSpec {
                    phase: DoorPhase::Closed,
                },
            ),
        )
        .await
        .expect("a door created closed");
    doors
        .patch(
            "closed",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "phase": "Opened" } })),
        )
        .await
        .expect("the closed door opens");

    // The gate does not opt in: any first phase is admitted.
    assert!(
        GatePhase::machine()
            .start_denial(GatePhase::Opened.index())
            .is_none()
    );
    gates
        .create(
            &post,
            &Gate::new(
                "open",
                GateSpec {
                    phase: GatePhase::Opened,
                },
            ),
        )
        .await
        .expect("a gate created open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipeline_starts_anywhere_but_paused_and_a_vertex_may_be_created_paused() {
    let client = client().await;
    let ns = namespace("create-numaflow").await;
    let pipelines: Api<Pipeline> = Api::namespaced(client.clone(), &ns);
    let post = PostParams::default();
    let mut object: Pipeline =
        serde_json::from_value(scenarios::pipeline("first", PipelinePhase::Running)).unwrap();
    object.status = None;
    pipelines
        .create(&post, &object)
        .await
        .expect("create the pipeline");

    let status =
        |phase: PipelinePhase| Patch::Merge(json!({ "status": { "phase": phase.name() } }));
    let params = PatchParams::default();
    let refused = invalid(
        pipelines
            .patch_status("first", &params, &status(PipelinePhase::Paused))
            .await,
        "a first phase of Paused",
    );
    let twin = PipelinePhase::machine()
        .start_denial(PipelinePhase::Paused.index())
        .expect("the twin refuses it too");
    assert!(
        refused.contains("status.phase") && refused.contains(&twin),
        "{refused}"
    );
    for phase in ["Running", "Failed", "Pausing", "Deleting"] {
        assert!(refused.contains(phase), "{phase} in {refused}");
    }
    // Through Pausing, as the controller goes, Paused is reached.
    for phase in [PipelinePhase::Pausing, PipelinePhase::Paused] {
        pipelines
            .patch_status("first", &params, &status(phase))
            .await
            .unwrap_or_else(|e| panic!("{phase:?}: {e}"));
    }

    // Every vertex phase may come first, so a pipeline created paused creates its
    // vertices paused.
    let vertices: Api<Vertex> = Api::namespaced(client, &ns);
    for phase in VertexPhase::STATES {
        assert!(VertexPhase::machine().start_denial(phase.index()).is_none());
        let name = format!("source-{}", phase.name().to_lowercase());
        let vertex: Vertex =
            serde_json::from_value(scenarios::vertex(&name, "source", phase.name(), Some(0)))
                .unwrap();
        vertices
            .create(&post, &vertex)
            .await
            .unwrap_or_else(|e| panic!("a source created {phase:?}: {e}"));
    }
}
