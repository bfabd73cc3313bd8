//! Every budget the scanner enforces, with its default.
//!
//! A budget that runs out never fails the scan: the object is reported with a
//! [`FindingKind`](crate::FindingKind) of the `budget_exceeded` category, and
//! the policy holds it (fail closed).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The scanner's budgets. Each is checked at its edge by a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Nesting of multiparts and `message/rfc822` parts. Default 20.
    pub max_mime_depth: usize,
    /// MIME parts in one message, nested messages included. Default 1,000.
    pub max_mime_parts: usize,
    /// Archives inside archives (a ZIP in a ZIP is depth 2). Default 6.
    pub max_archive_depth: usize,
    /// Archive entries over the whole message. Default 10,000.
    pub max_archive_entries: usize,
    /// Bytes decoded over the whole message: parts plus every archive entry.
    /// Default 512 MiB.
    pub max_expanded_bytes: u64,
    /// Bytes of one decoded object (part or entry). Larger ones are held
    /// unscanned. Default 100 MiB.
    pub max_object_size: u64,
    /// Expanded size over packed size for one archive entry, checked while
    /// reading, once the entry passes `ratio_floor` bytes. Default 200.
    pub max_entry_ratio: u64,
    /// Below this size an entry's ratio is not judged (a small file of zeros
    /// compresses well and is harmless). Default 1 MiB.
    pub ratio_floor: u64,
    /// Wall time for one message. Default 60 s. YARA's own timeout has a
    /// resolution of one second.
    #[serde(with = "secs")]
    pub max_scan_time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_mime_depth: 20,
            max_mime_parts: 1_000,
            max_archive_depth: 6,
            max_archive_entries: 10_000,
            max_expanded_bytes: 512 << 20,
            max_object_size: 100 << 20,
            max_entry_ratio: 200,
            ratio_floor: 1 << 20,
            max_scan_time: Duration::from_secs(60),
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}
