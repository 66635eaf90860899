//! Argo CD health checks from the declaration: the Lua that Argo CD's
//! `resource.customizations.health.<group>_<kind>` takes, judging an object by its phase
//! as the machine marks it.
//!
//! | the phase's state | health |
//! |---|---|
//! | `ready` | `Healthy` |
//! | `reconciling`, or no mark | `Progressing` |
//! | `stalled` | `Degraded` |
//! | `suspended` | `Suspended` |
//!
//! An object whose status is missing, or whose `status.observedGeneration` is behind
//! `metadata.generation`, is `Progressing`; one whose `Stalled` condition is `True` is
//! `Degraded`, with that condition's message, whatever its phase; a phase that is not a
//! state is `Unknown`, with a message that lists the states. The message is the
//! object's `status.message` where it has one, else `<machine> is <phase>`.

use std::fmt::Write as _;

use crate::{ConditionType, Machine};

/// Argo CD's health status of `condition`'s states; `Progressing` for states with none.
fn health_of(condition: Option<ConditionType>) -> &'static str {
    match condition {
        Some(ConditionType::Ready) => "Healthy",
        Some(ConditionType::Reconciling) | None => "Progressing",
        Some(ConditionType::Stalled) => "Degraded",
        Some(ConditionType::Suspended) => "Suspended",
    }
}

/// A Lua string literal of `text`.
fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\{:03}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Lua list of the segments of a dotted path.
fn lua_path(path: &str) -> String {
    let keys: Vec<String> = path.split('.').map(lua_string).collect();
    format!("{{{}}}", keys.join(", "))
}

impl Machine {
    /// The health check of objects whose phase is at `phase_path` (from the object's
    /// root: `status.phase`, `spec.lifecycle.desiredPhase`), as the Lua script Argo CD
    /// runs with the object as `obj` (Lua 5.1, as Argo CD's gopher-lua runs it).
    ///
    /// ```
    /// let mut machine = lifecycle_machine::Machine::new("Job", ["Running", "Paused"]);
    /// machine.ready = vec![0];
    /// machine.suspended = vec![1];
    /// let lua = machine.argocd_health_lua("status.phase");
    /// assert!(lua.contains(r#"["Paused"] = "Suspended""#));
    /// assert!(lua.contains("return hs"));
    /// ```
    pub fn argocd_health_lua(&self, phase_path: &str) -> String {
        let mut health = String::new();
        for (i, _) in self.states.iter().enumerate() {
            let verdict = health_of(self.condition_of(i));
            // A former name reads as its state.
            for name in self.names_of(i) {
                let _ = writeln!(health, "  [{}] = \"{verdict}\",", lua_string(name));
            }
        }
        let default = match self.default_state.and_then(|d| self.states.get(d)) {
            Some(state) => lua_string(state),
            None => "nil".to_owned(),
        };
        let name = lua_string(&self.name);
        let states = lua_string(&self.states.join(", "));
        // Names go into a comment: a line break there would end it.
        let flat = |text: &str| text.replace(['\n', '\r'], " ");
        format!(
            r#"-- Argo CD health of an object by its lifecycle {machine} (phase at {path}), from its
-- declaration: ready is Healthy, reconciling Progressing, stalled Degraded, suspended
-- Suspended.
local health = {{
{health}}}
local function field(object, path)
  for _, key in ipairs(path) do
    if type(object) ~= "table" then
      return nil
    end
    object = object[key]
  end
  return object
end
local hs = {{}}
local status = field(obj, {{"status"}})
if type(status) ~= "table" then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller's first status"
  return hs
end
local observed = field(obj, {{"status", "observedGeneration"}})
local generation = field(obj, {{"metadata", "generation"}})
if type(observed) == "number" and type(generation) == "number" and observed < generation then
  hs.status = "Progressing"
  hs.message = "Generation " .. generation .. " is not observed yet (the status is of " .. observed .. ")"
  return hs
end
local conditions = field(obj, {{"status", "conditions"}})
if type(conditions) == "table" then
  for _, condition in ipairs(conditions) do
    if type(condition) == "table" and condition.type == "Stalled" and condition.status == "True" then
      hs.status = "Degraded"
      hs.message = condition.message or "Stalled"
      return hs
    end
  end
end
local phase = field(obj, {path_list})
if phase == nil then
  phase = {default}
end
if phase == nil then
  hs.status = "Progressing"
  hs.message = "No phase yet"
  return hs
end
local verdict = health[phase]
if verdict == nil then
  hs.status = "Unknown"
  hs.message = "Phase " .. tostring(phase) .. " is not a state of " .. {name} .. "; its states are: " .. {states}
  return hs
end
hs.status = verdict
local message = field(obj, {{"status", "message"}})
if type(message) == "string" and message ~= "" then
  hs.message = message
else
  hs.message = {name} .. " is " .. phase
end
return hs
"#,
            machine = flat(&self.name),
            path = flat(phase_path),
            path_list = lua_path(phase_path),
        )
    }
}
