//! A hash map, a queue and a vector whose copies share what none of them has changed since,
//! so that a copy of the tracker for the UI's checkpoints (`tui/checkpoint.rs`) costs what
//! changed since the last copy rather than every conversation the capture has had.
//!
//! A [`CowMap`] keeps the entries written since it was last frozen in a map of its own (the
//! young map), and the rest in layers behind `Arc`s, oldest first. A key's entry is the one in
//! the newest place that has it; a key removed while a layer still holds it gets a marker
//! (`None`) instead. [`CowMap::freeze`] turns the young map into a layer, so a copy made just
//! after it shares every entry; an entry in a layer no copy shares is changed where it is,
//! one in a shared layer is first copied into the young map. The invariants: `live` counts
//! the keys whose newest entry is a value; a layer is never changed while another map shares
//! it. Layers are merged while the newer is about as large as the older (up to
//! `MAX_MERGED` entries, so the old ones stay shared), and all are rebuilt into one when
//! stale entries (shadowed ones and markers) pass a quarter of the live ones or there are
//! more than `MAX_LAYERS` layers, so lookups and memory stay bounded. A map that is never
//! frozen is a plain hash map: `rttscope dissect` pays nothing.
//!
//! A [`CowQueue`] and a [`CowVec`] keep their items in chunks behind `Arc`s: a copy shares
//! every chunk, and a change copies only the chunk it touches, if a copy shares it.
//!
//! What a copy adds to the copy before it is what that one did not hold: a [`Census`] counts
//! it, from the addresses of the parts each holds.

use std::collections::VecDeque;
use std::hash::Hash;
use std::mem::size_of;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

/// Layers merged into one hold at most this many entries: larger ones stay as they are, shared
/// by every copy made since.
const MAX_MERGED: usize = 1 << 15;
/// More layers than this are rebuilt into one, so a lookup looks into a bounded number.
const MAX_LAYERS: usize = 24;
/// Stale entries below this many never make a rebuild worth it; above it, a quarter of the
/// live ones do (the memory a stale entry keeps is at most a quarter more).
const MIN_STALE: usize = 4096;
/// Items in one chunk of a [`CowQueue`].
const CHUNK: usize = 64;

type Layer<K, V> = FxHashMap<K, Option<V>>;

/// A hash map whose copies share their entries until one of them changes one.
#[derive(Clone, Debug)]
pub struct CowMap<K, V> {
    young: Layer<K, V>,
    layers: Vec<Arc<Layer<K, V>>>,
    live: usize,
}

impl<K, V> Default for CowMap<K, V> {
    fn default() -> Self {
        Self { young: Layer::default(), layers: Vec::new(), live: 0 }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> CowMap<K, V> {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The newest entry of `key` in the layers.
    fn in_layers(&self, key: &K) -> Option<&Option<V>> {
        self.layers.iter().rev().find_map(|layer| layer.get(key))
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        match self.young.get(key) {
            Some(entry) => entry.as_ref(),
            None => self.in_layers(key)?.as_ref(),
        }
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Which layer holds the newest entry of `key`, when the young map does not.
    fn newest_layer(&self, key: &K) -> Option<usize> {
        self.layers.iter().rposition(|layer| layer.contains_key(key))
    }

    /// Whether a layer older than the one at `at` holds an entry of `key`.
    fn older_than(&self, at: usize, key: &K) -> bool {
        self.layers[..at].iter().any(|layer| layer.contains_key(key))
    }

    /// The value of `key`, to change it: changed where it is when no copy shares its layer,
    /// copied into the young map first otherwise.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.layers.is_empty() || self.young.contains_key(key) {
            return self.young.get_mut(key)?.as_mut();
        }
        let at = self.newest_layer(key)?;
        if Arc::get_mut(&mut self.layers[at]).is_none() {
            let value = self.layers[at].get(key)?.as_ref()?.clone();
            return self.young.entry(key.clone()).or_insert(Some(value)).as_mut();
        }
        Arc::get_mut(&mut self.layers[at])?.get_mut(key)?.as_mut()
    }

    /// The value of `key`, made by `make` if there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.layers.is_empty()
            && !self.young.contains_key(&key)
            && let Some(at) = self.newest_layer(&key)
        {
            // The newest entry comes into the young map: moved out of a layer no copy shares
            // (a marker left in its place if an older layer holds the key), copied otherwise.
            let older = self.older_than(at, &key);
            let entry = match Arc::get_mut(&mut self.layers[at]) {
                Some(layer) if older => layer.get_mut(&key).map(Option::take),
                Some(layer) => layer.remove(&key),
                None => self.layers[at].get(&key).cloned(),
            };
            if let Some(entry) = entry {
                self.young.insert(key.clone(), entry);
            }
        }
        let entry = self.young.entry(key).or_insert(None);
        if entry.is_none() {
            self.live += 1;
        }
        entry.get_or_insert_with(make)
    }

