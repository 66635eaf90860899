//! The lifecycle's status on a real API server: phase, conditions and
//! `observedGeneration` in one server-side apply, another writer's condition kept beside
//! ours, transition times that move only with the status, a move the CEL rule refuses,
//! each transition as an Event (repeats folded into a series by a recorder whose memory
//! has a bound), and a transition planned from a stale read refused,
//! planned again and never repeated, with the task's own status fields kept.

use k8s_openapi::api::events::v1::Event as K8sEvent;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::events::{Recorder, Reporter};
use kube::{CustomResource, CustomResourceExt, Resource};
use lifecycle_apiserver::{eventually, install_crd};
use lifecycle_model::Lifecycle;
use lifecycle_model::conditions::{Condition, ConditionStatus, find_condition, merge_conditions};
use lifecycle_model::kube::{
    BoundedRecorder, StatusPatch, apply_status, is_conflict, publish_transition, status_body,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{client, namespace};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(schema, event(deploy: Pending -> Running), event(fail: Pending | Running -> Failed))]
enum TaskPhase {
    #[lifecycle(initial, reconciling)]
    Pending,
    #[lifecycle(ready)]
    Running,
    #[lifecycle(terminal, stalled)]
    Failed,
}

#[derive(CustomResource, Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "e2e.lifecycle.test",
    version = "v1",
    kind = "Task",
    namespaced,
    status = "TaskStatus"
)]
struct TaskSpec {
    #[serde(default)]
    size: i32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct TaskStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phase: Option<TaskPhase>,
    #[serde(default)]
    #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
    conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed_generation: Option<i64>,
    /// A field of the task's own, written by whoever tracks progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    progress: Option<i32>,
    /// A field the controller writes with a transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attempts: Option<i32>,
}

const MANAGER: &str = "lifecycle-e2e";

/// The status for `phase` at `now`, merged into what the server holds, so that
/// unchanged conditions keep their transition times; only our condition types are sent.
fn next_status(task: &Task, phase: TaskPhase, now: &str) -> serde_json::Value {
    let generation = task.metadata.generation;
    let mut conditions = task
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    let ours = phase.conditions(generation, now);
    merge_conditions(&mut conditions, ours.clone());
    conditions.retain(|c| ours.iter().any(|o| o.type_ == c.type_));
    status_body(phase, &conditions, generation)
}

/// The Task CRD installed, a namespace `ns` of its own, and a new task `name` in it.
async fn new_task(ns: &str, name: &str) -> (kube::Client, Api<Task>, Task) {
    let client = client().await;
    install_crd(&client, &Task::crd())
        .await
        .expect("the Task CRD with a conditions list-map is accepted");
    let ns = namespace(ns).await;
    let api: Api<Task> = Api::namespaced(client.clone(), &ns);
    let task = api
        .create(
            &PostParams::default(),
            &Task::new(name, TaskSpec { size: 1 }),
        )
        .await
        .expect("create the task");
    (client, api, task)
}

