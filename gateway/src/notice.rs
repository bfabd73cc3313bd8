//! The texts Écluse writes into mail: the notice that replaces a held
//! attachment (and, in a message with an HTML body, the same notice at the
//! top of that body), the notice mail that replaces a message held whole,
//! and the mail plumbing they share (RFC 2047 words, base64 bodies, dates,
//! ids). French first, then English, in plain words an agent understands:
//! what was held and why, what to do (take it back oneself where the
//! policy allows it, else ask), how long it is kept, whom to call.

use crate::config::NoticeConfig;
use ecluse_quarantine::HeldItem;
use ecluse_scanner::Category;
use jiff::Timestamp;

impl NoticeConfig {
    /// The link to ask for an item.
    pub fn link(&self, item: &str) -> String {
        format!("{}/q/{item}", self.public_url)
    }

    /// Whose mail filter it is: « de la mairie » / "the town's mail
    /// filter", or the commune's name (`[[tenant]] name`) in both.
    pub fn whose(&self) -> (String, String) {
        match &self.org {
            Some(org) => (format!("de {org}"), format!("the mail filter of {org}")),
            None => ("de la mairie".into(), "the town's mail filter".into()),
        }
    }

    /// Whom to call, in French and in English: `notice_contact` when set,
    /// else the IT department of the town or commune.
    pub fn contact_lines(&self) -> (String, String) {
        match &self.contact {
            Some(c) => (
                format!("Une question ? Contactez : {c}"),
                format!("Any question? Contact: {c}"),
            ),
            None => {
                let (fr, en) = match &self.org {
                    Some(org) => (format!("de {org}"), format!("of {org}")),
                    None => ("de la mairie".into(), "of the town".into()),
                };
                (
                    format!("Une question ? Adressez-vous au service informatique {fr}."),
                    format!("Any question? Ask the IT department {en}."),
                )
            }
        }
    }

    /// The address notices come from.
    pub fn from_address(&self) -> String {
        format!("postmaster@{}", self.hostname)
    }
}

pub use ecluse_quarantine::mail::{base64_lines, header_text, message_id, rfc5322_date};

/// Why something was held, in French and in English.
pub fn reason(category: Category) -> (&'static str, &'static str) {
    (category.label_fr(), category.label_en())
}

/// Every reason an item was held, in words (« document avec macros ;
/// expéditeur usurpé »), never the category ids.
fn reasons(item: &HeldItem) -> (String, String) {
    let mut cats = item.categories.clone();
    if cats.is_empty() {
        cats.push(item.category);
    }
    let fr: Vec<&str> = cats.iter().map(|c| c.label_fr()).collect();
    let en: Vec<&str> = cats.iter().map(|c| c.label_en()).collect();
    (fr.join(" ; "), en.join("; "))
}

/// What the reader should know about a held item, by category: about who
/// sent it (forged or imitated sender), or about what the file can do.
fn advice(item: &HeldItem) -> (&'static str, &'static str) {
    let has = |c: Category| item.category == c || item.categories.contains(&c);
    if has(Category::SpoofedSender) {
        (
            "L'adresse de l'expéditeur n'est pas authentifiée : le domaine qu'elle affiche dit que ce message ne vient pas de ses serveurs. C'est le signe d'une usurpation (plus rarement, d'un transfert automatique). Vérifiez auprès de l'expéditeur par un autre moyen (téléphone, à un numéro que vous connaissiez déjà) avant d'en suivre les instructions.",
            "The sender's address is not authenticated: the domain it shows says this message does not come from its servers. That is the mark of a forgery (more rarely, of an automatic forward). Check with the sender by other means (telephone, on a number you already knew) before following it.",
        )
    } else if has(Category::LookalikeSender) {
        (
            "Le domaine de l'expéditeur imite celui d'un correspondant connu (une lettre changée, un caractère d'un autre alphabet). Vérifiez auprès de ce correspondant par un autre moyen (téléphone, à un numéro que vous connaissiez déjà).",
            "The sender's domain imitates that of a known correspondent (a letter changed, a character from another alphabet). Check with them by other means (telephone, on a number you already knew).",
        )
    } else if item.categories.iter().any(|c| c.unread()) || item.category.unread() {
        (
            "Le filtre n'a pas pu lire ce qu'il contient : personne n'a vérifié qu'il est sans danger.",
            "The filter could not read what it holds: nobody checked that it is safe.",
        )
    } else if item.part.is_some() {
        (
            "Ce type de fichier peut cacher un programme malveillant.",
            "This kind of file can hide a malicious program.",
        )
    } else {
        (
            "Le message pourrait être dangereux.",
            "The message could be dangerous.",
        )
    }
}

