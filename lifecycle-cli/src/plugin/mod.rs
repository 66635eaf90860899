//! `kubectl lifecycle`: a lifecycle as users meet it on a cluster, read from the CRD
//! alone (the machines it carries in `lifecycle.rs/machines`), for any kind whose CRD
//! carries them.
//!
//! - `get KIND/NAME`: the phase of each machine, the conditions, and the moves possible
//!   from here, each with whether *you* may make it: SelfSubjectAccessReviews of what the
//!   move needs, the event's RBAC verb where one grants it and `patch` of the field's
//!   resource (`status` for a status field), which the write is; a status move no verb
//!   grants is its controller's.
//! - `graph KIND`: each machine as text, or `--svg FILE` as a picture.
//! - `fire KIND/NAME EVENT`: checks the move client-side (the event exists, fires from
//!   the current state, and you hold what it needs), then writes the state it leads to
//!   with a merge patch that holds only if the object has not changed since it was read;
//!   a refusal is the server's message (its admission policies may refuse what RBAC
//!   allows).
//!
//! It reads CRDs (`list` on `customresourcedefinitions`) to find a kind's lifecycles, and
//! `why` lists Events.
//! - `why KIND/NAME`: what holds the object: the conditions that are not as they should
//!   be, with their reasons, and the recent Events about it, warnings included.
//! - `audit KIND --against FILE`: before an upgrade, the stored objects of KIND that the
//!   lifecycles in FILE (the new CRDs, or machine documents) would strand
//!   ([`Machine::strands`]); exits 1 when there is one.

pub mod cluster;
pub mod show;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use lifecycle_machine::{ConditionType, Machine};
use serde_json::Value;

use cluster::{Cluster, Kind};
use show::{Move, Who};

/// What can go wrong, each with what was wrong and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// No kubeconfig, or no client from it.
    #[error("cannot connect: {0}")]
    Kubeconfig(String),
    /// A read the plugin needs failed.
    #[error("{0}")]
    Server(String),
    /// The command asks for something its arguments do not allow.
    #[error("{0}")]
    Usage(String),
    /// No CRD that carries lifecycles is called that.
    #[error(
        "no kind `{kind}` carries a lifecycle here; the kinds that do: {}",
        list(known)
    )]
    UnknownKind {
        /// What was asked for.
        kind: String,
        /// The kinds whose CRDs carry lifecycles.
        known: Vec<String>,
    },
    /// The CRD's machines do not read.
    #[error("the CRD's lifecycles do not read: {0}")]
    Carried(String),
    /// `KIND/NAME` was expected.
    #[error("`{0}` is not KIND/NAME (for example pipeline/simple)")]
    NotKindName(String),
    /// The object's phase is not a state of its machine.
    #[error(
        "{path} is `{value}`, which is not a state of {machine}; its states are: {}",
        list(states)
    )]
    UnknownState {
        /// The phase field.
        path: String,
        /// What it holds.
        value: String,
        /// The machine.
        machine: String,
        /// Its states.
        states: Vec<String>,
    },
    /// No machine of the kind has the event.
    #[error(
        "no lifecycle of {kind} has an event `{event}`; its events: {}",
        list(known)
    )]
    UnknownEvent {
        /// The kind.
        kind: String,
        /// The event asked for.
        event: String,
        /// The events there are.
        known: Vec<String>,
    },
    /// The event does not fire from the current state.
    #[error(
        "`{event}` does not fire from {state} ({path}); from {state} you may fire: {}",
        list(possible)
    )]
    NotFromHere {
        /// The event.
        event: String,
        /// The current state.
        state: String,
        /// The phase field.
        path: String,
        /// The events that do fire from here.
        possible: Vec<String>,
    },
    /// The move is the controller's.
    #[error("`{event}` moves {path}, which only the object's controller writes")]
    ControllersMove {
        /// The event.
        event: String,
        /// The phase field.
        path: String,
    },
    /// The user lacks a right the move needs.
    #[error("you may not {event} {resource}/{name}{where_}: it {missing}, which you do not hold")]
    NotAllowed {
        /// The event.
        event: String,
        /// `plural.group`.
        resource: String,
        /// The object.
        name: String,
        /// What is missing: ``needs `pause` on pipelines.numaflow.numaproj.io``.
        missing: String,
        /// ` in namespace NS`, or nothing.
        where_: String,
    },
    /// The audit found objects the new version would strand.
    #[error("{stranded} of {objects} objects would be stranded by the new version")]
    Stranded {
        /// How many.
        stranded: usize,
        /// Of how many.
        objects: usize,
    },
    /// The server refused the write.
    #[error("the server refused the move: {0}")]
    Refused(String),
    /// Writing the output failed.
    #[error("writing: {0}")]
    Io(#[from] std::io::Error),
}

fn list(items: &[String]) -> String {
    match items.is_empty() {
        true => "none".to_owned(),
        false => items.join(", "),
    }
}

impl PluginError {
    /// The exit code: 1 for a move refused (by the client's checks or the server), 2
    /// for what could not be read or asked.
    pub fn exit_code(&self) -> u8 {
        match self {
            PluginError::NotFromHere { .. }
            | PluginError::Stranded { .. }
            | PluginError::ControllersMove { .. }
            | PluginError::NotAllowed { .. }
            | PluginError::Refused(_) => 1,
            _ => 2,
        }
    }
}

