//! A precise timer for the paced bodies. tokio's timer works in whole
//! milliseconds and wakes a sleep 0 to 2 ms after its deadline
//! (`benches/serve.sh` measured it); a mock that promises a chunk every
//! 20 ms must do better. One thread per server sleeps until the next
//! deadline with the operating system's own timer (on Linux, to about
//! 50 µs) and wakes the streams that are due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::Waker;
use std::thread::{self, Thread};
use std::time::Instant;

/// Wakes tasks at given times. Its thread ends when the last handle is
/// dropped.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    due: Mutex<Queue>,
    thread: Thread,
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Alarm>>,
    /// Gives each alarm its place among those of the same time.
    next: u64,
}

struct Alarm {
    at: Instant,
    order: u64,
    waker: Waker,
}

impl PartialEq for Alarm {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}

impl Eq for Alarm {}

impl PartialOrd for Alarm {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Alarm {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

impl Clock {
    /// A clock with its own thread.
    pub fn start() -> std::io::Result<Clock> {
        let (sender, receiver) = std::sync::mpsc::channel::<Weak<Inner>>();
        let thread = thread::Builder::new()
            .name("ssecat-clock".to_owned())
            .spawn(move || {
                if let Ok(inner) = receiver.recv() {
                    ring(&inner);
                }
            })?;
        let inner = Arc::new(Inner {
            due: Mutex::default(),
            thread: thread.thread().clone(),
        });
        // The thread holds the clock weakly: it ends with the last handle.
        let _ = sender.send(Arc::downgrade(&inner));
        Ok(Clock { inner })
    }

    /// Wakes `waker` at `at` (at once when `at` has passed).
    pub fn wake_at(&self, at: Instant, waker: Waker) {
        let mut queue = self.inner.lock();
        let earliest = queue.heap.peek().map(|Reverse(alarm)| alarm.at);
        let order = queue.next;
        queue.next += 1;
        queue.heap.push(Reverse(Alarm { at, order, waker }));
        drop(queue);
        // The thread sleeps until the earliest alarm: an earlier one must
        // wake it to sleep again, shorter.
        if earliest.is_none_or(|earliest| at < earliest) {
            self.inner.thread.unpark();
        }
    }
}

/// A future that is ready at its time, woken by the clock.
pub struct Until {
    clock: Clock,
    at: Instant,
    asked: bool,
}

impl Clock {
    /// Waits until `at`: at once when it has passed.
    pub fn until(&self, at: Instant) -> Until {
        Until {
            clock: self.clone(),
            at,
            asked: false,
        }
    }
}

impl std::future::Future for Until {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if Instant::now() >= self.at {
            return std::task::Poll::Ready(());
        }
        if !self.asked {
            self.asked = true;
            self.clock.wake_at(self.at, cx.waker().clone());
        }
        std::task::Poll::Pending
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // An alarm is a time and a waker: a panic elsewhere leaves them whole.
        self.due.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.thread.unpark();
    }
}

/// The clock's thread: wakes what is due, then sleeps until the next
/// alarm, until the clock is gone.
fn ring(inner: &Weak<Inner>) {
    loop {
        let Some(clock) = inner.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut due = Vec::new();
        let next = {
            let mut queue = clock.lock();
            while queue
                .heap
                .peek()
                .is_some_and(|Reverse(alarm)| alarm.at <= now)
            {
                if let Some(Reverse(alarm)) = queue.heap.pop() {
                    due.push(alarm.waker);
                }
            }
            queue.heap.peek().map(|Reverse(alarm)| alarm.at)
        };
        drop(clock);
        // Woken outside the lock: a woken task may set its next alarm at once.
        due.into_iter().for_each(Waker::wake);
        match next {
            Some(at) => thread::park_timeout(at.saturating_duration_since(Instant::now())),
            None => thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::time::Duration;

    use super::*;

    /// Counts its wakes and when the last one came.
    struct Counted(AtomicUsize, Mutex<Option<Instant>>);

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {
            *self.1.lock().unwrap() = Some(Instant::now());
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn wait_for(counted: &Counted, wakes: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while counted.0.load(Ordering::SeqCst) < wakes {
            assert!(Instant::now() < deadline, "no wake");
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn each_alarm_rings_once_and_never_early() {
        let clock = Clock::start().unwrap();
        let counted = Arc::new(Counted(AtomicUsize::new(0), Mutex::new(None)));
        let start = Instant::now();
        let late = start + Duration::from_millis(30);
        clock.wake_at(late, Waker::from(Arc::clone(&counted)));
        // An earlier alarm set after a later one still rings first.
        let early = Arc::new(Counted(AtomicUsize::new(0), Mutex::new(None)));
        clock.wake_at(
            start + Duration::from_millis(10),
            Waker::from(Arc::clone(&early)),
        );
        wait_for(&early, 1);
        wait_for(&counted, 1);
        assert!(early.1.lock().unwrap().unwrap() >= start + Duration::from_millis(10));
        assert!(counted.1.lock().unwrap().unwrap() >= late);
        assert!(early.1.lock().unwrap().unwrap() <= counted.1.lock().unwrap().unwrap());
        // A time already past rings at once.
        clock.wake_at(start, Waker::from(Arc::clone(&counted)));
        wait_for(&counted, 2);
        thread::sleep(Duration::from_millis(5));
        assert_eq!(counted.0.load(Ordering::SeqCst), 2, "each alarm rings once");
    }
}