/// What to do: take it back oneself where the policy allows it for every
/// reason it was held, else ask an admin; then the link.
/// A forged or imitated sender is checked first: the notice asks for a
/// confirmation by other means before a request (a deployment from the
/// docs found « si vous attendiez ce fichier » inviting a request for what
/// a forger sent; issue 29).
fn what_to_do(item: &HeldItem, whole: bool) -> (&'static str, &'static str) {
    let has = |c: Category| item.category == c || item.categories.contains(&c);
    if !item.self_release && (has(Category::SpoofedSender) || has(Category::LookalikeSender)) {
        return if whole {
            (
                "Si l'expéditeur vous confirme par un autre moyen vous avoir écrit et que vous avez besoin de ce message, demandez-le ici (connexion avec votre compte habituel) ; un administrateur examinera votre demande :",
                "If the sender confirms by other means that they wrote to you and you need this message, ask for it here (sign in with your usual account); an admin will review your request:",
            )
        } else {
            (
                "Si l'expéditeur vous confirme par un autre moyen vous avoir envoyé ce fichier et que vous en avez besoin, demandez-le ici (connexion avec votre compte habituel) ; un administrateur examinera votre demande :",
                "If the sender confirms by other means that they sent you this file and you need it, ask for it here (sign in with your usual account); an admin will review your request:",
            )
        };
    }
    match (item.self_release, whole) {
        (true, false) => (
            "Si vous attendiez ce fichier, vous pouvez le récupérer vous-même ici (connexion avec votre compte habituel) :",
            "If you were expecting this file, you may take it back yourself here (sign in with your usual account):",
        ),
        (true, true) => (
            "Si vous attendiez ce message, vous pouvez le récupérer vous-même ici (connexion avec votre compte habituel) :",
            "If you were expecting this message, you may take it back yourself here (sign in with your usual account):",
        ),
        (false, false) => (
            "Si vous attendiez ce fichier, demandez-le ici (connexion avec votre compte habituel) ; un administrateur examinera votre demande :",
            "If you were expecting this file, ask for it here (sign in with your usual account); an admin will review your request:",
        ),
        (false, true) => (
            "Si vous attendiez ce message, demandez-le ici (connexion avec votre compte habituel) ; un administrateur examinera votre demande :",
            "If you were expecting this message, ask for it here (sign in with your usual account); an admin will review your request:",
        ),
    }
}

/// How long it is kept: « Elle est conservée jusqu'au 06/01/2027 14:15
/// (heure de Paris), puis supprimée. »
fn kept_until(cfg: &NoticeConfig, item: &HeldItem, whole: bool) -> (String, String) {
    let (fr_at, en_at) = (
        cfg.zone.labelled_fr(item.expires_at),
        cfg.zone.labelled_en(item.expires_at),
    );
    if whole {
        (
            format!("Le message est conservé jusqu'au {fr_at}, puis supprimé."),
            format!("The message is kept until {en_at}, then deleted."),
        )
    } else {
        (
            format!("La pièce jointe est conservée jusqu'au {fr_at}, puis supprimée."),
            format!("The attachment is kept until {en_at}, then deleted."),
        )
    }
}

/// The file's name as the notice gives it: « « facture.docm » », or
/// what stands for a part without one.
fn file_names(item: &HeldItem) -> (String, String) {
    match item.part.as_ref().and_then(|p| p.filename.as_deref()) {
        Some(f) => (format!("« {f} »"), format!("\"{f}\"")),
        None => (item.name_fr(), item.name_en()),
    }
}

