//! A real DNS server (Debian's `dnsmasq-base`) on a loopback port, holding
//! the TXT records of the sender tests (SPF, DKIM keys, DMARC policies).
//! Authoritative for the zones it is given: a name in them without a
//! record is `NXDOMAIN`, as on the Internet. [`DroppingResolver`] goes in
//! front of it to lose some queries and count them all.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "dns_drop.rs"]
mod dns_drop;
pub use dns_drop::{DroppingResolver, TXT};

/// A running dnsmasq; killed when dropped.
pub struct Dns {
    /// `127.0.0.1:port`, for `[smtp] dns_resolvers`.
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Dns {
    /// Serves `records` (name, TXT text; a text longer than 255 bytes is
    /// cut into several character-strings, RFC 7208 §3.3 and RFC 6376
    /// §3.6.2.2) for the `zones` it answers for.
    pub fn start(zones: &[&str], records: &[(&str, &str)]) -> Dns {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::free_addr().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut conf = format!(
            "port={port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\nkeep-in-foreground\ncache-size=0\nlocal-ttl=300\nlog-queries\nlog-facility={}\npid-file=\n",
            dir.path().join("dnsmasq.log").display()
        );
        for z in zones {
            conf.push_str(&format!("local=/{z}/\n"));
        }
        for (name, text) in records {
            let chunks: Vec<String> = text
                .as_bytes()
                .chunks(255)
                .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
                .collect();
            conf.push_str(&format!("txt-record={name},{}\n", chunks.join(",")));
        }
        let conf_path = dir.path().join("dnsmasq.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("dnsmasq")
            .arg(format!("--conf-file={}", conf_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting dnsmasq (Debian package dnsmasq-base)");
        let dns = Dns {
            addr,
            dir,
            child: Some(child),
        };
        dns.wait_ready();
        dns
    }

    /// Waits until a query for a name of ours gets an answer.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        // A query for `ready.invalid` TXT: any answer means it listens.
        let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in ["ready", "invalid"] {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, 16, 0, 1]);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            let _ = sock.send_to(&q, self.addr);
            if sock.recv_from(&mut buf).is_ok() {
                return;
            }
        }
        panic!("dnsmasq does not answer on {}: {}", self.addr, self.log());
    }

    /// dnsmasq's log (each query it answered).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dnsmasq.log")).unwrap_or_default()
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
