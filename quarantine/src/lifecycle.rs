//! The life of a held item:
//!
//! ```text
//! held ──request (recipient, reason)──▶ requested ──release (admin)──▶ released
//!   │                                       └──────deny (admin)───────▶ denied
//!   ├──release (admin, or the recipient when self-release is allowed)──▶ released
//!   └── any open state, past retention ──▶ expired (bytes purged, tombstone kept)
//! ```
//!
//! Every change is one transaction under the store's writer lock, with its
//! audit entries and the mail it causes (the released original, the
//! notifications) queued in the same step: two admins deciding at once are
//! ordered, the second gets [`Error::IllegalTransition`], and exactly one
//! delivery is queued. Releasing an item delivers the original message, so
//! the recipient's other open items of the same message are released with it.

use crate::audit::{Actor, AuditAction};
use crate::error::{Error, Result, TxError, abort};
use crate::mail::{self, Notifications};
use crate::model::{
    Decision, Delivery, HeldItem, ItemId, MessageRecord, Payload, Purpose, QueueId,
    ReleaseRequest, Status,
};
use crate::store::trees::{ITEMS, MESSAGES};
use crate::store::{ItemFilter, Store, Tx};
use jiff::Timestamp;

/// On whose authority a release is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// An admin: any open item.
    Admin,
    /// The recipient: only where the policy allows self-release.
    Recipient,
}

/// What a purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// Open items that expired.
    pub expired: usize,
    /// Items whose message bytes were dropped (all states).
    pub purged: usize,
}

fn same_person(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn what(item: &HeldItem) -> String {
    item.name_both()
}

/// What a decision mail's subject names: the file, or for a message held
/// whole its own subject in quotes.
fn title(item: &HeldItem) -> String {
    match (&item.part, item.info.subject.as_deref().map(str::trim)) {
        (Some(_), _) => what(item),
        (None, Some(s)) if !s.is_empty() => format!("« {s} »"),
        (None, _) => item.name_both(),
    }
}

/// How the decision mails name what was asked for, French then English:
/// the attachment (« le message qui contenait « facture.docm » »), or for
/// a message held whole its subject (« le message « Facture » »), never
/// « « le message entier » ».
fn asked_for(item: &HeldItem) -> (String, String) {
    if item.part.is_some() {
        let file = what(item);
        return (
            format!("le message qui contenait « {file} »"),
            format!("the message that contained \"{file}\""),
        );
    }
    match item.info.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => (format!("le message « {s} »"), format!("the message \"{s}\"")),
        None => ("le message sans objet".into(), "the message without a subject".into()),
    }
}

/// Every reason `item` was held, in French and in English, as the lines of
/// a mail give them: « Raison de la retenue : document avec macros », or
/// with several « Raisons de la retenue : document avec macros ; archive
/// impossible à analyser » (its categories in order, the deciding one
/// first when it is missing from them; each said for the held object's
/// real type, as the web pages say it: a password-protected PDF is a
/// document, not an archive).
fn held_because(item: &HeldItem) -> (String, String) {
    let real = item.part.as_ref().map_or("", |p| p.detected_type.as_str());
    let mut categories = Vec::new();
    if !item.categories.contains(&item.category) {
        categories.push(item.category);
    }
    categories.extend(item.categories.iter().copied());
    let mut fr: Vec<&str> = Vec::new();
    let mut en: Vec<&str> = Vec::new();
    for c in categories {
        let (f, e) = (c.label_fr_for(real), c.label_en_for(real));
        if !fr.contains(&f) {
            fr.push(f);
            en.push(e);
        }
    }
    let (label_fr, label_en) = if fr.len() > 1 {
        ("Raisons de la retenue", "Held because")
    } else {
        ("Raison de la retenue", "Held because")
    };
    (
        format!("{label_fr} : {}", fr.join(" ; ")),
        format!("{label_en}: {}", en.join("; ")),
    )
}

