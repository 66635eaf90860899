//! The commands of `kubectl lifecycle`, each reading what it needs from the cluster and
//! printing with [`show`].

use std::io::Write;
use std::path::PathBuf;

use lifecycle_machine::{ConditionType, Machine};
use serde_json::Value;

use super::cluster::{Cluster, Kind};
use super::show::{self, Move, Who};
use super::{PluginError, list};

/// A machine that has the event asked for, the state it reads, and the event's index.
type Candidate<'a> = (
    &'a (String, Machine),
    &'a Result<Option<usize>, PluginError>,
    usize,
);

/// Splits `KIND/NAME`.
fn kind_name(target: &str) -> Result<(&str, &str), PluginError> {
    match target.split_once('/') {
        Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok((kind, name)),
        _ => Err(PluginError::NotKindName(target.to_owned())),
    }
}

/// Each machine's current state on `object`, or why it has none.
fn states(kind: &Kind, object: &Value) -> Vec<Result<Option<usize>, PluginError>> {
    kind.machines
        .iter()
        .map(|(path, machine)| {
            show::state_of(machine, object, path).map_err(|value| PluginError::UnknownState {
                path: path.clone(),
                value,
                machine: machine.name.clone(),
                states: machine.states.clone(),
            })
        })
        .collect()
}

/// The kind and the object `KIND/NAME` names, with the name.
async fn read<'a>(
    cluster: &Cluster,
    target: &'a str,
) -> Result<(Kind, &'a str, Value), PluginError> {
    let (kind_name, name) = kind_name(target)?;
    let kind = cluster.kind(kind_name).await?;
    let object = cluster.object(&kind, name).await?;
    Ok((kind, name, object))
}

/// [`read`], and each machine's state on the object, after printing the heading.
async fn shown<'a>(
    cluster: &Cluster,
    target: &'a str,
    out: &mut impl Write,
) -> Result<
    (
        Kind,
        &'a str,
        Value,
        Vec<Result<Option<usize>, PluginError>>,
    ),
    PluginError,
> {
    let (kind, name, object) = read(cluster, target).await?;
    heading(out, cluster, &kind, name)?;
    let states = states(&kind, &object);
    Ok((kind, name, object, states))
}

/// `KIND NAME in NAMESPACE`, or without the namespace for a cluster-scoped kind.
fn heading(
    out: &mut impl Write,
    cluster: &Cluster,
    kind: &Kind,
    name: &str,
) -> std::io::Result<()> {
    match kind.namespaced {
        true => writeln!(out, "{} {name} in {}", kind.kind, cluster.namespace),
        false => writeln!(out, "{} {name}", kind.kind),
    }
}

/// Who may make a move of `event` at `path`, by SelfSubjectAccessReviews of what it
/// needs ([`show::rights_for`]).
async fn who_may(
    cluster: &Cluster,
    kind: &Kind,
    name: &str,
    machine: &Machine,
    event: usize,
    path: &str,
) -> Result<Who, PluginError> {
    let Some(rights) = show::rights_for(machine, event, path) else {
        return Ok(Who::Controller);
    };
    let mut missing = Vec::new();
    for (verb, subresource) in &rights {
        if !cluster.may(kind, name, verb, *subresource).await? {
            let on = match subresource {
                Some(sub) => format!("{}/{sub}", kind.resource()),
                None => kind.resource(),
            };
            missing.push(format!("`{verb}` on {on}"));
        }
    }
    let verbs: Vec<&str> = rights.iter().map(|(v, _)| v.as_str()).collect();
    Ok(match missing.is_empty() {
        true => Who::You(verbs.join(", ")),
        false => Who::NotYou(format!("needs {}", missing.join(" and "))),
    })
}

/// `get KIND/NAME`: phases, conditions, and the moves from here with who may make each.
pub(super) async fn get(
    cluster: &Cluster,
    target: &str,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let (kind, name, object, states) = shown(cluster, target, out).await?;
    let mut current = Vec::new();
    let mut moves = Vec::new();
    for ((path, machine), state) in kind.machines.iter().zip(states) {
        let state = match state {
            Ok(Some(state)) => state,
            Ok(None) => {
                writeln!(out, "{path}: not set ({})", machine.name)?;
                continue;
            }
            Err(unknown) => {
                writeln!(out, "{unknown}")?;
                continue;
            }
        };
        let name_of = |s: usize| machine.states[s].clone();
        let stands = machine
            .condition_of(state)
            .map(|c| format!(", {}", c.as_str()))
            .unwrap_or_default();
        writeln!(out, "{path}: {} ({}{stands})", name_of(state), machine.name)?;
        current.push((path.clone(), name_of(state)));
        for (event, to) in show::moves_from(machine, state) {
            let who = who_may(cluster, &kind, name, machine, event, path).await?;
            moves.push(Move {
                path: path.clone(),
                event: machine.events[event].name.clone(),
                to: name_of(to),
                who,
            });
        }
    }
    writeln!(out, "\n{}", show::conditions(&object))?;
    write!(out, "{}", show::moves(&current, &moves))?;
    Ok(())
}

