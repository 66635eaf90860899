//! What the controllers read instead of listing on every reconcile: the vertices and
//! NumaFlow's pods, each from one watch ([`SharedWatch`]) whose cache every controller
//! reads and whose events wake every controller that cares.
//!
//! One watch per kind is also what keeps a reconcile's reads as new as its reason to
//! run. A controller woken by a watch of its own while reading another watch's cache can
//! be woken by a change that cache has not seen yet; if nothing changes after it, the
//! stale read stands. Here each event is in the cache before any controller hears of it.
//!
//! A cache lags the controllers' own writes. A plan made from an object older than the
//! controllers' last write of it would write again what was written, and meet a 409 (every
//! patch carries the `resourceVersion` it was planned from). So the version each write
//! leaves is remembered until the cache shows it, and a reconcile that would read an
//! object the cache holds older waits for the watch event the write makes, which wakes it
//! again. Pods are another matter: a pod created and not yet cached would be created
//! twice. So each owner's pod creations and deletions are remembered as expectations
//! until the cache shows them, and the pods a reconcile sees are the cache's with the
//! expectations applied. Either memory lasts [`EXPECTATION_TTL`] at most.
//!
//! Each cache is indexed by label as its watch fills it (`cache/index.rs`): a reconcile
//! finds a pipeline's vertices and pods without reading every cached object.

mod index;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::channel::mpsc;
use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Resource, ResourceExt};
use lifecycle_model::runtime::error_chain;
use numaflow_model::vertex::{Vertex, pipeline_selector};

use index::{Indexed, LabelIndex};

/// How long a pod creation or deletion is expected before the cache must show it: long
/// enough for a watch event to arrive, short enough that a pod removed by someone else
/// in between is made again soon.
pub const EXPECTATION_TTL: Duration = Duration::from_secs(15);

/// The reflectors the controllers read, and the pod writes they wait to see.
pub(crate) struct Caches {
    vertices: Indexed<Vertex>,
    pods: Indexed<Pod>,
    expected: Mutex<HashMap<String, Expected>>,
    /// The version each of the controllers' writes left, by `Kind/namespace/name`, until
    /// the cache shows it.
    written: Mutex<HashMap<String, (u64, Instant)>>,
    ready: AtomicBool,
}

/// The key of an object in [`Caches::wrote`] and [`Caches::behind`]: `Kind/namespace/name`.
pub(crate) fn object_key(kind: &str, namespace: &str, name: &str) -> String {
    format!("{kind}/{namespace}/{name}")
}

/// How often a reconcile looks again whether the caches are ready.
const READY_POLL: Duration = Duration::from_secs(1);

/// An owner's pod writes not yet seen in the cache.
#[derive(Default)]
struct Expected {
    created: BTreeMap<String, (Pod, Instant)>,
    deleted: BTreeMap<String, Instant>,
}

impl Caches {
    pub(crate) fn new(vertices: Indexed<Vertex>, pods: Indexed<Pod>) -> Self {
        Caches {
            vertices,
            pods,
            expected: Mutex::new(HashMap::new()),
            written: Mutex::new(HashMap::new()),
            ready: AtomicBool::new(false),
        }
    }

    /// Waits until both reflectors have listed once: before that, an empty cache would
    /// read as an owner without pods or a pipeline without vertices.
    ///
    /// The wait is asked again every second: a waiter that registers as the store turns
    /// ready can miss the wake-up, and a reconcile must not hang on it. Once both are
    /// ready, this returns at once.
    pub(crate) async fn ready(&self) {
        if self.ready.load(Ordering::Acquire) {
            return;
        }
        until_ready(self.vertices.store()).await;
        until_ready(self.pods.store()).await;
        self.ready.store(true, Ordering::Release);
    }

    /// The vertices of `pipeline` in `namespace`, as cached.
    pub(crate) fn vertices_of(&self, namespace: &str, pipeline: &str) -> Vec<Vertex> {
        self.vertices
            .select(namespace, &pipeline_selector(pipeline))
            .into_iter()
            .map(|v| Vertex::clone(&v))
            .collect()
    }

    /// The pods in `namespace` that `labels` select, as cached.
    fn cached_pods(&self, namespace: &str, labels: &str) -> Vec<Pod> {
        self.pods
            .select(namespace, labels)
            .into_iter()
            .map(|p| Pod::clone(&p))
            .collect()
    }

    /// How many pods in `namespace` that `labels` select the cache holds, terminating
    /// ones included: a drain counts a pod until it is gone.
    pub(crate) fn count_pods(&self, namespace: &str, labels: &str) -> usize {
        self.pods.select(namespace, labels).len()
    }