impl Tx<'_> {
    fn item(&self, id: ItemId) -> Result<HeldItem, TxError> {
        self.get(ITEMS, &id.key())?
            .ok_or_else(|| abort(Error::NoSuchItem(id.to_string())))
    }

    fn illegal(item: &HeldItem, action: &'static str, reason: impl Into<String>) -> TxError {
        abort(Error::IllegalTransition {
            item: item.id,
            status: item.status,
            action,
            reason: reason.into(),
        })
    }

    fn notify(
        &self,
        n: &Notifications,
        tenant: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), TxError> {
        let bytes = mail::compose(&n.hostname, to, subject, body, "", self.now());
        self.enqueue(
            &Delivery::new(
                Purpose::Notification,
                String::new(),
                vec![to.to_string()],
                Payload::Inline { bytes },
                self.now(),
            )
            .for_tenant(tenant),
        )
    }

    /// Queues the original message for the item's recipient and counts the reference.
    fn deliver_original(&self, item: &HeldItem, by: &str) -> Result<(), TxError> {
        let mut msg: MessageRecord = self
            .get(MESSAGES, &item.queue_id.key())?
            .ok_or_else(|| abort(Error::NoSuchMessage(item.queue_id.to_string())))?;
        if msg.bytes.is_none() {
            return Err(abort(Error::Purged(item.queue_id.to_string())));
        }
        msg.refs += 1;
        self.put(MESSAGES, &msg.id.key(), &msg)?;
        let by: String = by
            .chars()
            .filter(|c| !c.is_control() && *c != ';')
            .collect();
        let header = format!(
            "X-Ecluse-Released: {}; by={by}; at={}\r\n",
            item.id,
            self.now()
        );
        self.enqueue(
            &Delivery::new(
                Purpose::Release { item: item.id },
                msg.envelope.mail_from.clone(),
                vec![item.recipient.clone()],
                Payload::Stored {
                    queue_id: item.queue_id,
                    prepend: header.into_bytes(),
                    cuts: Vec::new(),
                },
                self.now(),
            )
            .for_tenant(&item.tenant),
        )
    }
}

impl Store {
    /// Sets where notifications go (from the configuration).
    pub fn set_notifications(&self, n: Notifications) {
        *self.notifications.lock().expect("notifications lock") = n;
    }

    fn notifications(&self) -> Notifications {
        self.notifications
            .lock()
            .expect("notifications lock")
            .clone()
    }

    /// The recipient asks for an item, with a reason; admins are told.
    pub fn request_release(&self, id: ItemId, actor: &Actor, reason: &str) -> Result<HeldItem> {
        let reason = reason.trim();
        let n = self.notifications();
        self.write(|tx| {
            let mut item = tx.item(id)?;
            if !same_person(&actor.who, &item.recipient) {
                return Err(abort(Error::Forbidden {
                    item: id,
                    who: actor.who.clone(),
                    action: "request",
                    reason: format!("only its recipient, {}, may ask for it", item.recipient),
                }));
            }
            match item.status {
                Status::Held => {}
                Status::Requested => return Err(Tx::illegal(&item, "request", "a request is already waiting for an admin")),
                _ => return Err(Tx::illegal(&item, "request", "it is no longer held")),
            }
            if reason.is_empty() {
                return Err(Tx::illegal(&item, "request", "say why you need it: the reason is required"));
            }
            item.status = Status::Requested;
            item.request = Some(ReleaseRequest {
                by: actor.who.clone(),
                reason: reason.to_string(),
                at: tx.now(),
            });
            tx.put(ITEMS, &id.key(), &item)?;
            tx.audit(actor, AuditAction::Requested, Some(id), Some(item.queue_id), reason)?;
            let file = what(&item);
            let link = format!("{}/q/{}", n.public_url, id);
            let from = item.info.from.clone().unwrap_or_else(|| item.mail_from.clone());
            let subject = item.info.subject.clone().unwrap_or_default();
            let (because_fr, because_en) = held_because(&item);
            // A message held whole is not an attachment.
            let (asked_fr, file_fr, asked_en, file_en) = if item.part.is_none() {
                ("d'un message retenu en entier", "Message", "of a message held whole", "Message")
            } else {
                ("d'une pièce jointe retenue", "Fichier", "of a held attachment", "File")
            };
            for admin in n.admins_for(&item.tenant) {
                let body = format!(
                    "{who} demande la libération {asked_fr}.\n\n\
                     {file_fr} : {file}\n{because_fr}\nExpéditeur : {from}\nObjet : {subject}\n\
                     Motif de la demande : {reason}\n\nPour décider : {link}\n\n--\n\
                     {who} asks for the release {asked_en}.\n\n\
                     {file_en}: {file}\n{because_en}\nFrom: {from}\nSubject: {subject}\n\
                     Reason given: {reason}\n\nTo decide: {link}\n",
                    who = actor.who,
                );
                tx.notify(&n, &item.tenant, admin, &format!("Demande de libération / Release request: {file}"), &body)?;
            }
            Ok(item)
        })
    }

