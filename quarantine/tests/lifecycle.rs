//! Every transition of a held item through the public API, on a real store
//! in a temp dir: the legal ones, the illegal ones, two admins at once, a
//! restart in the middle, expiry under a clock the test moves, and a
//! tampered audit entry. Each test runs twice: on sled (`on_sled::…`) and
//! on a throwaway PostgreSQL server (`on_postgres::…`), the two backends of
//! the one store API.

#[path = "../../tests/src/postgres.rs"]
mod postgres;

use ecluse_quarantine::{
    Actor, AuditAction, Authority, Backend, Delivery, Envelope, Error, HeldItem, HeldPart,
    Incoming, ItemFilter, ItemId, Notifications, Payload, PgOptions, Purpose, QueueId, Status,
    Store,
};
use ecluse_scanner::{Category, Engine, Limits, Report};
use jiff::{Timestamp, ToSpan};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

const AGENT: &str = "agent@ville-exemple.fr";
const RAW: &[u8] = b"From: a@example.org\r\nTo: agent@ville-exemple.fr\r\nSubject: Facture\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoici.\r\n--b\r\nContent-Type: application/octet-stream; name=\"a.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n";

fn report() -> Report {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ecluse_scanner::scan(ENGINE.get_or_init(Engine::builtin), &Limits::default(), RAW)
}

/// A clock the test moves.
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new() -> (TestClock, ecluse_quarantine::Clock) {
        let t = Arc::new(AtomicI64::new(Timestamp::now().as_second()));
        let c = t.clone();
        (
            TestClock(t),
            Arc::new(move || Timestamp::from_second(c.load(Ordering::SeqCst)).unwrap()),
        )
    }
    fn advance_days(&self, days: i64) {
        self.0.fetch_add(days * 86400, Ordering::SeqCst);
    }
}

/// Where a test's store lives: a temp dir for sled, plus a throwaway
/// PostgreSQL server for the other backend.
struct Bk {
    dir: tempfile::TempDir,
    pg: Option<postgres::Postgres>,
}

impl Bk {
    fn sled() -> Bk {
        Bk {
            dir: tempfile::tempdir().unwrap(),
            pg: None,
        }
    }

    fn postgres() -> Bk {
        Bk {
            dir: tempfile::tempdir().unwrap(),
            pg: Some(postgres::Postgres::start()),
        }
    }

