//! Group commit: one flush to disk for every writer waiting on it.
//!
//! A writer that needs its writes durable calls [`GroupSync::wait`]. If no
//! flush is running it becomes the leader and runs one; otherwise it waits
//! for the next flush to *start and finish*, because the one running may
//! have started before its writes. So under load each flush covers every
//! writer that arrived while the previous one ran.

use std::sync::{Condvar, Mutex};

#[derive(Default)]
struct State {
    /// Rounds started.
    started: u64,
    /// Rounds finished.
    done: u64,
    /// The last round that succeeded.
    ok: u64,
    running: bool,
    /// The error of the last failed round, for its waiters.
    last_error: Option<String>,
}

/// Coordinates flush rounds between threads.
#[derive(Default)]
pub struct GroupSync {
    state: Mutex<State>,
    cv: Condvar,
}

impl GroupSync {
    /// Returns once a flush that started after this call has finished,
    /// running it here if no other thread is. `flush` returns a message on
    /// failure.
    pub fn wait<F: FnMut() -> Result<(), String>>(&self, mut flush: F) -> Result<(), String> {
        let mut s = self.state.lock().expect("sync lock");
        let need = s.started + 1;
        loop {
            if s.done >= need {
                return if s.ok >= need {
                    Ok(())
                } else {
                    Err(s
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "flush failed".into()))
                };
            }
            if s.running {
                s = self.cv.wait(s).expect("sync lock");
                continue;
            }
            s.running = true;
            s.started += 1;
            let round = s.started;
            drop(s);
            let result = flush();
            s = self.state.lock().expect("sync lock");
            s.running = false;
            s.done = round;
            match result {
                Ok(()) => s.ok = round,
                Err(e) => s.last_error = Some(e),
            }
            self.cv.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn concurrent_waiters_share_flushes_and_each_sees_a_later_flush() {
        let sync = Arc::new(GroupSync::default());
        let flushes = Arc::new(AtomicU64::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let durable = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (sync, flushes, written, durable) = (
                    sync.clone(),
                    flushes.clone(),
                    written.clone(),
                    durable.clone(),
                );
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let mine = written.fetch_add(1, Ordering::SeqCst) + 1;
                        sync.wait(|| {
                            let upto = written.load(Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_micros(300));
                            durable.fetch_max(upto, Ordering::SeqCst);
                            flushes.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .unwrap();
                        // The flush that covered us saw our write.
                        assert!(durable.load(Ordering::SeqCst) >= mine);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let n = flushes.load(Ordering::SeqCst);
        assert!(n < 800, "{n} flushes for 800 writes: no grouping");
    }

    #[test]
    fn a_failed_flush_is_reported_to_its_waiters() {
        let sync = GroupSync::default();
        assert_eq!(
            sync.wait(|| Err("disk full".into())),
            Err("disk full".into())
        );
        assert_eq!(sync.wait(|| Ok(())), Ok(()));
    }
}