/// The notice for a held attachment as lines of text (LF-separated),
/// French then English.
fn part_text(cfg: &NoticeConfig, item: &HeldItem) -> String {
    let (fr, en) = reasons(item);
    let (advice_fr, advice_en) = advice(item);
    let (todo_fr, todo_en) = what_to_do(item, false);
    let (kept_fr, kept_en) = kept_until(cfg, item, false);
    let (call_fr, call_en) = cfg.contact_lines();
    let (name_fr, name_en) = file_names(item);
    let (whose_fr, whose_en) = cfg.whose();
    let link = cfg.link(&item.id.to_string());
    let help = cfg.help.as_deref().map(|h| format!("{h}\n")).unwrap_or_default();
    format!(
        "Pièce jointe retenue par Écluse, le filtre de messagerie {whose_fr}.\n\
         \n\
         Fichier : {name_fr}\n\
         Raison : {fr}\n\
         \n\
         {advice_fr}\n\
         {todo_fr}\n\
         {link}\n\
         \n\
         {kept_fr}\n\
         {help}\
         {call_fr}\n\
         \n\
         --\n\
         Attachment held by Écluse, {whose_en}.\n\
         \n\
         File: {name_en}\n\
         Reason: {en}\n\
         \n\
         {advice_en}\n\
         {todo_en}\n\
         {link}\n\
         \n\
         {kept_en}\n\
         {call_en}\n"
    )
}

/// The file name of the notice part when it stands as an attachment:
/// « facture.docm (retenue).txt », so that a mail client that lists it
/// (Outlook does) shows which file it stands for, not `ATT00001.txt`.
fn notice_file_name(item: &HeldItem) -> String {
    let base: String = item
        .part
        .as_ref()
        .and_then(|p| p.filename.as_deref())
        .unwrap_or("piece-jointe")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/'))
        .take(100)
        .collect();
    let name = format!("{base} (retenue).txt");
    if name.is_ascii() {
        format!("\"{name}\"")
    } else {
        // One RFC 2047 word in the quoted value, as Outlook and Gmail
        // write non-ASCII names themselves (and read them back).
        use base64::Engine as _;
        format!(
            "\"=?UTF-8?B?{}?=\"",
            base64::engine::general_purpose::STANDARD.encode(name.as_bytes())
        )
    }
}

/// The MIME part (headers, blank line, body; no final CRLF) that takes the
/// place of a held attachment: a `text/plain` notice. `attachment` when
/// the message's HTML body carries the same notice ([`html_notice`]): the
/// part is then an attachment named after the held file, so that no client
/// shows the notice twice and Outlook lists « facture.docm (retenue).txt »
/// instead of `ATT00001.txt`; otherwise `inline`, read below the text.
pub fn held_part(cfg: &NoticeConfig, item: &HeldItem, attachment: bool) -> Vec<u8> {
    let text = part_text(cfg, item).replace('\n', "\r\n");
    let id = item.id;
    let (ctype, disposition) = if attachment {
        let name = notice_file_name(item);
        (
            format!("text/plain; charset=utf-8; name={name}"),
            format!("attachment; filename={name}"),
        )
    } else {
        ("text/plain; charset=utf-8".to_string(), "inline".to_string())
    };
    format!(
        "Content-Type: {ctype}\r\n\
         Content-Disposition: {disposition}\r\n\
         Content-Transfer-Encoding: base64\r\n\
         X-Ecluse-Held: {id}\r\n\
         \r\n\
         {}",
        base64_lines(text.as_bytes())
    )
    .into_bytes()
}

/// `text` for HTML, in ASCII only: markup characters escaped, every other
/// character a numeric reference, so that it reads the same whatever the
/// charset of the HTML it goes into (any that is ASCII-compatible).
pub fn html_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if c.is_control() => {}
            c => out.push_str(&format!("&#x{:X};", c as u32)),
        }
    }
    out
}