    /// Releases an item: the original message goes to its recipient, with
    /// `X-Ecluse-Released`. The recipient is told when they had asked.
    pub fn release(
        &self,
        id: ItemId,
        actor: &Actor,
        comment: &str,
        authority: Authority,
    ) -> Result<HeldItem> {
        let n = self.notifications();
        // The original carries the recipient's other held parts too. (Read
        // before the transaction: sled deadlocks on a plain read inside one.)
        let first = self.item(id)?;
        let siblings: Vec<ItemId> = self
            .items_of_message(first.queue_id)?
            .into_iter()
            .filter(|s| s.id != id && same_person(&s.recipient, &first.recipient))
            .map(|s| s.id)
            .collect();
        self.write(|tx| {
            let item = tx.item(id)?;
            if !item.status.is_open() {
                return Err(Tx::illegal(&item, "release", "it was already decided or has expired"));
            }
            if authority == Authority::Recipient {
                if !same_person(&actor.who, &item.recipient) {
                    return Err(abort(Error::Forbidden { item: id, who: actor.who.clone(), action: "release", reason: format!("only its recipient, {}, or an admin may release it", item.recipient) }));
                }
                if !item.self_release {
                    return Err(abort(Error::Forbidden { item: id, who: actor.who.clone(), action: "release", reason: format!("the policy does not let recipients release {} themselves: ask an admin", item.category) }));
                }
            }
            tx.deliver_original(&item, &actor.who)?;
            let mut released = None;
            for current in std::iter::once(id).chain(siblings.iter().copied()) {
                let mut it = tx.item(current)?;
                if !it.status.is_open() {
                    continue;
                }
                let was_requested = it.status == Status::Requested;
                it.status = Status::Released;
                let note = if it.id == id { comment.to_string() } else { format!("released with {id}, same message") };
                it.decision = Some(Decision { by: actor.who.clone(), outcome: Status::Released, comment: note.clone(), at: tx.now() });
                tx.put(ITEMS, &it.id.key(), &it)?;
                tx.audit(actor, AuditAction::Released, Some(it.id), Some(it.queue_id), note)?;
                if was_requested && authority == Authority::Admin {
                    // Both halves say the same, the warning included.
                    let (comment_fr, comment_en) = if comment.trim().is_empty() {
                        (String::new(), String::new())
                    } else {
                        (format!("Commentaire : {comment}\n"), format!("Comment: {comment}\n"))
                    };
                    let (asked_fr, asked_en) = asked_for(&it);
                    let (careful_fr, careful_en) = if it.part.is_some() {
                        (
                            "Restez prudent en ouvrant la pièce jointe : ne l'ouvrez que si vous connaissez l'expéditeur et attendiez ce fichier.",
                            "Stay careful when opening the attachment: only open it if you know the sender and were expecting this file.",
                        )
                    } else {
                        (
                            "Restez prudent en l'ouvrant : n'en ouvrez les pièces jointes et les liens que si vous connaissez l'expéditeur et attendiez ce message.",
                            "Stay careful when opening it: only open its attachments and links if you know the sender and were expecting this message.",
                        )
                    };
                    let body = format!(
                        "Votre demande a été acceptée : {asked_fr} vous a été remis.\n\
                         {comment_fr}\n{careful_fr}\n\n--\n\
                         Your request was accepted: {asked_en} was delivered to you.\n\
                         {comment_en}\n{careful_en}\n"
                    );
                    tx.notify(&n, &it.tenant, &it.recipient, &format!("Demande acceptée / Request accepted: {}", title(&it)), &body)?;
                }
                if it.id == id {
                    released = Some(it);
                }
            }
            Ok(released.expect("the item itself is open"))
        })
        .inspect(|it| {
            // The decision in the server log too (the audit log keeps it with
            // its comment): grep 'queue_id="…"' finds it beside the
            // message's deliveries.
            tracing::info!(
                item = %it.id,
                queue_id = it.queue_id.to_string().as_str(),
                tenant = %it.tenant,
                by = %actor.who,
                recipient = %it.recipient,
                authority = %if authority == Authority::Admin { "admin" } else { "recipient" },
                "released"
            );
        })
    }

