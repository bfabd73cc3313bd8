//! The store in PostgreSQL, for several Écluse nodes on one database.
//!
//! The same trees as in sled live in one table, `ecluse_kv (tree, k, v)`,
//! with the primary key `(tree, k)`: `bytea` compares as unsigned bytes,
//! as sled's keys do, so range and prefix scans keep their order. Message
//! bytes and reports live in the tree `blobs`, written in the same
//! transaction as the records that point at them: when the commit returns
//! (`synchronous_commit` on, PostgreSQL's default), both are durable.
//!
//! Changes run `SERIALIZABLE` and are retried on a serialisation failure
//! (SQLSTATE 40001) or a deadlock (40P01), so two nodes deciding the same
//! item are ordered as one node's writer lock orders them. The outbound
//! queue is claimed `READ COMMITTED` with `FOR UPDATE SKIP LOCKED`, so that
//! nodes take different deliveries instead of conflicting.
//!
//! The store's API is synchronous and is called from any thread, async
//! ones included; the connections live on a small runtime of their own, and
//! each operation is handed to it and waited for on a plain channel (never
//! a nested `block_on`).
//!
//! Schema changes are embedded ([`MIGRATIONS`]), numbered, and applied at
//! open under an advisory lock, so nodes starting together apply each once.

use super::kv::{Isolation, Pairs};
use crate::error::{Error, Result, TxError};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use rustls_pki_types::pem::PemObject;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

/// The schema, one step per version; version `n` is `MIGRATIONS[n - 1]`.
/// Never edit a step that has shipped: add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: the trees.
    "CREATE TABLE ecluse_kv (
        tree smallint NOT NULL,
        k bytea NOT NULL,
        v bytea NOT NULL,
        PRIMARY KEY (tree, k)
    )",
];

/// The advisory lock key under which migrations run (`'ecl' 'use'` in ASCII).
const MIGRATION_LOCK: i64 = 0x6563_6c75_7365_0001;

/// How long one statement (or a wait for a connection) may take before
/// the operation fails: a database that stopped answering must give the
/// SMTP client a `451`, not a hung session.
const OP_TIMEOUT: Duration = Duration::from_secs(15);

/// How many times a transaction is retried after serialisation failures.
const MAX_RETRIES: u32 = 64;

/// Where the PostgreSQL store is, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// A libpq-style URL, `postgres://user:password@host:port/db?sslmode=require`.
    pub url: String,
    /// A PEM file of the CA that signed the server's certificate, for
    /// `sslmode=require`; the system's roots when `None`.
    pub ca_file: Option<PathBuf>,
    /// A file holding the password (its first line), when the URL gives
    /// none: the configuration file then holds no secret.
    pub password_file: Option<PathBuf>,
    /// Connections per node.
    pub pool_size: usize,
}

impl PgOptions {
    /// Where the database is, for messages: `postgres://user@host:port/db`
    /// rebuilt from the parsed URL, so that no password is ever shown,
    /// whichever way the URL gives it (`user:password@`, `?password=`,
    /// `password=` in the key=value form). An unparsable URL shows as
    /// `(unparsable URL)`.
    pub fn redacted(&self) -> String {
        match self.url.parse::<tokio_postgres::Config>() {
            Ok(c) => describe(&c),
            Err(_) => "(unparsable URL)".into(),
        }
    }
}

fn describe(c: &tokio_postgres::Config) -> String {
    let ports = c.get_ports();
    let hosts: Vec<String> = c
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let host = match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(n).or(ports.first()) {
                Some(p) => format!("{host}:{p}"),
                None => host,
            }
        })
        .collect();
    format!(
        "postgres://{}@{}/{}",
        c.get_user().unwrap_or(""),
        hosts.join(","),
        c.get_dbname().unwrap_or("")
    )
}

