//! A whole run: the server, the controller, the four changes, the fault and the checks.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::events::v1::Event;
use kube::Client;
use kube::api::{Api, ListParams};
use lifecycle_apiserver::{self as apiserver, ApiServer, Identity, Kubectl};
use numaflow_model::crd::{ServiceAccountRef, manifests_yaml};
use numaflow_model::vertex::Vertex;

use crate::observe::{Goal, Marks, Tracker};
use crate::process::{ControllerProcess, Usage};
use crate::user::send_all;
use crate::{Checks, Config, Error, Fault, NAMESPACE, Phase, Report, StandInDaemon, audit};

/// Each pipeline's vertices.
const VERTICES: usize = 3;

/// The controller's ServiceAccount, as the test server issues its token.
fn account() -> ServiceAccountRef {
    ServiceAccountRef {
        namespace: apiserver::CONTROLLER_NAMESPACE.to_owned(),
        name: apiserver::CONTROLLER_SERVICE_ACCOUNT.to_owned(),
    }
}

/// What a run holds while it drives: the server, the controllers and what they used.
struct Run {
    config: Config,
    /// `None` only while it restarts.
    server: Option<ApiServer>,
    server_args: Vec<String>,
    admin: Client,
    daemon: StandInDaemon,
    controllers: Vec<ControllerProcess>,
    started: usize,
    /// What killed controllers used.
    retired: Usage,
}