    /// Sets the value of `key`, replacing any it had: where it is when no copy shares its
    /// layer, in the young map otherwise.
    pub fn insert(&mut self, key: K, value: V) {
        if !self.layers.is_empty()
            && !self.young.contains_key(&key)
            && let Some(at) = self.newest_layer(&key)
        {
            let was_live = self.layers[at].get(&key).is_some_and(Option::is_some);
            self.live += usize::from(!was_live);
            match Arc::get_mut(&mut self.layers[at]).and_then(|layer| layer.get_mut(&key)) {
                Some(entry) => *entry = Some(value),
                None => _ = self.young.insert(key, Some(value)),
            }
            return;
        }
        if !matches!(self.young.insert(key, Some(value)), Some(Some(_))) {
            self.live += 1;
        }
    }

    /// Removes the value of `key`, and returns it.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let value = if self.layers.is_empty() || self.young.contains_key(key) {
            let value = self.young.get_mut(key)?.take()?;
            // A marker is needed only while a layer holds the key.
            if self.newest_layer(key).is_none() {
                self.young.remove(key);
            }
            value
        } else {
            let at = self.newest_layer(key)?;
            let older = self.older_than(at, key);
            match Arc::get_mut(&mut self.layers[at]) {
                Some(layer) if older => layer.get_mut(key)?.take()?,
                Some(layer) => layer.remove(key)??,
                None => {
                    let value = self.layers[at].get(key)?.as_ref()?.clone();
                    self.young.insert(key.clone(), None);
                    value
                }
            }
        };
        self.live -= 1;
        Some(value)
    }

    /// Makes the young entries a layer, so that a copy made now shares every entry.
    pub fn freeze(&mut self) {
        if self.young.is_empty() {
            return;
        }
        self.layers.push(Arc::new(std::mem::take(&mut self.young)));
        while let [.., older, newer] = self.layers.as_slice()
            && older.len() <= 2 * newer.len()
            && older.len() + newer.len() <= MAX_MERGED
        {
            let Some(newer) = self.layers.pop() else { break };
            let first = self.layers.len() == 1;
            let Some(older) = self.layers.last_mut() else { break };
            let merged = Arc::make_mut(older);
            match Arc::try_unwrap(newer) {
                Ok(newer) => merged.extend(newer),
                Err(newer) => merged.extend(newer.iter().map(|(key, entry)| (key.clone(), entry.clone()))),
            }
            // Nothing is older than the first layer: its markers mark nothing.
            if first {
                merged.retain(|_, entry| entry.is_some());
            }
        }
        let entries: usize = self.layers.iter().map(|layer| layer.len()).sum();
        if self.layers.len() > MAX_LAYERS || entries - self.live > (self.live / 4).max(MIN_STALE) {
            self.rebuild();
        }
    }

    /// Puts the newest entry of each live key into one layer.
    fn rebuild(&mut self) {
        let mut all = Layer::with_capacity_and_hasher(self.live, Default::default());
        for layer in self.layers.iter().rev() {
            for (key, entry) in layer.iter() {
                if !all.contains_key(key) {
                    all.insert(key.clone(), entry.clone());
                }
            }
        }
        all.retain(|_, entry| entry.is_some());
        self.layers.clear();
        if !all.is_empty() {
            self.layers.push(Arc::new(all));
        }
    }

    /// Counts the map's parts into `census`, and with `value` what the values of the parts
    /// the copy before did not hold hold behind pointers of their own.
    pub fn census(&self, census: &mut Census, mut value: impl FnMut(&V, &mut Census)) {
        let entry = size_of::<(K, Option<V>)>() + 1;
        census.own(self.young.capacity() * entry);
        self.young.values().flatten().for_each(|v| value(v, census));
        for layer in &self.layers {
            if census.part(Arc::as_ptr(layer).cast(), layer.capacity() * entry) {
                layer.values().flatten().for_each(|v| value(v, census));
            }
        }
    }
}

#[cfg(test)]
impl<K: Hash + Eq + Clone, V: Clone> CowMap<K, V> {
    /// The live values, in no order.
    pub fn values(&self) -> Vec<&V> {
        let mut seen = rustc_hash::FxHashSet::default();
        let places = std::iter::once(&self.young).chain(self.layers.iter().rev().map(|layer| &**layer));
        places
            .flat_map(|place| place.iter())
            .filter(|(key, _)| seen.insert(*key))
            .filter_map(|(_, entry)| entry.as_ref())
            .collect()
    }
}

#[cfg(test)]
impl<K: Hash + Eq + Clone, V: Clone> std::ops::Index<&K> for CowMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no such key")
    }
}

/// A queue whose copies share their items until one of them pushes onto the chunk they share.
#[derive(Clone, Debug)]
pub struct CowQueue<T> {
    chunks: VecDeque<Arc<Vec<T>>>,
    /// Items of the first chunk already taken.
    head: usize,
    len: usize,
}

