//! One reconcile of a MonoVertex: its pods (read from the shared pod cache), one per
//! replica and none while paused, then its status, with the phase change its user asked for reported as an Event and counted.

use std::sync::Arc;

use jiff::Timestamp;
use kube::runtime::controller::Action;

use kube::{Resource, ResourceExt};
use lifecycle_model::Named;
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexStatus, PHASE_EVENT_REASON, plan_pods, reconcile,
};
use numaflow_model::pods::PodsSeen;
use serde_json::json;
use tracing::instrument;

use crate::reconcile::{PodOwner, sync_pods};
use crate::write::publish_transition;
use crate::{Result, Runtime, send_patch};

/// One reconcile of `mvtx`.
#[instrument(skip_all, fields(monovertex = %mvtx.name_any()))]
pub(crate) async fn reconcile_mono_vertex_object(
    mvtx: Arc<MonoVertex>,
    rt: Arc<Runtime>,
) -> Result<Action> {
    let ctx = &rt.ctx;
    let (namespace, name) = rt.ready_for(&*mvtx).await;
    let owner = PodOwner::new("MonoVertex", &namespace, &name);
    let selector = MonoVertexStatus::selector_for(&name);
    let existing = rt.caches.pods_of(&owner.key, &namespace, &selector);
    let plan = plan_pods(&mvtx, &existing);
    let now_there = sync_pods(&rt, &owner, existing, &plan).await?;
    let seen = PodsSeen::of(&now_there);
    let Some(mut write) = reconcile(&mvtx, Some(&seen), Timestamp::now()) else {
        return Ok(Action::await_change());
    };
    write.patch.body["metadata"]["resourceVersion"] = json!(mvtx.resource_version());
    send_patch(&ctx.client, &namespace, &write.patch, &ctx.field_manager).await?;
    if let Some(change) = write.change {
        ctx.telemetry
            .metrics()
            .transition(change.event, change.from, change.to);
        let regarding = mvtx.object_ref(&());
        let (note, action) = (change.note(), change.event.name());
        publish_transition(ctx, &regarding, PHASE_EVENT_REASON, note, action, None).await;
    }
    Ok(Action::await_change())
}
