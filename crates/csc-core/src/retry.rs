//! When to try a failed remote step again.
//!
//! Transient failures (network errors, timeouts, 5xx, 429) are retried with capped exponential
//! backoff and *full jitter*: the n-th wait is drawn uniformly from `0..=min(cap, base · 2ⁿ)`,
//! which spreads the retries of many clients instead of synchronizing them. A server's
//! Retry-After is a floor: the wait is never shorter than what the server asked for — but a
//! server asking for more than [`MAX_RETRY_AFTER_MS`] is not waited for within the sync (a
//! Retry-After of years, or a bad date, would hold the share busy for ever): the step fails
//! now, as transient, and the next sync tries again. After `max_attempts` the step is
//! reported as failed and the sync goes on with other items.
//!
//! The randomness is injected: a [`Jitter`] is a small deterministic generator seeded by the
//! caller, so the same seed gives the same schedule (the simulation replays failures exactly)
//! and the core never draws randomness of its own.

/// The longest Retry-After a sync waits out (10 minutes); longer, the step gives up at once.
pub const MAX_RETRY_AFTER_MS: u64 = 10 * 60 * 1000;

/// The backoff policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait's upper bound, in milliseconds.
    pub base_ms: u64,
    /// No wait is drawn above this, in milliseconds (a Retry-After may still ask for more).
    pub cap_ms: u64,
    /// Attempts in all, the first one included; then the step fails.
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 0.5 s doubling to at most 30 s, five attempts: about a minute of trying in the worst
    /// case, short enough that one unreachable item does not hold up a sync for long.
    fn default() -> Self {
        Backoff {
            base_ms: 500,
            cap_ms: 30_000,
            max_attempts: 5,
        }
    }
}

impl Backoff {
    /// How long to wait before attempt `attempt + 1`, after `attempt` failed attempts
    /// (`attempt` ≥ 1); `None` when no attempt is left, or when the server's Retry-After
    /// (`retry_after_ms`, if it sent one) is longer than [`MAX_RETRY_AFTER_MS`].
    pub fn delay(
        self,
        attempt: u32,
        retry_after_ms: Option<u64>,
        jitter: &mut Jitter,
    ) -> Option<u64> {
        if attempt == 0 || attempt >= self.max_attempts {
            return None;
        }
        if retry_after_ms.is_some_and(|ms| ms > MAX_RETRY_AFTER_MS) {
            return None;
        }
        let exponent = (attempt - 1).min(63);
        let ceiling = self
            .base_ms
            .saturating_mul(1u64 << exponent)
            .min(self.cap_ms);
        let drawn = jitter.up_to(ceiling);
        Some(drawn.max(retry_after_ms.unwrap_or(0)))
    }
}

/// A small deterministic random source (SplitMix64) for jitter, seeded by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator from `seed`; the same seed gives the same draws.
    pub fn new(seed: u64) -> Self {
        Jitter { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value drawn uniformly from `0..=max`.
    pub fn up_to(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift maps 64 random bits onto the range without the bias of `%`.
        ((u128::from(self.next_u64()) * u128::from(max + 1)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn waits_grow_exponentially_up_to_the_cap_and_stop_after_the_last_attempt() {
        let policy = Backoff {
            base_ms: 100,
            cap_ms: 1_000,
            max_attempts: 6,
        };
        let mut jitter = Jitter::new(7);
        for (attempt, ceiling) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1_000)] {
            for _ in 0..200 {
                let wait = policy
                    .delay(attempt, None, &mut jitter)
                    .expect("attempts are left");
                assert!(wait <= ceiling, "attempt {attempt}: {wait} > {ceiling}");
            }
        }
        assert_eq!(policy.delay(6, None, &mut jitter), None);
        assert_eq!(policy.delay(0, None, &mut jitter), None);
    }

    #[test]
    fn jitter_spreads_waits_over_the_whole_range() {
        let policy = Backoff {
            base_ms: 1_000,
            cap_ms: 1_000,
            max_attempts: 2,
        };
        let mut jitter = Jitter::new(42);
        let waits: Vec<u64> = (0..1_000)
            .map(|_| policy.delay(1, None, &mut jitter).expect("one retry"))
            .collect();
        let low = waits.iter().filter(|&&w| w < 250).count();
        let high = waits.iter().filter(|&&w| w > 750).count();
        // Uniform: about a quarter each; far from all-equal waits that would synchronize clients.
        assert!((150..350).contains(&low), "{low} of 1000 below 250 ms");
        assert!((150..350).contains(&high), "{high} of 1000 above 750 ms");
    }

    #[test]
    fn a_retry_after_longer_than_ten_minutes_ends_the_retries_instead_of_holding_the_sync() {
        let policy = Backoff::default();
        let mut jitter = Jitter::new(3);
        assert_eq!(
            policy.delay(1, Some(MAX_RETRY_AFTER_MS), &mut jitter),
            Some(MAX_RETRY_AFTER_MS)
        );
        for huge in [MAX_RETRY_AFTER_MS + 1, 3_600_000, u64::MAX] {
            assert_eq!(policy.delay(1, Some(huge), &mut jitter), None, "{huge} ms");
        }
    }

    #[test]
    fn a_servers_retry_after_is_never_cut_short() {
        let policy = Backoff::default();
        let mut jitter = Jitter::new(1);
        for _ in 0..100 {
            let wait = policy
                .delay(1, Some(120_000), &mut jitter)
                .expect("attempts are left");
            assert_eq!(wait, 120_000, "Retry-After above the cap is honoured");
        }
        assert!(policy.delay(1, Some(5), &mut jitter).is_some());
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let policy = Backoff::default();
        let draw = |seed| {
            let mut jitter = Jitter::new(seed);
            (1..5)
                .map(|a| policy.delay(a, None, &mut jitter))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }

    #[test]
    fn huge_policies_do_not_overflow() {
        let policy = Backoff {
            base_ms: u64::MAX / 2,
            cap_ms: u64::MAX,
            max_attempts: u32::MAX,
        };
        let mut jitter = Jitter::new(3);
        assert!(policy.delay(200, None, &mut jitter).is_some());
        // The full range is drawn from, not clamped to one value.
        assert_ne!(jitter.up_to(u64::MAX), jitter.up_to(u64::MAX));
        assert_eq!(jitter.up_to(0), 0);
    }
}
