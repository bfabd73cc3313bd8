//! Where the store's trees live: sled in the data directory (one node, the
//! default) or PostgreSQL (several nodes on one database, see [`crate::pg`]).
//! Both give the same ordered key–value trees; everything above them
//! ([`Store`](crate::Store), the lifecycle, the audit chains, the
//! sessions) is written once.

use crate::error::Result;
use crate::pg::{PgDb, PgOptions};
use std::fs::File;
use std::path::PathBuf;

/// Which database holds the store (`[store] backend`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// sled in `<data_dir>/db` and the spool in `<data_dir>/spool`: one
    /// Écluse process owns the directory.
    #[default]
    Sled,
    /// PostgreSQL: any number of Écluse nodes share it.
    Postgres(PgOptions),
}

impl Backend {
    /// `"sled"` or `"postgres"`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sled => "sled",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// The open database.
pub(crate) enum Db {
    Sled(SledDb),
    Pg(PgDb),
}

pub(crate) struct SledDb {
    pub db: sled::Db,
    pub trees: Vec<sled::Tree>,
    /// sled's log file, fsynced after each flush.
    pub log: File,
    #[allow(dead_code)]
    pub dir: PathBuf,
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

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

impl Db {
    pub fn get(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self {
            Db::Sled(s) => Ok(s.trees[t].get(key)?.map(|v| v.to_vec())),
            Db::Pg(p) => p.get(t, key),
        }
    }

    pub fn insert(&self, t: usize, key: &[u8], value: &[u8]) -> Result<()> {
        match self {
            Db::Sled(s) => {
                s.trees[t].insert(key, value)?;
                Ok(())
            }
            Db::Pg(p) => p.insert(t, key, value),
        }
    }

    /// Inserts unless the key is there; true when inserted.
    pub fn insert_new(&self, t: usize, key: &[u8], value: &[u8]) -> Result<bool> {
        match self {
            Db::Sled(s) => Ok(s.trees[t]
                .compare_and_swap(key, None as Option<&[u8]>, Some(value))?
                .is_ok()),
            Db::Pg(p) => p.insert_new(t, key, value),
        }
    }

    pub fn remove(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self {
            Db::Sled(s) => Ok(s.trees[t].remove(key)?.map(|v| v.to_vec())),
            Db::Pg(p) => p.remove(t, key),
        }
    }

    pub fn clear(&self, t: usize) -> Result<()> {
        match self {
            Db::Sled(s) => Ok(s.trees[t].clear()?),
            Db::Pg(p) => p.clear(t),
        }
    }

    pub fn len(&self, t: usize) -> Result<usize> {
        match self {
            Db::Sled(s) => Ok(s.trees[t].len()),
            Db::Pg(p) => p.len(t),
        }
    }

    /// Pairs in `[start, end)`, in key order or reversed, at most `limit`.
    pub fn scan(
        &self,
        t: usize,
        start: &[u8],
        end: Option<&[u8]>,
        rev: bool,
        limit: usize,
    ) -> Result<Pairs> {
        match self {
            Db::Sled(s) => {
                let tree = &s.trees[t];
                let range = match end {
                    Some(end) => tree.range(start.to_vec()..end.to_vec()),
                    None => tree.range(start.to_vec()..),
                };
                let mut out = Vec::new();
                let mut push = |kv: sled::Result<(sled::IVec, sled::IVec)>| -> Result<bool> {
                    let (k, v) = kv?;
                    out.push((k.to_vec(), v.to_vec()));
                    Ok(out.len() < limit)
                };
                if rev {
                    for kv in range.rev() {
                        if !push(kv)? {
                            break;
                        }
                    }
                } else {
                    for kv in range {
                        if !push(kv)? {
                            break;
                        }
                    }
                }
                Ok(out)
            }
            Db::Pg(p) => p.scan(t, start, end, rev, limit),
        }
    }

    /// Every pair whose key starts with `prefix`, in key order.
    pub fn prefix(&self, t: usize, prefix: &[u8]) -> Result<Pairs> {
        self.scan(t, prefix, prefix_end(prefix).as_deref(), false, usize::MAX)
    }

    /// Every pair of the tree, in key order (reversed when `rev`).
    pub fn all(&self, t: usize, rev: bool) -> Result<Pairs> {
        self.scan(t, &[], None, rev, usize::MAX)
    }

    /// Calls `f` on every pair of the tree in key order, reading it in
    /// pages of `page` pairs (a long audit log is never all in memory).
    pub fn for_each_paged(
        &self,
        t: usize,
        prefix: &[u8],
        page: usize,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<bool>,
    ) -> Result<()> {
        let end = prefix_end(prefix);
        let mut start = prefix.to_vec();
        loop {
            let batch = self.scan(t, &start, end.as_deref(), false, page)?;
            let full = batch.len() == page;
            for (k, v) in &batch {
                if !f(k, v)? {
                    return Ok(());
                }
            }
            match batch.last() {
                Some((k, _)) if full => start = after(k),
                _ => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
        assert_eq!(after(b"a"), b"a\0".to_vec());
    }
}
