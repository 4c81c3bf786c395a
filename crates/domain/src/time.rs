//! Instants and calendar days in the city's local time.
//!
//! All Chinese cities keep China Standard Time (UTC+08:00, no daylight saving), so a calendar
//! day is a fixed 24-hour span and the conversion is plain arithmetic. [`Timestamp`] is seconds
//! since the Unix epoch; [`Day`] counts local calendar days since 1970-01-01. The RFC 3339
//! parser here is hand-written because it sits on the ingest hot path (one call per event).

use std::fmt;

/// Offset of China Standard Time from UTC, in seconds.
pub const CST_OFFSET_SECS: i64 = 8 * 3600;
const SECS_PER_DAY: i64 = 86_400;

/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// A calendar day in China Standard Time, counted from 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Day(pub i32);

/// Why a time or date string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {0:?}: expected RFC 3339, e.g. 2026-03-01T07:30:00+08:00")]
pub struct TimeParseError(pub String);

impl Timestamp {
    /// The local calendar day this instant falls on.
    pub fn day(self) -> Day {
        Day((self.0 + CST_OFFSET_SECS).div_euclid(SECS_PER_DAY) as i32)
    }

    /// Seconds since local midnight, 0..86400.
    pub fn second_of_day(self) -> u32 {
        (self.0 + CST_OFFSET_SECS).rem_euclid(SECS_PER_DAY) as u32
    }

    /// The instant at `second` seconds after local midnight of `day`.
    pub fn at(day: Day, second: u32) -> Timestamp {
        Timestamp(day.0 as i64 * SECS_PER_DAY + second as i64 - CST_OFFSET_SECS)
    }

    /// The current wall-clock time.
    pub fn now() -> Timestamp {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since.as_secs() as i64)
    }

    /// Parses RFC 3339 (`2026-03-01T07:30:00+08:00`, `...Z`, fractional seconds ignored, a space
    /// instead of `T` accepted). A bare date-time without offset is read as China Standard Time.
    pub fn parse(s: &str) -> Result<Timestamp, TimeParseError> {
        parse_rfc3339(s.as_bytes(), None).ok_or_else(|| TimeParseError(s.to_owned()))
    }

    /// [`Timestamp::parse`], remembering the last date seen: a feed's lines share a few dates,
    /// and turning a date into a day number is most of the work.
    pub fn parse_memo(s: &str, memo: &DateMemo) -> Result<Timestamp, TimeParseError> {
        parse_rfc3339(s.as_bytes(), Some(memo)).ok_or_else(|| TimeParseError(s.to_owned()))
    }

    /// Formats as RFC 3339 in China Standard Time, e.g. `2026-03-01T07:30:00+08:00`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.day().ymd();
        let s = self.second_of_day();
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// The last `YYYY-MM-DD` parsed and its day (see [`Timestamp::parse_memo`]).
#[derive(Clone, Debug, Default)]
pub struct DateMemo(std::cell::Cell<Option<([u8; 10], Day)>>);

fn parse_rfc3339(b: &[u8], memo: Option<&DateMemo>) -> Option<Timestamp> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let (hh, mm, ss) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let prefix: [u8; 10] = b[..10].try_into().expect("length checked");
    let date = match memo.and_then(|m| m.0.get()) {
        Some((p, d)) if p == prefix => d,
        _ => {
            let d = Day::from_ymd(digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?)?;
            if let Some(m) = memo {
                m.0.set(Some((prefix, d)));
            }
            d
        }
    };
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        None => CST_OFFSET_SECS,
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (oh, om) = (digits(b, i + 1, 2)?, digits(b, i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = (oh * 3600 + om * 60) as i64;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let local = date.0 as i64 * SECS_PER_DAY + (hh * 3600 + mm * 60 + ss.min(59)) as i64;
    Some(Timestamp(local - offset))
}

impl Day {
    /// The day for a proleptic Gregorian date, or `None` if the date does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year } as i64;
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month as i64 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Day((era * 146_097 + doe - 719_468) as i32))
    }

    /// Year, month (1–12) and day of month (1–31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        (y, m, d)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Day, TimeParseError> {
        let b = s.as_bytes();
        let err = || TimeParseError(s.to_owned());
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let y = digits(b, 0, 4).ok_or_else(err)? as i32;
        let m = digits(b, 5, 2).ok_or_else(err)?;
        let d = digits(b, 8, 2).ok_or_else(err)?;
        Day::from_ymd(y, m, d).ok_or_else(err)
    }

    /// Today in China Standard Time.
    pub fn today() -> Day {
        Timestamp::now().day()
    }

    /// The day `n` days later (earlier when negative).
    pub fn plus(self, n: i32) -> Day {
        Day(self.0 + n)
    }

    /// The first day of this day's month.
    pub fn month_start(self) -> Day {
        let (y, m, _) = self.ymd();
        Day::from_ymd(y, m, 1).expect("first of month exists")
    }

    /// The first day of the next month.
    pub fn next_month_start(self) -> Day {
        let (y, m, _) = self.ymd();
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Day::from_ymd(y, m, 1).expect("first of month exists")
    }

    /// The first day of this day's year.
    pub fn year_start(self) -> Day {
        Day::from_ymd(self.ymd().0, 1, 1).expect("1 January exists")
    }

    /// The first day of the next year.
    pub fn next_year_start(self) -> Day {
        Day::from_ymd(self.ymd().0 + 1, 1, 1).expect("1 January exists")
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.0 + 3).rem_euclid(7) as u32
    }
}

/// Days in `month` of `year` (Gregorian).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl std::str::FromStr for Day {
    type Err = TimeParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Day::parse(s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An inclusive range of local days, `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DayRange {
    /// First day in the range.
    pub from: Day,
    /// Last day in the range (inclusive).
    pub to: Day,
}

impl DayRange {
    /// A range, or `None` when `to` is before `from`.
    pub fn new(from: Day, to: Day) -> Option<DayRange> {
        (from <= to).then_some(DayRange { from, to })
    }

    /// Number of days in the range.
    pub fn len(self) -> u32 {
        (self.to.0 - self.from.0 + 1) as u32
    }

    /// Always false: a range holds at least one day.
    pub fn is_empty(self) -> bool {
        false
    }

    /// Whether `day` lies in the range.
    pub fn contains(self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }
}

impl fmt::Display for DayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}
