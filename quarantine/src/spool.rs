//! The spool: message bytes in append-only segment files that we fsync
//! ourselves, because sled 0.34 neither fsyncs its log (it uses
//! `sync_file_range`) nor its blob files for large values.
//!
//! Bytes are appended to the current segment (`spool/00000001.seg` …),
//! located by a [`SpoolRef`] (segment, offset, length, CRC-32) that the
//! caller keeps in sled. Durability is the caller's [`GroupSync`](crate::sync)
//! round, which `fdatasync`s the current segment once for every writer
//! waiting on it. A segment rolls over at [`SEGMENT_BYTES`]; it is deleted
//! when no record refers to it any more (the `segments` tree counts the live
//! references; see [`Store`](crate::Store)).

use crate::error::{Error, Result};
use crate::model::SpoolRef;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A segment rolls over once it holds this many bytes.
pub const SEGMENT_BYTES: u64 = 64 << 20;

struct Current {
    segment: u64,
    file: File,
    len: u64,
}

/// The spool directory and its current segment.
pub struct Spool {
    dir: PathBuf,
    current: Mutex<Current>,
    /// Appends per segment whose record is not yet committed; a segment with
    /// pending appends is never deleted.
    pending: Mutex<HashMap<u64, usize>>,
}

fn segment_name(segment: u64) -> String {
    format!("{segment:08}.seg")
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Creates `dir` (and its parents) readable by this user only (0700),
/// whatever the umask; an existing `dir` that others may enter or read
/// loses those bits (the group's are kept: the Debian package gives the
/// data directory 0750). Held mail lives under it.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(dir, e))?;
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o007 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{mode:o}"), "the data directory was open to every local user; now closed to them");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & !0o007))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

impl Spool {
    /// Opens the spool in `dir`, creating it; appends go to a new segment
    /// after the highest one found (a torn tail of the last run is never
    /// written over).
    pub fn open(dir: &Path) -> Result<Spool> {
        private_dir(dir)?;
        let last = Self::segments_in(dir)?.into_iter().max().unwrap_or(0);
        let current = Self::create(dir, last + 1)?;
        Ok(Spool {
            dir: dir.to_path_buf(),
            current: Mutex::new(current),
            pending: Mutex::new(HashMap::new()),
        })
    }

    fn create(dir: &Path, segment: u64) -> Result<Current> {
        let path = dir.join(segment_name(segment));
        let file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        sync_dir(dir)?;
        Ok(Current {
            segment,
            file,
            len: 0,
        })
    }

    /// The segment numbers present on disk.
    pub fn segments_in(dir: &Path) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name();
            if let Some(n) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".seg"))
                .and_then(|n| n.parse().ok())
            {
                out.push(n);
            }
        }
        Ok(out)
    }

    /// The segment appends go to now.
    pub fn current_segment(&self) -> u64 {
        self.current.lock().expect("spool lock").segment
    }

    /// Appends `bytes`; they are durable after the next [`Spool::sync`].
    /// The segment counts as pending until [`Spool::settle`] is called
    /// with the returned reference.
    pub fn append(&self, bytes: &[u8]) -> Result<SpoolRef> {
        let mut cur = self.current.lock().expect("spool lock");
        if cur.len > 0 && cur.len + bytes.len() as u64 > SEGMENT_BYTES {
            // Make the full segment durable before leaving it: later syncs
            // only touch the current one.
            let old = self.dir.join(segment_name(cur.segment));
            cur.file.sync_data().map_err(|e| Error::io(&old, e))?;
            *cur = Self::create(&self.dir, cur.segment + 1)?;
        }
        let offset = cur.len;
        let path = || self.dir.join(segment_name(cur.segment));
        cur.file
            .write_all_at(bytes, offset)
            .map_err(|e| Error::io(path(), e))?;
        cur.len += bytes.len() as u64;
        *self
            .pending
            .lock()
            .expect("spool lock")
            .entry(cur.segment)
            .or_default() += 1;
        Ok(SpoolRef {
            segment: cur.segment,
            offset,
            len: bytes.len() as u64,
            crc: crc32fast::hash(bytes),
        })
    }

    /// The append behind `r` is committed (or abandoned).
    pub fn settle(&self, r: &SpoolRef) {
        let mut pending = self.pending.lock().expect("spool lock");
        if let Some(n) = pending.get_mut(&r.segment) {
            *n -= 1;
            if *n == 0 {
                pending.remove(&r.segment);
            }
        }
    }

    /// `fdatasync` of the current segment.
    pub fn sync(&self) -> Result<()> {
        // Clone the handle so that appends go on while the disk works.
        let (file, segment) = {
            let cur = self.current.lock().expect("spool lock");
            let file = cur.file.try_clone().map_err(|e| Error::io(&self.dir, e))?;
            (file, cur.segment)
        };
        file.sync_data()
            .map_err(|e| Error::io(self.dir.join(segment_name(segment)), e))
    }

    /// Reads back the bytes behind `r`, checking their CRC.
    pub fn read(&self, r: &SpoolRef) -> Result<Vec<u8>> {
        let path = self.dir.join(segment_name(r.segment));
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut buf = vec![0; r.len as usize];
        file.read_exact_at(&mut buf, r.offset)
            .map_err(|e| Error::io(&path, e))?;
        if crc32fast::hash(&buf) != r.crc {
            return Err(Error::Checksum {
                segment: r.segment,
                offset: r.offset,
            });
        }
        Ok(buf)
    }

    /// Deletes segment `segment` if it is not the current one and no append
    /// to it is pending. Returns whether it was deleted.
    pub fn delete_if_idle(&self, segment: u64) -> Result<bool> {
        let cur = self.current.lock().expect("spool lock");
        if segment >= cur.segment
            || self
                .pending
                .lock()
                .expect("spool lock")
                .contains_key(&segment)
        {
            return Ok(false);
        }
        let path = self.dir.join(segment_name(segment));
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Total bytes of the segment files on disk.
    pub fn disk_bytes(&self) -> Result<u64> {
        let mut total = 0;
        for seg in Self::segments_in(&self.dir)? {
            let path = self.dir.join(segment_name(seg));
            total += std::fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .len();
        }
        Ok(total)
    }

    /// The spool directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
