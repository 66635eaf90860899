///Typestate markers of [`ReleasePhase`]: one zero-sized type per state, and a gate trait per event and action.
#[allow(unreachable_pub)]
pub mod release {
    ///The `draft` state of `ReleasePhase`.
    pub struct Draft;
    ///The `built` state of `ReleasePhase`.
    pub struct Built;
    ///The `shipped` state of `ReleasePhase`.
    pub struct Shipped;
    ///The `halted` state of `ReleasePhase`.
    pub struct Halted;
    ///The `archived-for-good` state of `ReleasePhase`.
    pub struct Archived;
    ///`build` fires from: draft.
    #[diagnostic::on_unimplemented(
        message = "`ReleasePhase` cannot `build` from `{Self}`",
        label = "`build` fires only from draft"
    )]
    pub trait CanBuild {}
    ///`ship` fires from: built.
    #[diagnostic::on_unimplemented(
        message = "`ReleasePhase` cannot `ship` from `{Self}`",
        label = "`ship` fires only from built"
    )]
    pub trait CanShip {}
    ///`halt` fires from: built, shipped.
    #[diagnostic::on_unimplemented(
        message = "`ReleasePhase` cannot `halt` from `{Self}`",
        label = "`halt` fires only from built, shipped"
    )]
    pub trait CanHalt {}
    ///`retry` fires from: halted.
    #[diagnostic::on_unimplemented(
        message = "`ReleasePhase` cannot `retry` from `{Self}`",
        label = "`retry` fires only from halted"
    )]
    pub trait CanRetry {}
    ///`archive` fires from: shipped, halted.
    #[diagnostic::on_unimplemented(
        message = "`ReleasePhase` cannot `archive` from `{Self}`",
        label = "`archive` fires only from shipped, halted"
    )]
    pub trait CanArchive {}
    impl CanBuild for Draft {}
    impl CanShip for Built {}
    impl CanHalt for Built {}
    impl CanHalt for Shipped {}
    impl CanRetry for Halted {}
    impl CanArchive for Shipped {}
    impl CanArchive for Halted {}
    ///States (and roles) where `promote` is allowed. Gate your own method on it: `where S: CanPromote<R>`.
    #[diagnostic::on_unimplemented(
        message = "a `{R}` in state `{Self}` cannot `promote`",
        label = "`promote` is not allowed here",
        note = "`promote` is allowed for Canary: in built, shipped; Stable: never; Hotfix: in built, shipped"
    )]
    pub trait CanPromote<R> {}
    ///States (and roles) where `rollback` is allowed. Gate your own method on it: `where S: CanRollback<R>`.
    #[diagnostic::on_unimplemented(
        message = "a `{R}` in state `{Self}` cannot `rollback`",
        label = "`rollback` is not allowed here",
        note = "`rollback` is allowed for Canary: in shipped, halted; Stable: in shipped, halted; Hotfix: in shipped, halted"
    )]
    pub trait CanRollback<R> {}
}
impl ::lifecycle_model::__private::Sealed for release::Draft {}
impl ::lifecycle_model::__private::StateMarker for release::Draft {
    type Phase = ReleasePhase;
    const STATE: ReleasePhase = ReleasePhase::Draft;
}
impl ::lifecycle_model::__private::Sealed for release::Built {}
impl ::lifecycle_model::__private::StateMarker for release::Built {
    type Phase = ReleasePhase;
    const STATE: ReleasePhase = ReleasePhase::Built;
}
impl ::lifecycle_model::__private::Sealed for release::Shipped {}
impl ::lifecycle_model::__private::StateMarker for release::Shipped {
    type Phase = ReleasePhase;
    const STATE: ReleasePhase = ReleasePhase::Shipped;
}
impl ::lifecycle_model::__private::Sealed for release::Halted {}
impl ::lifecycle_model::__private::StateMarker for release::Halted {
    type Phase = ReleasePhase;
    const STATE: ReleasePhase = ReleasePhase::Halted;
}
impl ::lifecycle_model::__private::Sealed for release::Archived {}
impl ::lifecycle_model::__private::StateMarker for release::Archived {
    type Phase = ReleasePhase;
    const STATE: ReleasePhase = ReleasePhase::Archived;
}
impl release::CanPromote<channel::Canary> for release::Built {}
impl release::CanPromote<channel::Hotfix> for release::Built {}
impl release::CanPromote<channel::Canary> for release::Shipped {}
impl release::CanPromote<channel::Hotfix> for release::Shipped {}
impl release::CanRollback<channel::Canary> for release::Shipped {}
impl release::CanRollback<channel::Stable> for release::Shipped {}
impl release::CanRollback<channel::Hotfix> for release::Shipped {}
impl release::CanRollback<channel::Canary> for release::Halted {}
impl release::CanRollback<channel::Stable> for release::Halted {}
impl release::CanRollback<channel::Hotfix> for release::Halted {}
///Role markers of [`ReleasePhase`]: one zero-sized type per role.
#[allow(unreachable_pub)]
pub mod channel {
    ///The `Canary` role.
    pub struct Canary;
    ///The `Stable` role.
    pub struct Stable;
    ///The `Hotfix` role.
    pub struct Hotfix;
}
impl ::lifecycle_model::__private::Sealed for channel::Canary {}
impl ::lifecycle_model::__private::RoleMarker for channel::Canary {
    type Role = Channel;
    const ROLE: Channel = Channel::Canary;
}
impl ::lifecycle_model::__private::Sealed for channel::Stable {}
impl ::lifecycle_model::__private::RoleMarker for channel::Stable {
    type Role = Channel;
    const ROLE: Channel = Channel::Stable;
}
impl ::lifecycle_model::__private::Sealed for channel::Hotfix {}
impl ::lifecycle_model::__private::RoleMarker for channel::Hotfix {
    type Role = Channel;
    const ROLE: Channel = Channel::Hotfix;
}
#[automatically_derived]
impl ::lifecycle_model::__private::Role for Channel {
    const ROLES: &'static [Self] = &[Channel::Canary, Channel::Stable, Channel::Hotfix];
    #[inline]
    fn index(self) -> ::core::primitive::usize {
        match self {
            Channel::Canary => 0usize,
            Channel::Stable => 1usize,
            Channel::Hotfix => 2usize,
        }
    }
    #[inline]
    fn name(self) -> &'static ::core::primitive::str {
        match self {
            Channel::Canary => "Canary",
            Channel::Stable => "Stable",
            Channel::Hotfix => "Hotfix",
        }
    }
}
///The events of [`ReleasePhase`], as values. The method of each in `ReleasePhaseEvents` says where it fires from and leads to.
#[derive(
    ::core::fmt::Debug,
    ::core::clone::Clone,
    ::core::marker::Copy,
    ::core::cmp::PartialEq,
    ::core::cmp::Eq,
    ::core::hash::Hash
)]
#[allow(missing_docs)]
pub enum ReleasePhaseEvent {
    Build,
    Ship,
    Halt,
    Retry,
    Archive,
}
///The actions of [`ReleasePhase`], as values.
#[derive(
    ::core::fmt::Debug,
    ::core::clone::Clone,
    ::core::marker::Copy,
    ::core::cmp::PartialEq,
    ::core::cmp::Eq,
    ::core::hash::Hash
)]
pub enum ReleasePhaseAction {
    ///`promote` is allowed for Canary: in built, shipped; Stable: never; Hotfix: in built, shipped.
    Promote,
    ///`rollback` is allowed for Canary: in shipped, halted; Stable: in shipped, halted; Hotfix: in shipped, halted.
    Rollback,
}
///The events of [`ReleasePhase`] as methods on `Typed` handles: each compiles only in the states it fires from, writes the phase field, and returns the handle of the new state (on a handle from `Typed::record`, with the record of the move).
pub trait ReleasePhaseEvents<
    T,
    S,
    R,