/// The notice for the held attachments of one delivery, as an HTML block
/// (ASCII only, see [`html_ascii`]) to put at the top of the message's
/// HTML body: per file, what and why, what to do with the link, how long
/// it is kept; then whom to call. French first, English second.
pub fn html_notice(cfg: &NoticeConfig, items: &[&HeldItem]) -> String {
    let e = |s: &str| html_ascii(s);
    let (whose_fr, whose_en) = cfg.whose();
    let (call_fr, call_en) = cfg.contact_lines();
    let p = "margin:0 0 6px 0";
    let mut fr = String::new();
    let mut en = String::new();
    for item in items {
        let (reason_fr, reason_en) = reasons(item);
        let (advice_fr, advice_en) = advice(item);
        let (todo_fr, todo_en) = what_to_do(item, false);
        let (kept_fr, kept_en) = kept_until(cfg, item, false);
        let (name_fr, name_en) = file_names(item);
        let link = e(&cfg.link(&item.id.to_string()));
        fr.push_str(&format!(
            "<p style=\"{p}\"><b>{}</b> {} &#8212; {}</p>\
             <p style=\"{p}\">{} {} <a href=\"{link}\">{link}</a></p>\
             <p style=\"{p}\">{}</p>",
            e("Fichier :"),
            e(&name_fr),
            e(&reason_fr),
            e(advice_fr),
            e(todo_fr),
            e(&kept_fr),
        ));
        en.push_str(&format!(
            "<p style=\"{p}\"><b>File:</b> {} &#8212; {}</p>\
             <p style=\"{p}\">{} {} <a href=\"{link}\">{link}</a></p>\
             <p style=\"{p}\">{}</p>",
            e(&name_en),
            e(&reason_en),
            e(advice_en),
            e(todo_en),
            e(&kept_en),
        ));
    }
    let help = cfg
        .help
        .as_deref()
        .map(|h| format!("<p style=\"{p}\">{}</p>", e(h)))
        .unwrap_or_default();
    let title_fr = if items.len() > 1 {
        format!("Pièces jointes retenues par Écluse, le filtre de messagerie {whose_fr}")
    } else {
        format!("Pièce jointe retenue par Écluse, le filtre de messagerie {whose_fr}")
    };
    let title_en = if items.len() > 1 {
        format!("Attachments held by Écluse, {whose_en}")
    } else {
        format!("Attachment held by Écluse, {whose_en}")
    };
    format!(
        "\r\n<div class=\"ecluse-notice\" style=\"border:2px solid #a4161a;background:#fff8f0;color:#1b1b1b;padding:10px 14px;margin:0 0 16px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.4\">\r\n\
         <div lang=\"fr\"><p style=\"{p}\"><b>{}</b></p>{fr}{help}<p style=\"{p}\">{}</p></div>\r\n\
         <hr style=\"border:0;border-top:1px solid #c8c8c8;margin:8px 0\">\r\n\
         <div lang=\"en\"><p style=\"{p}\"><b>{}</b></p>{en}<p style=\"{p}\">{}</p></div>\r\n\
         </div>\r\n",
        e(&title_fr),
        e(&call_fr),
        e(&title_en),
        e(&call_en),
    )
}

/// An HTML body part (headers, blank line, body, as in the message) with
/// `notice` put at the top of its body, right after `<body …>`: the same
/// headers but `Content-Transfer-Encoding: base64`, the body decoded
/// (7bit, 8bit, binary, quoted-printable, base64; RFC 2045 §6) and encoded
/// again in base64 lines. The charset is kept: the notice is ASCII with
/// numeric references ([`html_ascii`]), right in any ASCII-compatible
/// charset. `None`, and the part stays as it was, when it cannot be done
/// safely: headers that are not text, an unknown transfer encoding, a body
/// that does not decode, a charset that is not ASCII-compatible (UTF-16,
/// UTF-32, UTF-7).
pub fn with_html_notice(part: &[u8], notice: &str) -> Option<Vec<u8>> {
    let (head, body) = split_head(part)?;
    let head = std::str::from_utf8(head).ok()?;
    // Header fields, each with its continuation lines (RFC 5322 §2.2.3).
    let mut fields: Vec<String> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            let last = fields.last_mut()?;
            last.push_str("\r\n");
            last.push_str(line);
        } else if !line.is_empty() {
            fields.push(line.to_string());
        }
    }
    let value = |name: &str| -> Option<String> {
        fields.iter().rev().find_map(|f| {
            let (n, v) = f.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.replace("\r\n", "").trim().to_string())
        })
    };
    let ctype = value("content-type").unwrap_or_else(|| "text/plain".into());
    if !ctype.to_ascii_lowercase().starts_with("text/html") {
        return None;
    }
    let charset = ctype
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        .unwrap_or_default();
    if ["utf-16", "utf-32", "ucs-", "utf-7", "utf16", "utf32"]
        .iter()
        .any(|bad| charset.starts_with(bad))
    {
        return None;
    }
    let cte = value("content-transfer-encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let decoded = match cte.as_str() {
        "" | "7bit" | "8bit" | "binary" => body.to_vec(),
        "quoted-printable" => mail_parser::decoders::quoted_printable::quoted_printable_decode(body)?,
        "base64" => {
            let clean: Vec<u8> = body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(&clean)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean))
                .ok()?
        }
        _ => return None,
    };
    let at = notice_position(&decoded);
    let mut html = Vec::with_capacity(decoded.len() + notice.len());
    html.extend_from_slice(&decoded[..at]);
    html.extend_from_slice(notice.as_bytes());
    html.extend_from_slice(&decoded[at..]);
    let mut out = String::new();
    for f in fields.iter().filter(|f| {
        !f.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("content-transfer-encoding"))
    }) {
        out.push_str(f);
        out.push_str("\r\n");
    }
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    out.push_str(&base64_lines(&html));
    Some(out.into_bytes())
}