    /// The pods of `owner` (`namespace/name`) in `namespace` that `labels` select: the
    /// cache's, with the owner's expected creations added and expected deletions left
    /// out. Expectations the cache now shows, or that have expired, are dropped.
    pub(crate) fn pods_of(&self, owner: &str, namespace: &str, labels: &str) -> Vec<Pod> {
        let mut pods = self.cached_pods(namespace, labels);
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mine) = expected.get_mut(owner) else {
            return pods;
        };
        let now = Instant::now();
        let cached: BTreeSet<String> = pods.iter().map(ResourceExt::name_any).collect();
        mine.created
            .retain(|name, (_, at)| !cached.contains(name) && now < *at + EXPECTATION_TTL);
        mine.deleted
            .retain(|name, at| cached.contains(name) && now < *at + EXPECTATION_TTL);
        pods.retain(|p| !mine.deleted.contains_key(&p.name_any()));
        pods.extend(mine.created.values().map(|(pod, _)| pod.clone()));
        if mine.created.is_empty() && mine.deleted.is_empty() {
            expected.remove(owner);
        }
        pods
    }

    /// Remembers that a write of the controllers' left `object` (an [`object_key`]) at
    /// `version`. A version that is not a number (the API server's are) is not kept:
    /// nothing is then waited for.
    pub(crate) fn wrote(&self, object: String, version: Option<&str>) {
        if let Some(version) = version.and_then(|v| v.parse().ok()) {
            let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
            written.insert(object, (version, Instant::now()));
        }
    }

    /// Remembers that a write of the controllers' released `object` (an [`object_key`])
    /// for deletion: whatever version the cache still holds of it is behind. (The server
    /// answers the write that deletes an object with its version before.)
    pub(crate) fn released(&self, object: String) {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written.insert(object, (u64::MAX, Instant::now()));
    }

    /// Whether the cache holds `object` (an [`object_key`]) at `cached`, or not at all,
    /// older than the controllers' last write of it left it. Once the cache has caught up,
    /// or [`EXPECTATION_TTL`] has passed, the write is forgotten.
    pub(crate) fn behind(&self, object: &str, cached: Option<&str>) -> bool {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let Some(&(version, at)) = written.get(object) else {
            return false;
        };
        let older = match cached {
            None => true,
            Some(cached) => cached.parse::<u64>().is_ok_and(|c| c < version),
        };
        let behind = at.elapsed() < EXPECTATION_TTL && older;
        if !behind {
            written.remove(object);
        }
        behind
    }

    /// Remembers that `owner` created `created` and deleted `deleted` just now.
    pub(crate) fn expect(&self, owner: &str, created: &[Pod], deleted: &[String]) {
        if created.is_empty() && deleted.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut expected = self.expected.lock().unwrap_or_else(|e| e.into_inner());
        let mine = expected.entry(owner.to_owned()).or_default();
        for pod in created {
            mine.created.insert(pod.name_any(), (pod.clone(), now));
        }
        for name in deleted {
            mine.created.remove(name);
            mine.deleted.insert(name.clone(), now);
        }
    }
}

/// One watch of `K`: a cache, and the events that wake the controllers reading it.
///
/// Every event is applied to the cache first and then handed to each subscriber, so a
/// controller woken by a change reads the cache with that change in it. Deletions wake
/// subscribers too: an owner whose pod was deleted is reconciled. Subscribers share the
/// cache's own copy of each object (`Arc`), not a copy each.
pub struct SharedWatch<K: Resource<DynamicType = ()> + Clone + 'static> {
    api: Api<K>,
    config: watcher::Config,
    trim: fn(&mut K),
    store: Store<K>,
    writer: reflector::store::Writer<K>,
    index: Arc<Mutex<LabelIndex>>,
    subscribers: Vec<mpsc::UnboundedSender<Arc<K>>>,
}