/// Runs the benchmark as `config` says and reports it.
pub async fn run(config: Config) -> Result<Report, Error> {
    let dir = config.dir.clone();
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Other(format!("creating {}: {e}", dir.display())))?;
    // A run starts on an empty store: the data directory is kept only for the server's
    // restart within the run.
    match std::fs::remove_dir_all(dir.join("server")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::Other(format!("emptying {}: {e}", dir.display())));
        }
        _ => {}
    }
    let policy = dir.join("audit-policy.yaml");
    let log = dir.join("audit.log");
    let _ = std::fs::remove_file(&log);
    std::fs::write(
        &policy,
        audit::policy(&Identity::Controller.username(), config.audit_bodies),
    )
    .map_err(|e| Error::Other(format!("writing {}: {e}", policy.display())))?;
    let server_args = vec![
        format!("--audit-policy-file={}", policy.display()),
        format!("--audit-log-path={}", log.display()),
        // One file, however long the run: the server rotates at 100 MB unless told.
        "--audit-log-maxsize=100000".to_owned(),
        // A stop waits for requests in flight, not for watches: the restart takes
        // seconds, not the minute a watch may hold it.
        "--shutdown-send-retry-after=true".to_owned(),
    ];
    let server = start_server(&dir, &server_args)?;
    install(&server)?;
    let admin = server
        .admin()
        .await
        .map_err(|e| Error::Server(e.to_string()))?;
    for namespace in [NAMESPACE, crate::limit::NAMESPACE] {
        apiserver::create_namespace(&admin, namespace)
            .await
            .map_err(|e| Error::Server(apiserver::error_chain(&e)))?;
    }
    let as_controller: Api<Vertex> = Api::namespaced(
        server
            .client(Identity::Controller)
            .await
            .map_err(|e| Error::Server(e.to_string()))?,
        NAMESPACE,
    );
    apiserver::eventually(
        "the controller's ClusterRoleBinding takes effect",
        || async { as_controller.list(&ListParams::default()).await.is_ok() },
    )
    .await;
    let mut run = Run {
        config: config.clone(),
        server: Some(server),
        server_args,
        admin: admin.clone(),
        daemon: StandInDaemon::start(),
        controllers: Vec::new(),
        started: 0,
        retired: Usage::default(),
    };
    let replicas = if config.fault == Fault::LeaderKilled {
        2
    } else {
        1
    };
    for _ in 0..replicas {
        run.start_controller()?;
    }
    for controller in &mut run.controllers {
        controller
            .ready(Duration::from_secs(60))
            .await
            .map_err(Error::Other)?;
    }
    let tracker = Tracker::start(&admin, NAMESPACE, VERTICES).await;
    let _kubelet = crate::StandInKubelet::start(&admin, NAMESPACE);
    // The controllers' watches have listed by now; every read from here on is counted.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Timestamp::now();

    let names: Vec<String> = (0..config.pipelines).map(|i| format!("p{i:04}")).collect();
    let mut phases = Vec::new();
    let mut windows = Vec::new();
    let mut checks = Checks::default();
    let mut reported = event_counts(&admin).await?;
    for goal in Goal::ALL {
        windows.push((goal, Timestamp::now()));
        let (phase, marks_unsettled) = run.change(goal, &names, &tracker, &mut checks).await?;
        checks.unsettled.push((goal, marks_unsettled));
        if goal == Goal::Pause {
            checks.out_of_order = tracker.paused_out_of_order();
            checks.not_drained = tracker.not_drained();
        }
        phases.push(phase);
        // The Events of the last writes are published just after them.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = event_counts(&admin).await?;
        for ((who, note), n) in &now {
            let more = n - reported
                .get(&(who.clone(), note.clone()))
                .copied()
                .unwrap_or(0);
            if more > 1 {
                let name = goal.name();
                checks
                    .duplicate_events
                    .push(format!("{name}: {who}: {note} ({more})"));
            }
        }
        reported = now;
    }
    // Requests sent just before the last pipeline went away still reach the log.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ended = Timestamp::now();
    let usage = run.usage();

    let limit = if config.limit {
        // As many pipelines at once as the controller reconciles at once.
        let at_once = match config.controller_concurrency {
            0 => names.len(),
            n => usize::from(n),
        };
        // Under the same observers as the controller's changes: the driver's watches and
        // the stand-in kubelet, each of the minimal client's namespace.
        let limit_namespace = crate::limit::NAMESPACE;
        let _observers = (
            Tracker::start(&admin, limit_namespace, VERTICES).await,
            crate::StandInKubelet::start(&admin, limit_namespace),
        );
        let limit = crate::limit::run(run.server()?, &names, at_once).await?;
        Some(limit)
    } else {
        None
    };

    let requests = audit::settled(&log).await.map_err(Error::Other)?;
    for (i, (goal, from)) in windows.iter().enumerate() {
        let to = windows.get(i + 1).map_or(ended, |w| w.1);
        let phase = phases
            .iter_mut()
            .find(|p| p.goal == *goal)
            .expect("a phase per window");
        phase.requests = audit::count(&requests, NAMESPACE, *from, to)
            .into_iter()
            .filter(|(kind, _)| !kind.ends_with(" leases"))
            .collect();
        phase.rejected = requests
            .iter()
            .filter(|r| r.code == 429 && r.namespace == NAMESPACE && r.at >= *from && r.at < to)
            .count() as u64;
    }
    let mut leases = BTreeMap::new();
    for r in requests.iter().filter(|r| r.resource == "leases") {
        *leases.entry(r.kind()).or_default() += 1;
    }
    for r in audit::outside_watches(&requests).into_iter().filter(|r| {
        r.resource != "leases"
            && r.namespace != crate::limit::NAMESPACE
            && r.at >= started
            && r.at < ended
    }) {
        *checks.reads.entry(r.kind()).or_default() += 1;
    }
    let limit = limit.map(|(wall, from, to)| crate::Limit {
        wall,
        requests: audit::count(&requests, crate::limit::NAMESPACE, from, to),
    });
    Ok(Report {
        config,
        phases,
        limit,
        checks,
        usage,
        leases,
    })
}

/// Starts the test server keeping its data in `dir/server`.
fn start_server(dir: &Path, args: &[String]) -> Result<ApiServer, Error> {
    ApiServer::start_in(&dir.join("server"), args)
        .map_err(|e| Error::Server(apiserver::error_chain(&e)))
}