    fn backend(&self) -> Backend {
        match &self.pg {
            None => Backend::Sled,
            Some(pg) => Backend::Postgres(PgOptions {
                url: pg.url(),
                ca_file: None,
                password_file: None,
                pool_size: 8,
            }),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn open(bk: &Bk, clock: ecluse_quarantine::Clock) -> Store {
    let store = Store::open_backend(bk.path(), &bk.backend(), clock).unwrap();
    store.set_notifications(Notifications {
        hostname: "mx.ville-exemple.fr".into(),
        public_url: "https://q.ville-exemple.fr".into(),
        admins: vec!["dsi@ville-exemple.fr".into()],
        tenant_admins: Default::default(),
    });
    store
}

/// Holds the attachment of [`RAW`] for `rcpts`; returns the item ids.
fn hold(store: &Store, rcpts: &[&str], self_release: bool) -> (QueueId, Vec<ItemId>) {
    hold_for(store, rcpts, self_release, &[Category::Executable], false)
}

/// The same, held for `categories` (the first decides); the whole message
/// when `whole`.
fn hold_for(
    store: &Store,
    rcpts: &[&str],
    self_release: bool,
    categories: &[Category],
    whole: bool,
) -> (QueueId, Vec<ItemId>) {
    let report = report();
    let now = store.now();
    let queue_id = QueueId::new();
    let items: Vec<HeldItem> = rcpts
        .iter()
        .map(|r| HeldItem {
            id: ItemId::new(),
            queue_id,
            recipient: r.to_string(),
            part: (!whole).then(|| HeldPart {
                path: "2".into(),
                filename: Some("a.exe".into()),
                detected_type: "application/x-msdownload".into(),
                size: 64,
                sha256: String::new(),
            }),
            category: categories[0],
            categories: categories.to_vec(),
            reasons: vec!["2: a Windows program".into()],
            self_release,
            status: Status::Held,
            created_at: now,
            expires_at: now.checked_add((30 * 24).hours()).unwrap(),
            request: None,
            decision: None,
            info: report.message.clone(),
            mail_from: "a@example.org".into(),
            purged: false,
            tenant: ecluse_quarantine::DEFAULT_TENANT.to_string(),
        })
        .collect();
    let ids = items.iter().map(|i| i.id).collect();
    let deliveries = rcpts
        .iter()
        .map(|r| {
            Delivery::new(
                Purpose::Inbound,
                "a@example.org".into(),
                vec![r.to_string()],
                Payload::Stored {
                    queue_id,
                    prepend: b"Received: test\r\n".to_vec(),
                    cuts: vec![],
                },
                now,
            )
        })
        .collect();
    store
        .accept(Incoming {
            id: queue_id,
            envelope: Envelope {
                client_ip: "192.0.2.1".into(),
                helo: "x".into(),
                mail_from: "a@example.org".into(),
                rcpts: rcpts.iter().map(|r| r.to_string()).collect(),
                received_at: now,
                tls: false,
            },
            message: RAW,
            report: &report,
            items,
            deliveries,
        })
        .unwrap();
    (queue_id, ids)
}

fn agent() -> Actor {
    Actor::person(AGENT, "198.51.100.4")
}
fn admin() -> Actor {
    Actor::person("dsi@ville-exemple.fr", "198.51.100.9")
}

fn releases(store: &Store) -> Vec<Delivery> {
    store
        .deliveries()
        .unwrap()
        .into_iter()
        .filter(|d| matches!(d.purpose, Purpose::Release { .. }))
        .collect()
}
fn notifications_to(store: &Store, to: &str) -> usize {
    store
        .deliveries()
        .unwrap()
        .iter()
        .filter(|d| d.purpose == Purpose::Notification && d.rcpts == [to])
        .count()
}

fn request_then_admin_release_delivers_the_original_and_tells_everyone(dir: &Bk) {
    let store = open(dir, TestClock::new().1);
    let (qid, ids) = hold(&store, &[AGENT], false);
    let item = store
        .request_release(ids[0], &agent(), "J'attends cette facture")
        .unwrap();
    assert_eq!(item.status, Status::Requested);
    assert_eq!(notifications_to(&store, "dsi@ville-exemple.fr"), 1);
    let item = store
        .release(
            ids[0],
            &admin(),
            "vérifié avec l'expéditeur",
            Authority::Admin,
        )
        .unwrap();
    assert_eq!(item.status, Status::Released);
    let rel = releases(&store);
    assert_eq!(rel.len(), 1);
    assert_eq!(rel[0].rcpts, [AGENT]);
    let bytes = store.delivery_bytes(&rel[0]).unwrap();
    let header = format!(
        "X-Ecluse-Released: {}; by=dsi@ville-exemple.fr; at=",
        ids[0]
    );
    assert!(
        bytes.starts_with(header.as_bytes()),
        "{}",
        String::from_utf8_lossy(&bytes[..200])
    );
    assert!(bytes.ends_with(RAW), "the original, unmodified");
    assert_eq!(notifications_to(&store, AGENT), 1);
    let actions: Vec<AuditAction> = store
        .audit_entries(None)
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::Held,
            AuditAction::Requested,
            AuditAction::Released
        ]
    );
    assert!(store.message_bytes(qid).is_ok());
}

fn deny_after_request_tells_the_agent_and_delivers_nothing(dir: &Bk) {
    let store = open(dir, TestClock::new().1);
    let (_, ids) = hold(&store, &[AGENT], false);
    store.request_release(ids[0], &agent(), "besoin").unwrap();
    let item = store.deny(ids[0], &admin(), "programme inconnu").unwrap();
    assert_eq!(item.status, Status::Denied);
    assert_eq!(item.decision.unwrap().comment, "programme inconnu");
    assert!(releases(&store).is_empty());
    assert_eq!(notifications_to(&store, AGENT), 1);
}

/// The text of the one notification mail to `to` (its base64 body decoded).
fn notification_text(store: &Store, to: &str) -> String {
    use base64::Engine as _;
    let mail: Vec<Delivery> = store
        .deliveries()
        .unwrap()
        .into_iter()
        .filter(|d| d.purpose == Purpose::Notification && d.rcpts == [to])
        .collect();
    assert_eq!(mail.len(), 1, "one notification to {to}");
    let bytes = store.delivery_bytes(&mail[0]).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (_, body) = text.split_once("\r\n\r\n").expect("headers, then the body");
    let b64: String = body.split_whitespace().collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
    .replace("\r\n", "\n")
}

/// Issue 29: the admins' mail about a request named only the first reason
/// of an item held for several. It names them all, in the plural; one
/// reason keeps the singular.
#[test]
fn the_request_mail_gives_every_reason_the_item_was_held_for() {
    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold_for(
        &store,
        &[AGENT],
        false,
        &[Category::Macro, Category::UnscannableArchive],
        false,
    );
    store.request_release(ids[0], &agent(), "facture attendue").unwrap();
    let text = notification_text(&store, "dsi@ville-exemple.fr");
    assert!(
        text.contains(
            "Raisons de la retenue : document avec macros ; archive impossible à analyser\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Held because: document with macros; archive that cannot be analysed\n"),
        "{text}"
    );

    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold(&store, &[AGENT], false);
    store.request_release(ids[0], &agent(), "facture attendue").unwrap();
    let text = notification_text(&store, "dsi@ville-exemple.fr");
    assert!(
        text.contains("Raison de la retenue : programme exécutable\n")
            && text.contains("Held because: executable program\n"),
        "{text}"
    );
    assert!(!text.contains("Raisons"), "{text}");

    // A message held whole is asked for as a message, not an attachment.
    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold_for(&store, &[AGENT], false, &[Category::MimeAmbiguity], true);
    store.request_release(ids[0], &agent(), "attendu").unwrap();
    let text = notification_text(&store, "dsi@ville-exemple.fr");
    assert!(
        text.contains("demande la libération d'un message retenu en entier.\n")
            && text.contains("Message : le message entier / whole message\n")
            && text.contains("Raison de la retenue : structure du message ambiguë\n")
            && text.contains("asks for the release of a message held whole.\n")
            && !text.contains("pièce jointe"),
        "{text}"
    );
}

/// The decision mails name a message held whole by its subject, never
/// « « le message entier » », and the attachment when one was held.
#[test]
fn the_decision_mails_name_a_whole_message_by_its_subject() {
    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold_for(&store, &[AGENT], false, &[Category::MimeAmbiguity], true);
    store.request_release(ids[0], &agent(), "attendu").unwrap();
    store
        .release(ids[0], &admin(), "vérifié", Authority::Admin)
        .unwrap();
    let text = notification_text(&store, AGENT);
    assert!(
        text.contains("Votre demande a été acceptée : le message « Facture » vous a été remis.")
            && text.contains("the message \"Facture\" was delivered to you")
            && !text.contains("le message entier")
            && !text.contains("pièce jointe"),
        "{text}"
    );

    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold_for(&store, &[AGENT], false, &[Category::MimeAmbiguity], true);
    store.request_release(ids[0], &agent(), "attendu").unwrap();
    store.deny(ids[0], &admin(), "structure trompeuse").unwrap();
    let text = notification_text(&store, AGENT);
    assert!(
        text.contains("Votre demande pour le message « Facture » a été refusée.")
            && !text.contains("le message entier"),
        "{text}"
    );

    let bk = Bk::sled();
    let store = open(&bk, TestClock::new().1);
    let (_, ids) = hold(&store, &[AGENT], false);
    store.request_release(ids[0], &agent(), "attendu").unwrap();
    store.release(ids[0], &admin(), "", Authority::Admin).unwrap();
    let text = notification_text(&store, AGENT);
    assert!(text.contains("le message qui contenait « a.exe » vous a été remis"), "{text}");
}

fn illegal_transitions_say_why(dir: &Bk) {
    let store = open(dir, TestClock::new().1);
    let (_, ids) = hold(&store, &[AGENT, "autre@ville-exemple.fr"], false);
    let id = ids[0];
    // Only the recipient asks, with a reason.
    assert!(matches!(
        store.request_release(id, &Actor::person("autre@ville-exemple.fr", "x"), "r"),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        store.request_release(id, &agent(), "  "),
        Err(Error::IllegalTransition { .. })
    ));
    // Self-release is refused when the policy does not allow it.
    let e = store
        .release(id, &agent(), "", Authority::Recipient)
        .unwrap_err();
    assert!(e.to_string().contains("ask an admin"), "{e}");
    store.request_release(id, &agent(), "r").unwrap();
    let e = store.request_release(id, &agent(), "again").unwrap_err();
    assert!(e.to_string().contains("already waiting"), "{e}");
    // Deny needs a reason; then no second decision.
    assert!(matches!(
        store.deny(id, &admin(), ""),
        Err(Error::IllegalTransition { .. })
    ));
    store.deny(id, &admin(), "non").unwrap();
    for e in [
        store
            .release(id, &admin(), "", Authority::Admin)
            .unwrap_err(),
        store.deny(id, &admin(), "encore").unwrap_err(),
        store.request_release(id, &agent(), "r").unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                Error::IllegalTransition {
                    status: Status::Denied,
                    ..
                }
            ),
            "{e}"
        );
    }
    assert!(matches!(
        store.release(ItemId::new(), &admin(), "", Authority::Admin),
        Err(Error::NoSuchItem(_))
    ));
    // The other recipient's item is untouched.
    assert_eq!(store.item(ids[1]).unwrap().status, Status::Held);
}

