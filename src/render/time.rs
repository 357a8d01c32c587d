//! The Time column as tshark's `-t` writes it: since the first packet, since the one before,
//! since 1970, or as a date in local time or UTC, with as many decimals as the capture's clock
//! has (six for microseconds, nine for nanoseconds), so a nanosecond capture keeps its digits.

use std::fmt::Write as _;

use crate::dissect::field::civil_from_days;

/// What the Time column counts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the first packet (`r`, tshark's default).
    #[default]
    Relative,
    /// Seconds since the packet before, shown or not (`d`).
    Delta,
    /// Seconds since the packet shown before (`dd`).
    DeltaDisplayed,
    /// Seconds since 1970 (`e`).
    Epoch,
    /// A time of day, `08:28:05.938858` (`a` local, `u` UTC).
    Time { utc: bool },
    /// A date and time, `2026-11-22 08:28:05.938858` (`ad`, `ud`).
    Date { utc: bool },
    /// A year, day of the year and time, `2026/326 08:28:05.938858` (`adoy`, `udoy`).
    DayOfYear { utc: bool },
}

impl TimeFormat {
    /// Reads tshark's `-t` argument.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "r" => Self::Relative,
            "d" => Self::Delta,
            "dd" => Self::DeltaDisplayed,
            "e" => Self::Epoch,
            "a" => Self::Time { utc: false },
            "u" => Self::Time { utc: true },
            "ad" => Self::Date { utc: false },
            "ud" => Self::Date { utc: true },
            "adoy" => Self::DayOfYear { utc: false },
            "udoy" => Self::DayOfYear { utc: true },
            _ => {
                return Err(format!(
                    "-t {text:?}: not a time format; give r, d, dd, e, a, ad, adoy, u, ud or udoy"
                ));
            }
        })
    }
}

/// Writes one Time column value: `nanos` is what the format counts (seconds since something,
/// or since 1970 for the dates), shown with `digits` decimals.
pub fn write_time(line: &mut String, format: TimeFormat, nanos: i64, digits: u8) {
    match format {
        TimeFormat::Relative | TimeFormat::Delta | TimeFormat::DeltaDisplayed | TimeFormat::Epoch => {
            if nanos < 0 {
                line.push('-');
            }
            let magnitude = nanos.unsigned_abs();
            line.push_str(itoa::Buffer::new().format(magnitude / 1_000_000_000));
            write_fraction(line, magnitude % 1_000_000_000, digits);
        }
        TimeFormat::Time { utc } | TimeFormat::Date { utc } | TimeFormat::DayOfYear { utc } => {
            let secs = nanos.div_euclid(1_000_000_000);
            let fraction = nanos.rem_euclid(1_000_000_000).unsigned_abs();
            let Some(civil) = (if utc { Some(utc_time(secs)) } else { local_time(secs) }) else {
                // A time the C library cannot convert: since 1970, rather than nothing.
                write_time(line, TimeFormat::Epoch, nanos, digits);
                return;
            };
            // Writing into a String cannot fail.
            let _ = match format {
                TimeFormat::Date { .. } => {
                    write!(line, "{:04}-{:02}-{:02} ", civil.year, civil.month, civil.day)
                }
                TimeFormat::DayOfYear { .. } => write!(line, "{:04}/{:03} ", civil.year, civil.day_of_year),
                _ => Ok(()),
            };
            let _ = write!(line, "{:02}:{:02}:{:02}", civil.hour, civil.minute, civil.second);
            write_fraction(line, fraction, digits);
        }
    }
}

