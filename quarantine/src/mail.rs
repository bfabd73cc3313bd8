//! Mail that Écluse writes itself (notices, notifications): RFC 2047
//! words, base64 bodies, dates, message ids, and the one function that
//! puts a message together.

use base64::Engine as _;
use jiff::Timestamp;

/// An RFC 2047 encoded word when `s` is not plain ASCII.
pub fn header_text(s: &str) -> String {
    let plain = s.chars().all(|c| c.is_ascii() && !c.is_ascii_control());
    if plain {
        return s.to_string();
    }
    // Encoded words are at most 75 characters: split on character boundaries.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars().filter(|c| !c.is_control()) {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Base64 in lines of 76 characters, CRLF-separated, no final CRLF.
pub fn base64_lines(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    b64.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An RFC 5322 date.
pub fn rfc5322_date(at: Timestamp) -> String {
    jiff::fmt::rfc2822::to_string(&at.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default()
}

/// The time zone people read times in: notices, decision mails and the
/// web UI's pages show every date and time in it, labelled (« 07/12/2026
/// 14:15 (heure de Paris) »). Configured by the top-level `time_zone` key,
/// an IANA name; [`LocalZone::DEFAULT`] otherwise.
///
/// Zones come from the system's database (`/usr/share/zoneinfo`, Debian's
/// `tzdata`), and from the copy built into Écluse where the system has
/// none.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl LocalZone {
    /// The zone when none is configured.
    pub const DEFAULT: &'static str = "Europe/Paris";

    /// The zone of IANA name `name` (`Europe/Paris`, `America/Cayenne`,
    /// `Indian/Reunion`, `UTC`). The error says what is wrong and what to
    /// write instead.
    pub fn new(name: &str) -> Result<LocalZone, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(format!(
                "empty: give an IANA time zone name such as \"{}\"",
                Self::DEFAULT
            ));
        }
        let tz = jiff::tz::db().get(name).map_err(|_| {
            format!(
                "`{name}` is not a time zone this machine knows: give an IANA name such as \"{}\", \"America/Cayenne\" or \"Indian/Reunion\" (`timedatectl list-timezones` lists them)",
                Self::DEFAULT
            )
        })?;
        Ok(LocalZone {
            name: name.to_string(),
            tz,
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone itself.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }

    /// `at` in this zone.
    pub fn zoned(&self, at: Timestamp) -> jiff::Zoned {
        at.to_zoned(self.tz.clone())
    }

    /// The zone in French words, for labels: « heure de Paris ».
    pub fn label_fr(&self) -> String {
        match self.name.as_str() {
            "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu" => "UTC".into(),
            "Europe/Paris" => "heure de Paris".into(),
            "America/Cayenne" => "heure de Guyane".into(),
            "America/Guadeloupe" => "heure de Guadeloupe".into(),
            "America/Martinique" => "heure de Martinique".into(),
            "America/Miquelon" => "heure de Saint-Pierre-et-Miquelon".into(),
            "Indian/Reunion" => "heure de La Réunion".into(),
            "Indian/Mayotte" => "heure de Mayotte".into(),
            "Pacific/Noumea" => "heure de Nouvelle-Calédonie".into(),
            "Pacific/Tahiti" => "heure de Tahiti".into(),
            "Pacific/Wallis" => "heure de Wallis-et-Futuna".into(),
            other => format!("fuseau {other}"),
        }
    }

    /// The zone in English words, for labels: "Paris time".
    pub fn label_en(&self) -> String {
        match self.name.as_str() {
            "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu" => "UTC".into(),
            "Indian/Reunion" => "Réunion time".into(),
            "Pacific/Noumea" => "New Caledonia time".into(),
            "America/Cayenne" => "French Guiana time".into(),
            other => match other.rsplit_once('/') {
                Some((_, city)) => format!("{} time", city.replace('_', " ")),
                None => format!("{other} time"),
            },
        }
    }

    /// « 07/12/2026 14:15 », without the label (table cells whose column
    /// header carries it).
    pub fn datetime_fr(&self, at: Timestamp) -> String {
        self.zoned(at).strftime("%d/%m/%Y %H:%M").to_string()
    }

    /// "2026-12-07 14:15", without the label.
    pub fn datetime_en(&self, at: Timestamp) -> String {
        self.zoned(at).strftime("%Y-%m-%d %H:%M").to_string()
    }

    /// « 07/12/2026 14:15 (heure de Paris) ».
    pub fn labelled_fr(&self, at: Timestamp) -> String {
        format!("{} ({})", self.datetime_fr(at), self.label_fr())
    }

    /// "2026-12-07 14:15 (Paris time)".
    pub fn labelled_en(&self, at: Timestamp) -> String {
        format!("{} ({})", self.datetime_en(at), self.label_en())
    }

    /// « 07/12/2026 », the day `at` falls on here.
    pub fn date_fr(&self, at: Timestamp) -> String {
        self.zoned(at).strftime("%d/%m/%Y").to_string()
    }

    /// "2026-12-07".
    pub fn date_en(&self, at: Timestamp) -> String {
        self.zoned(at).strftime("%Y-%m-%d").to_string()
    }
}

impl Default for LocalZone {
    /// `Europe/Paris`; UTC, named so, on a machine that knows no zones at
    /// all (Écluse carries its own copy of the database, so never in
    /// practice).
    fn default() -> LocalZone {
        LocalZone::new(Self::DEFAULT).unwrap_or_else(|_| LocalZone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        })
    }
}

/// `n` and the noun in the singular or the plural (« 1 élément », « 4
/// éléments »), never « élément(s) ».
fn count(n: usize, one: &str, many: &str, singular: bool) -> String {
    format!("{n} {}", if singular { one } else { many })
}

/// A count in French: 0 and 1 take the singular (« 0 élément », « 1
/// élément », « 2 éléments »).
pub fn count_fr(n: usize, one: &str, many: &str) -> String {
    count(n, one, many, n <= 1)
}

/// A count in English: only 1 takes the singular ("0 items", "1 item").
pub fn count_en(n: usize, one: &str, many: &str) -> String {
    count(n, one, many, n == 1)
}

/// A new `Message-ID` value (with angle brackets).
pub fn message_id(hostname: &str) -> String {
    format!(
        "<{}@{hostname}>",
        ulid::Ulid::new().to_string().to_ascii_lowercase()
    )
}

/// A whole message made by Écluse: headers, then a UTF-8 text body.
pub fn compose(
    hostname: &str,
    to: &str,
    subject: &str,
    body: &str,
    extra_headers: &str,
    now: Timestamp,
) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?w4ljbHVzZQ==?= <postmaster@{hostname}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: {id}\r\n\
         Auto-Submitted: auto-generated\r\n\
         {extra_headers}\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {body}\r\n",
        subject = header_text(subject),
        date = rfc5322_date(now),
        id = message_id(hostname),
        body = base64_lines(
            body.replace('\n', "\r\n")
                .replace("\r\r\n", "\r\n")
                .as_bytes()
        ),
    )
    .into_bytes()
}

/// Where notifications go and how they link back to the UI.
#[derive(Debug, Clone, Default)]
pub struct Notifications {
    /// Our host name (notifications come from `postmaster@<hostname>`).
    pub hostname: String,
    /// The web UI's address.
    pub public_url: String,
    /// Admins told of release requests (`[admin] notify`).
    pub admins: Vec<String>,
    /// Per tenant, those told of its items' requests (`[[tenant]] notify`);
    /// a tenant not listed uses `admins`.
    pub tenant_admins: std::collections::HashMap<String, Vec<String>>,
}

impl Notifications {
    /// Who is told of a request for an item of `tenant`.
    pub fn admins_for(&self, tenant: &str) -> &[String] {
        self.tenant_admins
            .get(tenant)
            .map(Vec::as_slice)
            .unwrap_or(&self.admins)
    }
}