    /// An admin refuses to release an item; the recipient is told if they asked.
    pub fn deny(&self, id: ItemId, actor: &Actor, comment: &str) -> Result<HeldItem> {
        let n = self.notifications();
        let comment = comment.trim();
        self.write(|tx| {
            let mut item = tx.item(id)?;
            if !item.status.is_open() {
                return Err(Tx::illegal(&item, "deny", "it was already decided or has expired"));
            }
            if comment.is_empty() {
                return Err(Tx::illegal(&item, "deny", "give the reason: the recipient will read it"));
            }
            let was_requested = item.status == Status::Requested;
            item.status = Status::Denied;
            item.decision = Some(Decision { by: actor.who.clone(), outcome: Status::Denied, comment: comment.to_string(), at: tx.now() });
            tx.put(ITEMS, &id.key(), &item)?;
            tx.audit(actor, AuditAction::Denied, Some(id), Some(item.queue_id), comment)?;
            if was_requested {
                let file = what(&item);
                let (asked_fr, asked_en) = if item.part.is_some() {
                    (format!("« {file} »"), format!("\"{file}\""))
                } else {
                    asked_for(&item)
                };
                let body = format!(
                    "Votre demande pour {asked_fr} a été refusée.\nMotif : {comment}\n\n\
                     Si vous pensez qu'il s'agit d'une erreur, demandez à l'expéditeur de vous envoyer le document autrement\n\
                     (par exemple en PDF), ou contactez le service informatique.\n\n--\n\
                     Your request for {asked_en} was refused.\nReason: {comment}\n\n\
                     If you think this is a mistake, ask the sender to send you the document another way\n\
                     (for example as a PDF), or contact the IT department.\n"
                );
                tx.notify(&n, &item.tenant, &item.recipient, &format!("Demande refusée / Request refused: {}", title(&item)), &body)?;
            }
            Ok(item)
        })
        .inspect(|it| {
            tracing::info!(
                item = %it.id,
                queue_id = it.queue_id.to_string().as_str(),
                tenant = %it.tenant,
                by = %actor.who,
                recipient = %it.recipient,
                "denied"
            );
        })
    }

    /// Items past their retention: open ones become `expired`; every one
    /// gives up its hold on the message bytes, which are dropped when no
    /// item or delivery needs them. Audited.
    pub fn purge_expired(&self, mut progress: impl FnMut(usize, usize)) -> Result<Purged> {
        let now = self.now();
        let due: Vec<HeldItem> = self
            .items(&ItemFilter::default())?
            .into_iter()
            .filter(|i| i.expires_at <= now && !i.purged)
            .collect();
        let retention = Actor::system("retention");
        let mut done = Purged::default();
        for (n, item) in due.iter().enumerate() {
            progress(n + 1, due.len());
            let expired = self.write(|tx| {
                let mut it = tx.item(item.id)?;
                if it.purged {
                    return Ok(false);
                }
                let expired = it.status.is_open();
                if expired {
                    it.status = Status::Expired;
                    tx.audit(
                        &retention,
                        AuditAction::Expired,
                        Some(it.id),
                        Some(it.queue_id),
                        format!(
                            "undecided after the retention period (held {})",
                            it.created_at
                        ),
                    )?;
                }
                it.purged = true;
                tx.put(ITEMS, &it.id.key(), &it)?;
                if tx.release_message_ref(it.queue_id)? {
                    tx.audit(
                        &retention,
                        AuditAction::Purged,
                        Some(it.id),
                        Some(it.queue_id),
                        "message bytes and report removed; record kept",
                    )?;
                }
                Ok(expired)
            })?;
            done.purged += 1;
            done.expired += usize::from(expired);
        }
        Ok(done)
    }

    /// The original message of an item, for an admin: audited as a download
    /// (or a view).
    pub fn read_held(
        &self,
        id: ItemId,
        actor: &Actor,
        action: AuditAction,
        detail: &str,
    ) -> Result<(HeldItem, Vec<u8>)> {
        let item = self.item(id)?;
        let bytes = self.message_bytes(item.queue_id)?;
        self.write(|tx| tx.audit(actor, action, Some(id), Some(item.queue_id), detail))?;
        Ok((item, bytes))
    }

    /// The held items of one message.
    pub fn items_of_message(&self, queue_id: QueueId) -> Result<Vec<HeldItem>> {
        Ok(self
            .items(&ItemFilter::default())?
            .into_iter()
            .filter(|i| i.queue_id == queue_id)
            .collect())
    }

    /// When the next item expires, if any is still kept.
    pub fn next_expiry(&self) -> Result<Option<Timestamp>> {
        Ok(self
            .items(&ItemFilter::default())?
            .into_iter()
            .filter(|i| !i.purged)
            .map(|i| i.expires_at)
            .min())
    }
}
