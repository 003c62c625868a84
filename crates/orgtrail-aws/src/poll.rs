//! Polling for eventual consistency: S3, Organizations and CloudTrail may answer a read right
//! after a write with the state from before it, so "not yet" is only an answer once a budget
//! has passed.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long to wait between reads: `first`, doubling up to `max`, within `budget` in all.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub budget: Duration,
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// 0.5 s doubling to 8 s within `budget`.
    pub fn within(budget: Duration) -> Backoff {
        Backoff {
            budget,
            first: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

/// Read until `done` holds for the value read, or the budget would be exceeded by the next
/// wait. Returns the last value and whether it was done; `on_wait` is told each wait. A read
/// error ends the polling at once.
pub async fn poll_until<T, E, Fut>(
    backoff: Backoff,
    mut read: impl FnMut() -> Fut,
    done: impl Fn(&T) -> bool,
    mut on_wait: impl FnMut(Duration),
) -> Result<(T, bool), E>
where
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut wait = backoff.first;
    loop {
        let value = read().await?;
        if done(&value) {
            return Ok((value, true));
        }
        if start.elapsed() + wait > backoff.budget {
            return Ok((value, false));
        }
        on_wait(wait);
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(backoff.max);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn fast(budget_ms: u64) -> Backoff {
        Backoff {
            budget: Duration::from_millis(budget_ms),
            first: Duration::from_millis(1),
            max: Duration::from_millis(4),
        }
    }

    /// A read that shows the applied state only on its third try still converges; one that
    /// never does gives up once the budget is spent, with the last state read.
    #[tokio::test]
    async fn polls_until_the_state_shows_or_the_budget_is_spent() {
        let reads = Cell::new(0);
        let read = || {
            reads.set(reads.get() + 1);
            let n = reads.get();
            async move { Ok::<_, ()>(n) }
        };
        let (n, done) = poll_until(fast(1000), read, |n| *n >= 3, |_| {})
            .await
            .unwrap();
        assert_eq!((n, done), (3, true));

        let waits = Cell::new(0);
        let (_, done) = poll_until(
            fast(30),
            || async { Ok::<_, ()>(0) },
            |_| false,
            |_| {
                waits.set(waits.get() + 1);
            },
        )
        .await
        .unwrap();
        assert!(!done);
        assert!(waits.get() >= 2, "waited {} times", waits.get());
    }

    #[tokio::test]
    async fn a_read_error_ends_polling_at_once() {
        let reads = Cell::new(0);
        let r: Result<(u8, bool), &str> = poll_until(
            fast(1000),
            || {
                reads.set(reads.get() + 1);
                async { Err("denied") }
            },
            |_| false,
            |_| {},
        )
        .await;
        assert_eq!(r, Err("denied"));
        assert_eq!(reads.get(), 1);
    }
}