impl<K> SharedWatch<K>
where
    K: Resource<DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    /// A watch of the objects of `api` that `config` selects, not yet started. The cache
    /// keeps each object without its `managedFields`, which no controller reads.
    pub fn new(api: Api<K>, config: watcher::Config) -> Self {
        let (store, writer) = reflector::store();
        SharedWatch {
            api,
            config,
            trim: |object| object.meta_mut().managed_fields = None,
            store,
            writer,
            index: Arc::new(Mutex::new(LabelIndex::new(&[]))),
            subscribers: Vec::new(),
        }
    }

    /// Caches each object as `trim` leaves it, `managedFields` dropped: less memory for
    /// what no controller reads.
    pub fn trimmed(mut self, trim: fn(&mut K)) -> Self {
        self.trim = trim;
        self
    }

    /// The cache this watch fills.
    pub fn store(&self) -> Store<K> {
        self.store.clone()
    }

    /// Indexes the cache by the labels with `keys`, so that a selector with
    /// one of them reads only the objects that carry it.
    pub fn indexed_by(self, keys: &'static [&'static str]) -> Self {
        *index::lock(&self.index) = LabelIndex::new(keys);
        self
    }

    /// The cache with its label index, as the controllers' reads use it.
    pub(crate) fn indexed(&self) -> Indexed<K> {
        Indexed::new(self.store.clone(), self.index.clone())
    }

    /// A stream of the objects this watch sees change, each already in [`Self::store`]:
    /// a controller's trigger (`Controller::for_shared_stream`,
    /// `Controller::owns_shared_stream`, `Controller::watches_shared_stream`).
    pub fn subscribe(&mut self) -> impl Stream<Item = Arc<K>> + Send + use<K> {
        let (tx, rx) = mpsc::unbounded();
        self.subscribers.push(tx);
        rx
    }

    /// Runs the watch until `stop` completes, retrying with backoff when it fails and
    /// logging each failure. The subscribers' streams end with it.
    pub async fn run(self, stop: impl std::future::Future<Output = ()> + Send) {
        let SharedWatch {
            api,
            config,
            trim,
            writer,
            index,
            subscribers,
            ..
        } = self;
        let events = watcher(api, config)
            .default_backoff()
            .modify(move |object| {
                object.meta_mut().managed_fields = None;
                trim(object);
            })
            .take_until(stop);
        share(writer, &index, events, subscribers).await;
    }
}

/// Applies each of `events` to `writer`'s cache and to its `index`, then hands the object
/// it names to every subscriber; failures are logged.
///
/// A listing (after a start, or when a watch had to start over) is handed on only once
/// it is complete, when the cache holds it, and so are the objects it no longer shows:
/// they were deleted while the watch was away, and their owners must hear of it.
async fn share<K>(
    writer: reflector::store::Writer<K>,
    index: &Mutex<LabelIndex>,
    events: impl Stream<Item = Result<watcher::Event<K>, watcher::Error>>,
    subscribers: Vec<mpsc::UnboundedSender<Arc<K>>>,
) where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let kind = K::kind(&());
    let store = writer.as_reader();
    let send = |object: &Arc<K>| {
        for subscriber in &subscribers {
            // A subscriber gone means its controller has stopped.
            let _ = subscriber.unbounded_send(object.clone());
        }
    };
    let mut before_listing = Vec::new();
    let mut events = std::pin::pin!(reflector::reflector(writer, events));
    while let Some(event) = events.next().await {
        if let Ok(event) = &event {
            index_event(index, &store, event);
        }
        match event {
            Ok(watcher::Event::Apply(object)) => {
                // The cache's copy, which the reflector has just stored.
                let cached = store.get(&reflector::ObjectRef::from_obj(&object));
                send(&cached.unwrap_or_else(|| Arc::new(object)));
            }
            Ok(watcher::Event::Delete(object)) => send(&Arc::new(object)),
            Ok(watcher::Event::Init) => before_listing = store.state(),
            // The reflector keeps the listing beside the cache until it is complete; a
            // third copy here would hold a whole listing more at once.
            Ok(watcher::Event::InitApply(_)) => {}
            Ok(watcher::Event::InitDone) => {
                // The cache is the listing now.
                store.state().iter().for_each(send);
                before_listing
                    .drain(..)
                    .filter(|old| store.get(&reflector::ObjectRef::from_obj(&**old)).is_none())
                    .for_each(|gone| send(&gone));
            }
            Err(error) => {
                tracing::warn!(%kind, error = %error_chain(&error), "a watch failed; retrying");
            }
        }
    }
}

/// Brings `index` up to `event`, which `store` already holds.
fn index_event<K>(index: &Mutex<LabelIndex>, store: &Store<K>, event: &watcher::Event<K>)
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    match event {
        watcher::Event::Apply(object) => index::lock(index).apply(object),
        watcher::Event::Delete(object) => index::lock(index).remove(object),
        watcher::Event::InitDone => index::lock(index).rebuild(store.state()),
        watcher::Event::Init | watcher::Event::InitApply(_) => {}
    }
}