/// The connection pool and the runtime it lives on.
pub(crate) struct PgDb {
    rt: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
    target: String,
    /// For the listening connection, outside the pool.
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

/// The channel on which a node that queues a delivery wakes the relays of
/// every node (`NOTIFY`, sent when its transaction commits).
pub const QUEUE_CHANNEL: &str = "ecluse_queue";

impl Drop for PgDb {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's async context panics.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

pub(crate) fn db_error(target: &str, e: impl std::fmt::Display) -> Error {
    Error::Database(format!("PostgreSQL {target}: {e}"))
}

/// An error with its causes, `outer: inner: innermost`: "error performing
/// TLS handshake" alone does not say that the certificate is unknown.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn is_conflict(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

impl PgDb {
    /// Connects (lazily: the pool opens connections on first use), then
    /// brings the schema up to date.
    pub fn connect(opts: &PgOptions) -> Result<PgDb> {
        let target = opts.redacted();
        let mut config: tokio_postgres::Config = opts
            .url
            .parse()
            .map_err(|e| Error::Database(format!("[store] url {target}: {e}")))?;
        if let Some(path) = &opts.password_file
            && config.get_password().is_none()
        {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Database(format!(
                    "[store] password_file {}: cannot read it: {e}",
                    path.display()
                ))
            })?;
            config.password(text.lines().next().unwrap_or("").trim_end());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("ecluse");
        }
        // Keep-alives find a server that vanished without a FIN.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        let tls = tls_connector(opts.ca_file.as_deref())?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                // A connection left inside a transaction, or broken, fails
                // `SELECT 1` once the transaction is rolled back or the
                // socket is gone, and is dropped.
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ecluse-pg")
            .enable_all()
            .build()
            .map_err(|e| Error::Database(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let handle = rt.handle().clone();
        let pool = {
            let _guard = rt.enter();
            Pool::builder(manager)
                .max_size(opts.pool_size.max(2))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(OP_TIMEOUT))
                .create_timeout(Some(Duration::from_secs(5)))
                .recycle_timeout(Some(Duration::from_secs(5)))
                .build()
                .map_err(|e| db_error(&target, e))?
        };
        let db = PgDb {
            rt: Some(rt),
            handle,
            pool,
            target,
            config,
            tls,
        };
        db.migrate()?;
        Ok(db)
    }

