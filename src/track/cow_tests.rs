use std::collections::VecDeque;

use super::*;

/// A small deterministic generator, so a failure replays.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

impl<K: Hash + Eq + Clone, V: Clone> CowMap<K, V> {
    /// Entries over every place, stale ones included.
    fn entries(&self) -> usize {
        self.young.len() + self.layers.iter().map(|layer| layer.len()).sum::<usize>()
    }
}

fn assert_same(map: &CowMap<u32, u64>, model: &FxHashMap<u32, u64>, keys: u32) {
    assert_eq!(map.len(), model.len());
    for key in 0..keys {
        assert_eq!(map.get(&key), model.get(&key), "key {key}");
    }
}

#[test]
fn a_map_answers_as_a_hash_map_whatever_the_freezes_and_copies() {
    const KEYS: u32 = 300;
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut map = CowMap::default();
    let mut model = FxHashMap::default();
    let mut copies = Vec::new();
    for step in 0..60_000u64 {
        let key = random.below(u64::from(KEYS)) as u32;
        match random.below(5) {
            0 => {
                map.insert(key, step);
                model.insert(key, step);
            }
            1 => assert_eq!(map.remove(&key), model.remove(&key)),
            2 => {
                if let Some(value) = map.get_mut(&key) {
                    *value += 1;
                }
                if let Some(value) = model.get_mut(&key) {
                    *value += 1;
                }
            }
            3 => {
                *map.get_or_insert_with(key, || step) += 7;
                *model.entry(key).or_insert(step) += 7;
            }
            _ => assert_eq!(map.get(&key), model.get(&key)),
        }
        if step % 37 == 0 {
            map.freeze();
        }
        if step % 1009 == 0 {
            copies.push((map.clone(), model.clone()));
        }
    }
    assert_same(&map, &model, KEYS);
    // Every copy still holds what it held when it was made.
    for (copy, model) in &copies {
        assert_same(copy, model, KEYS);
    }
}

fn charged(census: &mut Census, map: &CowMap<u32, u64>) -> usize {
    map.census(census, |_, _| {});
    census.next_copy()
}

#[test]
fn a_copy_made_after_a_freeze_is_charged_only_what_changed_since() {
    let mut map = CowMap::default();
    for key in 0..10_000u32 {
        map.insert(key, u64::from(key));
    }
    map.freeze();
    let copy = map.clone();
    let mut census = Census::default();
    assert!(charged(&mut census, &copy) >= 10_000 * size_of::<(u32, Option<u64>)>());
    // Unchanged, the map holds nothing its copy does not.
    assert_eq!(charged(&mut census, &map), 0);
    if let Some(value) = map.get_mut(&5) {
        *value = 0;
    }
    map.freeze();
    let changed = charged(&mut census, &map);
    assert!(changed > 0 && changed < 100, "{changed} bytes for one entry");
    assert_eq!((copy.get(&5), map.get(&5)), (Some(&5), Some(&0)));
}

#[test]
fn layers_stay_few_and_stale_entries_are_let_go() {
    let mut map = CowMap::default();
    let mut copies = Vec::new();
    // A table at its budget: each round a new key comes and the oldest goes, and a copy is
    // kept now and then, as the UI's checkpoints are.
    for key in 0..200_000u32 {
        map.insert(key, 0u64);
        if key >= 10_000 {
            map.remove(&(key - 10_000));
        }
        if key % 500 == 0 {
            map.freeze();
            assert!(map.layers.len() <= MAX_LAYERS, "{} layers", map.layers.len());
            assert!(map.entries() <= 2 * map.len() + MIN_STALE + 1_000, "{} entries", map.entries());
        }
        if key % 20_000 == 0 {
            copies.push(map.clone());
        }
    }
    assert_eq!(map.len(), 10_000);
    assert_eq!(copies.last().map(CowMap::len), Some(10_000));
}

#[test]
fn a_queue_gives_back_what_a_deque_would_whatever_the_copies() {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut queue = CowQueue::default();
    let mut model = VecDeque::new();
    let mut copies = Vec::new();
    for step in 0..50_000u64 {
        match random.below(7) {
            0..=2 => {
                queue.push_back(step);
                model.push_back(step);
            }
            3 | 4 => assert_eq!(queue.pop_front(), model.pop_front()),
            5 => assert_eq!(queue.front(), model.front()),
            _ if step % 97 == 0 => {
                queue.retain(|item| item % 3 != 0);
                model.retain(|item| item % 3 != 0);
            }
            _ => copies.push((queue.clone(), model.clone())),
        }
        assert_eq!(queue.len(), model.len());
    }
    for (copy, model) in copies.iter().step_by(50).chain([(queue, model)].iter()) {
        assert!(copy.iter().eq(model.iter()));
    }
}

#[test]
fn a_queue_copy_is_charged_only_the_chunk_a_push_copied() {
    let mut queue = CowQueue::default();
    for item in 0..1_000u32 {
        queue.push_back(item);
    }
    let copy = queue.clone();
    let mut census = Census::default();
    copy.census(&mut census);
    census.next_copy();
    queue.push_back(1_000);
    queue.census(&mut census);
    let list = queue.chunks.capacity() * size_of::<usize>();
    assert_eq!(census.next_copy(), CHUNK * size_of::<u32>() + list, "the last chunk, copied");
    assert_eq!((copy.len(), copy.iter().last()), (1_000, Some(&999)));
}
