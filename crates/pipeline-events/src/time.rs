//! UTC calendar arithmetic and the batch hour. Dates are proleptic
//! Gregorian, converted with H. Hinnant's civil-days algorithms, so no
//! time-zone database is needed.

use std::fmt;

const DAY: i64 = 86_400;
const HOUR: i64 = 3600;

/// Days since 1970-01-01 of a date; `None` unless month and day exist.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// (year, month, day) of a time in seconds since 1970 (UTC).
pub fn utc_date(secs: i64) -> (i64, u32, u32) {
    let z = secs.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month - 1) as usize]
}

/// Seconds since 1970 of a date and time of day, checking every part.
pub fn utc_seconds(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day)? * DAY + i64::from(hour * 3600 + minute * 60 + second))
}

/// Seconds since 1970, now.
pub fn unix_now() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since_epoch.map_or(0, |d| d.as_secs() as i64)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since 1970.
pub fn iso_time(secs: i64) -> String {
    let (y, m, d) = utc_date(secs);
    let of_day = secs.rem_euclid(DAY);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day / 60 % 60, of_day % 60)
}

/// Seconds since 1970 of an ISO 8601 UTC time, `YYYY-MM-DDTHH:MM:SSZ` (an
/// EventBridge event's `time`); `None` for anything else.
pub fn parse_iso_time(time: &str) -> Option<i64> {
    let (date, clock) = time.strip_suffix('Z')?.split_once('T')?;
    let mut ymd = date.split('-');
    let (y, mo, d) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let mut hms = clock.split(':');
    let (h, mi, s) = (hms.next()?, hms.next()?, hms.next()?);
    if ymd.next().is_some() || hms.next().is_some() {
        return None;
    }
    utc_seconds(i64::from(digits(y, 4)?), digits(mo, 2)?, digits(d, 2)?, digits(h, 2)?, digits(mi, 2)?, digits(s, 2)?)
}

/// `n` ASCII digits exactly, as a number.
fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// One UTC hour: the unit the pipeline partitions, monitors and alerts by.
/// Written as `dt=YYYY-MM-DD/hour=HH` in keys and as `dt` and `hour` in
/// messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchHour {
    /// Hours since 1970-01-01T00:00Z.
    index: i64,
}

impl BatchHour {
    /// The hour a time (seconds since 1970) falls in.
    pub fn containing(secs: i64) -> Self {
        BatchHour { index: secs.div_euclid(HOUR) }
    }

    /// From a partition's `dt` (`YYYY-MM-DD`) and `hour` (`HH`).
    pub fn from_partition(dt: &str, hour: &str) -> Option<Self> {
        let mut parts = dt.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let secs = utc_seconds(i64::from(digits(y, 4)?), digits(m, 2)?, digits(d, 2)?, digits(hour, 2)?, 0, 0)?;
        Some(Self::containing(secs))
    }

    /// From an ISO 8601 UTC time, `YYYY-MM-DDTHH:MM:SSZ` (an EventBridge
    /// event's `time`): the hour it falls in.
    pub fn from_iso(time: &str) -> Option<Self> {
        parse_iso_time(time).map(Self::containing)
    }

    /// From a range bound, `YYYY-MM-DDTHH` or `YYYY-MM-DD`: a bare date is
    /// its first hour, or its last when `last`.
    pub fn from_bound(text: &str, last: bool) -> Option<Self> {
        match text.split_once('T') {
            Some((dt, hour)) => Self::from_partition(dt, hour),
            None => Self::from_partition(text, if last { "23" } else { "00" }),
        }
    }

    pub fn hours_since_epoch(self) -> i64 {
        self.index
    }

    /// Seconds since 1970 at the start of the hour.
    pub fn start(self) -> i64 {
        self.index * HOUR
    }

    pub fn previous(self) -> Self {
        BatchHour { index: self.index - 1 }
    }

    /// `YYYY-MM-DD`.
    pub fn dt(self) -> String {
        let (y, m, d) = utc_date(self.start());
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// `HH`.
    pub fn hour(self) -> String {
        format!("{:02}", self.index.rem_euclid(24))
    }
}

/// `dt=YYYY-MM-DD/hour=HH`, as partitions are named in keys.
impl fmt::Display for BatchHour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dt={}/hour={}", self.dt(), self.hour())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 2, 29), Some(11_016));
        assert_eq!(days_from_civil(2023, 2, 29), None);
        assert_eq!(days_from_civil(2023, 4, 31), None);
        assert_eq!(days_from_civil(2023, 13, 1), None);
        for days in [-800_000, -1, 0, 11_016, 20_758, 2_932_896] {
            let (y, m, d) = utc_date(days * DAY);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }

    #[test]
    fn a_batch_hour_reads_and_writes_partitions_and_event_times() {
        let h = BatchHour::from_partition("2026-11-01", "05").unwrap();
        assert_eq!(h.start(), 1_793_509_200);
        assert_eq!((h.dt(), h.hour()), ("2026-11-01".to_owned(), "05".to_owned()));
        assert_eq!(h.to_string(), "dt=2026-11-01/hour=05");
        assert_eq!(BatchHour::from_iso("2026-11-01T05:59:59Z"), Some(h));
        assert_eq!(
            BatchHour::from_iso("2026-11-01T00:00:00Z").unwrap().previous().to_string(),
            "dt=2026-10-31/hour=23"
        );
        assert_eq!(BatchHour::containing(h.start() + 3599), h);
        for bad in ["2026-11-01", "2026-11-01T05:00:00", "2026-11-01T24:00:00Z", "2026-11-1T05:00:00Z", "x"] {
            assert_eq!(BatchHour::from_iso(bad), None, "{bad}");
        }
        assert_eq!(BatchHour::from_partition("2026-02-30", "00"), None);
        assert_eq!(BatchHour::from_partition("2026-11-01", "5"), None);
    }

    #[test]
    fn iso_times_round_trip() {
        assert_eq!(iso_time(1_793_509_200 + 3599), "2026-11-01T05:59:59Z");
        assert_eq!(iso_time(-1), "1969-12-31T23:59:59Z");
        for secs in [0, 1_472_688_000, 1_793_509_200 + 3599, 253_402_300_799] {
            assert_eq!(parse_iso_time(&iso_time(secs)), Some(secs));
        }
        for bad in ["2026-11-01T05:60:00Z", "2026-11-01T05:00Z", "2026-11-01 05:00:00Z", "2026-11-01T05:00:00+01:00"] {
            assert_eq!(parse_iso_time(bad), None, "{bad}");
        }
    }
}