fn self_release_where_the_policy_allows_it(dir: &Bk) {
    let store = open(dir, TestClock::new().1);
    let (_, ids) = hold(&store, &[AGENT], true);
    let item = store
        .release(ids[0], &agent(), "", Authority::Recipient)
        .unwrap();
    assert_eq!(item.status, Status::Released);
    assert_eq!(releases(&store).len(), 1);
    assert_eq!(
        notifications_to(&store, AGENT),
        0,
        "no request, no answer mail"
    );
}

fn two_admins_at_once_one_decision_one_delivery(dir: &Bk) {
    let store = Arc::new(open(dir, TestClock::new().1));
    for _ in 0..5 {
        let (_, ids) = hold(&store, &[AGENT], false);
        let id = ids[0];
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let (store, barrier) = (store.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let who = Actor::person(format!("admin{n}@ville-exemple.fr"), "x");
                    if n % 2 == 0 {
                        store.release(id, &who, "ok", Authority::Admin).is_ok()
                    } else {
                        store.deny(id, &who, "non").is_ok()
                    }
                })
            })
            .collect();
        let outcomes: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o).count(), 1, "{outcomes:?}");
        let released = releases(&store)
            .iter()
            .filter(|d| d.purpose == Purpose::Release { item: id })
            .count();
        let status = store.item(id).unwrap().status;
        assert_eq!(released, usize::from(status == Status::Released));
    }
}

