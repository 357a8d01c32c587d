//! The bytes all CRYPTO and HTTP/3 streams of a capture hold while they wait for the rest of a
//! message or frame, counted together against one limit, [`MAX_BUFFERED`].

use super::MAX_BUFFERED;

/// The bytes the streams of all connections hold, and how many they may.
#[derive(Clone, Debug)]
pub(super) struct Budget {
    held: usize,
    limit: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { held: 0, limit: MAX_BUFFERED }
    }
}

impl Budget {
    /// Accounts for a stream that held `before` bytes and now holds `after`; false (and
    /// nothing accounted) when that would pass the limit.
    pub(super) fn moved(&mut self, before: usize, after: usize) -> bool {
        let held = self.held.saturating_sub(before) + after;
        if held > self.limit {
            self.held = self.held.saturating_sub(before);
            return false;
        }
        self.held = held;
        true
    }

    /// The bytes the streams hold now.
    pub(super) fn held(&self) -> usize {
        self.held
    }

    /// The note for a stream given up because of the limit.
    pub(super) fn note(&self, what: &str) -> String {
        format!(
            "QUIC streams already hold {} bytes waiting for data, of the {} rttscope keeps; {what} is no longer read",
            self.held, self.limit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_what_would_pass_its_limit_and_forgets_what_is_given_up() {
        let mut budget = Budget { held: 0, limit: 100 };
        assert!(budget.moved(0, 60), "a stream holds 60");
        assert!(budget.moved(0, 40), "another holds 40: at the limit");
        assert!(budget.moved(60, 10), "the first lets go of 50");
        assert_eq!(budget.held, 50);
        assert!(!budget.moved(10, 70), "the first would pass the limit");
        assert_eq!(budget.held, 40, "it is given up: its 10 are no longer held");
        assert!(
            budget
                .note("HTTP/3 stream 4")
                .ends_with("of the 100 rttscope keeps; HTTP/3 stream 4 is no longer read")
        );
        assert_eq!(Budget::default().limit, MAX_BUFFERED);
    }
}