>: ::lifecycle_model::__private::Handle<ReleasePhase, T, S, R> {
    ///`build`: draft -> built.
    fn build(self) -> Self::Next<release::Built>
    where
        S: release::CanBuild,
    {
        self.__fire::<release::Built>(0)
    }
    ///`ship`: built -> shipped.
    fn ship(self) -> Self::Next<release::Shipped>
    where
        S: release::CanShip,
    {
        self.__fire::<release::Shipped>(1)
    }
    ///`halt`: built | shipped -> halted.
    fn halt(self) -> Self::Next<release::Halted>
    where
        S: release::CanHalt,
    {
        self.__fire::<release::Halted>(2)
    }
    ///`retry`: halted -> draft.
    fn retry(self) -> Self::Next<release::Draft>
    where
        S: release::CanRetry,
    {
        self.__fire::<release::Draft>(3)
    }
    ///`archive`: shipped | halted -> archived-for-good.
    fn archive(self) -> Self::Next<release::Archived>
    where
        S: release::CanArchive,
    {
        self.__fire::<release::Archived>(4)
    }
}
#[automatically_derived]
impl<T, S, R> ReleasePhaseEvents<T, S, R>
for ::lifecycle_model::__private::Typed<T, S, R>
where
    T: ::lifecycle_model::__private::HasPhase<ReleasePhase>,
    S: ::lifecycle_model::__private::StateMarker<Phase = ReleasePhase>,
{}
#[automatically_derived]
impl<T, S, R> ReleasePhaseEvents<T, S, R>
for ::lifecycle_model::__private::Recording<T, S, R>
where
    T: ::lifecycle_model::__private::HasPhase<ReleasePhase>,
    S: ::lifecycle_model::__private::StateMarker<Phase = ReleasePhase>,
{}
///An object whose [`ReleasePhase`] is known, as one typed handle per state and role, each variant named after them: `match` it to act on each case.
#[allow(missing_docs)]
pub enum ReleasePhaseTyped<T> {
    DraftCanary(::lifecycle_model::__private::Typed<T, release::Draft, channel::Canary>),
    DraftStable(::lifecycle_model::__private::Typed<T, release::Draft, channel::Stable>),
    DraftHotfix(::lifecycle_model::__private::Typed<T, release::Draft, channel::Hotfix>),
    BuiltCanary(::lifecycle_model::__private::Typed<T, release::Built, channel::Canary>),
    BuiltStable(::lifecycle_model::__private::Typed<T, release::Built, channel::Stable>),
    BuiltHotfix(::lifecycle_model::__private::Typed<T, release::Built, channel::Hotfix>),
    ShippedCanary(
        ::lifecycle_model::__private::Typed<T, release::Shipped, channel::Canary>,
    ),
    ShippedStable(
        ::lifecycle_model::__private::Typed<T, release::Shipped, channel::Stable>,
    ),
    ShippedHotfix(
        ::lifecycle_model::__private::Typed<T, release::Shipped, channel::Hotfix>,
    ),
    HaltedCanary(
        ::lifecycle_model::__private::Typed<T, release::Halted, channel::Canary>,
    ),
    HaltedStable(
        ::lifecycle_model::__private::Typed<T, release::Halted, channel::Stable>,
    ),
    HaltedHotfix(
        ::lifecycle_model::__private::Typed<T, release::Halted, channel::Hotfix>,
    ),
    ArchivedCanary(
        ::lifecycle_model::__private::Typed<T, release::Archived, channel::Canary>,
    ),
    ArchivedStable(
        ::lifecycle_model::__private::Typed<T, release::Archived, channel::Stable>,
    ),
    ArchivedHotfix(
        ::lifecycle_model::__private::Typed<T, release::Archived, channel::Hotfix>,
    ),
}
#[automatically_derived]
impl<T: ::lifecycle_model::__private::HasPhase<ReleasePhase>> ReleasePhaseTyped<T> {
    /// Reads the object's phase and role and wraps it in the matching typed handle.
    /// An object without a phase or role is handed back in the error.
    pub fn from_object(
        __object: T,
    ) -> ::core::result::Result<Self, ::lifecycle_model::__private::Mismatch<T>> {
        let __phase = <T as ::lifecycle_model::__private::HasPhase<
            ReleasePhase,
        >>::phase(&__object);
        let __role = <T as ::lifecycle_model::__private::HasPhase<
            ReleasePhase,
        >>::role(&__object);
        let (
            ::core::option::Option::Some(__phase),
            ::core::option::Option::Some(__role),
        ) = (__phase, __role) else {
            return ::core::result::Result::Err(
                ::lifecycle_model::__private::mismatch::<
                    ReleasePhase,
                    T,
                >(__object, "a declared state and role"),
            );
        };
        use ::lifecycle_model::__private::typed_unchecked as __typed;
        ::core::result::Result::Ok(
            match (__phase, __role) {
                (ReleasePhase::Draft, Channel::Canary) => {
                    Self::DraftCanary(__typed(__object))
                }
                (ReleasePhase::Draft, Channel::Stable) => {
                    Self::DraftStable(__typed(__object))
                }
                (ReleasePhase::Draft, Channel::Hotfix) => {
                    Self::DraftHotfix(__typed(__object))
                }
                (ReleasePhase::Built, Channel::Canary) => {
                    Self::BuiltCanary(__typed(__object))
                }
                (ReleasePhase::Built, Channel::Stable) => {
                    Self::BuiltStable(__typed(__object))
                }
                (ReleasePhase::Built, Channel::Hotfix) => {
                    Self::BuiltHotfix(__typed(__object))
                }
                (ReleasePhase::Shipped, Channel::Canary) => {
                    Self::ShippedCanary(__typed(__object))
                }
                (ReleasePhase::Shipped, Channel::Stable) => {
                    Self::ShippedStable(__typed(__object))
                }
                (ReleasePhase::Shipped, Channel::Hotfix) => {
                    Self::ShippedHotfix(__typed(__object))
                }
                (ReleasePhase::Halted, Channel::Canary) => {
                    Self::HaltedCanary(__typed(__object))
                }
                (ReleasePhase::Halted, Channel::Stable) => {
                    Self::HaltedStable(__typed(__object))
                }
                (ReleasePhase::Halted, Channel::Hotfix) => {
                    Self::HaltedHotfix(__typed(__object))
                }
                (ReleasePhase::Archived, Channel::Canary) => {
                    Self::ArchivedCanary(__typed(__object))
                }
                (ReleasePhase::Archived, Channel::Stable) => {
                    Self::ArchivedStable(__typed(__object))
                }
                (ReleasePhase::Archived, Channel::Hotfix) => {
                    Self::ArchivedHotfix(__typed(__object))
                }
                #[allow(unreachable_patterns)]
                _ => {
                    return ::core::result::Result::Err(
                        ::lifecycle_model::__private::mismatch::<
                            ReleasePhase,
                            T,
                        >(__object, "a declared state and role"),
                    );
                }
            },
        )
    }
    /// The object, given back.
    pub fn into_inner(self) -> T {
        match self {
            Self::DraftCanary(__typed) => __typed.into_inner(),
            Self::DraftStable(__typed) => __typed.into_inner(),
            Self::DraftHotfix(__typed) => __typed.into_inner(),
            Self::BuiltCanary(__typed) => __typed.into_inner(),
            Self::BuiltStable(__typed) => __typed.into_inner(),
            Self::BuiltHotfix(__typed) => __typed.into_inner(),
            Self::ShippedCanary(__typed) => __typed.into_inner(),
            Self::ShippedStable(__typed) => __typed.into_inner(),
            Self::ShippedHotfix(__typed) => __typed.into_inner(),
            Self::HaltedCanary(__typed) => __typed.into_inner(),
            Self::HaltedStable(__typed) => __typed.into_inner(),
            Self::HaltedHotfix(__typed) => __typed.into_inner(),
            Self::ArchivedCanary(__typed) => __typed.into_inner(),
            Self::ArchivedStable(__typed) => __typed.into_inner(),
            Self::ArchivedHotfix(__typed) => __typed.into_inner(),
        }
    }
    /// The state of the object.
    pub fn state(&self) -> ReleasePhase {
        match self {
            Self::DraftCanary(_) | Self::DraftStable(_) | Self::DraftHotfix(_) => {
                ReleasePhase::Draft
            }
            Self::BuiltCanary(_) | Self::BuiltStable(_) | Self::BuiltHotfix(_) => {
                ReleasePhase::Built
            }
            Self::ShippedCanary(_) | Self::ShippedStable(_) | Self::ShippedHotfix(_) => {
                ReleasePhase::Shipped
            }
            Self::HaltedCanary(_) | Self::HaltedStable(_) | Self::HaltedHotfix(_) => {
                ReleasePhase::Halted
            }
            Self::ArchivedCanary(_)
            | Self::ArchivedStable(_)
            | Self::ArchivedHotfix(_) => ReleasePhase::Archived,
        }
    }
    /// Fires an event from whichever state the object is in: the handle of the
    /// state it leads to, with the record of the move; or, where the event does
    /// not fire, the object back with an error that lists the states it fires from.
    pub fn fire(
        self,
        __event: ReleasePhaseEvent,
    ) -> ::core::result::Result<
        ::lifecycle_model::__private::Moved<Self, ReleasePhase>,
        ::lifecycle_model::__private::Refused<T>,
    > {
        ::lifecycle_model::__private::fire_bridge::<
            ReleasePhase,
            T,
            Self,
        >(self.into_inner(), __event, Self::from_object)
    }
}
::lifecycle_model::__private::bridge_impl!(ReleasePhase, ReleasePhaseTyped);
#[automatically_derived]
impl ::lifecycle_model::__private::Lifecycle for ReleasePhase {
    type Role = Channel;
    type Event = ReleasePhaseEvent;
    type Action = ReleasePhaseAction;
    const __TABLE: &'static ::lifecycle_model::__private::MachineTable = &{
        use ::lifecycle_model::__private::{
            ActionRow as __Action, EventRow as __Event, RoleRow as __Role,
        };
        use ::core::option::Option::{None as __None, Some as __Some};
        ::lifecycle_model::__private::MachineTable {
            name: "ReleasePhase",
            states: &["draft", "built", "shipped", "halted", "archived-for-good"],
            initial: &[0],
            enforce_initial: false,
            terminal: &[4],
            default_state: __Some(0),
            events: &[
                __Event {
                    name: "build",
                    from: &[0],
                    to: 1,
                    verb: __None,
                },
                __Event {
                    name: "ship",
                    from: &[1],
                    to: 2,
                    verb: __Some("ship-release"),
                },
                __Event {
                    name: "halt",
                    from: &[1, 2],
                    to: 3,
                    verb: __None,
                },
                __Event {
                    name: "retry",
                    from: &[3],
                    to: 0,
                    verb: __None,
                },
                __Event {
                    name: "archive",
                    from: &[2, 3],
                    to: 4,
                    verb: __None,
                },
            ],
            roles: &[
                __Role {
                    name: "Canary",
                    cel: __Some("self.channel == 'canary'"),
                },
                __Role {
                    name: "Stable",
                    cel: __Some("self.channel == 'stable'"),
                },
                __Role {
                    name: "Hotfix",
                    cel: __Some("self.channel == 'hotfix'"),
                },
            ],
            actions: &[
                __Action {
                    name: "promote",
                    states: &[1, 2],
                    roles: &[0, 2],
                    field: __Some("traffic"),
                },
                __Action {
                    name: "rollback",
                    states: &[2, 3],
                    roles: &[0, 1, 2],
                    field: __None,
                },
            ],
            phase_field: __Some("status.phase"),
            ready: &[],
            reconciling: &[],
            stalled: &[],
            suspended: &[],
            aliases: &[],
            retired: &[],
            mermaid: ReleasePhase::MERMAID,
            dot: ReleasePhase::DOT,
            moves: &[2, 12, 24, 17, 0],
            fires: &[1, 2, 6, 8, 12],
        }
    };
    const STATES: &'static [Self] = &[
        ReleasePhase::Draft,
        ReleasePhase::Built,
        ReleasePhase::Shipped,
        ReleasePhase::Halted,
        ReleasePhase::Archived,
    ];
    const INITIAL: &'static [Self] = &[ReleasePhase::Draft];
    const TERMINAL: &'static [Self] = &[ReleasePhase::Archived];
    const EVENTS: &'static [ReleasePhaseEvent] = &[
        ReleasePhaseEvent::Build,
        ReleasePhaseEvent::Ship,
        ReleasePhaseEvent::Halt,
        ReleasePhaseEvent::Retry,
        ReleasePhaseEvent::Archive,
    ];
    const ACTIONS: &'static [ReleasePhaseAction] = &[
        ReleasePhaseAction::Promote,
        ReleasePhaseAction::Rollback,
    ];
    #[inline]
    fn index(self) -> ::core::primitive::usize {
        self as ::core::primitive::usize
    }
    #[inline]
    fn on(
        self,
        __event: ReleasePhaseEvent,
    ) -> ::core::result::Result<Self, ::lifecycle_model::__private::LifecycleError> {
        ::lifecycle_model::__private::on(
            self,
            __event,
            __event as ::core::primitive::usize,
        )
    }
    #[inline]
    fn allows(
        self,
        __role: Channel,
        __action: ReleasePhaseAction,
    ) -> ::core::primitive::bool {
        let _ = __role;
        match __action {
            ReleasePhaseAction::Promote => {
                ::core::matches!(self, ReleasePhase::Built | ReleasePhase::Shipped)
                    && ::core::matches!(__role, Channel::Canary | Channel::Hotfix)
            }
            ReleasePhaseAction::Rollback => {
                ::core::matches!(self, ReleasePhase::Shipped | ReleasePhase::Halted)
                    && ::core::matches!(
                        __role, Channel::Canary | Channel::Stable | Channel::Hotfix
                    )
            }
        }
    }
}
#[automatically_derived]
impl ::lifecycle_model::__private::Named for ReleasePhaseEvent {
    #[inline]
    fn name(self) -> &'static ::core::primitive::str {
        ::lifecycle_model::__private::event_name::<
            ReleasePhase,
        >(self as ::core::primitive::usize)
    }
}
#[automatically_derived]
impl ::core::fmt::Display for ReleasePhaseEvent {
    fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        __f.write_str(::lifecycle_model::__private::Named::name(*self))
    }
}
#[automatically_derived]
impl ::core::str::FromStr for ReleasePhaseEvent {
    type Err = ::lifecycle_model::__private::LifecycleError;
    fn from_str(
        __name: &::core::primitive::str,
    ) -> ::core::result::Result<Self, Self::Err> {
        ::lifecycle_model::__private::parse_event::<ReleasePhase>(__name)
    }
}
#[automatically_derived]
impl ::lifecycle_model::__private::Named for ReleasePhaseAction {
    #[inline]
    fn name(self) -> &'static ::core::primitive::str {
        ::lifecycle_model::__private::action_name::<
            ReleasePhase,
        >(self as ::core::primitive::usize)
    }
}
#[automatically_derived]
impl ::core::fmt::Display for ReleasePhaseAction {
    fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        __f.write_str(::lifecycle_model::__private::Named::name(*self))
    }
}
#[automatically_derived]
impl ::core::str::FromStr for ReleasePhaseAction {
    type Err = ::lifecycle_model::__private::LifecycleError;
    fn from_str(
        __name: &::core::primitive::str,
    ) -> ::core::result::Result<Self, Self::Err> {
        ::lifecycle_model::__private::parse_action::<ReleasePhase>(__name)
    }
}
#[automatically_derived]
#[cfg_attr(
    doc,
    ::lifecycle_model::__private::diagram_doc(
        #[serde(
            rename_all = "camelCase"
        )]#[lifecycle(
            module = release,
            roles = Channel,
            role_module = channel
        )]#[lifecycle(
            role(Canary, cel = "self.channel == 'canary'")
        )]#[lifecycle(
            role(Stable, cel = "self.channel == 'stable'")
        )]#[lifecycle(
            role(Hotfix, cel = "self.channel == 'hotfix'")
        )]#[lifecycle(
            schema,
            phase_field = "status.phase"
        )]#[lifecycle(
            event(build:Draft->Built),
            event(ship:Built->Shipped, verb = "ship-release")
        )]#[lifecycle(
            event(halt:Built|Shipped->Halted),
            event(retry:Halted->Draft)
        )]#[lifecycle(
            event(archive:Shipped|Halted->Archived)
        )]#[lifecycle(
            action(
                promote,
                states = Built|Shipped,
                roles = Canary|Hotfix,
                field = "traffic"
            )
        )]#[lifecycle(action(rollback, states = Shipped|Halted))]pub
        enum
        ReleasePhase{#[doc = r" Being written."]#[default]#[lifecycle(initial)]Draft,
        #[doc = r" Built, not yet shipped."]Built,
        #[doc = r" Out in the world."]Shipped,
        #[doc = r" Stopped."]Halted,
        #[doc = r" Done for good."]#[serde(
            rename = "archived-for-good"
        )]#[lifecycle(terminal)]Archived,
        }
    )
)]
impl ReleasePhase {
    ///The lifecycle as a Mermaid `stateDiagram-v2`, to paste where Mermaid draws.
    pub const MERMAID: &'static ::core::primitive::str = "stateDiagram-v2\n    state \"archived-for-good\" as s4\n    [*] --> draft\n    draft --> built: build\n    built --> shipped: ship\n    built --> halted: halt\n    shipped --> halted: halt\n    halted --> draft: retry\n    shipped --> s4: archive\n    halted --> s4: archive\n    s4 --> [*]\n";
    ///The lifecycle as a Graphviz digraph, the same graph as [`Self::MERMAID`].
    pub const DOT: &'static ::core::primitive::str = "digraph ReleasePhase {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n    __start [shape=point];\n    draft [label=\"draft\"];\n    built [label=\"built\"];\n    shipped [label=\"shipped\"];\n    halted [label=\"halted\"];\n    \"archived-for-good\" [label=\"archived-for-good\", peripheries=2];\n    __start -> draft;\n    draft -> built [label=\"build\"];\n    built -> shipped [label=\"ship\"];\n    built -> halted [label=\"halt\"];\n    shipped -> halted [label=\"halt\"];\n    halted -> draft [label=\"retry\"];\n    shipped -> \"archived-for-good\" [label=\"archive\"];\n    halted -> \"archived-for-good\" [label=\"archive\"];\n}\n";
}
::lifecycle_model::__private::phase_json_schema!(ReleasePhase, "ReleasePhase");
