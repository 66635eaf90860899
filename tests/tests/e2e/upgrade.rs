//! A lifecycle that evolves on the real API server: a CRD at version A with a task stored
//! in each state, upgraded to a version B that renames `Retrying` to `Backoff` and drops
//! `Legacy`. The audit names the two tasks B would strand without the old name kept and
//! `Legacy` retired. Without them, the new controller cannot read those tasks and the
//! server refuses their ways out; with them, the task in `Retrying` reads as `Backoff`,
//! is renamed on its next write and moves out as `Backoff` does, the task in `Legacy`
//! leaves by its declared exit and nothing moves in, and nothing is stuck.

use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::{Client, CustomResourceExt};
use lifecycle_apiserver::install_crd;
use lifecycle_model::Lifecycle;
use serde_json::{Value, json};

use crate::{client, namespace};

/// Version A: a task runs, retries, and is done.
// Only the machines, schemas and serde of these versions are used, not their typestates.
#[allow(dead_code)]
mod a {
    use kube::CustomResource;
    use lifecycle_model::Lifecycle;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[lifecycle(schema, phase_field = "spec.phase")]
    #[lifecycle(event(fail: Running -> Retrying), event(retry: Retrying -> Running))]
    #[lifecycle(event(finish: Running -> Done))]
    #[lifecycle(event(park: Running -> Legacy), event(resume: Legacy -> Running))]
    pub(crate) enum TaskPhase {
        #[lifecycle(initial)]
        Running,
        Retrying,
        #[lifecycle(terminal)]
        Done,
        Legacy,
    }

    #[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
    #[kube(
        group = "upgrade.lifecycle.test",
        version = "v1",
        kind = "Task",
        namespaced
    )]
    pub(crate) struct TaskSpec {
        pub(crate) phase: TaskPhase,
    }
}

/// Version B, `Retrying` renamed `Backoff` and its old name dropped, `Legacy` dropped.
// Only the machines, schemas and serde of these versions are used, not their typestates.
#[allow(dead_code)]
mod renamed {
    use kube::CustomResource;
    use lifecycle_model::Lifecycle;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[lifecycle(schema, phase_field = "spec.phase")]
    #[lifecycle(event(fail: Running -> Backoff), event(retry: Backoff -> Running))]
    #[lifecycle(event(finish: Running -> Done))]
    pub(crate) enum TaskPhase {
        #[lifecycle(initial)]
        Running,
        Backoff,
        #[lifecycle(terminal)]
        Done,
    }

    #[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
    #[kube(
        group = "upgrade.lifecycle.test",
        version = "v1",
        kind = "Task",
        namespaced
    )]
    pub(crate) struct TaskSpec {
        pub(crate) phase: TaskPhase,
    }
}

/// Version B, `Retrying` renamed `Backoff` and kept as its former name, `Legacy`
/// retired with its exit to `Running`.
// Only the machines, schemas and serde of these versions are used, not their typestates.
#[allow(dead_code)]
mod kept {
    use kube::CustomResource;
    use lifecycle_model::Lifecycle;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[lifecycle(schema, phase_field = "spec.phase")]
    #[lifecycle(event(fail: Running -> Backoff), event(retry: Backoff -> Running))]
    #[lifecycle(event(finish: Running -> Done), event(resume: Legacy -> Running))]
    pub(crate) enum TaskPhase {
        #[lifecycle(initial)]
        Running,
        #[serde(alias = "Retrying")]
        Backoff,
        #[lifecycle(terminal)]
        Done,
        #[lifecycle(retired)]
        Legacy,
    }

    #[derive(CustomResource, Clone, Debug, Serialize, Deserialize, JsonSchema)]
    #[kube(
        group = "upgrade.lifecycle.test",
        version = "v1",
        kind = "Task",
        namespaced
    )]
    pub(crate) struct TaskSpec {
        pub(crate) phase: TaskPhase,
    }
}

/// Replaces the installed Task CRD with `crd`, as `kubectl apply` of the new version
/// would.
async fn upgrade(client: &Client, mut crd: CustomResourceDefinition) {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd.metadata.name.clone().unwrap();
    let current = crds.get(&name).await.unwrap();
    crd.metadata.resource_version = current.metadata.resource_version;
    crds.replace(&name, &PostParams::default(), &crd)
        .await
        .unwrap();
}

/// A merge patch of the phase of task `name`, sent as a dry run (`dry`) or for real.
async fn move_to(
    tasks: &Api<DynamicObject>,
    name: &str,
    phase: &str,
    dry: bool,
) -> Result<(), String> {
    let params = PatchParams {
        dry_run: dry,
        ..PatchParams::default()
    };
    let body = Patch::Merge(json!({ "spec": { "phase": phase } }));
    match tasks.patch(name, &params, &body).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) => Err(status.message),
        Err(other) => panic!("{other}"),
    }
}

