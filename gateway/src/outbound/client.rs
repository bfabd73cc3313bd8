//! The SMTP client of the relay: one transaction to a downstream server
//! with per-recipient results (we drive MAIL/RCPT/DATA ourselves;
//! mail-send's `send` stops at the first refused recipient), STARTTLS
//! opportunistic or required, and the data dot-stuffed (RFC 5321 §4.5.2).

use crate::config::{RelayConfig, StartTls};
use mail_send::SmtpClient;
use smtp_proto::EXT_START_TLS;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// The result of one attempt, per recipient.
#[derive(Debug, Default)]
pub struct AttemptResult {
    /// Accepted by the downstream server.
    pub delivered: Vec<String>,
    /// Refused for now: retry.
    pub temporary: Vec<(String, String)>,
    /// Refused for good.
    pub permanent: Vec<(String, String)>,
}

/// One SMTP transaction to the server of `cfg`, saying `hostname` at
/// `EHLO`: STARTTLS as `cfg.starttls` says, then the transaction. What
/// fails before the transaction (no address, no connection, no greeting
/// within `cfg.timeout`, EHLO, TLS) is a temporary failure for every
/// recipient.
pub async fn send(
    cfg: &RelayConfig,
    hostname: &str,
    mail_from: &str,
    rcpts: &[String],
    bytes: &[u8],
) -> AttemptResult {
    let all_temporary = |why: String| AttemptResult {
        temporary: rcpts.iter().map(|r| (r.clone(), why.clone())).collect(),
        ..Default::default()
    };
    let addr = match tokio::net::lookup_host(&cfg.downstream)
        .await
        .map(|mut a| a.next())
    {
        Ok(Some(a)) => a,
        Ok(None) | Err(_) => {
            return all_temporary(format!("cannot resolve {}", cfg.downstream));
        }
    };
    let mut client = match SmtpClient::connect(addr, cfg.timeout).await {
        Ok(c) => c,
        Err(e) => return all_temporary(format!("cannot connect to {}: {e}", cfg.downstream)),
    };
    let host = hostname;
    // A server that accepts and never greets must not hold the worker.
    let Ok(greeting) = tokio::time::timeout(cfg.timeout, client.read()).await else {
        return all_temporary(format!(
            "no greeting from {} within {:?}",
            cfg.downstream, cfg.timeout
        ));
    };
    match greeting {
        Ok(r) if r.code() / 100 == 2 => {}
        Ok(r) => return all_temporary(format!("downstream greeting: {}", said(&r))),
        Err(e) => return all_temporary(format!("downstream greeting: {e}")),
    }
    let ehlo = match client.ehlo(host).await {
        Ok(e) => e,
        Err(e) => return all_temporary(format!("EHLO: {e}")),
    };
    let offers_tls = ehlo.has_capability(EXT_START_TLS);
    if cfg.starttls != StartTls::Off && offers_tls {
        let connector = match mail_send::smtp::tls::build_tls_connector(true) {
            Ok(c) => c,
            Err(e) => return all_temporary(format!("TLS set-up: {e}")),
        };
        let tls_name = cfg
            .downstream
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(&cfg.downstream);
        let mut client = match client.start_tls(&connector, tls_name).await {
            Ok(c) => c,
            Err(e) => return all_temporary(format!("STARTTLS: {e}")),
        };
        if let Err(e) = client.ehlo(host).await {
            return all_temporary(format!("EHLO after STARTTLS: {e}"));
        }
        transaction(&mut client, mail_from, rcpts, bytes).await
    } else if cfg.starttls == StartTls::Required {
        all_temporary(
            "the downstream server does not offer STARTTLS, and [relay] starttls = \"required\""
                .into(),
        )
    } else {
        transaction(&mut client, mail_from, rcpts, bytes).await
    }
}

/// A reply as text: code, enhanced status code, message.
fn said(r: &smtp_proto::Response<String>) -> String {
    if r.esc[0] > 0 {
        format!(
            "{} {}.{}.{} {}",
            r.code, r.esc[0], r.esc[1], r.esc[2], r.message
        )
    } else {
        format!("{} {}", r.code, r.message)
    }
}

/// Dot-stuffs `bytes` and ends the data: lines starting with `.` get a
/// second one; the message is sent as it is, with `.CRLF` after its last
/// CRLF (adding a CRLF only when a non-empty message does not end with one).
pub fn dot_stuff(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 512 + 5);
    let mut line_start = true;
    let mut at = 0;
    while at < bytes.len() {
        if line_start && bytes[at] == b'.' {
            out.push(b'.');
        }
        let end = memchr::memchr(b'\n', &bytes[at..])
            .map(|i| at + i + 1)
            .unwrap_or(bytes.len());
        out.extend_from_slice(&bytes[at..end]);
        line_start = end > 0 && bytes[end - 1] == b'\n';
        at = end;
    }
    if !bytes.is_empty() && !bytes.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