/// Waits until `store` has listed once, looking again every [`READY_POLL`].
async fn until_ready<K>(store: &Store<K>)
where
    K: kube::runtime::reflector::Lookup + Clone + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    let ready = store.wait_until_ready();
    tokio::pin!(ready);
    while tokio::time::timeout(READY_POLL, &mut ready).await.is_err() {
        tracing::debug!("waiting for the controllers' caches");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::runtime::reflector::store;
    use kube::runtime::watcher::Event;

    /// A pod `name` in the namespace `ns` with `labels`.
    pub(super) fn pod(name: &str, labels: &[(&str, &str)]) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some(name.to_owned());
        pod.metadata.namespace = Some("ns".to_owned());
        pod.metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        pod
    }

    fn names(pods: &[Pod]) -> Vec<String> {
        pods.iter().map(ResourceExt::name_any).collect()
    }

    #[test]
    fn a_reconcile_sees_its_own_writes_before_the_cache_does() {
        let (pods, mut writer) = store::<Pod>();
        let (vertices, _) = store::<Vertex>();
        let index = Arc::new(Mutex::new(LabelIndex::new(&["app"])));
        let mut watched = |event: Event<Pod>| {
            writer.apply_watcher_event(&event);
            index_event(&index, &writer.as_reader(), &event);
        };
        let mine = [("app", "m")];
        watched(Event::Init);
        watched(Event::InitApply(pod("m-0-a", &mine)));
        watched(Event::InitApply(pod("other", &[("app", "x")])));
        watched(Event::InitDone);
        let caches = Caches::new(
            Indexed::new(vertices, Arc::new(Mutex::new(LabelIndex::new(&[])))),
            Indexed::new(pods, index.clone()),
        );
        assert_eq!(names(&caches.pods_of("ns/m", "ns", "app=m")), ["m-0-a"]);

        // Created and deleted, not yet watched: the view has the new pod, not the old.
        caches.expect("ns/m", &[pod("m-1-b", &mine)], &["m-0-a".to_owned()]);
        assert_eq!(names(&caches.pods_of("ns/m", "ns", "app=m")), ["m-1-b"]);
        assert_eq!(caches.count_pods("ns", "app=m"), 1, "the cache alone lags");

        // The watch catches up: the expectations are met and dropped.
        watched(Event::Apply(pod("m-1-b", &mine)));
        watched(Event::Delete(pod("m-0-a", &mine)));
        assert_eq!(names(&caches.pods_of("ns/m", "ns", "app=m")), ["m-1-b"]);
        assert!(caches.expected.lock().unwrap().is_empty());
    }

    fn version(mut pod: Pod, version: &str) -> Pod {
        pod.metadata.resource_version = Some(version.to_owned());
        pod
    }

    #[tokio::test]
    async fn a_subscriber_hears_of_a_change_only_once_the_cache_holds_it() {
        let (tx, rx) = mpsc::unbounded::<Arc<Pod>>();
        let writer = kube::runtime::reflector::store::Writer::<Pod>::default();
        let store = writer.as_reader();
        let (p, q) = (pod("p", &[]), pod("q", &[]));
        let script = vec![
            Event::Init,
            Event::InitApply(version(p.clone(), "1")),
            Event::InitDone,
            Event::Apply(version(p.clone(), "2")),
            // The watch starts over; `p` was deleted while it was away.
            Event::Init,
            Event::InitApply(version(q.clone(), "3")),
            Event::InitDone,
            Event::Delete(version(q.clone(), "4")),
        ];
        // What the subscriber has received each time the next event is pulled: the
        // name, and the version the cache held of it then.
        let heard = std::cell::RefCell::new((rx, Vec::new()));
        let look = || {
            let (rx, seen) = &mut *heard.borrow_mut();
            while let Ok(object) = rx.try_recv() {
                let cached = store.get(&reflector::ObjectRef::from_obj(&*object));
                // What the subscriber holds is the cache's own copy, not a clone.
                if let Some(cached) = &cached {
                    assert!(
                        Arc::ptr_eq(cached, &object),
                        "a copy of {}",
                        object.name_any()
                    );
                }
                seen.push((object.name_any(), cached.and_then(|c| c.resource_version())));
            }
        };
        let events = futures::stream::iter(
            script
                .into_iter()
                .map(Ok)
                .chain([Err(watcher::Error::NoResourceVersion)]),
        )
        .inspect(|_| look());
        share(writer, &Mutex::new(LabelIndex::new(&[])), events, vec![tx]).await;
        look();
        let v = |name: &str, version: Option<&str>| (name.to_owned(), version.map(str::to_owned));
        assert_eq!(
            heard.into_inner().1,
            [
                v("p", Some("1")),
                v("p", Some("2")),
                v("q", Some("3")),
                v("p", None),
                v("q", None),
            ]
        );
    }
}