/// `kubectl lifecycle`: what an object's lifecycle allows from here, and who may do it.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-lifecycle",
    bin_name = "kubectl lifecycle",
    version,
    about
)]
pub struct Cli {
    /// The kubeconfig to use (else KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (else the current one).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace (else the context's, else default).
    #[arg(short, long, global = true)]
    pub namespace: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Shows phase, conditions and the moves possible from here, with whether you may make
    /// each.
    Get {
        /// KIND/NAME, for example pipeline/simple.
        target: String,
    },
    /// Draws the lifecycles of KIND, read from its CRD.
    Graph {
        /// The kind, for example pipeline.
        kind: String,
        /// Writes the machine as an SVG picture to FILE (with several machines, the one
        /// of --field).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// The phase field whose machine to draw (status.phase).
        #[arg(long, value_name = "PATH")]
        field: Option<String>,
    },
    /// Fires EVENT on KIND/NAME after checking it client-side.
    Fire {
        /// KIND/NAME, for example pipeline/simple.
        target: String,
        /// The event, for example pause.
        event: String,
    },
    /// Explains what holds KIND/NAME: the conditions that say so and recent Events.
    Why {
        /// KIND/NAME, for example pipeline/simple.
        target: String,
    },
    /// Lists the stored objects of KIND that the lifecycles in FILE would strand. Exits 1
    /// when there is one.
    Audit {
        /// The kind, for example pipeline.
        kind: String,
        /// The new version: CRDs carrying lifecycle.rs/machines (YAML or JSON), as the
        /// upgrade would apply them.
        #[arg(long, value_name = "FILE")]
        against: PathBuf,
        /// Every namespace, not only one.
        #[arg(short = 'A', long)]
        all_namespaces: bool,
    },
}

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

/// `NAME in NAMESPACE`, or `NAME` for a cluster-scoped kind.
fn located(cluster: &Cluster, kind: &Kind, name: &str) -> String {
    match kind.namespaced {
        true => format!("{name} in {}", cluster.namespace),
        false => name.to_owned(),
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

/// Runs `cli`, printing to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> Result<(), PluginError> {
    let cluster = Cluster::connect(cli.kubeconfig.as_deref(), cli.context, cli.namespace).await?;
    match cli.command {
        Command::Get { target } => get(&cluster, &target, out).await,
        Command::Graph { kind, svg, field } => graph(&cluster, &kind, svg, field, out).await,
        Command::Fire { target, event } => fire(&cluster, &target, &event, out).await,
        Command::Why { target } => why(&cluster, &target, out).await,
        Command::Audit {
            kind,
            against,
            all_namespaces,
        } => audit(&cluster, &kind, &against, all_namespaces, out).await,
    }
}

async fn get(cluster: &Cluster, target: &str, out: &mut impl Write) -> Result<(), PluginError> {
    let (kind_name_, name) = kind_name(target)?;
    let kind = cluster.kind(kind_name_).await?;
    let object = cluster.object(&kind, name).await?;
    let states = states(&kind, &object);
    writeln!(out, "{} {}", kind.kind, located(cluster, &kind, name))?;
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

async fn graph(
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

async fn fire(
    cluster: &Cluster,
    target: &str,
    event: &str,
    out: &mut impl Write,
) -> Result<(), PluginError> {
    let (kind_name_, name) = kind_name(target)?;
    let kind = cluster.kind(kind_name_).await?;
    let object = cluster.object(&kind, name).await?;
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

async fn why(cluster: &Cluster, target: &str, out: &mut impl Write) -> Result<(), PluginError> {
    let (kind_name_, name) = kind_name(target)?;
    let kind = cluster.kind(kind_name_).await?;
    let object = cluster.object(&kind, name).await?;
    let states = states(&kind, &object);
    writeln!(out, "{} {}", kind.kind, located(cluster, &kind, name))?;
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
    if generation.is_some() && observed != generation {
        writeln!(
            out,
            "its controller has not yet observed generation {} (the status is of {})",
            generation.unwrap_or_default(),
            observed.map_or("none".to_owned(), |o| o.to_string())
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

async fn audit(
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
    let new: Vec<(&str, &Machine)> = lifecycles
        .iter()
        .filter_map(|(place, m)| Some((place.strip_prefix(&prefix)?, m)))
        .collect();
    if new.is_empty() {
        return Err(PluginError::Usage(format!(
            "{} carries no lifecycle of {}",
            against.display(),
            kind.resource()
        )));
    }
    let objects = cluster.list(&kind, all_namespaces).await?;
    let mut rows = vec![vec![
        "NAMESPACE".to_owned(),
        "NAME".to_owned(),
        "FIELD".to_owned(),
        "PHASE".to_owned(),
        "WHY".to_owned(),
    ]];
    let mut stranded = 0;
    for object in &objects {
        let mut held = false;
        for (path, machine) in &new {
            let stored = show::field(object, path).filter(|v| !v.is_null());
            let text = stored.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            if let Some(why) = machine.strands(text.as_deref()) {
                held = true;
                let meta = |key: &str| object["metadata"][key].as_str().unwrap_or("").to_owned();
                rows.push(vec![
                    meta("namespace"),
                    meta("name"),
                    (*path).to_owned(),
                    text.unwrap_or_else(|| "(not set)".to_owned()),
                    why,
                ]);
            }
        }
        stranded += usize::from(held);
    }
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