/// The header block and the body of a MIME part, split at the first empty
/// line (CRLF or bare LF); `None` without one.
fn split_head(part: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut at = 0;
    while at < part.len() {
        let end = part[at..].iter().position(|&b| b == b'\n').map(|n| at + n)?;
        let line = &part[at..end];
        if line.is_empty() || line == b"\r" {
            return Some((&part[..at], &part[end + 1..]));
        }
        at = end + 1;
    }
    None
}

/// Where the notice goes in an HTML document: right after the `<body …>`
/// start tag; else after `</head>`; else at the start.
fn notice_position(html: &[u8]) -> usize {
    let lower: Vec<u8> = html.iter().map(u8::to_ascii_lowercase).collect();
    let find = |needle: &[u8], from: usize| {
        lower
            .get(from..)
            .and_then(|h| h.windows(needle.len()).position(|w| w == needle))
            .map(|n| n + from)
    };
    let mut from = 0;
    while let Some(i) = find(b"<body", from) {
        let next = lower.get(i + 5).copied();
        if matches!(next, Some(b'>' | b' ' | b'\t' | b'\r' | b'\n' | b'/')) {
            if let Some(end) = find(b">", i) {
                return end + 1;
            }
        }
        from = i + 5;
    }
    find(b"</head>", 0).map_or(0, |i| i + "</head>".len())
}

