//! [`Timestamp`]: a UTC instant with millisecond precision, stored so that it sorts.
//!
//! PostgreSQL stores it as `timestamptz`. SQLite has no time type; sqlx would write RFC 3339
//! text with a variable number of fraction digits, which does not sort as text. This type writes
//! the fixed-width `YYYY-MM-DDTHH:MM:SS.sssZ` instead (the shape of the schema's
//! `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` defaults), so text order is time order and index
//! ranges over times work. Precision is cut to milliseconds on both databases, so a value reads
//! back the same from either.

use std::fmt;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

/// A UTC instant, millisecond precision; the store's representation of every time column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Self {
        Self::from(OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(millis))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        i64::try_from(self.0.unix_timestamp_nanos() / 1_000_000)
            .expect("BUG: a millisecond timestamp fits in i64")
    }

    /// The instant as an [`OffsetDateTime`] in UTC.
    pub fn to_offset_date_time(self) -> OffsetDateTime {
        self.0
    }

    /// This instant plus `duration` (cut to milliseconds).
    pub fn plus(self, duration: Duration) -> Self {
        Self::from(self.0 + duration)
    }

    /// The fixed-width text form stored in SQLite.
    fn to_sortable_text(self) -> String {
        let t = self.0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(value: std::time::SystemTime) -> Self {
        Self::from(OffsetDateTime::from(value))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        let utc = value.to_offset(UtcOffset::UTC);
        let millis = utc.millisecond();
        Self(
            utc.replace_millisecond(millis)
                .expect("BUG: a millisecond read from a time is a valid millisecond"),
        )
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_sortable_text())
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty) || <OffsetDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.to_sortable_text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Ok(Self::from(OffsetDateTime::parse(text, &Rfc3339)?))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from(<OffsetDateTime as Decode<Postgres>>::decode(
            value,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_is_fixed_width_so_text_order_is_time_order() {
        let a = Timestamp::from_unix_millis(1_700_000_000_000);
        let b = Timestamp::from_unix_millis(1_700_000_000_001);
        let c = Timestamp::from_unix_millis(1_700_000_001_000);
        let texts: Vec<String> = [a, b, c].iter().map(|t| t.to_sortable_text()).collect();
        assert_eq!(texts[0], "2023-11-14T22:13:20.000Z");
        assert!(
            texts
                .windows(2)
                .all(|w| w[0] < w[1] && w[0].len() == w[1].len())
        );
    }

    #[test]
    fn precision_is_cut_to_milliseconds() {
        let t = OffsetDateTime::UNIX_EPOCH + Duration::nanoseconds(1_234_567);
        assert_eq!(Timestamp::from(t).unix_millis(), 1);
        assert_eq!(Timestamp::from(t), Timestamp::from_unix_millis(1));
    }
}
