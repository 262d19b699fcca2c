//! Work on many items across threads, results consumed in input order on the calling thread,
//! so reports stay deterministic while files are linted in parallel.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Runs `work` on every item using up to `threads` threads and passes the results to
/// `consume` in the order of `items`. Results that finish early wait in a small buffer.
pub fn for_each_ordered<T, R>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R),
) where
    T: Sync,
    R: Send,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        items.iter().map(&work).for_each(consume);
        return;
    }
    // Workers take items in small batches, so a thread switch or a channel message is paid
    // once per batch rather than once per file, while batches stay small enough to balance.
    let batch = (items.len() / (threads * 8)).clamp(1, 32);
    let next = AtomicUsize::new(0);
    // A bounded channel keeps workers from running far ahead of the consumer.
    let (sender, receiver) = mpsc::sync_channel::<(usize, Vec<R>)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let sender = sender.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || {
                loop {
                    let start = next.fetch_add(batch, Ordering::Relaxed);
                    let Some(chunk) = items.get(start..(start + batch).min(items.len())) else {
                        break;
                    };
                    if chunk.is_empty()
                        || sender
                            .send((start, chunk.iter().map(work).collect()))
                            .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut pending = BTreeMap::new();
        let mut expected = 0;
        for (start, results) in receiver {
            pending.insert(start, results);
            while let Some(results) = pending.remove(&expected) {
                expected += results.len();
                results.into_iter().for_each(&mut consume);
            }
        }
    });
}

/// The number of threads to use: the machine's parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        for_each_ordered(
            &items,
            4,
            |&i| {
                // Make later items finish first now and then.
                if i % 7 == 0 {
                    std::thread::yield_now();
                }
                i * 2
            },
            |r| seen.push(r),
        );
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_items_is_fine() {
        let mut count = 0;
        for_each_ordered(&[] as &[u8], 4, |_| 1, |_| count += 1);
        assert_eq!(count, 0);
    }
}
