//! The pages: [`layout`] (the frame of every page), [`errors`] (the error
//! pages, and the checks that answer with them), [`agent`] (my held
//! attachments), [`admin`] (queue, report, decisions, audit, dashboard),
//! [`rules`] (exceptions and blocks), [`login`] (sign-in and sign-out);
//! here, the words every page uses for states, categories and sizes.

pub mod admin;
pub mod agent;
pub mod errors;
pub mod layout;
pub mod login;
pub mod rules;

use crate::web::Lang;
use ecluse_quarantine::{AuditAction, HeldItem, Status};
use ecluse_scanner::{Action, Category, FindingKind};

/// A state in plain words.
pub fn status_label(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::Held => lang.t("Retenue", "Held"),
        Status::Requested => lang.t("Libération demandée", "Release requested"),
        Status::Released => lang.t("Libérée", "Released"),
        Status::Denied => lang.t("Refusée", "Denied"),
        Status::Expired => lang.t("Expirée", "Expired"),
    }
}

/// Whether `item` is a message held whole (no attachment was cut out of
/// it: [`HeldItem::part`] is `None`, [`HeldItem::name_fr`] says « le
/// message entier »). Its pages say « ce message », masculine (« Retenu »,
/// « Pourquoi il est retenu »), where an attachment's say « cette pièce
/// jointe » (« Retenue », « Pourquoi elle est retenue »).
pub fn whole(item: &HeldItem) -> bool {
    item.part.is_none()
}

/// A state in plain words, agreeing with what is held: an attachment
/// (`whole` false) is « Retenue », « Libérée », « Refusée », « Expirée »;
/// a message held whole is « Retenu », « Libéré », « Refusé », « Expiré ».
/// English has one form. [`status_label`] is the attachment's form.
pub fn status_label_for(lang: Lang, status: Status, whole: bool) -> &'static str {
    if !whole {
        return status_label(lang, status);
    }
    match status {
        Status::Held => lang.t("Retenu", "Held"),
        Status::Requested => lang.t("Libération demandée", "Release requested"),
        Status::Released => lang.t("Libéré", "Released"),
        Status::Denied => lang.t("Refusé", "Denied"),
        Status::Expired => lang.t("Expiré", "Expired"),
    }
}

/// The state of `item` in plain words ([`status_label_for`]).
pub fn item_status_label(lang: Lang, item: &HeldItem) -> &'static str {
    status_label_for(lang, item.status, whole(item))
}

/// `fr_attachment` for an attachment, `fr_message` for a message held
/// whole, in French; `en_attachment` or `en_message` in English: one
/// sentence, said of the right thing and in the right gender.
pub fn of_item<'a>(
    lang: Lang,
    item: &HeldItem,
    fr: (&'a str, &'a str),
    en: (&'a str, &'a str),
) -> &'a str {
    let (a, m) = match lang {
        Lang::Fr => fr,
        Lang::En => en,
    };
    if whole(item) { m } else { a }
}

/// Why an action on an item is refused by its state `status`, in one
/// sentence that says the state in words: « Cette action n'est plus
/// possible : la pièce jointe a changé d'état entre-temps ; elle est
/// maintenant libérée. », « … le message … ; il est maintenant libéré. ».
/// `whole` as in [`whole`]. For an item still held with nothing asked
/// (nothing changed), it says so rather than "changed state".
pub fn state_conflict(lang: Lang, status: Status, whole: bool) -> String {
    let g = |attachment: &'static str, message: &'static str| if whole { message } else { attachment };
    match lang {
        Lang::Fr => {
            let what = g("la pièce jointe", "le message");
            let now = match status {
                Status::Held => {
                    return format!(
                        "Cette action n'est pas possible maintenant : {what} est toujours {}, sans demande de libération.",
                        g("retenue", "retenu")
                    );
                }
                Status::Requested => "sa libération a déjà été demandée",
                Status::Released => g("elle est maintenant libérée", "il est maintenant libéré"),
                Status::Denied => "sa libération a été refusée",
                Status::Expired => g(
                    "elle a expiré et a été supprimée",
                    "il a expiré et a été supprimé",
                ),
            };
            format!("Cette action n'est plus possible : {what} a changé d'état entre-temps ; {now}.")
        }
        Lang::En => {
            let what = g("the attachment", "the message");
            let now = match status {
                Status::Held => {
                    return format!(
                        "This cannot be done now: {what} is still held, with no release request."
                    );
                }
                Status::Requested => "its release has already been asked for",
                Status::Released => "it has now been released",
                Status::Denied => "its release was refused",
                Status::Expired => "it expired and was deleted",
            };
            format!("This can no longer be done: {what} changed state in the meantime; {now}.")
        }
    }
}

