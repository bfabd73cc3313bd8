//! One SMTP session: a state machine over any `AsyncRead + AsyncWrite`, so
//! tests drive it over an in-memory stream as well as over TCP.
//!
//! Commands are parsed by smtp-proto's `RequestReceiver`; replies are
//! buffered and written when the client's pipelined input is used up
//! (RFC 2920). Each command has its file: `ehlo.rs`, `mail.rs`, `rcpt.rs`,
//! `data.rs`; the one-line ones are here.

use super::context::Context;
use super::data::DataReader;
use super::reply::{self, Reply};
use smtp_proto::Request;
use smtp_proto::request::receiver::RequestReceiver;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

/// How a session (or its plain-text half) ended.
pub enum Next<S> {
    /// The connection is to be closed.
    Close,
    /// The client asked for STARTTLS and was told to go ahead: the caller
    /// wraps the stream in TLS and runs the session again.
    StartTls(S),
}

/// The state of one SMTP session.
pub struct Session {
    pub(super) ctx: Arc<Context>,
    /// The configuration this session (or its transaction) goes by: taken
    /// from the context at the start and again at each `MAIL FROM` and
    /// `EHLO`, so that a reload never changes a transaction in flight.
    pub(super) config: Arc<crate::config::Config>,
    pub(super) peer: SocketAddr,
    pub(super) shutdown: watch::Receiver<bool>,
    pub(super) helo: Option<String>,
    pub(super) esmtp: bool,
    pub(super) tls: bool,
    pub(super) mail_from: Option<String>,
    pub(super) rcpts: Vec<String>,
    pub(super) errors: usize,
    /// Unknown recipients answered in this session ([`super::harvest`]).
    pub(super) unknown_rcpts: usize,
    out: Vec<u8>,
    close: bool,
    start_tls: bool,
    receiver: RequestReceiver,
    /// After an over-long command line: the rest of it is dropped.
    skip_line: bool,
}

enum Input {
    Bytes,
    Eof,
    Timeout,
    Shutdown,
}

impl Session {
    /// A new session with a client at `peer`.
    pub fn new(ctx: Arc<Context>, peer: SocketAddr, shutdown: watch::Receiver<bool>) -> Session {
        Session {
            config: ctx.config(),
            ctx,
            peer,
            shutdown,
            helo: None,
            esmtp: false,
            tls: false,
            mail_from: None,
            rcpts: Vec::new(),
            errors: 0,
            unknown_rcpts: 0,
            out: Vec::with_capacity(1024),
            close: false,
            start_tls: false,
            receiver: RequestReceiver::default(),
            skip_line: false,
        }
    }

    /// Queues a reply.
    pub(super) fn reply(&mut self, r: Reply) {
        if r.code >= 500 {
            self.errors += 1;
        }
        r.write(&mut self.out);
    }