/// The mail a recipient gets in place of a message held whole: who sent
/// it, what, when (in the configured zone), why in words, what to do, how
/// long it is kept and whom to call.
pub fn held_message(cfg: &NoticeConfig, item: &HeldItem, now: Timestamp) -> Vec<u8> {
    let (fr, en) = reasons(item);
    let (advice_fr, advice_en) = advice(item);
    let (todo_fr, todo_en) = what_to_do(item, true);
    let (kept_fr, kept_en) = kept_until(cfg, item, true);
    let (call_fr, call_en) = cfg.contact_lines();
    let link = cfg.link(&item.id.to_string());
    let info = &item.info;
    let from = info.from.clone().unwrap_or_else(|| item.mail_from.clone());
    let subject = info.subject.clone().unwrap_or_default();
    // The message's own date, when it has a readable one, and ours.
    let sent: Option<Timestamp> = info.date.as_deref().and_then(|d| d.parse().ok());
    let (sent_fr, sent_en) = match sent {
        Some(at) => (
            format!("Envoyé le : {}\n", cfg.zone.labelled_fr(at)),
            format!("Sent: {}\n", cfg.zone.labelled_en(at)),
        ),
        None => (String::new(), String::new()),
    };
    let (received_fr, received_en) = (cfg.zone.labelled_fr(now), cfg.zone.labelled_en(now));
    let (whose_fr, whose_en) = cfg.whose();
    let help = cfg.help.as_deref().map(|h| format!("{h}\n")).unwrap_or_default();
    let body = format!(
        "Écluse, le filtre de messagerie {whose_fr}, a retenu un message qui vous était adressé.\n\
         \n\
         Expéditeur : {from}\n\
         Objet : {subject}\n\
         {sent_fr}\
         Reçu le : {received_fr}\n\
         Raison : {fr}\n\
         \n\
         Le message entier est retenu : vous ne l'avez pas reçu. {advice_fr}\n\
         {todo_fr}\n\
         {link}\n\
         \n\
         {kept_fr}\n\
         {help}\
         {call_fr}\n\
         \n\
         --\n\
         Écluse, {whose_en}, held a message sent to you.\n\
         \n\
         From: {from}\n\
         Subject: {subject}\n\
         {sent_en}\
         Received: {received_en}\n\
         Reason: {en}\n\
         \n\
         The whole message is held: you did not receive it. {advice_en}\n\
         {todo_en}\n\
         {link}\n\
         \n\
         {kept_en}\n\
         {call_en}\n"
    );
    let subj = format!("Message retenu / Message held: {subject}");
    ecluse_quarantine::mail::compose(
        &cfg.hostname,
        &item.recipient,
        &subj,
        &body,
        &format!("X-Ecluse-Held: {}\r\n", item.id),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecluse_quarantine::mail::LocalZone;
    use ecluse_quarantine::{HeldPart, ItemId, QueueId, Status};

    fn cfg() -> NoticeConfig {
        NoticeConfig {
            hostname: "mx.ville-exemple.fr".into(),
            public_url: "https://q.ville-exemple.fr".into(),
            org: None,
            contact: Some("Service informatique, 04 73 00 00 00".into()),
            help: None,
            zone: LocalZone::default(),
        }
    }

    fn item(filename: Option<&str>, categories: &[Category], self_release: bool) -> HeldItem {
        let at: Timestamp = "2026-12-07T13:15:00Z".parse().unwrap();
        HeldItem {
            id: ItemId::new(),
            queue_id: QueueId::new(),
            recipient: "agent@ville-exemple.fr".into(),
            part: filename.map(|f| HeldPart {
                path: "2".into(),
                filename: Some(f.into()),
                detected_type: "application/zip".into(),
                size: 1000,
                sha256: String::new(),
            }),
            category: categories[0],
            categories: categories.to_vec(),
            reasons: Vec::new(),
            self_release,
            status: Status::Held,
            created_at: at,
            expires_at: at + jiff::SignedDuration::from_hours(24 * 30),
            request: None,
            decision: None,
            info: Default::default(),
            mail_from: "fournisseur@example.org".into(),
            purged: false,
            tenant: "default".into(),
        }
    }

    fn parse_part(part: &[u8]) -> String {
        let msg = [
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".as_slice(),
            part,
            b"\r\n--b--\r\n",
        ]
        .concat();
        let parsed = mail_parser::MessageParser::default().parse(&msg).unwrap();
        parsed.body_text(0).unwrap().into_owned()
    }

    #[test]
    fn held_part_is_a_valid_mime_part_with_the_link_retention_and_contact() {
        let it = item(Some("facture.docm"), &[Category::Macro], false);
        let text = parse_part(&held_part(&cfg(), &it, false));
        assert!(text.contains("Pièce jointe retenue"), "{text}");
        assert!(text.contains("« facture.docm »"));
        assert!(text.contains("document avec macros"));
        assert!(text.contains(&format!("https://q.ville-exemple.fr/q/{}", it.id)));
        assert!(text.contains("document with macros"));
        // 13:15 UTC in December is 14:15 in Paris; kept 30 days.
        assert!(
            text.contains("conservée jusqu'au 06/01/2027 14:15 (heure de Paris)"),
            "{text}"
        );
        assert!(text.contains("kept until 2027-01-06 14:15 (Paris time)"), "{text}");
        assert!(text.contains("un administrateur examinera"), "{text}");
        assert!(text.contains("Contactez : Service informatique, 04 73 00 00 00"));
        assert!(!text.contains("macro\n") && !text.contains("(s)"));
    }

    #[test]
    fn self_release_is_offered_only_where_the_policy_allows_it() {
        let it = item(Some("a.zip"), &[Category::TypeMismatch], true);
        let text = parse_part(&held_part(&cfg(), &it, false));
        assert!(text.contains("vous pouvez le récupérer vous-même"), "{text}");
        assert!(text.contains("you may take it back yourself"), "{text}");
    }

    /// A forged sender's file is asked for only once the sender confirmed
    /// by other means (issue 29); an ordinary one keeps the plain wording.
    #[test]
    fn a_forged_senders_notice_asks_to_check_before_asking_for_the_file() {
        for cat in [Category::SpoofedSender, Category::LookalikeSender] {
            let it = item(Some("virement.pdf"), &[cat], false);
            let text = parse_part(&held_part(&cfg(), &it, false));
            assert!(
                text.contains("Si l'expéditeur vous confirme par un autre moyen")
                    && text.contains("demandez-le ici")
                    && !text.contains("Si vous attendiez ce fichier"),
                "{text}"
            );
            assert!(text.contains("If the sender confirms by other means"), "{text}");
        }
        let it = item(Some("a.docm"), &[Category::Macro], false);
        let text = parse_part(&held_part(&cfg(), &it, false));
        assert!(text.contains("Si vous attendiez ce fichier, demandez-le ici"), "{text}");
    }

    #[test]
    fn a_notice_standing_as_an_attachment_is_named_after_the_held_file() {
        let it = item(Some("délibération.docm"), &[Category::Macro], false);
        let part = held_part(&cfg(), &it, true);
        let msg = [
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".as_slice(),
            &part,
            b"\r\n--b--\r\n",
        ]
        .concat();
        let parsed = mail_parser::MessageParser::default().parse(&msg).unwrap();
        use mail_parser::MimeHeaders;
        let att = parsed.attachment(0).expect("an attachment");
        assert_eq!(att.attachment_name(), Some("délibération.docm (retenue).txt"));
    }

    #[test]
    fn the_html_notice_goes_after_the_body_tag_whatever_the_encoding() {
        let notice = html_notice(
            &cfg(),
            &[&item(Some("facture.docm"), &[Category::Macro], false)],
        );
        assert!(notice.is_ascii(), "{notice}");
        let html = "<html><head><meta charset=\"iso-8859-1\"></head><BODY class=x>\r\n<p>Bonjour</p></body></html>";
        for (cte, body) in [
            ("quoted-printable", html.replace('=', "=3D")),
            ("base64", base64_lines(html.as_bytes())),
            ("7bit", html.to_string()),
        ] {
            let part = format!(
                "Content-Type: text/html;\r\n charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}"
            );
            let out = with_html_notice(part.as_bytes(), &notice).expect(cte);
            let out = String::from_utf8(out).unwrap();
            assert!(out.starts_with("Content-Type: text/html;\r\n charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"), "{out}");
            let (_, b64) = out.split_once("\r\n\r\n").unwrap();
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.replace("\r\n", ""))
                .unwrap();
            let decoded = String::from_utf8(decoded).unwrap();
            let at = decoded.find("ecluse-notice").unwrap();
            assert!(decoded[..at].ends_with("<BODY class=x>\r\n<div class=\""), "{cte}: {decoded}");
            assert!(decoded.contains("Pi&#xE8;ce jointe retenue"), "{decoded}");
        }
        // Not ASCII-compatible, or not decodable: left alone.
        let utf16 = "Content-Type: text/html; charset=utf-16\r\n\r\n<body></body>";
        assert!(with_html_notice(utf16.as_bytes(), &notice).is_none());
        let bad = "Content-Type: text/html\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n<body>";
        assert!(with_html_notice(bad.as_bytes(), &notice).is_none());
    }

    #[test]
    fn the_held_whole_notice_gives_local_dates_words_and_what_to_do() {
        let mut it = item(None, &[Category::MimeAmbiguity, Category::Macro], false);
        it.info.subject = Some("Conseil municipal".into());
        it.info.date = Some("2026-12-07T12:00:00+00:00".into());
        let now: Timestamp = "2026-12-07T13:15:00Z".parse().unwrap();
        let bytes = held_message(&cfg(), &it, now);
        let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert!(text.contains("Envoyé le : 07/12/2026 13:00 (heure de Paris)"), "{text}");
        assert!(text.contains("Reçu le : 07/12/2026 14:15 (heure de Paris)"), "{text}");
        assert!(text.contains("Raison : structure du message ambiguë ; document avec macros"), "{text}");
        assert!(!text.contains("mime_ambiguity") && !text.contains("T12:00"), "{text}");
        assert!(text.contains("Le message est conservé jusqu'au 06/01/2027 14:15 (heure de Paris)"), "{text}");
        assert!(text.contains("Sent: 2026-12-07 13:00 (Paris time)"), "{text}");
        assert!(text.contains("Contact: Service informatique"), "{text}");
    }

    #[test]
    fn non_ascii_subjects_are_encoded_words() {
        let enc = header_text("Message retenu : réunion du conseil municipal de décembre");
        assert!(enc.is_ascii());
        let msg = format!("Subject: {enc}\r\n\r\nx");
        let parsed = mail_parser::MessageParser::default()
            .parse(msg.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Message retenu : réunion du conseil municipal de décembre")
        );
    }
}
