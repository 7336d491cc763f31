//! The simulated analyzer's clock. A real analyzer stamps its results with its own clock, in the
//! local time it was set to (E1394 H-14 and R-13, HL7 MSH-7, OBR-7 and OBX-14 carry no zone); the
//! simulator does the same, reading the clock when it builds each message. The clock is injected
//! so tests can make it exact.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Where the simulator's time comes from, and the zone its clock shows.
#[derive(Debug, Clone)]
pub struct SimClock {
    zone: TimeZone,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// The machine's clock.
    System,
    /// `start` at `since`, running on with tokio's clock (which a test may pause and advance).
    Running {
        start: Timestamp,
        since: tokio::time::Instant,
    },
}

impl SimClock {
    /// The machine's clock, shown in `zone` (an analyzer whose clock is set to the lab's time).
    pub fn system(zone: TimeZone) -> Self {
        Self {
            zone,
            source: Source::System,
        }
    }

    /// A clock that shows `start` now and runs on with tokio's clock, so under a paused tokio
    /// clock every stamp is exactly known.
    pub fn starting_at(start: Timestamp, zone: TimeZone) -> Self {
        Self {
            zone,
            source: Source::Running {
                start,
                since: tokio::time::Instant::now(),
            },
        }
    }

    /// The instant the clock shows now.
    pub fn instant(&self) -> Timestamp {
        match &self.source {
            Source::System => Timestamp::now(),
            Source::Running { start, since } => {
                let elapsed =
                    SignedDuration::try_from(since.elapsed()).unwrap_or(SignedDuration::MAX);
                start.checked_add(elapsed).unwrap_or(Timestamp::MAX)
            }
        }
    }

    /// The local time the clock shows now.
    pub fn now(&self) -> DateTime {
        self.instant().to_zoned(self.zone.clone()).datetime()
    }

    /// The local time now as an HL7 / E1394 timestamp, `YYYYMMDDHHMMSS` (LIS2-A2 §5.6.2; HL7 DTM).
    pub fn stamp(&self) -> String {
        self.now().strftime("%Y%m%d%H%M%S").to_string()
    }
}

impl Default for SimClock {
    /// The machine's clock in the machine's time zone (UTC when the machine names none).
    fn default() -> Self {
        Self::system(TimeZone::system())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_running_clock_moves_with_time_and_shows_the_zone() {
        // 2026-12-07T03:15:00Z is 10:15:00 in Ho Chi Minh City (UTC+7, no summer time).
        let start: Timestamp = "2026-12-07T03:15:00Z".parse().unwrap();
        let clock = SimClock::starting_at(start, TimeZone::get("Asia/Ho_Chi_Minh").unwrap());
        assert_eq!(clock.stamp(), "20261207101500");
        tokio::time::sleep(Duration::from_secs(61)).await;
        assert_eq!(clock.stamp(), "20261207101601");
    }

    #[test]
    fn the_system_clock_is_now() {
        let clock = SimClock::system(TimeZone::UTC);
        let before = Timestamp::now();
        let shown = clock.instant();
        let after = Timestamp::now();
        assert!(before <= shown && shown <= after);
    }
}
