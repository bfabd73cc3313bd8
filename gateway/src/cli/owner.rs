//! Commands run as root act as the data directory's owner.
//!
//! The package runs `ecluse serve` as the system user `ecluse`, which owns
//! `/var/lib/ecluse`. An admin who types `ecluse quarantine list`, `ecluse
//! audit verify` or `ecluse check-config` as root while the server is
//! stopped would otherwise create root-owned files there (sled's segments,
//! the compiled-rules cache), and the next start of the service fails on
//! « Permission denied » — the MX down after a maintenance. Postfix's
//! `postsuper` and PostgreSQL's tools solve this the same way: a command
//! run as root works as the owner of the files it touches.

use anyhow::{Context, Result, bail};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// When this process runs as root and `data_dir` exists and belongs to
/// another user, becomes that user (its primary group, its supplementary
/// groups from `/etc/group`, then its uid: setgroups/setgid/setuid, in
/// that order, POSIX.1-2017 `setuid`), so that whatever the command writes
/// stays the server's. Does nothing as any other user, or when the
/// directory is root's (a test setup, a hand-made one) or does not exist
/// yet (`serve` creates it).
///
/// Errors: the owner has no `/etc/passwd` entry, or a switch is refused —
/// the command then stops before touching anything.
pub fn act_as_data_dir_owner(data_dir: &Path) -> Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let Ok(meta) = std::fs::metadata(data_dir) else {
        return Ok(());
    };
    let (uid, gid) = (meta.uid(), meta.gid());
    if uid == 0 {
        return Ok(());
    }
    let name = user_name(uid).with_context(|| {
        format!(
            "{} belongs to uid {uid}, which has no entry in /etc/passwd: give the directory to the service's user (chown -R ecluse:ecluse {})",
            data_dir.display(),
            data_dir.display()
        )
    })?;
    let cname = std::ffi::CString::new(name.clone()).context("user name with a NUL byte")?;
    // SAFETY: cname is a valid C string; the gid and uid come from the
    // file system. Each call's result is checked; on any failure the
    // process stops before touching the data directory.
    unsafe {
        if libc::initgroups(cname.as_ptr(), gid as _) != 0 {
            bail!(
                "could not take the groups of `{name}`, the owner of {}: {}",
                data_dir.display(),
                std::io::Error::last_os_error()
            );
        }
        if libc::setgid(gid) != 0 {
            bail!("could not become group {gid}: {}", std::io::Error::last_os_error());
        }
        if libc::setuid(uid) != 0 {
            bail!("could not become `{name}`: {}", std::io::Error::last_os_error());
        }
    }
    tracing::debug!(user = %name, dir = %data_dir.display(), "running as root: acting as the data directory's owner");
    Ok(())
}

/// The login name of `uid` from the user database (`getpwuid_r`).
fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: passwd is written by getpwuid_r into `pw` with strings in
    // `buf`, which outlives their use below; `result` tells whether it was.
    unsafe {
        let mut pw: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            uid,
            &mut pw,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() || pw.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(pw.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}
