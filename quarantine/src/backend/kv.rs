//! What the store and every backend say to each other: the isolation a
//! transaction asks for, and the arithmetic of keys in ordered trees.
//!
//! A leaf: the backends ([`sled`](super::sled), [`pg`](super::pg)) import
//! these words, not the dispatch in [`backend`](super) that imports them.

/// Pairs of key and value, in key order.
pub(crate) type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The isolation a transaction runs under (PostgreSQL; with sled every
/// transaction is serialisable under the writer lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isolation {
    /// Every change but the queue's claims.
    Serializable,
    /// Claims of the outbound queue, whose rows are locked one by one.
    ReadCommitted,
}

/// The smallest key after every key that starts with `prefix`, if any.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The smallest key after `key`: the exclusive end of `..=key`.
pub(crate) fn after(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}

#[cfg(test)]
mod tests {
    use crate::backend::kv::{after, prefix_end};

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
        assert_eq!(after(b"a"), b"a\0".to_vec());
    }
}
