//! A cache's objects by namespace and by the labels that name their owner, kept beside
//! the reflector's store, so that the objects a selector picks are found without matching
//! it against every cached object: a reconcile reads a pipeline's few vertices and pods,
//! not the whole namespace.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use kube::Resource;
use kube::runtime::reflector::{ObjectRef, Store};

/// A label: its key and value.
type Label = (String, String);

/// Object names by namespace and by each label with one of the index's keys.
#[derive(Debug)]
pub(crate) struct LabelIndex {
    /// The label keys indexed.
    keys: &'static [&'static str],
    /// Names, by namespace and label.
    by_label: HashMap<String, HashMap<Label, BTreeSet<String>>>,
    /// The indexed labels of each object, by namespace and name, to undo its entries
    /// when it changes or goes.
    noted: HashMap<String, HashMap<String, Vec<Label>>>,
}

/// A label selector written `key=value,...`, as its labels.
pub(crate) fn labels(selector: &str) -> Vec<Label> {
    selector
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

impl LabelIndex {
    /// An empty index of the labels with `keys`.
    pub(crate) fn new(keys: &'static [&'static str]) -> Self {
        LabelIndex {
            keys,
            by_label: HashMap::new(),
            noted: HashMap::new(),
        }
    }

    /// Notes `object` as it is now, in place of what was noted of it before.
    pub(crate) fn apply<K: Resource>(&mut self, object: &K) {
        let meta = object.meta();
        let (Some(namespace), Some(name)) = (meta.namespace.as_deref(), meta.name.as_deref())
        else {
            return;
        };
        self.remove_named(namespace, name);
        let indexed: Vec<Label> = meta
            .labels
            .iter()
            .flatten()
            .filter(|(key, _)| self.keys.contains(&key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if indexed.is_empty() {
            return;
        }
        let by_label = self.by_label.entry(namespace.to_owned()).or_default();
        for label in &indexed {
            by_label
                .entry(label.clone())
                .or_default()
                .insert(name.to_owned());
        }
        self.noted
            .entry(namespace.to_owned())
            .or_default()
            .insert(name.to_owned(), indexed);
    }

    /// Forgets `object`.
    pub(crate) fn remove<K: Resource>(&mut self, object: &K) {
        let meta = object.meta();
        if let (Some(namespace), Some(name)) = (meta.namespace.as_deref(), meta.name.as_deref()) {
            self.remove_named(namespace, name);
        }
    }

    fn remove_named(&mut self, namespace: &str, name: &str) {
        let Some(indexed) = self
            .noted
            .get_mut(namespace)
            .and_then(|named| named.remove(name))
        else {
            return;
        };
        let Some(by_label) = self.by_label.get_mut(namespace) else {
            return;
        };
        for label in indexed {
            if let Some(names) = by_label.get_mut(&label) {
                names.remove(name);
                if names.is_empty() {
                    by_label.remove(&label);
                }
            }
        }
    }

    /// Notes exactly `objects`, forgetting all else: after a watch has listed again.
    pub(crate) fn rebuild<K: Resource>(&mut self, objects: impl IntoIterator<Item = Arc<K>>) {
        *self = LabelIndex::new(self.keys);
        for object in objects {
            self.apply(&*object);
        }
    }

    /// The names of the objects in `namespace` that may carry every label of `selector`:
    /// those with its rarest indexed label. `None` when it has no indexed label.
    pub(crate) fn candidates(&self, namespace: &str, selector: &[Label]) -> Option<Vec<String>> {
        let by_label = self.by_label.get(namespace);
        selector
            .iter()
            .filter(|(key, _)| self.keys.contains(&key.as_str()))
            .map(|label| by_label.and_then(|b| b.get(label)))
            .min_by_key(|names| names.map_or(0, BTreeSet::len))
            .map(|names| names.into_iter().flatten().cloned().collect())
    }
}

/// A reflector's store and the label index kept beside it by the same watch.
pub(crate) struct Indexed<K: Resource<DynamicType = ()> + Clone + 'static> {
    store: Store<K>,
    index: Arc<Mutex<LabelIndex>>,
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Indexed<K> {
    pub(crate) fn new(store: Store<K>, index: Arc<Mutex<LabelIndex>>) -> Self {
        Indexed { store, index }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Store<K> {
        &self.store
    }

    /// The cached objects in `namespace` that `selector` (`key=value,...`) picks: found
    /// through the index when the selector has an indexed label, else by reading them all.
    pub(crate) fn select(&self, namespace: &str, selector: &str) -> Vec<Arc<K>> {
        let wanted = labels(selector);
        let holds = |object: &Arc<K>| {
            let meta = object.meta();
            meta.namespace.as_deref() == Some(namespace)
                && wanted.iter().all(|(k, v)| {
                    meta.labels
                        .as_ref()
                        .and_then(|l| l.get(k))
                        .is_some_and(|l| l == v)
                })
        };
        let candidates = lock(&self.index).candidates(namespace, &wanted);
        match candidates {
            Some(names) => names
                .into_iter()
                .filter_map(|name| self.store.get(&ObjectRef::new(&name).within(namespace)))
                .filter(holds)
                .collect(),
            None => self.store.state().into_iter().filter(holds).collect(),
        }
    }
}

/// The index, even if a holder panicked: every update leaves it whole.
pub(crate) fn lock(index: &Mutex<LabelIndex>) -> MutexGuard<'_, LabelIndex> {
    index.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use kube::ResourceExt;
    use kube::runtime::reflector::store;
    use kube::runtime::watcher::Event;

    /// A pod `name` in `namespace` with `labels`.
    fn pod(namespace: &str, name: &str, labels: &[(&str, &str)]) -> Pod {
        let mut pod = crate::cache::tests::pod(name, labels);
        pod.metadata.namespace = Some(namespace.to_owned());
        pod
    }

    /// A store and its index holding `pods`, `p` the one key indexed.
    fn cached(pods: &[Pod]) -> Indexed<Pod> {
        let (reader, mut writer) = store::<Pod>();
        let mut index = LabelIndex::new(&["p"]);
        writer.apply_watcher_event(&Event::Init);
        for pod in pods {
            writer.apply_watcher_event(&Event::InitApply(pod.clone()));
        }
        writer.apply_watcher_event(&Event::InitDone);
        index.rebuild(reader.state());
        Indexed::new(reader, Arc::new(Mutex::new(index)))
    }

    fn names(pods: Vec<Arc<Pod>>) -> Vec<String> {
        let mut names: Vec<String> = pods.iter().map(|p| p.name_any()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_selector_picks_exactly_the_objects_carrying_all_its_labels() {
        let cache = cached(&[
            pod("ns", "a", &[("p", "x"), ("v", "in")]),
            pod("ns", "b", &[("p", "x"), ("v", "out")]),
            pod("ns", "c", &[("p", "y"), ("v", "in")]),
            pod("other", "d", &[("p", "x"), ("v", "in")]),
        ]);
        assert_eq!(names(cache.select("ns", "p=x,v=in")), ["a"]);
        assert_eq!(names(cache.select("ns", "p=x")), ["a", "b"]);
        assert_eq!(names(cache.select("other", "p=x,v=in")), ["d"]);
        assert!(cache.select("ns", "p=z").is_empty());
        assert!(cache.select("nowhere", "p=x").is_empty());
        // No indexed key: every object is read.
        assert_eq!(names(cache.select("ns", "v=in")), ["a", "c"]);
    }

    #[test]
    fn a_changed_or_removed_object_leaves_no_stale_entry() {
        let mut index = LabelIndex::new(&["p"]);
        let x = labels("p=x");
        index.apply(&pod("ns", "a", &[("p", "x"), ("v", "in")]));
        assert_eq!(index.candidates("ns", &x), Some(vec!["a".to_owned()]));
        assert_eq!(index.candidates("ns", &labels("v=in")), None, "not indexed");
        index.apply(&pod("ns", "a", &[("p", "y")]));
        assert_eq!(index.candidates("ns", &x), Some(vec![]), "relabelled");
        index.remove(&pod("ns", "a", &[]));
        assert_eq!(index.candidates("ns", &labels("p=y")), Some(vec![]));
        assert!(
            index.by_label.values().all(HashMap::is_empty),
            "no empty sets kept"
        );

        index.apply(&pod("ns", "b", &[("p", "x")]));
        index.rebuild([Arc::new(pod("ns", "c", &[("p", "x")]))]);
        assert_eq!(
            index.candidates("ns", &x),
            Some(vec!["c".to_owned()]),
            "a listing replaces all"
        );
    }
}