/// Installs `numaflow-crdgen`'s manifests for the controller's ServiceAccount, as an
/// operator's user would: `kubectl apply --server-side`.
fn install(server: &ApiServer) -> Result<(), Error> {
    let kubectl = Kubectl::for_server(server)
        .ok_or_else(|| Error::Other("kubectl is needed to install the manifests".to_owned()))?;
    let manifests = manifests_yaml(Some(&account()))
        .map_err(|e| Error::Other(format!("rendering the manifests: {e}")))?;
    kubectl.ok(&["apply", "--server-side", "-f", "-"], Some(&manifests));
    kubectl.wait_established(&numaflow_model::crd::crds());
    Ok(())
}

impl Run {
    /// The server, unless it is restarting.
    fn server(&self) -> Result<&ApiServer, Error> {
        self.server
            .as_ref()
            .ok_or_else(|| Error::Server("not running".to_owned()))
    }

    /// Starts one more `numaflow-controller`, as the ServiceAccount, watching
    /// [`NAMESPACE`]; with leader election when the fault is the leader's death.
    fn start_controller(&mut self) -> Result<(), Error> {
        self.started += 1;
        let identity = format!("replica-{}", self.started);
        let mut args: Vec<String> = [
            "--kubeconfig",
            &self.server()?.kubeconfig().display().to_string(),
            "--context",
            Identity::Controller.context(),
            "--namespace",
            NAMESPACE,
            "--daemon-url",
            &self.daemon.url,
            "--concurrency",
            &self.config.controller_concurrency.to_string(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if self.config.fault == Fault::LeaderKilled {
            args.extend([
                "--leader-elect".to_owned(),
                "--identity".to_owned(),
                identity.clone(),
            ]);
        }
        let log = self
            .config
            .dir
            .join(format!("controller-{}.log", self.started));
        let process = ControllerProcess::start(
            &self.config.controller,
            &args,
            &identity,
            &log,
            &self.config.controller_log,
        )
        .map_err(|e| {
            Error::Other(format!(
                "starting {}: {e}",
                self.config.controller.display()
            ))
        })?;
        self.controllers.push(process);
        Ok(())
    }

    /// The controllers' usage: the largest peak, and all CPU time, killed ones included.
    fn usage(&mut self) -> Usage {
        self.controllers
            .iter_mut()
            .fold(self.retired, |sum, c| sum.plus(c.usage()))
    }

    /// Asks `goal` of every pipeline and waits until all have settled, striking the
    /// fault once a quarter of a pause has settled. The last quarter's pauses are asked
    /// only after the fault has struck, so that it always finds the pause under way,
    /// however fast the rest went. The change measured, and the pipelines that did not
    /// settle in time.
    async fn change(
        &mut self,
        goal: Goal,
        names: &[String],
        tracker: &Tracker,
        checks: &mut Checks,
    ) -> Result<(Phase, Vec<String>), Error> {
        tracker.begin(goal, names);
        let begun = Instant::now();
        let limit = Duration::from_secs(120).max(Duration::from_secs(names.len() as u64));
        let client = self.admin.clone();
        let concurrency = self.config.concurrency;
        let mut struck = self.config.fault == Fault::None || goal != Goal::Pause;
        let held = if struck { 0 } else { names.len() / 4 };
        let (first, last) = names.split_at(names.len() - held);
        let send = send_all(goal, client.clone(), first, concurrency, tracker);
        let wait = async {
            loop {
                self.replace_exited(checks)?;
                let settled = names.len() - tracker.unsettled().len();
                if !struck && settled * 4 >= names.len() {
                    struck = true;
                    checks.fault_at = Some((settled, names.len()));
                    self.strike().await?;
                    send_all(goal, client.clone(), last, concurrency, tracker).await?;
                }
                if settled == names.len() || begun.elapsed() > limit {
                    return Ok::<(), Error>(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let (sent, waited) = tokio::join!(send, wait);
        sent?;
        waited?;
        let marks = tracker.marks();
        let wall = marks
            .values()
            .filter_map(|m| m.settled)
            .max()
            .map_or(begun.elapsed(), |last| last - begun);
        let phase = Phase {
            goal,
            wall,
            to_written: percentiles(&marks, |m| m.written),
            to_settled: percentiles(&marks, |m| m.settled),
            requests: BTreeMap::new(),
            rejected: 0,
            usage: self.usage(),
        };
        Ok((phase, tracker.unsettled()))
    }

    /// Starts a controller in the place of each that has exited on its own, as a
    /// Deployment would, noting it in `checks`: a replica that loses its Lease stops.
    fn replace_exited(&mut self, checks: &mut Checks) -> Result<(), Error> {
        let mut i = 0;
        while i < self.controllers.len() {
            let Some(status) = self.controllers[i].exited() else {
                i += 1;
                continue;
            };
            let mut gone = self.controllers.remove(i);
            self.retired = self.retired.plus(gone.usage());
            checks.exited.push(format!("{} ({status})", gone.identity));
            self.start_controller()?;
        }
        Ok(())
    }

    /// The run's fault, struck now.
    async fn strike(&mut self) -> Result<(), Error> {
        match self.config.fault {
            Fault::None => {}
            Fault::ControllerRestart => {
                let mut old = self.controllers.remove(0);
                self.retired = self.retired.plus(old.kill());
                self.start_controller()?;
            }
            Fault::LeaderKilled => {
                let leases: Api<Lease> = Api::namespaced(self.admin.clone(), NAMESPACE);
                let lease = leases
                    .get(LEASE_NAME)
                    .await
                    .map_err(|source| Error::Request {
                        what: "reading the leader's Lease".to_owned(),
                        source,
                    })?;
                let holder = lease
                    .spec
                    .and_then(|s| s.holder_identity)
                    .unwrap_or_default();
                let Some(i) = self.controllers.iter().position(|c| c.identity == holder) else {
                    return Err(Error::Other(format!(
                        "no replica holds the Lease ({holder:?})"
                    )));
                };
                let mut leader = self.controllers.remove(i);
                self.retired = self.retired.plus(leader.kill());
            }
            Fault::ApiserverRestart => {
                if let Some(old) = self.server.take() {
                    tokio::task::spawn_blocking(move || old.stop())
                        .await
                        .map_err(|e| Error::Other(format!("stopping the API server: {e}")))?
                        .map_err(|e| Error::Server(apiserver::error_chain(&e)))?;
                }
                self.server = Some(start_server(&self.config.dir, &self.server_args)?);
            }
        }
        Ok(())
    }
}

/// The Lease `numaflow-controller` elects its leader on unless told otherwise
/// (`numaflow_operator::operator::LEASE_NAME`).
const LEASE_NAME: &str = "numaflow-controller-lock";

/// The median and the 99th percentile (nearest rank) of request-to-`mark` over the
/// pipelines that reached it.
fn percentiles(
    marks: &std::collections::HashMap<String, Marks>,
    mark: impl Fn(&Marks) -> Option<Instant>,
) -> (Duration, Duration) {
    let mut spans: Vec<Duration> = marks
        .values()
        .filter_map(|m| Some(mark(m)? - m.requested?))
        .collect();
    spans.sort();
    let rank = |q: f64| {
        if spans.is_empty() {
            return Duration::ZERO;
        }
        let i = ((q * spans.len() as f64).ceil() as usize).clamp(1, spans.len()) - 1;
        spans[i]
    };
    (rank(0.50), rank(0.99))
}

/// How many times each transition Event in [`NAMESPACE`] was reported, by the object it
/// regards and its note, counted over Event objects and their series.
async fn event_counts(admin: &Client) -> Result<BTreeMap<(String, String), i32>, Error> {
    let events: Api<Event> = Api::namespaced(admin.clone(), NAMESPACE);
    let list = events
        .list(&ListParams::default())
        .await
        .map_err(|source| Error::Request {
            what: "listing Events".to_owned(),
            source,
        })?;
    let mut seen: BTreeMap<(String, String), i32> = BTreeMap::new();
    for event in list.items {
        let regarding = event.regarding.unwrap_or_default();
        let who = format!(
            "{}/{}",
            regarding.kind.unwrap_or_default(),
            regarding.name.unwrap_or_default()
        );
        let count = event.series.map_or(1, |s| s.count);
        *seen
            .entry((who, event.note.unwrap_or_default()))
            .or_default() += count;
    }
    Ok(seen)
}
