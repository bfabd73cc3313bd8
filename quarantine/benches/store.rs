//! How many 200 KB messages per second the store holds durably with 32
//! writers (each `accept` returns only after its group-commit flush), next
//! to the disk's own limit measured in the same run: the same bytes written
//! to a plain file with `fdatasync` in large batches. Also the store's disk
//! use per held message.
//!
//! `cargo bench -p ecluse-quarantine` (`ECLUSE_BENCH_MESSAGES=N` to change
//! the count, default 3,200).

use ecluse_quarantine::{
    Delivery, Envelope, HeldItem, HeldPart, Incoming, ItemId, Payload, Purpose, QueueId, Status,
    Store,
};
use ecluse_scanner::{Category, Engine, Limits};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

const WRITERS: usize = 32;
const SIZE: usize = 200_000;

fn message(n: usize) -> Vec<u8> {
    // Incompressible-looking bytes, different per message.
    let mut x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut body = Vec::with_capacity(SIZE);
    body.extend_from_slice(format!("Subject: bench {n}\r\n\r\n").as_bytes());
    while body.len() < SIZE {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        body.extend_from_slice(&x.to_le_bytes());
    }
    body.truncate(SIZE);
    body
}

fn main() {
    let count: usize = std::env::var("ECLUSE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3200);
    let per_writer = count / WRITERS;
    let count = per_writer * WRITERS;
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();

    // A report like the gateway's for a held attachment.
    let sample = message(0);
    let report = Arc::new(ecluse_scanner::scan(
        &Engine::builtin(),
        &Limits::default(),
        &sample,
    ));

    // 1. The disk's limit: the same bytes, one file, fdatasync every 8 MB.
    let raw_dir = tempfile::tempdir_in(base).unwrap();
    let messages: Vec<Vec<u8>> = (0..WRITERS).map(message).collect();
    let start = Instant::now();
    {
        let mut f = std::fs::File::create(raw_dir.path().join("plain")).unwrap();
        let mut pending = 0;
        for n in 0..count {
            f.write_all(&messages[n % WRITERS]).unwrap();
            pending += SIZE;
            if pending >= 8 << 20 {
                f.sync_data().unwrap();
                pending = 0;
            }
        }
        f.sync_data().unwrap();
    }
    let raw_secs = start.elapsed().as_secs_f64();
    let raw_mbs = (count * SIZE) as f64 / raw_secs / 1e6;

    // 2. The store: 32 writers, each message held (one item, one delivery).
    let dir = tempfile::tempdir_in(base).unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let start = Instant::now();
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, report, bytes) = (store.clone(), report.clone(), messages[w].clone());
            std::thread::spawn(move || {
                for _ in 0..per_writer {
                    let now = store.now();
                    let queue_id = QueueId::new();
                    let rcpt = "agent@ville-exemple.fr".to_string();
                    let item = HeldItem {
                        id: ItemId::new(),
                        queue_id,
                        recipient: rcpt.clone(),
                        part: Some(HeldPart {
                            path: "2".into(),
                            filename: Some("facture.docm".into()),
                            detected_type: "application/vnd.ms-word.document.macroEnabled.12"
                                .into(),
                            size: SIZE as u64,
                            sha256: "0".repeat(64),
                        }),
                        category: Category::Macro,
                        categories: vec![Category::Macro],
                        reasons: vec!["2: Office document with a VBA project".into()],
                        self_release: false,
                        status: Status::Held,
                        created_at: now,
                        expires_at: now,
                        request: None,
                        decision: None,
                        info: report.message.clone(),
                        mail_from: "x@example.org".into(),
                        purged: false,
                        tenant: ecluse_quarantine::DEFAULT_TENANT.into(),
                    };
                    let delivery = Delivery::new(
                        Purpose::Inbound,
                        "x@example.org".into(),
                        vec![rcpt.clone()],
                        Payload::Stored {
                            queue_id,
                            prepend: b"Received: bench\r\n".to_vec(),
                            cuts: vec![],
                        },
                        now,
                    );
                    store
                        .accept(Incoming {
                            id: queue_id,
                            envelope: Envelope {
                                client_ip: "192.0.2.1".into(),
                                helo: "bench".into(),
                                mail_from: "x@example.org".into(),
                                rcpts: vec![rcpt],
                                received_at: now,
                                tls: false,
                            },
                            message: &bytes,
                            report: &report,
                            items: vec![item],
                            deliveries: vec![delivery],
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    store.sync().unwrap();
    let rate = count as f64 / secs;
    let mbs = (count * SIZE) as f64 / secs / 1e6;
    let disk = store.disk_bytes().unwrap() as f64 / count as f64;

    println!(
        "store: {count} messages of {} KB held durably by {WRITERS} writers",
        SIZE / 1000
    );
    println!("  store            {rate:>8.0} msg/s  {mbs:>7.1} MB/s  ({secs:.2} s)");
    println!(
        "  plain fdatasync  {:>8.0} msg/s  {raw_mbs:>7.1} MB/s  ({raw_secs:.2} s, 8 MB batches)",
        count as f64 / raw_secs
    );
    println!(
        "  ratio            {:.2} of the disk's limit (target at least 0.50)",
        mbs / raw_mbs
    );
    println!(
        "  disk use         {:.0} bytes per held message = {:.2}x its size (target under 1.5x)",
        disk,
        disk / SIZE as f64
    );
}