/// Appends `.` and the first `digits` decimals of a fraction of a second given in
/// nanoseconds (nothing for zero digits).
fn write_fraction(line: &mut String, nanos: u64, digits: u8) {
    let digits = u32::from(digits.min(9));
    if digits == 0 {
        return;
    }
    // Digit by digit rather than through `write!` with a width: the text output writes one
    // per packet.
    let mut value = nanos / 10u64.pow(9 - digits);
    let mut text = [b'.'; 10];
    for place in (1..=digits as usize).rev() {
        text[place] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    // A dot and decimal digits are ASCII.
    line.push_str(std::str::from_utf8(&text[..=digits as usize]).unwrap_or_default());
}

/// A broken-down date and time.
#[derive(Debug, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    /// From 1.
    day_of_year: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

fn utc_time(secs: i64) -> Civil {
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let day_of_year = days - days_from_civil(year, 1, 1) + 1;
    Civil {
        year,
        month: month as u32,
        day: day as u32,
        day_of_year: day_of_year as u32,
        hour: (of_day / 3600) as u32,
        minute: (of_day % 3600 / 60) as u32,
        second: (of_day % 60) as u32,
    }
}

/// The local time, as the C library's time zone rules give it (`TZ`, `/etc/localtime`).
fn local_time(secs: i64) -> Option<Civil> {
    let time = libc::time_t::try_from(secs).ok()?;
    // SAFETY: localtime_r reads `time` and writes only the `tm` it is given; both live for the
    // call. A zeroed `tm` is a valid value of a plain C struct.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let result = unsafe { libc::localtime_r(&time, &mut tm) };
    if result.is_null() {
        return None;
    }
    Some(Civil {
        year: i64::from(tm.tm_year) + 1900,
        month: u32::try_from(tm.tm_mon + 1).ok()?,
        day: u32::try_from(tm.tm_mday).ok()?,
        day_of_year: u32::try_from(tm.tm_yday + 1).ok()?,
        hour: u32::try_from(tm.tm_hour).ok()?,
        minute: u32::try_from(tm.tm_min).ok()?,
        second: u32::try_from(tm.tm_sec).ok()?,
    })
}

/// The day count from 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(format: TimeFormat, nanos: i64, digits: u8) -> String {
        let mut line = String::new();
        write_time(&mut line, format, nanos, digits);
        line
    }

    #[test]
    fn every_tshark_letter_reads_and_others_do_not() {
        assert_eq!(TimeFormat::parse("r"), Ok(TimeFormat::Relative));
        assert_eq!(TimeFormat::parse("dd"), Ok(TimeFormat::DeltaDisplayed));
        assert_eq!(TimeFormat::parse("ad"), Ok(TimeFormat::Date { utc: false }));
        assert_eq!(TimeFormat::parse("udoy"), Ok(TimeFormat::DayOfYear { utc: true }));
        for bad in ["", "x", "AD", "ad ", "rr"] {
            assert!(TimeFormat::parse(bad).is_err_and(|error| error.contains("not a time format")), "{bad}");
        }
    }

    #[test]
    fn seconds_keep_the_captures_digits() {
        assert_eq!(shown(TimeFormat::Relative, 18_215, 9), "0.000018215");
        assert_eq!(shown(TimeFormat::Relative, 18_215, 6), "0.000018");
        assert_eq!(shown(TimeFormat::Delta, -1_500_000_000, 6), "-1.500000");
        assert_eq!(shown(TimeFormat::Epoch, 1_795_336_085_938_858_000, 6), "1795336085.938858");
        assert_eq!(shown(TimeFormat::Relative, 1_034_567_891, 3), "1.034");
        assert_eq!(shown(TimeFormat::Relative, 1_034_567_891, 1), "1.0");
        assert_eq!(shown(TimeFormat::Relative, 1_034_567_891, 0), "1");
    }

    #[test]
    fn dates_in_utc_count_days_of_the_year_from_one() {
        // 2026-11-22 08:28:05.938858 UTC, day 326 of 2026.
        let nanos = 1_795_336_085_938_858_000;
        assert_eq!(shown(TimeFormat::Date { utc: true }, nanos, 6), "2026-11-22 08:28:05.938858");
        assert_eq!(shown(TimeFormat::Time { utc: true }, nanos, 9), "08:28:05.938858000");
        assert_eq!(shown(TimeFormat::DayOfYear { utc: true }, nanos, 6), "2026/326 08:28:05.938858");
        assert_eq!(shown(TimeFormat::DayOfYear { utc: true }, 0, 0), "1970/001 00:00:00");
        assert_eq!(
            shown(TimeFormat::Date { utc: true }, 951_782_400 * 1_000_000_000, 0),
            "2000-02-29 00:00:00"
        );
    }
}