impl<T> Default for CowQueue<T> {
    fn default() -> Self {
        Self { chunks: VecDeque::new(), head: 0, len: 0 }
    }
}

impl<T: Clone> CowQueue<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push_back(&mut self, item: T) {
        if let Some(chunk) = push_onto(self.chunks.back_mut(), item) {
            self.chunks.push_back(chunk);
        }
        self.len += 1;
    }

    pub fn front(&self) -> Option<&T> {
        self.chunks.front()?.get(self.head)
    }

    pub fn pop_front(&mut self) -> Option<T> {
        let first = self.chunks.front()?;
        let item = first.get(self.head)?.clone();
        self.head += 1;
        if self.head == first.len() {
            self.chunks.pop_front();
            self.head = 0;
        }
        self.len -= 1;
        Some(item)
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|chunk| chunk.iter()).skip(self.head)
    }

    /// Keeps the items for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let kept: Vec<T> = self.iter().filter(|item| keep(item)).cloned().collect();
        *self = Self::default();
        for item in kept {
            self.push_back(item);
        }
    }

    /// Room for items, counting whole chunks.
    pub fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// Counts the queue's chunks into `census`.
    pub fn census(&self, census: &mut Census) {
        census.own(self.chunks.capacity() * size_of::<usize>());
        for chunk in &self.chunks {
            census.part(Arc::as_ptr(chunk).cast(), CHUNK * size_of::<T>());
        }
    }
}

/// A vector whose copies share their items until one of them changes the chunk an item is in.
#[derive(Clone, Debug)]
pub struct CowVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for CowVec<T> {
    fn default() -> Self {
        Self { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone> CowVec<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The item at `index`, to change it: its chunk is copied first if a copy shares it.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        Arc::make_mut(self.chunks.get_mut(index / CHUNK)?).get_mut(index % CHUNK)
    }

    pub fn push(&mut self, item: T) {
        if let Some(chunk) = push_onto(self.chunks.last_mut(), item) {
            self.chunks.push(chunk);
        }
        self.len += 1;
    }

    /// Grows to `len` items, each new one made by `make`.
    pub fn resize_with(&mut self, len: usize, mut make: impl FnMut() -> T) {
        while self.len < len {
            self.push(make());
        }
    }

    /// Room for items, counting whole chunks.
    pub fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// Counts the vector's chunks into `census`, and with `item` what the items of the
    /// chunks the copy before did not hold hold behind pointers of their own.
    pub fn census(&self, census: &mut Census, mut item: impl FnMut(&T, &mut Census)) {
        census.own(self.chunks.capacity() * size_of::<usize>());
        for chunk in &self.chunks {
            if census.part(Arc::as_ptr(chunk).cast(), CHUNK * size_of::<T>()) {
                chunk.iter().for_each(|each| item(each, census));
            }
        }
    }
}

/// Pushes `item` onto the `last` chunk when it has room (copying the chunk first if a copy
/// shares it), or returns a new chunk holding it.
fn push_onto<T: Clone>(last: Option<&mut Arc<Vec<T>>>, item: T) -> Option<Arc<Vec<T>>> {
    match last {
        Some(last) if last.len() < CHUNK => {
            Arc::make_mut(last).push(item);
            None
        }
        _ => {
            let mut chunk = Vec::with_capacity(CHUNK);
            chunk.push(item);
            Some(Arc::new(chunk))
        }
    }
}

/// What a run of copies of the tracker hold between them, counted copy after copy in the
/// order they were made: each copy is charged what it holds that the copy before did not
/// hold, each shared part (a layer, a chunk, a state behind a pointer) counted by its address.
/// A part that one copy and a later one hold was held by every copy between them (the walk
/// that made them held it all along), so the charges add up to what the run holds.
#[derive(Default)]
pub struct Census {
    before: FxHashSet<usize>,
    now: FxHashSet<usize>,
    bytes: usize,
}

impl Census {
    /// Counts `bytes` for the part at `address` unless the copy before held it, and says
    /// whether it is new (so what it holds is to be counted too).
    pub fn part(&mut self, address: *const (), bytes: usize) -> bool {
        let address = address as usize;
        self.now.insert(address);
        let new = !self.before.contains(&address);
        if new {
            self.bytes += bytes;
        }
        new
    }

    /// Counts `bytes` that a copy never shares.
    pub fn own(&mut self, bytes: usize) {
        self.bytes += bytes;
    }

    /// What the copy just counted is charged; the next is counted against it.
    pub fn next_copy(&mut self) -> usize {
        self.before = std::mem::take(&mut self.now);
        std::mem::take(&mut self.bytes)
    }
}

#[cfg(test)]
impl<T: Clone> std::ops::Index<usize> for CowVec<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        self.get(index).expect("index in range")
    }
}

#[cfg(test)]
#[path = "cow_tests.rs"]
mod tests;