/// `graph KIND`: each machine as text, or one as an SVG picture.
pub(super) async fn graph(
    cluster: &Cluster,
    kind: &str,
    svg: Option<PathBuf>,
    field: Option<String>,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let kind = cluster.kind(kind).await?;
    let chosen: Vec<&(String, Machine)> = kind
        .machines
        .iter()
        .filter(|(path, _)| field.as_ref().is_none_or(|f| f == path))
        .collect();
    if chosen.is_empty() {
        let paths: Vec<String> = kind.machines.iter().map(|(p, _)| p.clone()).collect();
        return Err(PluginError::Usage(format!(
            "{} has no lifecycle on {}; its phase fields: {}",
            kind.kind,
            field.unwrap_or_default(),
            list(&paths)
        )));
    }
    match svg {
        Some(file) => {
            let [(path, machine)] = chosen.as_slice() else {
                let paths: Vec<String> = chosen.iter().map(|(p, _)| p.clone()).collect();
                return Err(PluginError::Usage(format!(
                    "{} has {} lifecycles; name one with --field: {}",
                    kind.kind,
                    paths.len(),
                    list(&paths)
                )));
            };
            std::fs::write(&file, machine.svg())?;
            writeln!(out, "{} ({path}) drawn to {}", machine.name, file.display())?;
        }
        None => {
            for (i, (path, machine)) in chosen.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write!(out, "{}", show::graph(machine, path))?;
            }
        }
    }
    Ok(())
}

/// `fire KIND/NAME EVENT`: the move, checked, then written at the version read.
pub(super) async fn fire(
    cluster: &Cluster,
    target: &str,
    event: &str,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let (kind, name, object) = read(cluster, target).await?;
    let states = states(&kind, &object);
    let having: Vec<Candidate<'_>> = kind
        .machines
        .iter()
        .zip(&states)
        .filter_map(|(m, s)| {
            let index = m.1.events.iter().position(|e| e.name == event)?;
            Some((m, s, index))
        })
        .collect();
    if having.is_empty() {
        let mut known: Vec<String> = kind
            .machines
            .iter()
            .flat_map(|(_, m)| m.events.iter().map(|e| e.name.clone()))
            .collect();
        known.sort();
        known.dedup();
        return Err(PluginError::UnknownEvent {
            kind: kind.kind.clone(),
            event: event.to_owned(),
            known,
        });
    }
    // A user-facing move (one a verb grants) first, where two machines share the name.
    let pick = having
        .iter()
        .find(|(m, _, e)| m.1.events[*e].verb.is_some())
        .unwrap_or(&having[0]);
    let ((path, machine), state, index) = (pick.0, pick.1, pick.2);
    // Only the phase the event moves must read; another machine's may be newer.
    let state = match state {
        Ok(state) => *state,
        Err(unknown) => return Err(PluginError::Server(unknown.to_string())),
    };
    let spec = &machine.events[index];
    let here = match state {
        Some(s) => machine.states[s].clone(),
        None => "(not set)".to_owned(),
    };
    if !state.is_some_and(|s| spec.from.contains(&s)) {
        let possible = state
            .map(|s| {
                show::moves_from(machine, s)
                    .into_iter()
                    .map(|(e, _)| machine.events[e].name.clone())
                    .collect()
            })
            .unwrap_or_default();
        return Err(PluginError::NotFromHere {
            event: event.to_owned(),
            state: here,
            path: path.clone(),
            possible,
        });
    }
    match who_may(cluster, &kind, name, machine, index, path).await? {
        Who::You(_) => {}
        Who::Controller => {
            return Err(PluginError::ControllersMove {
                event: event.to_owned(),
                path: path.clone(),
            });
        }
        Who::NotYou(missing) => {
            return Err(PluginError::NotAllowed {
                event: event.to_owned(),
                resource: kind.resource(),
                name: name.to_owned(),
                missing,
                where_: match kind.namespaced {
                    true => format!(" in namespace {}", cluster.namespace),
                    false => String::new(),
                },
            });
        }
    }
    let to = &machine.states[spec.to];
    let read_at = object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    cluster.write(&kind, name, read_at, path, to).await?;
    writeln!(
        out,
        "{}/{name}: {event}: {here} → {to} ({path})",
        kind.kind.to_ascii_lowercase()
    )?;
    Ok(())
}

