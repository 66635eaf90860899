//! The attribute reference of `#[derive(Lifecycle)]`.
//!
//! The derive goes on a fieldless enum: its variants are the states. Attributes go in
//! `#[lifecycle(...)]`, which may repeat; items inside are separated by commas. Every
//! mistake is reported at its token, all in one pass.
//!
//! # On the enum
//!
//! | attribute | meaning | default |
//! |---|---|---|
//! | `module = name` | the module of state markers and gate traits | the enum's name in snake_case |
//! | `event(name: A \| B -> C)` | an event that moves from any of `A`, `B` to `C` | – |
//! | `event(name: A -> B, verb = "v")` | the same, granted by the RBAC verb `v` on the object's resource: a writer policy lets whoever holds it make the event's moves (see below) | no verb |
//! | `verbs` | every event is granted by the RBAC verb of its own name (`_` becomes `-`), unless it names another | off |
//! | `roles = RoleEnum` | the role axis: a fieldless enum of your own | no roles |
//! | `role(Name)`, `role(Name, cel = "...")` | one role, with the CEL predicate that recognizes it on the rule's object | – |
//! | `role_module = name` | the module of role markers | the role enum's name in snake_case |
//! | `action(name, states = A \| B, roles = X \| Y, field = "a.b")` | a capability allowed in these states for these roles; `roles` defaults to all; `field` is what it mutates | – |
//! | `phase_field = "a.b"` | where the phase lives, relative to the object that carries action rules | – |
//! | `schema` | implement `schemars::JsonSchema` with the enum values and the CEL transition rule; needs the crate's `schema` feature (on by default) | off |
//! | `enforce_initial` | the API server refuses a first phase that is not `initial`: on create, or when a status phase is first written (see below) | off |
//! | `crate = "path"` | the path to this crate, when it is renamed | `::lifecycle_model` |
//!
//! `enforce_initial` adds a second rule to the phase's schema,
//! `oldSelf.hasValue() || self in [...initial states]`, with `optionalOldSelf: true` so
//! that the server runs it when the field has no old value. Once the field has one, the
//! transition rule alone judges. [`Machine::start_denial`](crate::machine::Machine::start_denial) gives the server's words before
//! anything is sent. When every state is initial there is nothing to refuse and no rule
//! is emitted. kube's client-side CEL engine (kube-cel 0.8) binds `oldSelf` to the plain
//! old value rather than an optional, so it cannot run this rule as written; ask the
//! machine instead.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(schema, enforce_initial, phase_field = "status.phase")]
//! #[lifecycle(event(start: Pending -> Running), event(stop: Running -> Stopped))]
//! enum JobPhase {
//!     #[lifecycle(initial)]
//!     Pending,
//!     Running,
//!     #[lifecycle(terminal)]
//!     Stopped,
//! }
//!
//! let schema = serde_json::to_value(schemars::schema_for!(JobPhase)).unwrap();
//! let create = &schema["x-kubernetes-validations"][1];
//! assert_eq!(create["rule"], "oldSelf.hasValue() || self in ['Pending']");
//! assert_eq!(create["optionalOldSelf"], true);
//! assert_eq!(
//!     JobPhase::machine().start_denial(JobPhase::Running.index()).as_deref(),
//!     Some("phase cannot start at Running; it may start at Pending")
//! );
//! ```
//!
//! An event's verb is RBAC's: a Role grants it like any other
//! (`verbs: ["pause"]` on `pipelines`), `kubectl auth can-i pause pipelines` answers for
//! it, and the `lifecycle_model::admission::WriterPolicy` rendered from the machine
//! (feature `kube`) asks the API server's authorizer for it, on the object itself, before
//! it lets a requester who is not a named writer move the phase. A verb is lower-case
//! letters, digits and `-`, and none of the verbs Kubernetes itself gives meaning to
//! (`get`, `patch`, `delete`, ...): a grant of those is a grant of ordinary writes.
//! [`Machine::verb_moves`](crate::machine::Machine::verb_moves) lists which moves each
//! verb grants.
//!
//! ```
//! use lifecycle_model::Lifecycle;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
//! #[lifecycle(verbs, event(pause: Running -> Paused))]
//! #[lifecycle(event(resume: Paused -> Running), event(restart: Paused -> Running, verb = "restart-pipeline"))]
//! enum Desired {
//!     #[default]
//!     #[lifecycle(initial)]
//!     Running,
//!     Paused,
//! }
//!
//! let machine = Desired::machine();
//! let verbs: Vec<&str> = machine.verb_moves().into_iter().map(|(verb, _)| verb).collect();
//! assert_eq!(verbs, ["pause", "resume", "restart-pipeline"]);
//! ```
//!
//! **An object without a phase.** An absent phase field reads as the `#[default]` state
//! wherever a rule must read it (action rules, writer policies). A controller that finds
//! no phase writes [`Lifecycle::entry`](crate::Lifecycle::entry) first: the default when
//! it is initial, else the first initial state. It does not read the absent phase as the
//! default and fire an event from there, which could write a first phase outside the
//! initial states, one `enforce_initial` refuses. With `enforce_initial` the derive
//! refuses a default that is not initial, so the two readings agree.
//!
//! Each `#[lifecycle(...)]` takes any number of items: prefer a few attributes with
//! several events each. More than about 128 separate attributes on one enum reach the
//! compiler's default `recursion_limit`.
//!
//! # On a variant
//!
//! | attribute | meaning |
//! |---|---|
//! | `#[lifecycle(initial)]` | an object may start here; at least one state is initial |
//! | `#[lifecycle(terminal)]` | no event leaves this state |
//! | `#[lifecycle(ready)]` | the object is steady and healthy here: the `Ready` condition is `True` |
//! | `#[lifecycle(reconciling)]` | the object is moving toward its desired state: `Reconciling` is `True` |
//! | `#[lifecycle(stalled)]` | the object cannot get on without help: `Stalled` is `True` |
//! | `#[lifecycle(retired)]` | the state is kept only for the objects stored in it: no object starts in it and no event may lead into it (an error at the event's target); the events that leave it are its exits, the only methods of its typed handle, and the transition rule admits only those moves out of it. Not with `initial` or `terminal` |
//! | `#[lifecycle(alias = "Old")]`, `#[serde(alias = "Old")]` | a former name of the state, repeatable: stored objects whose phase still holds it read as this state ([`Machine::resolve`](crate::machine::Machine::resolve)), the schema's enum admits it, the transition rule lets them move as this state and be renamed to it on their next write (the runtime layer's status writes, `StatusPatch` and `apply_status`, carry the phase by its name, so a controller's next write renames a stored status phase); with serde, write `#[serde(alias = "Old")]` (the derive reads it too) so that serde reads the old name. A former name that is a state's name, or another state's former name, is an error |
//! | `#[lifecycle(suspended)]` | the object rests here because it was asked to (`Paused`): settled, so `Ready` is `True`, and `Suspended` is `True` |
//! | `#[default]` | what an absent phase field reads as, in CEL rules and writer policies; with `enforce_initial` it must be initial |
//! | `#[serde(rename = "...")]`, `#[serde(rename_all = "...")]` on the enum | the wire names the runtime and CEL use |
//!
//! # What is generated
//!
//! For `enum Phase` with `module = phase`:
//!
//! - `mod phase`: a zero-sized marker type per state (`phase::Running`; a type, never a
//!   value, so it derives nothing), a gate trait per event
//!   (`phase::CanPause`) and per action (`phase::CanScale<R>`), each carrying
//!   `#[diagnostic::on_unimplemented]` text that names the rule.
//! - `trait PhaseEvents<T, S, R>`: the event methods on [`Typed<T, S, R>`](crate::Typed)
//!   for every object `T: HasPhase<Phase>` and every state marker `S` of `Phase`. Each
//!   takes `self`, writes the phase, and returns the handle of the new state; on a
//!   handle from [`Typed::record`](crate::Typed::record) it returns a
//!   [`Moved`](crate::Moved) handle, the [`Transition`](crate::Transition) that got it
//!   there beside it. The methods are provided by the trait, whose impls for `Typed` and
//!   [`Recording`](crate::Recording) are empty. Because the impls ask
//!   for `Phase`'s own markers, an object with two lifecycles sees each machine's events
//!   on that machine's handles alone, and two machines may share event names (`fail`,
//!   `retry`) in one module.
//! - `enum PhaseEvent`, `enum PhaseAction`: events and actions as values (the events'
//!   moves are documented on their methods, not on the variants). Each implements
//!   [`Named`](crate::Named), and displays as its declared name and parses from it
//!   (`"pause".parse::<PhaseEvent>()`), the error listing the names there are. A machine
//!   that declares no actions gets `type PhaseAction = NoAction<Phase>` instead: the
//!   shared [`NoAction`](crate::NoAction), which has no values and parses no name.
//! - `enum PhaseTyped<T>`: one typed handle per state (and role), from
//!   `PhaseTyped::from_object`; `fire(event)` fires an event from whichever state the
//!   object is in, returning the handle of the state reached with the record of the move,
//!   or the object back in a [`Refused`](crate::Refused) that lists the states the event
//!   fires from. It has no `Debug` impl (a derived one cost a `cargo check` more than the
//!   rest of the bridge): print `state()` or the object. With the `runtime` feature it
//!   implements [`Bridge`](crate::Bridge), which the runtime's controller builds it
//!   through. [`Lifecycle::enter`](crate::Lifecycle::enter) writes the first phase of an
//!   object that has none.
//! - `impl Lifecycle for Phase`, and `Phase::MERMAID` / `Phase::DOT`. Under rustdoc
//!   alone, the block of these two constants also carries the machine drawn as an SVG
//!   picture (states, moves labelled with their events, start dots, terminal states,
//!   `ready`/`stalled` colours and the action table), laid out while the docs build,
//!   with no network or script needed to show it; [`examples`] has
//!   pages to look at. `cargo check` and `cargo build` never lay it out.
//! - With roles: `mod role_module` of role markers, and `impl Role for RoleEnum`.
//!
//! A state stands for at most one of `ready`, `reconciling`, `stalled` and `suspended`;
//! states that stand for none make all of them `False`. A `suspended` state is one the
//! object rests in on purpose: kstatus (Flux, kpt, `cli-utils`) reads an object as
//! current when `Ready` is `True` and neither `Reconciling` nor `Stalled` is, so `Ready`
//! holds there, and `Suspended` says why nothing runs. To wait for such an object to run
//! again, wait for its phase (`kubectl wait --for=jsonpath='{.status.phase}'=Running`);
//! `Suspended` turning `False` (`kubectl wait --for=condition=Suspended=False`) says only
//! that it is no longer where it rested, which a move to a failed state also ends. A
//! machine with `suspended` states and no `ready` one still has a `Ready` condition,
//! `False` in every state that stands for none, so kstatus reads objects there as in
//! progress: mark the steady state `ready`. [`Lifecycle::conditions`](crate::Lifecycle::conditions)
//! gives a phase's conditions, one per type some state stands for, and
//! [`conditions`](crate::conditions) merges them into an object's `status.conditions`.
//!
//! # What is checked while expanding
//!
//! Unknown states, roles and keys (the message lists the valid ones); duplicates (on the
//! second occurrence); a value given to a flag such as `schema` or `enforce_initial`;
//! `enforce_initial` on a variant; a state marked with two of `ready`, `reconciling`,
//! `stalled`, `suspended`; retired states that are initial or terminal, or that an event
//! leads into; a former name that is a state's name or another state's former name; states unreachable from an initial state; non-terminal dead ends;
//! terminal states with outgoing events; events that only loop; roles no action gates
//! by; actions allowed everywhere; actions with a `field` but no `phase_field` or no
//! role predicates; with `enforce_initial`, a `#[default]` that is not initial; malformed
//! paths; verbs that are not lower-case words or are one of
//! Kubernetes' own; data-carrying variants and generics; event names
//! that `Typed` handles already have as methods (`update`, `get`, `state`, `role`,
//! `into_inner`, `try_new`, `record`, `clone`, `deref`, `into`, ...), since a call could
//! reach the wrong one.
//!
//! With any mistake, the derive still generates every item listed above, with bodies
//! that never run, so the compiler reports the mistakes and nothing that follows from
//! them.
//!
//! # The machine as JSON
//!
//! [`Lifecycle::machine`](crate::Lifecycle::machine)`().to_json()` writes the declared
//! machine as a document of format `lifecycle.machine/v1`
//! ([`machine::json::FORMAT`](crate::machine::json::FORMAT)), and `Machine::from_json`
//! reads one back into the same [`Machine`](crate::machine::Machine): a form any client
//! can read without Rust. Every reference names a state or a role; members a reader
//! does not know are ignored, so later additions keep the version. With the `admission`
//! feature, [`crd::annotate`](crate::crd) puts it on a CustomResourceDefinition, keyed by
//! the phase field's path, in the annotation `lifecycle.rs/machines`, so that any client
//! reads the lifecycle from the cluster alone.
//!
//! | member | type | meaning |
//! |---|---|---|
//! | `format` | string | `lifecycle.machine/v1`; a reader refuses any other |
//! | `name` | string | the machine, as the enum is named |
//! | `states` | list of strings | the states, as they are serialized, in declaration order; unique |
//! | `initial` | list of states | the states an object may start in (`initial`) |
//! | `enforceInitial` | bool | whether the server refuses other first phases (`enforce_initial`) |
//! | `terminal` | list of states | the states nothing leaves (`terminal`) |
//! | `defaultState` | state or null | the state an absent phase reads as (`#[default]`) |
//! | `events` | list of {`name`, `from`: list of states, `to`: state, `verb`: string or null} | each `event(...)`, with the RBAC verb that grants it (`verbs`, `verb = "..."`) |
//! | `roles` | list of {`name`, `cel`: string or null} | each `role(...)`, with its CEL predicate |
//! | `actions` | list of {`name`, `states`: list of states, `roles`: list of roles, `field`: string or null} | each `action(...)` |
//! | `phaseField` | string or null | `phase_field` |
//! | `conditions` | {`ready`, `reconciling`, `stalled`, `suspended`}: list of states (`suspended` left out when empty) | the states marked `ready`, `reconciling`, `stalled`, `suspended` |
//! | `aliases` | list of {`name`, `state`} (left out when empty) | each former name and the state it now names (`alias`) |
//! | `retired` | list of states (left out when empty) | the states marked `retired` |
//!
//! ```
//! use lifecycle_model::Lifecycle;
//! use lifecycle_model::machine::Machine;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(verbs, event(pause: Running -> Paused), event(resume: Paused -> Running))]
//! enum Phase {
//!     #[lifecycle(initial, ready)]
//!     Running,
//!     Paused,
//! }
//!
//! let json = Phase::machine().to_json();
//! let document: serde_json::Value = serde_json::from_str(&json).unwrap();
//! assert_eq!(document["format"], "lifecycle.machine/v1");
//! assert_eq!(document["events"][0], serde_json::json!({ "name": "pause", "from": ["Running"], "to": "Paused", "verb": "pause" }));
//! assert_eq!(document["conditions"]["ready"], serde_json::json!(["Running"]));
//! assert_eq!(Machine::from_json(&json).unwrap(), Phase::machine());
//! ```
//!
//! # Cargo features
//!
//! | feature | brings |
//! |---|---|
//! | `schema` (default) | schemars: [`schema`](crate::schema), `#[lifecycle(schema)]` and the conditions list schema; serde_json: the machine as JSON (above) |
//! | `kube` | kube-runtime: transitions as Events, phase, conditions and generation in one write, a server-side apply or a merge patch guarded by the `resourceVersion` it was planned from (`lifecycle_model::kube`); a `ValidatingAdmissionPolicy` that lets only the named writers and the holders of an event's verb move the phase, on the resource and its `status` and `scale` subresources, and asks the server whether the caller may fire an event (`lifecycle_model::admission`); the application picks the k8s-openapi version |
//! | `metrics` | prometheus-client: transition counter and objects-per-state gauge (`lifecycle_model::metrics`) |
//! | `svg` | layout-rs: `Machine::svg`, the picture rustdoc shows, to draw at run time (the derive draws the docs' pictures without it) |
//!
//! # Examples
//!
//! Events, several sources, a terminal state, and the runtime twin:
//!
//! ```
//! use lifecycle_model::{Lifecycle, LifecycleError};
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(module = order)]
//! #[lifecycle(event(pay: New -> Paid), event(ship: Paid -> Shipped))]
//! #[lifecycle(event(cancel: New | Paid -> Cancelled))]
//! enum Order {
//!     #[lifecycle(initial)]
//!     New,
//!     Paid,
//!     #[lifecycle(terminal)]
//!     Shipped,
//!     #[lifecycle(terminal)]
//!     Cancelled,
//! }
//!
//! assert_eq!(Order::INITIAL, &[Order::New]);
//! assert_eq!(Order::TERMINAL, &[Order::Shipped, Order::Cancelled]);
//! assert_eq!(Order::Paid.on(OrderEvent::Cancel), Ok(Order::Cancelled));
//! assert!(matches!(
//!     Order::Shipped.transition(Order::New),
//!     Err(LifecycleError::IllegalTransition { .. })
//! ));
//! assert_eq!(
//!     Order::MERMAID.lines().nth(1),
//!     Some("    [*] --> New")
//! );
//! ```
//!
//! Roles and actions, gating a method of your own with one `where` line:
//!
//! ```
//! use lifecycle_model::{HasPhase, Lifecycle, RoleMarker, StateMarker, Typed};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq)]
//! enum Kind { Primary, Replica }
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(module = db, roles = Kind, role_module = kind)]
//! #[lifecycle(role(Primary), role(Replica))]
//! #[lifecycle(event(stop: Up -> Down), event(start: Down -> Up))]
//! #[lifecycle(action(write, states = Up, roles = Primary))]
//! enum DbState {
//!     #[lifecycle(initial)]
//!     Up,
//!     Down,
//! }
//!
//! struct Db { state: DbState, kind: Kind, rows: u32 }
//!
//! impl HasPhase<DbState> for Db {
//!     fn phase(&self) -> Option<DbState> { Some(self.state) }
//!     fn set_phase(&mut self, s: DbState) { self.state = s }
//!     fn role(&self) -> Option<Kind> { Some(self.kind) }
//! }
//!
//! trait DbOps<S, R> {
//!     fn insert(&mut self) where S: db::CanWrite<R>;
//! }
//!
//! impl<S, R> DbOps<S, R> for Typed<Db, S, R>
//! where
//!     S: StateMarker<Phase = DbState>,
//!     R: RoleMarker<Role = Kind>,
//! {
//!     fn insert(&mut self) where S: db::CanWrite<R> {
//!         self.update(|d| d.rows += 1);
//!     }
//! }
//!
//! let db = Db { state: DbState::Up, kind: Kind::Primary, rows: 0 };
//! let mut primary: Typed<Db, db::Up, kind::Primary> = Typed::try_new(db).unwrap();
//! primary.insert();
//! assert_eq!(primary.rows, 1);
//! assert!(DbState::Up.allows(Kind::Primary, DbStateAction::Write));
//! assert!(!DbState::Up.allows(Kind::Replica, DbStateAction::Write));
//! assert!(!DbState::Down.allows(Kind::Primary, DbStateAction::Write));
//! ```
//!
//! Stopping the primary and writing does not compile; the error is E0277 with the rule:
//!
//! ```compile_fail,E0277
//! # use lifecycle_model::{HasPhase, Lifecycle, RoleMarker, StateMarker, Typed};
//! # #[derive(Clone, Copy, Debug, PartialEq, Eq)] enum Kind { Primary, Replica }
//! # #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! # #[lifecycle(module = db, roles = Kind, role_module = kind)]
//! # #[lifecycle(role(Primary), role(Replica))]
//! # #[lifecycle(event(stop: Up -> Down), event(start: Down -> Up))]
//! # #[lifecycle(action(write, states = Up, roles = Primary))]
//! # enum DbState { #[lifecycle(initial)] Up, Down }
//! # struct Db { state: DbState, kind: Kind }
//! # impl HasPhase<DbState> for Db {
//! #     fn phase(&self) -> Option<DbState> { Some(self.state) }
//! #     fn set_phase(&mut self, s: DbState) { self.state = s }
//! #     fn role(&self) -> Option<Kind> { Some(self.kind) }
//! # }
//! # trait DbOps<S, R> { fn insert(&mut self) where S: db::CanWrite<R>; }
//! # impl<S, R> DbOps<S, R> for Typed<Db, S, R> { fn insert(&mut self) where S: db::CanWrite<R> {} }
//! # let db = Db { state: DbState::Up, kind: Kind::Primary };
//! # let primary: Typed<Db, db::Up, kind::Primary> = Typed::try_new(db).unwrap();
//! let mut down = primary.stop();
//! down.insert(); // error[E0277]: a `kind::Primary` in state `Down` cannot `write`
//! ```
//!
//! A schema whose CEL rules the API server enforces, with an action rule on the object:
//!
//! ```
//! use lifecycle_model::Lifecycle;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
//! #[lifecycle(schema, phase_field = "state")]
//! #[lifecycle(event(freeze: Open -> Frozen), event(thaw: Frozen -> Open))]
//! #[lifecycle(action(edit, states = Open, field = "size"))]
//! enum Volume {
//!     #[default]
//!     #[lifecycle(initial)]
//!     Open,
//!     Frozen,
//! }
//!
//! let mut object = schemars::json_schema!({ "type": "object" });
//! lifecycle_model::schema::action_rules::<Volume>(&mut object);
//! let rule = &object.as_value()["x-kubernetes-validations"][0];
//! assert_eq!(rule["fieldPath"], ".size");
//! assert_eq!(rule["reason"], "FieldValueForbidden");
//! // The server names the phase the object stays in, as the machine does here.
//! assert!(rule["messageExpression"].as_str().unwrap().starts_with("'size cannot change while ' + "));
//! assert_eq!(
//!     Volume::machine().action_denial(0, Volume::Frozen.index(), None).as_deref(),
//!     Some("size cannot change while Frozen; `edit` is allowed only in Open")
//! );
//! ```

// The examples' declarations as items, so rustdoc draws them; documentation only.
#[cfg(doc)]
pub mod examples;