/// Why an item was held, in words an agent understands.
pub fn category_label(lang: Lang, category: Category) -> &'static str {
    match lang {
        Lang::Fr => category.label_fr(),
        Lang::En => category.label_en(),
    }
}

/// Why `item` was held, for `category` (one of its categories), in words
/// an agent understands: a password-protected PDF or Office document is
/// « document protégé par mot de passe », not an archive.
pub fn held_label(lang: Lang, item: &HeldItem, category: Category) -> &'static str {
    let real = item.part.as_ref().map_or("", |p| p.detected_type.as_str());
    match lang {
        Lang::Fr => category.label_fr_for(real),
        Lang::En => category.label_en_for(real),
    }
}

/// What the policy does with a message or a part (the scan report's
/// action and each part's verdict), in plain words.
pub fn action_label(lang: Lang, action: Action) -> &'static str {
    match action {
        Action::Deliver => lang.t("remise au destinataire", "delivered to the recipient"),
        Action::Quarantine => lang.t("mise en quarantaine", "held in quarantine"),
        Action::Reject => lang.t("refus à la réception", "refused on arrival"),
    }
}

/// Exactly what the scanner saw, in plain words.
pub fn kind_label(lang: Lang, kind: FindingKind) -> &'static str {
    match lang {
        Lang::Fr => kind.label_fr(),
        Lang::En => kind.label_en(),
    }
}

/// What an audit log entry records, in plain words.
pub fn audit_action_label(lang: Lang, action: AuditAction) -> &'static str {
    match action {
        AuditAction::Held => lang.t("mise en quarantaine", "held"),
        AuditAction::Requested => lang.t("demande de libération", "release requested"),
        AuditAction::Released => lang.t("libération", "released"),
        AuditAction::Denied => lang.t("refus de libération", "release denied"),
        AuditAction::Expired => lang.t("expiration", "expired"),
        AuditAction::Purged => lang.t("suppression du message", "message deleted"),
        AuditAction::Downloaded => lang.t("téléchargement", "downloaded"),
        AuditAction::Viewed => lang.t("consultation", "viewed"),
        AuditAction::Login => lang.t("connexion", "sign-in"),
        AuditAction::LoginFailed => lang.t("connexion refusée", "sign-in refused"),
        AuditAction::Logout => lang.t("déconnexion", "sign-out"),
        AuditAction::RuleAdded => lang.t("exception ou blocage ajouté", "exception or block added"),
        AuditAction::RuleRemoved => lang.t(
            "exception ou blocage supprimé",
            "exception or block removed",
        ),
    }
}

/// The file name of an item, or what stands for it: the same words as
/// the notice, the CLI and the audit log ([`HeldItem::name_fr`]).
pub fn file_name(lang: Lang, item: &HeldItem) -> String {
    match lang {
        Lang::Fr => item.name_fr(),
        Lang::En => item.name_en(),
    }
}

/// A size in plain units.
pub fn size(lang: Lang, bytes: u64) -> String {
    let (unit_k, unit_m) = (lang.t("Ko", "KB"), lang.t("Mo", "MB"));
    if bytes >= 1 << 20 {
        format!("{:.1} {unit_m}", bytes as f64 / (1 << 20) as f64)
    } else if bytes >= 1024 {
        format!("{} {unit_k}", bytes / 1024)
    } else {
        format!("{bytes} {}", lang.t("octets", "bytes"))
    }
}

/// Parses an item id from a path, `None` for anything malformed.
pub fn item_id(s: &str) -> Option<ecluse_quarantine::ItemId> {
    s.parse().ok()
}