    /// Runs `fut` on the pool's runtime and waits for it from this thread.
    pub(crate) fn run<R: Send + 'static>(
        &self,
        fut: impl Future<Output = R> + Send + 'static,
    ) -> Result<R> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .map_err(|_| db_error(&self.target, "the connection runtime has stopped"))
    }

    /// A connection from the pool.
    fn conn(&self) -> Result<Object> {
        let pool = self.pool.clone();
        self.run(async move { pool.get().await })?
            .map_err(|e| db_error(&self.target, chain(&e)))
    }

    /// Runs one query on a pooled connection, outside any transaction.
    fn query(&self, sql: &'static str, params: Vec<Param>) -> Result<Vec<tokio_postgres::Row>> {
        let pool = self.pool.clone();
        let r = self.run(async move {
            let conn = pool.get().await.map_err(|e| chain(&e))?;
            let st = conn.prepare_cached(sql).await.map_err(|e| chain(&e))?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
            tokio::time::timeout(OP_TIMEOUT, conn.query(&st, &refs))
                .await
                .map_err(|_| format!("no answer within {}s", OP_TIMEOUT.as_secs()))?
                .map_err(|e| chain(&e))
        })?;
        r.map_err(|e| db_error(&self.target, e))
    }

    /// Brings the schema to [`MIGRATIONS`]' version under the migration
    /// lock. Errors when the database is newer than this build.
    pub fn migrate(&self) -> Result<u32> {
        let conn = Arc::new(self.conn()?);
        let c = conn.clone();
        let r = self.run(async move {
            c.batch_execute(&format!(
                "SELECT pg_advisory_lock({MIGRATION_LOCK});
                 CREATE TABLE IF NOT EXISTS ecluse_schema (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                 )"
            ))
            .await?;
            let row = c
                .query_one("SELECT coalesce(max(version), 0) FROM ecluse_schema", &[])
                .await?;
            let found: i32 = row.get(0);
            let mut applied = 0;
            for (n, step) in MIGRATIONS.iter().enumerate() {
                let version = n as i32 + 1;
                if version <= found {
                    continue;
                }
                c.batch_execute(&format!(
                    "BEGIN; {step}; INSERT INTO ecluse_schema (version) VALUES ({version}); COMMIT"
                ))
                .await?;
                applied += 1;
            }
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .await?;
            Ok::<_, tokio_postgres::Error>((found, applied))
        })?;
        let (found, applied) = r.map_err(|e| db_error(&self.target, chain(&e)))?;
        if found as usize > MIGRATIONS.len() {
            return Err(Error::Database(format!(
                "PostgreSQL {}: the schema is at version {found}, newer than this Écluse knows ({}); upgrade Écluse on this node",
                self.target,
                MIGRATIONS.len()
            )));
        }
        if applied > 0 {
            tracing::info!(
                database = %self.target,
                from = found,
                to = MIGRATIONS.len(),
                "PostgreSQL schema brought up to date"
            );
        }
        Ok(MIGRATIONS.len() as u32)
    }

    /// Calls `wake` whenever any node queues a delivery (`LISTEN` on
    /// [`QUEUE_CHANNEL`]), on a connection of its own that is opened again
    /// after a failure (and `wake` called then too, for what was missed),
    /// until the store is dropped.
    pub fn listen_queue(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) {
        let (config, tls, target) = (self.config.clone(), self.tls.clone(), self.target.clone());
        self.handle.spawn(async move {
            let mut logged = false;
            loop {
                match config.connect(tls.clone()).await {
                    Ok((client, mut conn)) => {
                        let driver = async {
                            loop {
                                match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
                                    Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => wake(),
                                    Some(Ok(_)) => {}
                                    Some(Err(_)) | None => return,
                                }
                            }
                        };
                        tokio::pin!(driver);
                        let listen = format!("LISTEN {QUEUE_CHANNEL}");
                        let listening = tokio::select! {
                            r = client.batch_execute(&listen) => r.is_ok(),
                            _ = &mut driver => false,
                        };
                        if listening {
                            if logged {
                                tracing::info!(database = %target, "listening for queued deliveries again");
                                logged = false;
                            }
                            wake();
                            driver.await;
                        }
                        drop(client);
                    }
                    Err(e) => {
                        if !logged {
                            tracing::warn!(database = %target, error = %e, "cannot listen for queued deliveries; the relay polls meanwhile");
                            logged = true;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Runs `f` if no other node runs a job under `key` (a session
    /// advisory lock, held on one pooled connection for the job's length);
    /// `None` when another node holds it.
    pub fn exclusive<R>(&self, key: i64, f: impl FnOnce() -> R) -> Result<Option<R>> {
        let conn = Arc::new(self.conn()?);
        let c = conn.clone();
        let got = self
            .run(async move {
                c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                    .await
                    .map(|r| r.get::<_, bool>(0))
            })?
            .map_err(|e| db_error(&self.target, e))?;
        if !got {
            return Ok(None);
        }
        let r = f();
        let c = conn.clone();
        let unlocked =
            self.run(async move { c.query_one("SELECT pg_advisory_unlock($1)", &[&key]).await });
        if !matches!(unlocked, Ok(Ok(_)))
            && let Ok(obj) = Arc::try_unwrap(conn)
        {
            // The lock may still be held: close the session, which frees it.
            drop(Object::take(obj));
        }
        Ok(Some(r))
    }

    /// The database's clock.
    pub fn now(&self) -> Result<jiff::Timestamp> {
        let rows = self.query(
            "SELECT (extract(epoch from clock_timestamp()) * 1000000)::bigint",
            vec![],
        )?;
        let micros: i64 = rows[0].get(0);
        jiff::Timestamp::from_microsecond(micros).map_err(|e| db_error(&self.target, e))
    }

    /// Whether the database takes writes, for `/healthz`: it answers,
    /// the store's table is there, and it is not read-only (a standby, or
    /// `default_transaction_read_only`).
    pub fn ping(&self) -> Result<()> {
        let rows = self.query(
            "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off',
                    (SELECT count(*) FROM (SELECT 1 FROM ecluse_kv LIMIT 1) AS t)",
            vec![],
        )?;
        if rows[0].get::<_, bool>(0) {
            Ok(())
        } else {
            Err(db_error(
                &self.target,
                "the database is read-only (a standby, or read-only transactions): no mail can be accepted",
            ))
        }
    }

    /// Bytes the store's table takes, its indexes and TOAST included.
    pub fn size(&self) -> Result<u64> {
        let rows = self.query("SELECT pg_total_relation_size('ecluse_kv')", vec![])?;
        Ok(rows[0].get::<_, i64>(0).max(0) as u64)
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn get(&self, tree: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let rows = self.query(SQL_GET, key_params(tree, key))?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    pub fn insert(&self, tree: usize, key: &[u8], value: &[u8]) -> Result<()> {
        self.query(SQL_PUT, pair_params(tree, key, value))?;
        Ok(())
    }

    /// Inserts unless the key exists; true when inserted.
    pub fn insert_new(&self, tree: usize, key: &[u8], value: &[u8]) -> Result<bool> {
        let rows = self.query(
            "INSERT INTO ecluse_kv (tree, k, v) VALUES ($1, $2, $3)
             ON CONFLICT (tree, k) DO NOTHING RETURNING 1",
            pair_params(tree, key, value),
        )?;
        Ok(!rows.is_empty())
    }

    pub fn remove(&self, tree: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let rows = self.query(SQL_REMOVE, key_params(tree, key))?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    pub fn clear(&self, tree: usize) -> Result<()> {
        self.query(
            "DELETE FROM ecluse_kv WHERE tree = $1",
            vec![Param::Tree(tree as i16)],
        )?;
        Ok(())
    }

    pub fn len(&self, tree: usize) -> Result<usize> {
        let rows = self.query(
            "SELECT count(*) FROM ecluse_kv WHERE tree = $1",
            vec![Param::Tree(tree as i16)],
        )?;
        Ok(rows[0].get::<_, i64>(0) as usize)
    }

    /// Keys and values of `tree` in `[start, end)`, in key order (reversed
    /// when `rev`), at most `limit`.
    pub fn scan(
        &self,
        tree: usize,
        start: &[u8],
        end: Option<&[u8]>,
        rev: bool,
        limit: usize,
    ) -> Result<Pairs> {
        let sql = if rev {
            "SELECT k, v FROM ecluse_kv WHERE tree = $1 AND k >= $2 AND ($3::bytea IS NULL OR k < $3)
             ORDER BY k DESC LIMIT $4"
        } else {
            "SELECT k, v FROM ecluse_kv WHERE tree = $1 AND k >= $2 AND ($3::bytea IS NULL OR k < $3)
             ORDER BY k LIMIT $4"
        };
        let rows = self.query(
            sql,
            vec![
                Param::Tree(tree as i16),
                Param::Bytes(start.to_vec()),
                Param::OptBytes(end.map(<[u8]>::to_vec)),
                Param::Limit(limit.min(i64::MAX as usize) as i64),
            ],
        )?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Runs `f` as one transaction, retried on serialisation failures.
    pub fn transaction<R>(
        &self,
        isolation: Isolation,
        f: impl Fn(&PgTx<'_>) -> Result<R, TxError>,
    ) -> Result<R> {
        let begin = match isolation {
            Isolation::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            Isolation::ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let conn = Arc::new(self.conn()?);
            let tx = PgTx { db: self, conn };
            tx.exec_batch(begin).map_err(|e| match e {
                TxError::Abort(e) => e,
                _ => db_error(&self.target, "cannot begin a transaction"),
            })?;
            let outcome = f(&tx).and_then(|r| tx.exec_batch("COMMIT").map(|()| r));
            match outcome {
                Ok(r) => return Ok(r),
                Err(e) => {
                    let rolled_back = tx.exec_batch("ROLLBACK").is_ok();
                    let PgTx { conn, .. } = tx;
                    if !rolled_back && let Ok(obj) = Arc::try_unwrap(conn) {
                        // Its state is unknown: never back into the pool.
                        drop(Object::take(obj));
                    }
                    match e {
                        TxError::Conflict if attempt < MAX_RETRIES => {
                            std::thread::sleep(Duration::from_millis((attempt as u64 * 3).min(50)));
                            continue;
                        }
                        TxError::Conflict => {
                            return Err(db_error(
                                &self.target,
                                format!("transaction still conflicting after {attempt} attempts"),
                            ));
                        }
                        TxError::Abort(e) => return Err(e),
                    }
                }
            }
        }
    }
}

const SQL_GET: &str = "SELECT v FROM ecluse_kv WHERE tree = $1 AND k = $2";
const SQL_PUT: &str = "INSERT INTO ecluse_kv (tree, k, v) VALUES ($1, $2, $3)
    ON CONFLICT (tree, k) DO UPDATE SET v = EXCLUDED.v";
const SQL_REMOVE: &str = "DELETE FROM ecluse_kv WHERE tree = $1 AND k = $2 RETURNING v";

fn key_params(tree: usize, key: &[u8]) -> Vec<Param> {
    vec![Param::Tree(tree as i16), Param::Bytes(key.to_vec())]
}

fn pair_params(tree: usize, key: &[u8], value: &[u8]) -> Vec<Param> {
    vec![
        Param::Tree(tree as i16),
        Param::Bytes(key.to_vec()),
        Param::Bytes(value.to_vec()),
    ]
}

/// An owned statement parameter (the futures run on another thread).
#[derive(Debug)]
pub(crate) enum Param {
    Tree(i16),
    Bytes(Vec<u8>),
    OptBytes(Option<Vec<u8>>),
    Limit(i64),
}

impl Param {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Tree(t) => t,
            Param::Bytes(b) => b,
            Param::OptBytes(b) => b,
            Param::Limit(n) => n,
        }
    }
}

/// One transaction on one connection.
pub(crate) struct PgTx<'a> {
    db: &'a PgDb,
    conn: Arc<Object>,
}

impl PgTx<'_> {
    fn exec_batch(&self, sql: &'static str) -> Result<(), TxError> {
        let conn = self.conn.clone();
        let r = self
            .db
            .run(async move {
                tokio::time::timeout(OP_TIMEOUT, conn.batch_execute(sql))
                    .await
                    .map_err(|_| None)?
                    .map_err(Some)
            })
            .map_err(TxError::Abort)?;
        self.map(r)
    }

    fn map<T>(
        &self,
        r: std::result::Result<T, Option<tokio_postgres::Error>>,
    ) -> Result<T, TxError> {
        r.map_err(|e| match e {
            Some(e) if is_conflict(&e) => TxError::Conflict,
            Some(e) => TxError::Abort(db_error(&self.db.target, chain(&e))),
            None => TxError::Abort(db_error(
                &self.db.target,
                format!("no answer within {}s", OP_TIMEOUT.as_secs()),
            )),
        })
    }

    fn query(
        &self,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Result<Vec<tokio_postgres::Row>, TxError> {
        let conn = self.conn.clone();
        let r = self
            .db
            .run(async move {
                let st = conn.prepare_cached(sql).await.map_err(Some)?;
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
                tokio::time::timeout(OP_TIMEOUT, conn.query(&st, &refs))
                    .await
                    .map_err(|_| None)?
                    .map_err(Some)
            })
            .map_err(TxError::Abort)?;
        self.map(r)
    }

    pub fn get(&self, tree: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        let rows = self.query(SQL_GET, key_params(tree, key))?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    pub fn insert(&self, tree: usize, key: &[u8], value: &[u8]) -> Result<(), TxError> {
        self.query(SQL_PUT, pair_params(tree, key, value))?;
        Ok(())
    }

    pub fn remove(&self, tree: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        let rows = self.query(SQL_REMOVE, key_params(tree, key))?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    /// Keys of `tree` up to `end` (inclusive), oldest first, at most
    /// `limit`, locked for this transaction; keys another node holds
    /// locked are skipped (`FOR UPDATE SKIP LOCKED`).
    pub fn lock_up_to(
        &self,
        tree: usize,
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, TxError> {
        let rows = self.query(
            "SELECT k FROM ecluse_kv WHERE tree = $1 AND k <= $2 ORDER BY k LIMIT $3
             FOR UPDATE SKIP LOCKED",
            vec![
                Param::Tree(tree as i16),
                Param::Bytes(end.to_vec()),
                Param::Limit(limit as i64),
            ],
        )?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// Wakes every node's relay when this transaction commits.
    pub fn notify_queue(&self) -> Result<(), TxError> {
        self.query("SELECT pg_notify('ecluse_queue', '')", vec![])?;
        Ok(())
    }
}

/// The TLS connector: rustls with the system's roots, or the CA in
/// `ca_file`. Used when the URL asks for it (`sslmode=prefer`, libpq's
/// default, or `require`).
fn tls_connector(
    ca_file: Option<&std::path::Path>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let mut found = 0;
            for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    Error::Database(format!("[store] ca_file {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    Error::Database(format!("[store] ca_file {}: {e}", path.display()))
                })?;
                found += 1;
            }
            if found == 0 {
                return Err(Error::Database(format!(
                    "[store] ca_file {}: no certificate in it (PEM expected)",
                    path.display()
                )));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Database(format!("TLS for PostgreSQL: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {

    fn redact(url: &str) -> String {
        crate::backend::pg::PgOptions {
            url: url.into(),
            ca_file: None,
            password_file: None,
            pool_size: 1,
        }
        .redacted()
    }

    #[test]
    fn passwords_are_never_shown() {
        for (url, shown) in [
            (
                "postgres://ecluse:s3cret@db.example:5432/ecluse",
                "postgres://ecluse@db.example:5432/ecluse",
            ),
            (
                "postgres://ecluse@db.example/ecluse?password=s3cret&sslmode=require",
                "postgres://ecluse@db.example:5432/ecluse",
            ),
            (
                "host=127.0.0.1 port=13540 user=ecluse password=s3cret dbname=ecluse",
                "postgres://ecluse@127.0.0.1:13540/ecluse",
            ),
            (
                "postgres://ecluse:s3cret@db1:5432,db2:5433/ecluse",
                "postgres://ecluse@db1:5432,db2:5433/ecluse",
            ),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        assert_eq!(redact("::nonsense"), "(unparsable URL)");
    }
}