/// Applies `phase` at `now` to `task`'s status as [`MANAGER`], from what `task` holds.
async fn move_to(
    api: &Api<Task>,
    task: &Task,
    phase: TaskPhase,
    now: &str,
) -> Result<Task, kube::Error> {
    let name = task.metadata.name.as_deref().unwrap_or_default();
    apply_status(api, name, MANAGER, next_status(task, phase, now)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn status_is_applied_in_one_write_and_merged_by_condition_type() {
    let (_, api, task) = new_task("status-apply", "t1").await;

    let t0 = "2026-01-01T00:00:00Z";
    let task = move_to(&api, &task, TaskPhase::Pending, t0)
        .await
        .expect("apply Pending");
    let status = task.status.clone().unwrap();
    assert_eq!(status.phase, Some(TaskPhase::Pending));
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.conditions.len(), 3);

    // Another controller owns a condition of its own on the same list.
    let foreign = json!({
        "apiVersion": "e2e.lifecycle.test/v1", "kind": "Task",
        "status": { "conditions": [{
            "type": "Deployed", "status": "True", "reason": "Rolled",
            "message": "rolled out", "lastTransitionTime": t0,
        }] }
    });
    api.patch_status(
        "t1",
        &PatchParams::apply("other-controller"),
        &Patch::Apply(foreign),
    )
    .await
    .expect("the other controller's apply");

    let t1 = "2026-01-01T00:05:00Z";
    let task = api.get("t1").await.unwrap();
    let task = move_to(&api, &task, TaskPhase::Running, t1)
        .await
        .expect("apply Running");
    let conditions = &task.status.as_ref().unwrap().conditions;
    let get =
        |t: &str| find_condition(conditions, t).unwrap_or_else(|| panic!("{t} in {conditions:?}"));
    assert_eq!(
        get("Deployed").reason,
        "Rolled",
        "the other writer's condition stays"
    );
    assert_eq!(get("Ready").status, ConditionStatus::True);
    assert_eq!(get("Ready").last_transition_time, t1);
    assert_eq!(get("Reconciling").status, ConditionStatus::False);
    assert_eq!(get("Reconciling").last_transition_time, t1);
    assert_eq!(get("Stalled").status, ConditionStatus::False);
    assert_eq!(
        get("Stalled").last_transition_time,
        t0,
        "a condition whose status did not change keeps its transition time"
    );

    // Failed is terminal: the CEL rule on status.phase refuses Failed -> Running.
    let failed = move_to(&api, &task, TaskPhase::Failed, t1)
        .await
        .expect("apply Failed");
    let refused = move_to(&api, &failed, TaskPhase::Running, t1)
        .await
        .expect_err("Failed -> Running is not declared");
    let message = refused.to_string();
    assert!(
        message.contains("phase cannot go from Failed to Running; from Failed it may not move"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_transition_is_published_as_an_event_on_the_object() {
    let (client, _, task) = new_task("status-events", "t2").await;
    let ns = task.metadata.namespace.clone().unwrap_or_default();
    let recorder = Recorder::new(client.clone(), Reporter::from(MANAGER));
    publish_transition(
        &recorder,
        &task.object_ref(&()),
        TaskPhaseEvent::Deploy,
        TaskPhase::Pending,
        TaskPhase::Running,
    )
    .await
    .expect("publish the event");

    let events: Api<K8sEvent> = Api::namespaced(client.clone(), &ns);
    eventually("the Deploy event", || {
        let events = events.clone();
        async move {
            events.list(&ListParams::default()).await.is_ok_and(|list| {
                list.items.iter().any(|e| {
                    e.reason.as_deref() == Some("Deploy")
                        && e.note.as_deref() == Some("Pending → Running")
                        && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("t2")
                })
            })
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bounded_recorder_folds_repeats_until_it_starts_afresh() {
    let (client, _, task) = new_task("status-bounded-events", "t4").await;
    let ns = task.metadata.namespace.clone().unwrap_or_default();
    let events = BoundedRecorder::new(client.clone(), Reporter::from(MANAGER)).with_capacity(2);
    for _ in 0..3 {
        publish_transition(
            &events.recorder(),
            &task.object_ref(&()),
            TaskPhaseEvent::Fail,
            TaskPhase::Running,
            TaskPhase::Failed,
        )
        .await
        .expect("publish the event");
    }
    assert_eq!(events.fresh_starts(), 1);

    // The first two are one Event with a series of two; the third, through a fresh
    // Recorder, an Event of its own.
    let api: Api<K8sEvent> = Api::namespaced(client.clone(), &ns);
    let mut counts: Vec<i32> = api
        .list(&ListParams::default())
        .await
        .expect("list the events")
        .items
        .iter()
        .filter(|e| e.reason.as_deref() == Some("Fail"))
        .map(|e| e.series.as_ref().map_or(1, |s| s.count))
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2]);
}

/// The task's conditions as read.
fn conditions_of(task: &Task) -> Vec<Condition> {
    task.status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_plan_is_refused_planned_again_and_never_repeated() {
    let (_, api, task) = new_task("status-patch", "t3").await;
    let (t0, t1, t2) = (
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:05:00Z",
        "2026-01-01T00:10:00Z",
    );
    let pending = StatusPatch::new(TaskPhase::Pending, t0)
        .planned_from(&task.metadata)
        .send(&api, "t3", MANAGER, &conditions_of(&task))
        .await
        .expect("enter Pending");

    // Between our read and our write, someone records the task's progress.
    let read = pending;
    api.patch_status(
        "t3",
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": { "progress": 40 } })),
    )
    .await
    .expect("the progress");
    let refused = StatusPatch::new(TaskPhase::Running, t1)
        .planned_from(&read.metadata)
        .send(&api, "t3", MANAGER, &conditions_of(&read))
        .await
        .expect_err("a plan from a stale read");
    assert!(is_conflict(&refused), "{refused}");
    let fresh = api.get("t3").await.unwrap();
    assert_eq!(
        fresh.status.as_ref().unwrap().phase,
        Some(TaskPhase::Pending)
    );

    // Read again, plan again: the move lands once, and the progress stays.
    let running = StatusPatch::new(TaskPhase::Running, t1)
        .planned_from(&fresh.metadata)
        .message("deployed on node-1")
        .field("attempts", 1)
        .send(&api, "t3", MANAGER, &conditions_of(&fresh))
        .await
        .expect("the plan from a fresh read");
    let status = running.status.clone().unwrap();
    assert_eq!(status.phase, Some(TaskPhase::Running));
    assert_eq!((status.progress, status.attempts), (Some(40), Some(1)));
    assert_eq!(status.observed_generation, Some(1));
    let ready = find_condition(&status.conditions, "Ready").unwrap();
    assert_eq!(
        (
            ready.status,
            ready.last_transition_time.as_str(),
            ready.message.as_str()
        ),
        (ConditionStatus::True, t1, "deployed on node-1")
    );

    // The same plan sent again is refused: nothing is applied twice.
    let again = StatusPatch::new(TaskPhase::Running, t2)
        .planned_from(&fresh.metadata)
        .send(&api, "t3", MANAGER, &conditions_of(&fresh))
        .await
        .expect_err("the same plan again");
    assert!(is_conflict(&again), "{again}");
    let now = api.get("t3").await.unwrap();
    assert_eq!(
        now.metadata.resource_version,
        running.metadata.resource_version
    );

    // A transition that names neither field keeps both.
    let failed = StatusPatch::new(TaskPhase::Failed, t2)
        .planned_from(&now.metadata)
        .send(&api, "t3", MANAGER, &conditions_of(&now))
        .await
        .expect("fail");
    let status = failed.status.unwrap();
    assert_eq!(status.phase, Some(TaskPhase::Failed));
    assert_eq!((status.progress, status.attempts), (Some(40), Some(1)));
    assert_eq!(
        find_condition(&status.conditions, "Stalled")
            .unwrap()
            .status,
        ConditionStatus::True
    );
}