/// `why KIND/NAME`: the state of each machine, what the conditions hold against it, and
/// the recent Events about it.
pub(super) async fn why(
    cluster: &Cluster,
    target: &str,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let (kind, _, object, states) = shown(cluster, target, out).await?;
    for ((path, machine), state) in kind.machines.iter().zip(states) {
        let state = match state {
            Ok(Some(state)) => state,
            Ok(None) => continue,
            Err(unknown) => {
                writeln!(out, "{unknown}")?;
                continue;
            }
        };
        let said = match machine.condition_of(state) {
            Some(ConditionType::Ready) => "steady and healthy",
            Some(ConditionType::Reconciling) => "on its way to what its spec asks",
            Some(ConditionType::Stalled) => "stuck: it will not get on without help",
            Some(ConditionType::Suspended) => "resting where it was asked to be",
            None => "in a state that stands for no condition",
        };
        let state = &machine.states[state];
        writeln!(out, "{path} is {state}: {said}")?;
    }
    let conditions = show::field(&object, "status.conditions").and_then(Value::as_array);
    let generation = show::field(&object, "metadata.generation").and_then(Value::as_i64);
    let observed = show::field(&object, "status.observedGeneration").and_then(Value::as_i64);
    // A kind whose status records no observed generation says nothing of it.
    if let (Some(generation), Some(observed)) = (generation, observed)
        && observed != generation
    {
        writeln!(
            out,
            "its controller has not yet observed generation {generation} (the status is of {observed})"
        )?;
    }
    for c in conditions.into_iter().flatten() {
        let (type_, status) = (c["type"].as_str().unwrap_or(""), c["status"].as_str());
        // Reconciling, Stalled and Suspended hold the object when True; every other
        // condition when it is anything but True.
        let holds = match type_ {
            "Reconciling" | "Stalled" | "Suspended" => status == Some("True"),
            _ => status != Some("True"),
        };
        if holds {
            let text = |k: &str| c[k].as_str().unwrap_or("").to_owned();
            writeln!(
                out,
                "{type_}={}: {}: {}",
                text("status"),
                text("reason"),
                text("message")
            )?;
        }
    }
    let events = cluster.events(&kind, &object).await?;
    match events.len() {
        0 => writeln!(out, "no Events about it")?,
        n => {
            writeln!(out, "recent Events:")?;
            for e in &events[n.saturating_sub(10)..] {
                writeln!(
                    out,
                    "  {}  {}  {}",
                    e.type_.as_deref().unwrap_or(""),
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    Ok(())
}

/// `audit KIND --against FILE`: the stored objects the lifecycles in FILE would strand.
pub(super) async fn audit(
    cluster: &Cluster,
    kind: &str,
    against: &std::path::Path,
    all_namespaces: bool,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let kind = cluster.kind(kind).await?;
    let text = std::fs::read_to_string(against)
        .map_err(|e| PluginError::Usage(format!("cannot read {}: {e}", against.display())))?;
    let lifecycles = crate::lifecycles_in(&text)
        .map_err(|e| PluginError::Usage(format!("{}: {e}", against.display())))?;
    let prefix = format!("{} ", kind.resource());
    let new: Vec<(String, Machine)> = lifecycles
        .into_iter()
        .filter_map(|(place, m)| Some((place.strip_prefix(&prefix)?.to_owned(), m)))
        .collect();
    if new.is_empty() {
        return Err(PluginError::Usage(format!(
            "{} carries no lifecycle of {}",
            against.display(),
            kind.resource()
        )));
    }
    let objects = cluster.list(&kind, all_namespaces).await?;
    let found = lifecycle_machine::stranded(&objects, &new);
    let mut rows = vec![vec![
        "NAMESPACE".to_owned(),
        "NAME".to_owned(),
        "FIELD".to_owned(),
        "PHASE".to_owned(),
        "WHY".to_owned(),
    ]];
    for s in &found {
        rows.push(vec![
            s.namespace.clone(),
            s.name.clone(),
            s.field.clone(),
            s.phase.clone().unwrap_or_else(|| "(not set)".to_owned()),
            s.why.clone(),
        ]);
    }
    let mut names: Vec<(&str, &str)> = found
        .iter()
        .map(|s| (s.namespace.as_str(), s.name.as_str()))
        .collect();
    names.dedup();
    let stranded = names.len();
    if stranded == 0 {
        writeln!(
            out,
            "none of {} objects of {} would be stranded",
            objects.len(),
            kind.resource()
        )?;
        return Ok(());
    }
    write!(out, "{}", show::table(&rows))?;
    Err(PluginError::Stranded {
        stranded,
        objects: objects.len(),
    })
}