    /// Forgets the current transaction (MAIL, RCPT).
    pub(super) fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.rcpts.clear();
    }

    /// After TLS starts, the client starts over with EHLO (RFC 3207).
    pub fn tls_started(&mut self) {
        self.tls = true;
        self.helo = None;
        self.esmtp = false;
        self.start_tls = false;
        self.receiver = RequestReceiver::default();
        self.reset_transaction();
    }

    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> std::io::Result<()> {
        if !self.out.is_empty() {
            stream.write_all(&self.out).await?;
            stream.flush().await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Reads what is there, up to `chunk` bytes (small while waiting for
    /// commands, so that idle sessions stay small; large during data).
    async fn read<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        buf: &mut Vec<u8>,
        wait: Duration,
        chunk: usize,
    ) -> Input {
        let len = buf.len();
        buf.resize(len + chunk, 0);
        let result = tokio::select! {
            r = tokio::time::timeout(wait, stream.read(&mut buf[len..])) => r,
            _ = crate::shutdown::stopped(&mut self.shutdown) => {
                buf.truncate(len);
                return Input::Shutdown;
            }
        };
        match result {
            Ok(Ok(0)) | Ok(Err(_)) => {
                buf.truncate(len);
                Input::Eof
            }
            Ok(Ok(n)) => {
                buf.truncate(len + n);
                Input::Bytes
            }
            Err(_) => {
                buf.truncate(len);
                Input::Timeout
            }
        }
    }

    /// Writes the greeting; call once per connection, before [`Session::run`].
    pub fn greet(&mut self) {
        self.reply(reply::greeting(&self.config.smtp.hostname));
    }

    /// Runs the session over `stream` until it closes or asks for TLS.
    pub async fn run<S: AsyncRead + AsyncWrite + Unpin + Send>(
        &mut self,
        mut stream: S,
    ) -> std::io::Result<Next<S>> {
        let mut buf: Vec<u8> = Vec::new();
        let mut start = 0;
        loop {
            // Everything the client already sent, command by command.
            while start < buf.len() && !self.close {
                if self.skip_line {
                    match memchr::memchr(b'\n', &buf[start..]) {
                        Some(i) => {
                            start += i + 1;
                            self.skip_line = false;
                        }
                        None => start = buf.len(),
                    }
                    continue;
                }
                let mut iter = buf[start..].iter();
                let parsed = self.receiver.ingest(&mut iter).map(|r| r.into_owned());
                start = buf.len() - iter.as_slice().len();
                match parsed {
                    Ok(Request::Data) => {
                        if self.data_start() {
                            self.flush(&mut stream).await?;
                            buf.drain(..start);
                            start = 0;
                            self.read_data(&mut stream, &mut buf, &mut start).await?;
                        }
                    }
                    Ok(Request::Rcpt { to }) => self.rcpt(to).await,
                    Ok(req) => self.command(req),
                    Err(smtp_proto::Error::NeedsMoreData { .. }) => {}
                    Err(smtp_proto::Error::ResponseTooLong) => {
                        self.reply(reply::line_too_long());
                        self.receiver = RequestReceiver::default();
                        self.skip_line = true;
                    }
                    Err(e) => self.syntax_error(e),
                }
                if self.start_tls {
                    // Nothing the client sent before the handshake may count
                    // after it (the STARTTLS command injection of CVE-2011-0411).
                    self.flush(&mut stream).await?;
                    return Ok(Next::StartTls(stream));
                }
                if self.errors >= self.config.smtp.max_errors && !self.close {
                    self.reply(reply::too_many_errors());
                    self.close = true;
                }
            }
            buf.drain(..start);
            start = 0;
            self.flush(&mut stream).await?;
            if self.close {
                let _ = stream.shutdown().await;
                return Ok(Next::Close);
            }
            let wait = self.config.smtp.command_timeout;
            match self.read(&mut stream, &mut buf, wait, 4096).await {
                Input::Bytes => {}
                Input::Eof => return Ok(Next::Close),
                Input::Timeout => {
                    self.reply(reply::timeout(&self.config.smtp.hostname));
                    self.close = true;
                }
                Input::Shutdown => {
                    self.reply(reply::shutting_down(&self.config.smtp.hostname));
                    self.close = true;
                }
            }
        }
    }

    fn syntax_error(&mut self, e: smtp_proto::Error) {
        use smtp_proto::Error as E;
        let r = match e {
            E::UnknownCommand => reply::unknown_command(),
            E::ResponseTooLong => reply::line_too_long(),
            E::InvalidSenderAddress => reply::syntax("invalid sender address"),
            E::InvalidRecipientAddress => reply::syntax("invalid recipient address"),
            E::SyntaxError { syntax } => reply::syntax(&format!("expected {syntax}")),
            E::InvalidParameter { param } => reply::syntax(&format!("invalid parameter {param}")),
            E::UnsupportedParameter { param } => Reply {
                code: 555,
                status: "5.5.4",
                text: format!(
                    "Unsupported parameter {}",
                    param
                        .chars()
                        .filter(char::is_ascii_graphic)
                        .take(40)
                        .collect::<String>()
                ),
            },
            _ => reply::syntax("cannot parse the command"),
        };
        self.reply(r);
    }

    fn command(&mut self, req: Request<String>) {
        match req {
            Request::Ehlo { host } => self.ehlo(host, true),
            Request::Helo { host } => self.ehlo(host, false),
            Request::Mail { from } => self.mail(from),
            Request::Rcpt { .. } => {
                unreachable!("RCPT is handled by `run`, it may wait for verification")
            }
            Request::Rset => {
                self.reset_transaction();
                self.reply(reply::reset());
            }
            Request::Noop { .. } => self.reply(reply::ok()),
            Request::Quit => {
                self.reply(reply::bye(&self.config.smtp.hostname));
                self.close = true;
            }
            Request::Vrfy { .. } => self.reply(reply::vrfy()),
            Request::Help { .. } => self.reply(reply::help()),
            Request::StartTls => {
                if self.tls {
                    self.reply(reply::tls_required_first());
                } else if self.ctx.tls().is_none() {
                    self.reply(reply::tls_not_available());
                } else if self.helo.is_none() {
                    self.reply(reply::bad_sequence("Send EHLO first"));
                } else {
                    self.reply(reply::ready_tls());
                    self.start_tls = true;
                }
            }
            Request::Data => unreachable!("handled by the loop"),
            other => self.reply(reply::not_implemented(other.name())),
        }
    }

    async fn read_data<S: AsyncRead + AsyncWrite + Unpin + Send>(
        &mut self,
        stream: &mut S,
        buf: &mut Vec<u8>,
        start: &mut usize,
    ) -> std::io::Result<()> {
        let smtp = &self.config.smtp;
        let mut reader = DataReader::new(smtp.max_message_size, smtp.max_line_length);
        let wait = smtp.data_timeout;
        loop {
            let (n, done) = reader.ingest(&buf[*start..]);
            *start += n;
            if done {
                break;
            }
            buf.clear();
            *start = 0;
            match self.read(stream, buf, wait, 64 * 1024).await {
                Input::Bytes => {}
                Input::Eof => {
                    self.close = true;
                    return Ok(());
                }
                Input::Timeout => {
                    self.reply(reply::timeout(&self.config.smtp.hostname));
                    self.close = true;
                    return Ok(());
                }
                Input::Shutdown => {
                    self.reply(reply::shutting_down(&self.config.smtp.hostname));
                    self.close = true;
                    return Ok(());
                }
            }
        }
        // Give the data buffer back before the (possibly long) idle wait.
        let rest = buf[*start..].to_vec();
        *buf = rest;
        *start = 0;
        let r = self.data_end(reader.finish()).await;
        self.reply(r);
        self.reset_transaction();
        Ok(())
    }
}
