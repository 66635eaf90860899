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
//!   ([`Machine::strands`](lifecycle_machine::Machine::strands)); exits 1 when there is one.

pub mod cluster;
mod commands;
pub mod show;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use cluster::Cluster;

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

/// Runs `cli`, printing to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> Result<(), PluginError> {
    let cluster = Cluster::connect(cli.kubeconfig.as_deref(), cli.context, cli.namespace).await?;
    match cli.command {
        Command::Get { target } => commands::get(&cluster, &target, out).await,
        Command::Graph { kind, svg, field } => {
            commands::graph(&cluster, &kind, svg, field, out).await
        }
        Command::Fire { target, event } => commands::fire(&cluster, &target, &event, out).await,
        Command::Why { target } => commands::why(&cluster, &target, out).await,
        Command::Audit {
            kind,
            against,
            all_namespaces,
        } => commands::audit(&cluster, &kind, &against, all_namespaces, out).await,
    }
}
