//! One reconcile of a MonoVertex: its pods (read from the shared pod cache), one per
//! replica and none while paused, then its status, with the phase change its user asked for reported as an Event and counted.

use std::sync::Arc;

use jiff::Timestamp;
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use lifecycle_model::Named;
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexStatus, PHASE_EVENT_REASON, plan_pods, reconcile,
};
use numaflow_model::pods::PodsSeen;
use serde_json::json;
use tracing::{info, instrument, warn};

use crate::reconcile::{PodOwner, sync_pods};
use crate::{Result, Runtime, error_chain, send_patch};

/// One reconcile of `mvtx`.
#[instrument(skip_all, fields(monovertex = %mvtx.name_any()))]
pub(crate) async fn reconcile_mono_vertex_object(
    mvtx: Arc<MonoVertex>,
    rt: Arc<Runtime>,
) -> Result<Action> {
    let ctx = &rt.ctx;
    rt.caches.ready().await;
    let namespace = mvtx.namespace().unwrap_or_else(|| "default".to_owned());
    let name = mvtx.name_any();
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
        info!(reason = PHASE_EVENT_REASON, note = %change.note(), "transition");
        let event = Event {
            type_: EventType::Normal,
            reason: PHASE_EVENT_REASON.to_owned(),
            note: Some(change.note()),
            action: change.event.name().to_owned(),
            secondary: None,
        };
        if let Err(error) = ctx.recorder.publish(&event, &mvtx.object_ref(&())).await {
            warn!(error = %error_chain(&error), "cannot publish the transition Event");
        }
    }
    Ok(Action::await_change())
}
