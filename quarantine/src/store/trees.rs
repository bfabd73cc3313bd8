//! The store's trees, by number, and the layout of the keys in them.

use crate::model::{DeliveryId, ItemId};
use jiff::Timestamp;

pub(crate) const MESSAGES: usize = 0;
pub(crate) const ITEMS: usize = 1;
pub(crate) const BY_RCPT: usize = 2;
pub(crate) const DELIVERIES: usize = 3;
pub(crate) const DUE: usize = 4;
pub(crate) const SEGMENTS: usize = 5;
pub(crate) const AUDIT: usize = 6;
pub(crate) const META: usize = 7;
pub(crate) const SESSIONS: usize = 8;
pub(crate) const RECIPIENTS: usize = 9;
pub(crate) const SENDER_RULES: usize = 10;
pub(crate) const BLOBS: usize = 11;
/// The trees, by number. The number is the `tree` column in PostgreSQL:
/// never reorder, only append.
pub(crate) const TREE_NAMES: [&str; 12] = [
    "messages",
    "items",
    "items_by_recipient",
    "deliveries",
    "deliveries_due",
    "segments",
    "audit",
    "meta",
    "sessions",
    "recipients",
    "sender_rules",
    "blobs",
];
/// Before tenants: the end of the one audit chain.
pub(super) const OLD_AUDIT_HEAD: &[u8] = b"audit_head";
/// `audit_head\0<chain>`: the end of each chain.
pub(super) const AUDIT_HEAD_PREFIX: &[u8] = b"audit_head\0";
/// The layout of the trees: absent before tenants (audit keys were bare
/// sequence numbers), 2 since (keys `<chain>\0<seq>`).
pub(super) const LAYOUT: &[u8] = b"layout";
pub(super) const LAYOUT_VERSION: u8 = 2;
/// The spool segment number that means "in the tree `blobs`" (the spool's
/// own segments start at 1); the offset is then the blob's key.
pub(crate) const DB_SEGMENT: u64 = 0;

pub(super) fn head_key(chain: &str) -> Vec<u8> {
    let mut k = AUDIT_HEAD_PREFIX.to_vec();
    k.extend_from_slice(chain.as_bytes());
    k
}

pub(super) fn audit_prefix(chain: &str) -> Vec<u8> {
    let mut k = chain.as_bytes().to_vec();
    k.push(0);
    k
}

pub(super) fn audit_key(chain: &str, seq: u64) -> Vec<u8> {
    let mut k = audit_prefix(chain);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub(super) fn due_key(at: Timestamp, id: DeliveryId) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&(at.as_millisecond().max(0) as u64).to_be_bytes());
    key[8..].copy_from_slice(&id.key());
    key
}

pub(super) fn rcpt_prefix(rcpt: &str) -> Vec<u8> {
    let mut k = rcpt.to_ascii_lowercase().into_bytes();
    k.push(0);
    k
}

pub(super) fn rcpt_key(rcpt: &str, id: ItemId) -> Vec<u8> {
    let mut k = rcpt_prefix(rcpt);
    k.extend_from_slice(&id.key());
    k
}
