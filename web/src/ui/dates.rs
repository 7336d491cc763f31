//! Dates and waiting times as the UI shows them: `dd/MM/yyyy HH:mm` in the lab's time zone, and
//! "time since" in hours and minutes in the page's language.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Unit};

use super::i18n::{Lang, Msg, Text};

/// A moment as `dd/MM/yyyy HH:mm` in the lab's time zone.
pub fn date_time(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%d/%m/%Y %H:%M")
        .to_string()
}

/// A moment's day as `dd/MM/yyyy` in the lab's time zone.
pub fn date(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%d/%m/%Y").to_string()
}

/// The time from `since` to `now`, in whole minutes rounded down: `45 min`, `2 h 05 min`,
/// `3 d 04 h` (and `45 phút`, `2 giờ 05 phút`, `3 ngày 04 giờ` in Vietnamese). A `since` after
/// `now` (a clock that ran ahead) reads as `0 min`.
pub fn waited(since: Timestamp, now: Timestamp, lang: Lang) -> String {
    duration(now.duration_since(since), lang)
}

/// A duration in the form [`waited`] uses.
pub fn duration(d: SignedDuration, lang: Lang) -> String {
    let minutes = d.as_secs().max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let day = Msg::UnitDay.text(lang);
    let hour = Msg::UnitHour.text(lang);
    let minute = Msg::UnitMinute.text(lang);
    if days > 0 {
        format!("{days} {day} {hours:02} {hour}")
    } else if hours > 0 {
        format!("{hours} {hour} {mins:02} {minute}")
    } else {
        format!("{mins} {minute}")
    }
}

/// A patient's age on a day, as a lab writes it: days under one month, months under two years,
/// then whole years (`17 ngày`, `22 tháng`, `45 tuổi`). `None` when `birth` is after `on`.
pub fn age(birth: Date, on: Date, lang: Lang) -> Option<String> {
    if birth > on {
        return None;
    }
    let whole = |unit: Unit| -> Option<i64> {
        let span = birth.until((unit, on)).ok()?;
        Some(match unit {
            Unit::Year => i64::from(span.get_years()),
            Unit::Month => i64::from(span.get_months()),
            _ => i64::from(span.get_days()),
        })
    };
    let months = whole(Unit::Month)?;
    let (msg, n) = if months < 1 {
        (Msg::AgeDays, whole(Unit::Day)?)
    } else if months < 24 {
        (Msg::AgeMonths, months)
    } else {
        (Msg::AgeYears, whole(Unit::Year)?)
    };
    Some(msg.fill(lang, &[("n", &n.to_string())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn saigon() -> TimeZone {
        TimeZone::get("Asia/Ho_Chi_Minh").unwrap()
    }

    #[test]
    fn date_time_is_in_the_lab_time_zone() {
        // Asia/Ho_Chi_Minh is UTC+7 with no daylight saving: 01:30 UTC is 08:30 there.
        assert_eq!(
            date_time(ts("2026-12-07T01:30:00Z"), &saigon()),
            "07/12/2026 08:30"
        );
        // 20:15 UTC on 31 December is already 03:15 on 1 January in Saigon.
        assert_eq!(
            date_time(ts("2026-12-31T20:15:59Z"), &saigon()),
            "01/01/2027 03:15"
        );
        assert_eq!(date(ts("2026-12-31T20:15:59Z"), &saigon()), "01/01/2027");
        // Seconds are dropped, never rounded up.
        assert_eq!(
            date_time(ts("2026-03-05T00:00:59Z"), &TimeZone::UTC),
            "05/03/2026 00:00"
        );
    }

    #[test]
    fn waited_in_hours_and_minutes() {
        let received = ts("2026-12-07T01:30:00Z");
        assert_eq!(
            waited(received, ts("2026-12-07T03:35:00Z"), Lang::En),
            "2 h 05 min"
        );
        assert_eq!(
            waited(received, ts("2026-12-07T03:35:00Z"), Lang::Vi),
            "2 giờ 05 phút"
        );
        assert_eq!(
            waited(received, ts("2026-12-07T02:15:59Z"), Lang::En),
            "45 min"
        );
        assert_eq!(
            waited(received, ts("2026-12-07T02:15:59Z"), Lang::Vi),
            "45 phút"
        );
        assert_eq!(
            waited(received, ts("2026-12-07T02:30:00Z"), Lang::En),
            "1 h 00 min"
        );
        // 3 days, 4 hours and 10 minutes later: minutes are dropped once it is days.
        assert_eq!(
            waited(received, ts("2026-12-10T05:40:00Z"), Lang::En),
            "3 d 04 h"
        );
        assert_eq!(
            waited(received, ts("2026-12-10T05:40:00Z"), Lang::Vi),
            "3 ngày 04 giờ"
        );
    }

    #[test]
    fn age_in_days_months_or_years() {
        let on = jiff::civil::date(2026, 12, 7);
        // 10 May 1981 to 7 December 2026: 45 birthdays have passed.
        assert_eq!(
            age(jiff::civil::date(1981, 5, 10), on, Lang::Vi).unwrap(),
            "45 tuổi"
        );
        // Born 8 December 1980: the 46th birthday is tomorrow.
        assert_eq!(
            age(jiff::civil::date(1980, 12, 8), on, Lang::En).unwrap(),
            "45 y"
        );
        // 15 January 2025 to 7 December 2026: 22 whole months, under two years.
        assert_eq!(
            age(jiff::civil::date(2025, 1, 15), on, Lang::Vi).unwrap(),
            "22 tháng"
        );
        // 10 May to 7 December 2026: 6 whole months (10 November), not yet 7.
        assert_eq!(
            age(jiff::civil::date(2026, 5, 10), on, Lang::En).unwrap(),
            "6 mo"
        );
        // 20 November to 7 December: 10 days left in November plus 7.
        assert_eq!(
            age(jiff::civil::date(2026, 11, 20), on, Lang::Vi).unwrap(),
            "17 ngày"
        );
        assert_eq!(age(on, on, Lang::En).unwrap(), "0 d");
        assert_eq!(age(jiff::civil::date(2026, 12, 8), on, Lang::En), None);
    }

    #[test]
    fn waited_never_goes_negative() {
        let received = ts("2026-12-07T01:30:00Z");
        assert_eq!(
            waited(received, ts("2026-12-07T01:29:00Z"), Lang::En),
            "0 min"
        );
        assert_eq!(waited(received, received, Lang::Vi), "0 phút");
    }
}