fn a_restart_in_the_middle_loses_nothing(dir: &Bk) {
    let (qid, ids) = {
        let store = open(dir, TestClock::new().1);
        let held = hold(&store, &[AGENT], false);
        store
            .request_release(held.1[0], &agent(), "besoin")
            .unwrap();
        held
        // dropped without any shutdown step
    };
    let store = open(dir, TestClock::new().1);
    let item = store.item(ids[0]).unwrap();
    assert_eq!(item.status, Status::Requested);
    assert_eq!(store.message_bytes(qid).unwrap(), RAW);
    assert_eq!(store.report(qid).unwrap().action, report().action);
    store
        .release(ids[0], &admin(), "ok", Authority::Admin)
        .unwrap();
    assert_eq!(releases(&store).len(), 1);
    assert_eq!(store.audit_verify(|_, _| {}).unwrap().broken, None);
    assert_eq!(store.audit_entries(None).unwrap().len(), 3);
}

fn expiry_under_a_moving_clock_purges_bytes_and_keeps_a_tombstone(dir: &Bk) {
    let (clock, c) = TestClock::new();
    let store = open(dir, c);
    let (q_open, open_ids) = hold(&store, &[AGENT], false);
    let (q_denied, denied_ids) = hold(&store, &[AGENT], false);
    store.deny(denied_ids[0], &admin(), "non").unwrap();
    // Inbound deliveries hold the bytes too: deliver them first.
    for d in store.deliveries().unwrap() {
        store
            .finish_attempt(
                d.id,
                None,
                ecluse_quarantine::AttemptOutcome {
                    retry: None,
                    follow_ups: vec![],
                },
            )
            .unwrap();
    }
    clock.advance_days(29);
    assert_eq!(store.purge_expired(|_, _| {}).unwrap().purged, 0);
    assert!(store.message_bytes(q_open).is_ok());
    clock.advance_days(2);
    let p = store.purge_expired(|_, _| {}).unwrap();
    assert_eq!((p.expired, p.purged), (1, 2));
    assert_eq!(store.item(open_ids[0]).unwrap().status, Status::Expired);
    assert_eq!(store.item(denied_ids[0]).unwrap().status, Status::Denied);
    for q in [q_open, q_denied] {
        assert!(matches!(store.message_bytes(q), Err(Error::Purged(_))));
        assert!(store.message(q).is_ok(), "the record stays as a tombstone");
    }
    let e = store
        .release(open_ids[0], &admin(), "", Authority::Admin)
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::IllegalTransition {
                status: Status::Expired,
                ..
            }
        ),
        "{e}"
    );
    let actions: Vec<AuditAction> = store
        .audit_entries(None)
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::Purged)
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == AuditAction::Expired)
            .count(),
        1
    );
    // A second purge finds nothing.
    assert_eq!(store.purge_expired(|_, _| {}).unwrap().purged, 0);
    assert_eq!(
        store
            .items(&ItemFilter {
                status: Some(Status::Expired),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );
}

fn a_tampered_audit_entry_is_found(dir: &Bk) {
    {
        let store = open(dir, TestClock::new().1);
        let (_, ids) = hold(&store, &[AGENT], false);
        store.request_release(ids[0], &agent(), "besoin").unwrap();
        store.deny(ids[0], &admin(), "non").unwrap();
        assert_eq!(store.audit_verify(|_, _| {}).unwrap().broken, None);
    }
    // Someone with access to the database rewrites who denied entry 3.
    match &dir.pg {
        None => {
            let db = sled::open(dir.path().join("db")).unwrap();
            let audit = db.open_tree("audit").unwrap();
            let mut key = b"default\0".to_vec();
            key.extend_from_slice(&3u64.to_be_bytes());
            let v = audit.get(&key).unwrap().unwrap();
            let text = String::from_utf8(v[1..].to_vec())
                .unwrap()
                .replace("dsi@ville-exemple.fr", "someone@else.fr");
            let mut new = vec![v[0]];
            new.extend_from_slice(text.as_bytes());
            audit.insert(key, new).unwrap();
            db.flush().unwrap();
        }
        Some(pg) => {
            let changed = pg.psql(
                "ecluse",
                "UPDATE ecluse_kv SET v = substring(v from 1 for 1) || convert_to(replace(convert_from(substring(v from 2), 'UTF8'), 'dsi@ville-exemple.fr', 'someone@else.fr'), 'UTF8') \
                 WHERE tree = 6 AND k = '\\x64656661756c7400'::bytea || int8send(3) RETURNING 1",
            );
            assert_eq!(changed.lines().next(), Some("1"), "{changed}");
        }
    }
    let store = open(dir, TestClock::new().1);
    let check = store.audit_verify(|_, _| {}).unwrap();
    let (seq, why) = check.broken.expect("the change is found");
    assert_eq!(seq, 3);
    assert!(why.contains("changed"), "{why}");
}

/// Claims of the outbound queue: a claimed delivery is not claimed again
/// while its lease runs; once it runs out another relay takes it with a new
/// token, and the first relay's late result is dropped (fencing).
fn claims_are_exclusive_until_the_lease_runs_out_and_fenced(dir: &Bk) {
    let (clock, c) = TestClock::new();
    let store = open(dir, c);
    hold(&store, &[AGENT], false);
    let lease = std::time::Duration::from_secs(60);
    let first = store.claim_due(10, lease).unwrap();
    assert_eq!(first.len(), 1, "the inbound delivery is due");
    let token = first[0].lease.expect("a fencing token");
    assert!(store.claim_due(10, lease).unwrap().is_empty(), "leased");
    assert!(store.renew_lease(first[0].id, token, lease).unwrap());
    clock.0.fetch_add(61, Ordering::SeqCst);
    let second = store.claim_due(10, lease).unwrap();
    assert_eq!(second.len(), 1, "the lease ran out: claimed again");
    assert_ne!(second[0].lease, Some(token));
    assert!(!store.renew_lease(first[0].id, token, lease).unwrap());
    let done = ecluse_quarantine::AttemptOutcome {
        retry: None,
        follow_ups: vec![],
    };
    assert!(
        !store
            .finish_attempt(first[0].id, Some(token), done.clone())
            .unwrap(),
        "the stale claim's result is dropped"
    );
    assert_eq!(store.deliveries().unwrap().len(), 1);
    assert!(
        store
            .finish_attempt(second[0].id, second[0].lease, done)
            .unwrap()
    );
    assert!(store.deliveries().unwrap().is_empty());
}

/// Two nodes on one PostgreSQL database claiming at once take different
/// deliveries: every delivery is claimed exactly once.
fn two_nodes_claiming_at_once_take_each_delivery_once(dir: &Bk) {
    let a = Arc::new(open(dir, TestClock::new().1));
    let b = Arc::new(open(dir, TestClock::new().1));
    for _ in 0..60 {
        hold(&a, &[AGENT], false);
    }
    let lease = std::time::Duration::from_secs(300);
    let threads: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .map(|store| {
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let got = store.claim_due(7, lease).unwrap();
                    if got.is_empty() {
                        break mine;
                    }
                    mine.extend(got.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut all: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let n = all.len();
    all.sort_by_key(|id| id.to_string());
    all.dedup();
    assert_eq!((n, all.len()), (60, 60), "each delivery claimed once");
}

/// `ecluse store copy`: a sled store with held items, a decision, a
/// queued delivery and its audit chain, copied into PostgreSQL, reads the
/// same there: items, bytes, reports, deliveries, and a chain that verifies
/// and goes on.
fn a_sled_store_copied_to_postgres_reads_the_same(dir: &Bk) {
    let sled_dir = tempfile::tempdir().unwrap();
    let source = Store::open(sled_dir.path()).unwrap();
    let (qid, ids) = hold(&source, &[AGENT, "compta@ville-exemple.fr"], false);
    source.request_release(ids[0], &agent(), "besoin").unwrap();
    source
        .release(ids[0], &admin(), "ok", Authority::Admin)
        .unwrap();
    let dest = open(dir, TestClock::new().1);
    let stats = source.copy_to(&dest, |_, _| {}).unwrap();
    assert_eq!((stats.messages, stats.items), (1, 2));
    assert_eq!(stats.audit_entries, 4);
    assert_eq!(dest.message_bytes(qid).unwrap(), RAW);
    assert_eq!(dest.report(qid).unwrap().action, report().action);
    assert_eq!(dest.item(ids[0]).unwrap().status, Status::Released);
    assert_eq!(
        source.deliveries().unwrap().len(),
        dest.deliveries().unwrap().len()
    );
    for d in dest.deliveries().unwrap() {
        assert_eq!(
            dest.delivery_bytes(&d).unwrap(),
            source.delivery_bytes(&d).unwrap()
        );
    }
    dest.deny(ids[1], &admin(), "non").unwrap();
    let check = dest.audit_verify(|_, _| {}).unwrap();
    assert_eq!((check.entries, check.broken), (5, None));
    // A second copy into the same, now full, store is refused.
    let e = source.copy_to(&dest, |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("nothing was copied"), "{e}");
}

/// A delivery queued on one node wakes the relay of another (`LISTEN` /
/// `NOTIFY`), and a periodic job runs on one node at a time.
fn a_node_queueing_wakes_the_others_and_jobs_run_once(dir: &Bk) {
    let a = open(dir, TestClock::new().1);
    let b = open(dir, TestClock::new().1);
    let woken = Arc::new(AtomicI64::new(0));
    let w = woken.clone();
    a.listen_queue(Arc::new(move || {
        w.fetch_add(1, Ordering::SeqCst);
    }));
    // The listener calls once when it starts listening.
    let start = std::time::Instant::now();
    while woken.load(Ordering::SeqCst) == 0 && start.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let before = woken.load(Ordering::SeqCst);
    assert!(before >= 1, "listening");
    hold(&b, &[AGENT], false);
    while woken.load(Ordering::SeqCst) == before && start.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        woken.load(Ordering::SeqCst) > before,
        "node b's delivery woke node a"
    );
    // While a runs a job, b's attempt finds it taken.
    let inner = a.exclusive_job(|| b.exclusive_job(|| ()).unwrap()).unwrap();
    assert_eq!(inner, Some(None), "b did not run it while a did");
    assert_eq!(
        b.exclusive_job(|| 1).unwrap(),
        Some(1),
        "free again afterwards"
    );
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod on_sled {
            $( #[test] fn $name() { super::$name(&super::Bk::sled()) } )*
        }
        mod on_postgres {
            $( #[test] fn $name() { super::$name(&super::Bk::postgres()) } )*
            #[test]
            fn two_nodes_claiming_at_once_take_each_delivery_once() {
                super::two_nodes_claiming_at_once_take_each_delivery_once(&super::Bk::postgres())
            }
            #[test]
            fn a_node_queueing_wakes_the_others_and_jobs_run_once() {
                super::a_node_queueing_wakes_the_others_and_jobs_run_once(&super::Bk::postgres())
            }
            #[test]
            fn a_sled_store_copied_to_postgres_reads_the_same() {
                super::a_sled_store_copied_to_postgres_reads_the_same(&super::Bk::postgres())
            }
        }
    };
}

on_both!(
    request_then_admin_release_delivers_the_original_and_tells_everyone,
    deny_after_request_tells_the_agent_and_delivers_nothing,
    illegal_transitions_say_why,
    self_release_where_the_policy_allows_it,
    two_admins_at_once_one_decision_one_delivery,
    a_restart_in_the_middle_loses_nothing,
    expiry_under_a_moving_clock_purges_bytes_and_keeps_a_tombstone,
    a_tampered_audit_entry_is_found,
    claims_are_exclusive_until_the_lease_runs_out_and_fenced,
);

/// `[store] url` with `sslmode=require`: the server's certificate is
/// checked against `ca_file`; without TLS the server (hostssl only) refuses
/// the node, and with the system's roots the test CA is unknown.
#[test]
fn postgres_over_tls_checks_the_servers_certificate() {
    let pg = postgres::Postgres::start_tls();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgres://ecluse@127.0.0.1:{}/ecluse?sslmode=require",
        pg.port()
    );
    let with = |url: &str, ca_file: Option<std::path::PathBuf>| {
        Store::open_backend(
            dir.path(),
            &Backend::Postgres(PgOptions {
                url: url.to_string(),
                ca_file,
                password_file: None,
                pool_size: 4,
            }),
            TestClock::new().1,
        )
    };
    let store = with(&url, Some(pg.ca_file())).unwrap();
    hold(&store, &[AGENT], false);
    assert_eq!(store.items(&ItemFilter::default()).unwrap().len(), 1);
    drop(store);
    let plain = url.replace("sslmode=require", "sslmode=disable");
    let e = with(&plain, None).err().expect("no TLS: refused");
    assert!(matches!(e, Error::Database(_)), "{e}");
    let e = with(&url, None).err().expect("unknown CA: refused");
    assert!(
        e.to_string().contains("certificate") || e.to_string().contains("Certificate"),
        "{e}"
    );
}