/// Waits until the server judges `check` by the new version's schema: a CRD's new
/// schema reaches its handlers a moment after the CRD is written.
async fn until_served<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_state_keeps_stored_objects_only_with_its_old_name_kept() {
    let client = client().await;
    install_crd(&client, &a::Task::crd())
        .await
        .expect("Task CRD");
    let ns = namespace("upgrade").await;
    let tasks: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &ns,
        &kube::api::ApiResource::erase::<a::Task>(&()),
    );
    let stored = [
        ("t-running", "Running"),
        ("t-retrying", "Retrying"),
        ("t-done", "Done"),
        ("t-legacy", "Legacy"),
    ];
    for (name, phase) in stored {
        let task: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "upgrade.lifecycle.test/v1", "kind": "Task",
            "metadata": { "name": name }, "spec": { "phase": phase },
        }))
        .unwrap();
        tasks.create(&PostParams::default(), &task).await.unwrap();
    }

    // The audit, before the upgrade, names exactly the task each version would strand.
    let phase_of =
        |object: &DynamicObject| object.data["spec"]["phase"].as_str().map(str::to_owned);
    let listed = tasks.list(&Default::default()).await.unwrap().items;
    let stranded_by = |machine: &lifecycle_model::machine::Machine| -> Vec<String> {
        listed
            .iter()
            .filter(|o| machine.strands(phase_of(o).as_deref()).is_some())
            .map(|o| o.metadata.name.clone().unwrap())
            .collect()
    };
    assert_eq!(
        stranded_by(&renamed::TaskPhase::machine()),
        ["t-legacy", "t-retrying"]
    );
    assert!(stranded_by(&kept::TaskPhase::machine()).is_empty());

    // Upgraded without the old name: the new controller cannot read the task, and the
    // server refuses both the rename and the way out.
    upgrade(&client, renamed::Task::crd()).await;
    until_served(
        "the renamed version refuses a move from Retrying",
        || async {
            move_to(&tasks, "t-retrying", "Running", true)
                .await
                .is_err()
        },
    )
    .await;
    let typed: Api<renamed::Task> = Api::namespaced(client.clone(), &ns);
    let unread_legacy = typed.get("t-legacy").await.unwrap_err().to_string();
    assert!(
        unread_legacy.contains("unknown variant `Legacy`"),
        "{unread_legacy}"
    );
    let legacy_out = move_to(&tasks, "t-legacy", "Running", false)
        .await
        .unwrap_err();
    assert!(legacy_out.ends_with("phase may only follow the TaskPhase lifecycle: Running -> Backoff | Done; Backoff -> Running"), "{legacy_out}");
    let unread = typed.get("t-retrying").await.unwrap_err().to_string();
    assert!(
        unread.contains("unknown variant `Retrying`, expected one of `Running`, `Backoff`, `Done`"),
        "{unread}"
    );
    // The server's own words: the stored phase is no state of the new machine, so the
    // messageExpression cannot name its moves and the rule's message stands.
    let words = "phase may only follow the TaskPhase lifecycle: Running -> Backoff | Done; Backoff -> Running";
    let refused = move_to(&tasks, "t-retrying", "Backoff", false)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        format!(
            "Task.upgrade.lifecycle.test \"t-retrying\" is invalid: spec.phase: Invalid value: \"Backoff\": {words}"
        )
    );
    let way_out = move_to(&tasks, "t-retrying", "Running", false)
        .await
        .unwrap_err();
    assert_eq!(
        way_out,
        format!(
            "Task.upgrade.lifecycle.test \"t-retrying\" is invalid: spec.phase: Invalid value: \"Running\": {words}"
        )
    );

    // Upgraded with `Retrying` kept as `Backoff`'s former name: every task reads, the
    // stored one is renamed on its next write, and it moves out as `Backoff` does.
    upgrade(&client, kept::Task::crd()).await;
    until_served(
        "the version keeping the old name admits the rename",
        || async { move_to(&tasks, "t-retrying", "Backoff", true).await.is_ok() },
    )
    .await;
    let typed: Api<kept::Task> = Api::namespaced(client.clone(), &ns);
    for (name, phase) in [
        ("t-running", kept::TaskPhase::Running),
        ("t-retrying", kept::TaskPhase::Backoff),
        ("t-done", kept::TaskPhase::Done),
        ("t-legacy", kept::TaskPhase::Legacy),
    ] {
        assert_eq!(typed.get(name).await.unwrap().spec.phase, phase, "{name}");
    }
    move_to(&tasks, "t-retrying", "Backoff", false)
        .await
        .expect("the rename is admitted");
    let renamed_now: Value = serde_json::to_value(tasks.get("t-retrying").await.unwrap()).unwrap();
    assert_eq!(renamed_now["spec"]["phase"], "Backoff");
    move_to(&tasks, "t-retrying", "Running", false)
        .await
        .expect("Backoff moves to Running");
    // Every stored task is still admitted on a write that leaves its phase as it is.
    for (name, _) in stored {
        let labelled = Patch::Merge(json!({ "metadata": { "labels": { "upgraded": "yes" } } }));
        tasks
            .patch(name, &PatchParams::default(), &labelled)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The legacy task leaves by its exit; nothing moves into `Legacy` any more.
    let into = move_to(&tasks, "t-running", "Legacy", true)
        .await
        .unwrap_err();
    assert!(into.contains("Invalid value: \"Legacy\""), "{into}");
    move_to(&tasks, "t-legacy", "Running", false)
        .await
        .expect("the retired state's exit");
    // Nothing is stuck: every task can still move, or has finished.
    for (name, _) in stored {
        let object = tasks.get(name).await.unwrap();
        let phase = phase_of(&object);
        assert_eq!(
            kept::TaskPhase::machine().strands(phase.as_deref()),
            None,
            "{name}"
        );
    }
}