async fn transaction<T: AsyncRead + AsyncWrite + Unpin>(
    client: &mut SmtpClient<T>,
    mail_from: &str,
    rcpts: &[String],
    bytes: &[u8],
) -> AttemptResult {
    let mut result = AttemptResult::default();
    let fail_all = |result: &mut AttemptResult, rcpts: &[String], code: u16, why: String| {
        for r in rcpts {
            if code / 100 == 5 {
                result.permanent.push((r.clone(), why.clone()));
            } else {
                result.temporary.push((r.clone(), why.clone()));
            }
        }
    };
    match client.cmd(format!("MAIL FROM:<{mail_from}>\r\n")).await {
        Ok(r) if r.code() / 100 == 2 => {}
        Ok(r) => {
            fail_all(
                &mut result,
                rcpts,
                r.code(),
                format!("MAIL FROM: {}", said(&r)),
            );
            return result;
        }
        Err(e) => {
            fail_all(&mut result, rcpts, 451, format!("MAIL FROM: {e}"));
            return result;
        }
    }
    let mut accepted = Vec::new();
    for rcpt in rcpts {
        match client.cmd(format!("RCPT TO:<{rcpt}>\r\n")).await {
            Ok(r) if r.code() / 100 == 2 => accepted.push(rcpt.clone()),
            Ok(r) => fail_all(
                &mut result,
                std::slice::from_ref(rcpt),
                r.code(),
                format!("RCPT TO: {}", said(&r)),
            ),
            Err(e) => fail_all(
                &mut result,
                std::slice::from_ref(rcpt),
                451,
                format!("RCPT TO: {e}"),
            ),
        }
    }
    if accepted.is_empty() {
        let _ = client.cmd("QUIT\r\n").await;
        return result;
    }
    match client.cmd("DATA\r\n").await {
        Ok(r) if r.code() == 354 => {}
        Ok(r) => {
            fail_all(
                &mut result,
                &accepted,
                r.code(),
                format!("DATA: {}", said(&r)),
            );
            return result;
        }
        Err(e) => {
            fail_all(&mut result, &accepted, 451, format!("DATA: {e}"));
            return result;
        }
    }
    let data = dot_stuff(bytes);
    let timeout = client.timeout;
    let sent = tokio::time::timeout(timeout, async {
        client.stream.write_all(&data).await?;
        client.stream.flush().await?;
        client
            .read()
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .await;
    match sent {
        Ok(Ok(r)) if r.code() / 100 == 2 => result.delivered = accepted,
        Ok(Ok(r)) => fail_all(
            &mut result,
            &accepted,
            r.code(),
            format!("end of data: {}", said(&r)),
        ),
        Ok(Err(e)) => fail_all(&mut result, &accepted, 451, format!("end of data: {e}")),
        Err(_) => fail_all(&mut result, &accepted, 451, "end of data: timeout".into()),
    }
    let _ = client.cmd("QUIT\r\n").await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_keeps_the_message_and_ends_it_once() {
        assert_eq!(dot_stuff(b"a\r\n.b\r\n..\r\n"), b"a\r\n..b\r\n...\r\n.\r\n");
        assert_eq!(dot_stuff(b".x"), b"..x\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b".\r\n", "an empty message stays empty");
    }

    proptest::proptest! {
        /// Any bytes, cut anywhere: what the reader accepts has only CRLF
        /// line ends, and reads back the same after the relay dot-stuffs it.
        /// The reader is the SMTP session's: the test lives here, with the
        /// dot-stuffing, so that inbound/ never imports outbound/.
        #[test]
        fn accepted_data_is_clean_and_round_trips(input in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just(b'\r'), proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'.'), proptest::prelude::any::<u8>()
        ], 0..400), step in 1usize..40) {
            let mut input = input;
            input.extend_from_slice(b"\r\n.\r\n");
            let read = |bytes: &[u8]| {
                let mut r = crate::inbound::DataReader::new(1 << 20, 1000);
                for chunk in bytes.chunks(step) {
                    let (n, done) = r.ingest(chunk);
                    if done {
                        return Some(r.finish());
                    }
                    assert_eq!(n, chunk.len());
                }
                None
            };
            let Some(Ok(message)) = read(&input) else { return Ok(()) };
            for (i, &b) in message.iter().enumerate() {
                if b == b'\n' {
                    proptest::prop_assert!(i > 0 && message[i - 1] == b'\r');
                }
                if b == b'\r' {
                    proptest::prop_assert_eq!(message.get(i + 1), Some(&b'\n'));
                }
            }
            let again = read(&dot_stuff(&message));
            proptest::prop_assert_eq!(again, Some(Ok(message)));
        }
    }
}
