//! A real clamd (Debian's `clamav-daemon`) on a unix socket in a temp
//! directory, with a signature database the test writes: an MD5 hash
//! signature (`.hdb`, ClamAV's "Creating signatures" guide: `md5:size:Name`)
//! of a generated file. No network, no official database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The name of the test's signature.
pub const SIGNATURE: &str = "Ecluse.Test.Sample-1";

/// The generated file the signature matches: harmless text no real mail carries.
pub fn sample() -> Vec<u8> {
    let mut v = b"Echantillon de test Ecluse pour ClamAV, signature de hachage.\n".to_vec();
    for i in 0..64u32 {
        v.extend_from_slice(
            format!("ligne {i:02} {:08x}\n", i.wrapping_mul(2_654_435_761)).as_bytes(),
        );
    }
    v
}

/// A running clamd; killed when dropped.
pub struct Clamd {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Clamd {
    /// Writes the database and the configuration, starts clamd and waits
    /// until it answers `PING`.
    pub fn start() -> Clamd {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        std::fs::create_dir(&db).unwrap();
        let sample = sample();
        let md5 = md5_hex(&sample);
        std::fs::write(
            db.join("ecluse-test.hdb"),
            format!("{md5}:{}:{SIGNATURE}\n", sample.len()),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("clamd.conf"),
            format!(
                "LocalSocket {sock}\nDatabaseDirectory {db}\nTemporaryDirectory {tmp}\nForeground yes\nLogFile {log}\nLogTime yes\n",
                sock = dir.path().join("clamd.sock").display(),
                db = db.display(),
                tmp = dir.path().display(),
                log = dir.path().join("clamd.log").display(),
            ),
        )
        .unwrap();
        let mut c = Clamd { dir, child: None };
        c.restart();
        c
    }

    /// `unix:<socket>`, for `[scanner.clamav] address`.
    pub fn address(&self) -> String {
        format!("unix:{}", self.socket().display())
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("clamd.sock")
    }

    /// Starts clamd again (after [`Clamd::stop`]).
    pub fn restart(&mut self) {
        let child = Command::new("clamd")
            .arg(format!(
                "--config-file={}",
                self.dir.path().join("clamd.conf").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting clamd (Debian package clamav-daemon)");
        self.child = Some(child);
        let start = Instant::now();
        while !ping(&self.socket()) {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("clamd exited with {status}: {}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "clamd did not answer: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills clamd and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// clamd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("clamd.log")).unwrap_or_default()
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn ping(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"zPING\0").is_err() {
        return false;
    }
    let mut answer = [0u8; 5];
    s.read_exact(&mut answer).is_ok() && &answer[..4] == b"PONG"
}

/// MD5 in lower-case hex (`md5sum`), by the system's coreutils.
fn md5_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
