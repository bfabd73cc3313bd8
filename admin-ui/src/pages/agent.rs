//! "Mes pièces jointes retenues": what was held for the signed-in person,
//! the item page the notice links to (`/q/<id>`), the release request and,
//! where the policy allows, releasing it oneself.

use super::layout::page;
use super::{
    file_name, held_label, item_id, item_status_label, of_item, size, status_label_for, whole,
};
use crate::state::Ui;
use crate::web::{Ctx, Page};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use ecluse_quarantine::{Authority, HeldItem, ItemFilter, SignIn, Status, WebSession};
use maud::{Markup, html};
use std::sync::Arc;

/// The longest reason an agent may give.
pub const MAX_REASON: usize = 2000;

/// `GET /`: my held attachments, newest first.
pub async fn list(ctx: Ctx, State(ui): State<Arc<Ui>>) -> Page {
    let user = ctx.user()?.clone();
    let l = ctx.lang;
    let emails = user.emails.clone();
    let mut items = ui
        .blocking(move |store| {
            let mut all = Vec::new();
            for e in &emails {
                all.extend(store.items(&ItemFilter {
                    recipient: Some(e.clone()),
                    ..ItemFilter::default()
                })?);
            }
            Ok(all)
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    items.sort_by_key(|i| std::cmp::Reverse(i.created_at));
    items.dedup_by_key(|i| i.id);
    let title = l.t("Mes pièces jointes retenues", "My held attachments");
    Ok(page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            p { (list_intro(l, &items)) }
            p { (l.t("Adresses : ", "Addresses: "))
                @if user.emails.is_empty() { (no_address(l, &user, ui.config.demo)) }
                @else { (user.emails.join(", ")) } }
            @if items.is_empty() {
                p.notice { (l.t("Aucune pièce jointe n'est retenue pour vous.", "Nothing is held for you.")) }
            } @else {
                div.table-wrap { table {
                    caption.skip { (title) }
                    thead { tr {
                        th scope="col" { (l.t("Reçu le", "Received")) " (" (l.zone_label()) ")" }
                        th scope="col" { (l.t("Expéditeur", "From")) }
                        th scope="col" { (l.t("Objet", "Subject")) }
                        th scope="col" { (l.t("Fichier", "File")) }
                        th scope="col" { (l.t("Pourquoi", "Why")) }
                        th scope="col" { (l.t("État", "Status")) }
                    } }
                    tbody {
                        @for it in &items {
                            tr {
                                td data-label=(l.t("Reçu le", "Received")) { (l.datetime(it.created_at)) }
                                td data-label=(l.t("Expéditeur", "From")) { (sender(it)) }
                                td data-label=(l.t("Objet", "Subject")) { (it.info.subject.as_deref().unwrap_or("")) }
                                td data-label=(l.t("Fichier", "File")) { a href={ "/q/" (it.id) } { (file_name(l, it)) } }
                                td data-label=(l.t("Pourquoi", "Why")) { (held_label(l, it, it.category)) }
                                td data-label=(l.t("État", "Status")) { (item_status(l, it)) }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

/// What the list says of what it shows, true of every row: the rest of
/// the message was delivered only for an attachment held alone; a message
/// held whole was not delivered (its recipient got a notice instead).
fn list_intro(l: crate::web::Lang, items: &[HeldItem]) -> &'static str {
    let messages = items.iter().filter(|i| whole(i)).count();
    if messages == 0 {
        l.t(
            "Écluse a retenu ces pièces jointes parce qu'elles pourraient être dangereuses. Le reste de chaque message vous a été remis. Si vous attendiez l'une d'elles, ouvrez-la pour demander sa libération.",
            "Écluse held these attachments because they could be dangerous. The rest of each message was delivered to you. If you were expecting one, open it to ask for its release.",
        )
    } else if messages == items.len() {
        l.t(
            "Écluse a retenu ces messages en entier parce qu'ils pourraient être dangereux : ils ne vous ont pas été remis (vous avez reçu un avis à leur place). Si vous attendiez l'un d'eux, ouvrez-le pour demander sa libération.",
            "Écluse held these messages whole because they could be dangerous: they were not delivered to you (you got a notice instead). If you were expecting one, open it to ask for its release.",
        )
    } else {
        l.t(
            "Écluse a retenu ces pièces jointes et ces messages parce qu'ils pourraient être dangereux. Pour une pièce jointe retenue, le reste du message vous a été remis ; un message retenu en entier ne vous a pas été remis (vous avez reçu un avis à sa place). Si vous attendiez l'un d'eux, ouvrez-le pour demander sa libération.",
            "Écluse held these attachments and messages because they could be dangerous. For a held attachment, the rest of the message was delivered to you; a message held whole was not delivered to you (you got a notice instead). If you were expecting one, open it to ask for its release.",
        )
    }
}

/// What stands for the addresses of someone who has none: the local
/// admin (the break-glass account, or the demo's way in) signs in with a
/// user name, not a mailbox, so nothing is ever held for it.
fn no_address(l: crate::web::Lang, user: &WebSession, demo: bool) -> &'static str {
    match user.via {
        SignIn::Local if demo => l.t(
            "(compte local : aucune adresse de messagerie)",
            "(local account: no email address)",
        ),
        SignIn::Local => l.t(
            "(compte de secours : aucune adresse de messagerie)",
            "(emergency account: no email address)",
        ),
        SignIn::Saml => l.t("(aucune adresse de messagerie)", "(no email address)"),
    }
}

/// The sender as the agent sees it: the `From:` header, else the envelope.
pub fn sender(it: &HeldItem) -> &str {
    it.info.from.as_deref().unwrap_or(&it.mail_from)
}

/// A state, coloured, as said of an attachment (« Retenue »).
pub fn status(l: crate::web::Lang, s: Status) -> Markup {
    html! { span class={ "status status-" (s.as_str()) } { (super::status_label(l, s)) } }
}

/// The state of `it`, coloured, in its gender: « Retenue » for an
/// attachment, « Retenu » for a message held whole.
pub fn item_status(l: crate::web::Lang, it: &HeldItem) -> Markup {
    html! { span class={ "status status-" (it.status.as_str()) } { (item_status_label(l, it)) } }
}

/// The item, if it was held for this person.
async fn own_item(
    ctx: &Ctx,
    ui: &Arc<Ui>,
    user: &WebSession,
    id: &str,
) -> Result<HeldItem, axum::response::Response> {
    let Some(id) = item_id(id) else {
        return Err(ctx.not_found());
    };
    let item = ui
        .blocking(move |store| store.item(id))
        .await
        .map_err(|e| ctx.store_error(&e))?;
    if user
        .emails
        .iter()
        .any(|e| e.eq_ignore_ascii_case(&item.recipient))
    {
        Ok(item)
    } else {
        Err(ctx.not_found())
    }
}

/// `GET /q/{id}`: one held attachment, where the notice link leads.
pub async fn item(ctx: Ctx, State(ui): State<Arc<Ui>>, Path(id): Path<String>) -> Page {
    let user = ctx.user()?.clone();
    let l = ctx.lang;
    let it = match own_item(&ctx, &ui, &user, &id).await {
        Ok(it) => it,
        // An admin following a notice link for someone else's item reviews it.
        Err(_) if user.admin && item_id(&id).is_some() => {
            return Ok(Redirect::to(&format!("/admin/items/{id}")).into_response());
        }
        Err(e) => return Err(e),
    };
    let title = file_name(l, &it);
    Ok(page(
        &ctx,
        &title,
        html! {
            p { a href="/" { "← " (l.t("Mes pièces jointes retenues", "My held attachments")) } }
            h1 { (heading(l, &it)) (l.t(" : ", ": ")) (title) }
            (facts(l, &it))
            (next_step(l, &it, &user))
        },
    ))
}

/// The heading of an item's page, as its state is now: « Pièce jointe
/// retenue » while it is held (asked for or not), « Pièce jointe libérée »
/// once released, and so on; « Message … » for a message held whole.
pub fn heading(l: crate::web::Lang, it: &HeldItem) -> &'static str {
    match (it.part.is_some(), it.status) {
        (true, Status::Held | Status::Requested) => l.t("Pièce jointe retenue", "Held attachment"),
        (true, Status::Released) => l.t("Pièce jointe libérée", "Released attachment"),
        (true, Status::Denied) => l.t("Pièce jointe refusée", "Attachment denied"),
        (true, Status::Expired) => l.t("Pièce jointe supprimée", "Deleted attachment"),
        (false, Status::Held | Status::Requested) => l.t("Message retenu", "Held message"),
        (false, Status::Released) => l.t("Message libéré", "Released message"),
        (false, Status::Denied) => l.t("Message refusé", "Message denied"),
        (false, Status::Expired) => l.t("Message supprimé", "Deleted message"),
    }
}

/// Why the sender should be checked by telephone before anything is
/// released: the sender's address is forged, its domain imitates a known
/// one, or the message has no single `From:` (several addresses or none).
/// `None` when there is nothing to say.
pub fn sender_warning(l: crate::web::Lang, it: &HeldItem) -> Option<&'static str> {
    use ecluse_scanner::Category;
    let check = if it.categories.contains(&Category::SpoofedSender) || it.category == Category::SpoofedSender {
        l.t(
            "L'adresse de l'expéditeur n'est pas authentifiée : le domaine qu'elle affiche dit que ce message ne vient pas de ses serveurs. C'est le signe d'une usurpation (plus rarement, d'un transfert automatique).",
            "The sender's address is not authenticated: the domain it shows says this message does not come from its servers. That is the mark of a forgery (more rarely, of an automatic forward).",
        )
    } else if it.categories.contains(&Category::LookalikeSender) || it.category == Category::LookalikeSender {
        l.t(
            "Le domaine de l'expéditeur imite celui d'un correspondant connu (une lettre changée, un caractère d'un autre alphabet).",
            "The sender's domain imitates that of a known correspondent (a letter changed, a character from another alphabet).",
        )
    } else if it.info.from_address.is_none() {
        l.t(
            "Ce message n'indique pas un expéditeur unique (plusieurs adresses, ou aucune, après « De »).",
            "This message does not name a single sender (several addresses, or none, in \"From\").",
        )
    } else {
        return None;
    };
    Some(check)
}

/// The facts an agent needs: who sent it, what, when, why.
pub fn facts(l: crate::web::Lang, it: &HeldItem) -> Markup {
    html! {
        dl.facts {
            dt { (l.t("État", "Status")) } dd { (item_status(l, it)) }
            dt { (l.t("Expéditeur", "From")) } dd { (sender(it)) }
            @if let Some(a) = &it.info.sender_auth {
                dt { (l.t("Authenticité de l'expéditeur", "Sender authenticity")) }
                dd class=(if a.verified() { "verified" } else { "unverified" }) { (l.t(&a.summary_fr(), &a.summary_en())) }
            }
            dt { (l.t("Destinataire", "To")) } dd { (it.recipient) }
            dt { (l.t("Objet", "Subject")) } dd { (it.info.subject.as_deref().unwrap_or("")) }
            dt { (l.t("Reçu le", "Received")) } dd { (l.datetime_labelled(it.created_at)) }
            dt { (of_item(l, it, ("Fichier", "Message"), ("File", "Message"))) } dd { (file_name(l, it)) }
            @if let Some(p) = &it.part {
                dt { (l.t("Taille", "Size")) } dd { (size(l, p.size)) }
            }
            @if it.status.is_open() {
                dt { (of_item(l, it, ("Pourquoi elle est retenue", "Pourquoi il est retenu"), ("Why it is held", "Why it is held"))) }
            } @else {
                dt { (of_item(l, it, ("Pourquoi elle a été retenue", "Pourquoi il a été retenu"), ("Why it was held", "Why it was held"))) }
            }
            dd { ul { @for c in &it.categories { li { (held_label(l, it, *c)) } } } }
            @if it.status.is_open() {
                dt { (of_item(l, it, ("Supprimée automatiquement le", "Supprimé automatiquement le"), ("Deleted automatically on", "Deleted automatically on"))) } dd { (l.datetime_labelled(it.expires_at)) }
            }
            @if let Some(r) = &it.request {
                dt { (l.t("Demande", "Request")) }
                dd { (l.datetime_labelled(r.at)) " — « " (r.reason) " »" }
            }
            @if let Some(d) = &it.decision {
                dt { (l.t("Décision", "Decision")) }
                dd { (status_label_for(l, d.outcome, whole(it))) " — " (l.datetime_labelled(d.at))
                    // The recipient's own release carries a fixed English
                    // note for the logs, not a comment to show.
                    @if d.by.eq_ignore_ascii_case(&it.recipient) { " — " (l.t("par le destinataire", "by the recipient")) }
                    @else if !d.comment.is_empty() { " — « " (d.comment) " »" } }
            }
        }
    }
}

fn next_step(l: crate::web::Lang, it: &HeldItem, user: &WebSession) -> Markup {
    html! {
        @if it.status.is_open() {
            @if let Some(why) = sender_warning(l, it) {
                section.notice.alert {
                    h2 { (l.t("Vérifiez l'expéditeur d'abord", "Check the sender first")) }
                    p { (why) " " (of_item(l, it, (
                        "Avant de demander cette pièce jointe, vérifiez auprès de l'expéditeur par téléphone, à un numéro que vous connaissiez déjà (pas celui du message), qu'il vous l'a bien envoyée.",
                        "Avant de demander ce message, vérifiez auprès de l'expéditeur par téléphone, à un numéro que vous connaissiez déjà (pas celui du message), qu'il vous l'a bien envoyé."), (
                        "Before asking for this attachment, check with the sender by telephone, on a number you already knew (not the one in the message), that they really sent it.",
                        "Before asking for this message, check with the sender by telephone, on a number you already knew (not the one in the message), that they really sent it."))) }
                }
            }
        }
        @match it.status {
            Status::Held => {
                @if it.self_release {
                    section.notice {
                        h2 { (l.t("La récupérer vous-même", "Release it yourself")) }
                        p { (of_item(l, it, (
                            "Pour ce type de pièce jointe, vous pouvez la libérer vous-même : le message d'origine, avec la pièce jointe, vous sera renvoyé. Ne le faites que si vous connaissez l'expéditeur et attendiez ce fichier.",
                            "Pour ce type de message, vous pouvez le libérer vous-même : il vous sera remis tel qu'il a été envoyé. Ne le faites que si vous connaissez l'expéditeur et attendiez ce message."), (
                            "For this kind of attachment you may release it yourself: the original message, with the attachment, will be sent to you again. Only do so if you know the sender and were expecting this file.",
                            "For this kind of message you may release it yourself: it will be delivered to you as it was sent. Only do so if you know the sender and were expecting this message."))) }
                        form method="post" action={ "/q/" (it.id) "/release" } {
                            input type="hidden" name="csrf" value=(user.csrf);
                            button type="submit" { (l.t("Libérer et recevoir le message", "Release and receive the message")) }
                        }
                    }
                }
                section {
                    h2 { (l.t("Demander la libération", "Ask for release")) }
                    p { (of_item(l, it, (
                        "Un administrateur examinera votre demande. Si elle est acceptée, le message d'origine vous sera renvoyé avec la pièce jointe.",
                        "Un administrateur examinera votre demande. Si elle est acceptée, le message vous sera remis tel qu'il a été envoyé."), (
                        "An admin will review your request. If it is accepted, the original message will be sent to you again with the attachment.",
                        "An admin will review your request. If it is accepted, the message will be delivered to you as it was sent."))) }
                    form method="post" action={ "/q/" (it.id) "/request" } {
                        input type="hidden" name="csrf" value=(user.csrf);
                        label for="reason" { (of_item(l, it, ("Pourquoi avez-vous besoin de cette pièce jointe ?", "Pourquoi avez-vous besoin de ce message ?"), ("Why do you need this attachment?", "Why do you need this message?"))) }
                        textarea id="reason" name="reason" required maxlength=(MAX_REASON) aria-describedby="reason-help" {}
                        p id="reason-help" { (l.t("Par exemple : « facture attendue de ce fournisseur ».", "For example: \"invoice expected from this supplier\".")) }
                        button type="submit" { (l.t("Envoyer la demande", "Send the request")) }
                    }
                }
            }
            Status::Requested => {
                p.notice { (l.t(
                    "Votre demande a été envoyée. Un administrateur va l'examiner ; vous recevrez un message quand il aura décidé.",
                    "Your request was sent. An admin will review it; you will get a message when they decide.")) }
            }
            Status::Released => {
                p.notice { (of_item(l, it, (
                    "Cette pièce jointe a été libérée : le message d'origine vous a été renvoyé. Restez prudent en l'ouvrant.",
                    "Ce message a été libéré : il vous a été remis. Restez prudent en l'ouvrant."), (
                    "This attachment was released: the original message was sent to you again. Be careful when opening it.",
                    "This message was released: it was delivered to you. Be careful when opening it."))) }
            }
            Status::Denied => {
                p.notice { (of_item(l, it, (
                    "Un administrateur a refusé de libérer cette pièce jointe. Si vous en avez besoin, demandez à l'expéditeur de vous l'envoyer autrement (par exemple en PDF).",
                    "Un administrateur a refusé de libérer ce message. Si vous en avez besoin, demandez à l'expéditeur de vous l'envoyer autrement (par exemple avec ses documents en PDF)."), (
                    "An admin refused to release this attachment. If you need it, ask the sender to send it another way (for example as a PDF).",
                    "An admin refused to release this message. If you need it, ask the sender to send it another way (for example with its documents as PDF)."))) }
            }
            Status::Expired => {
                p.notice { (of_item(l, it, (
                    "Cette pièce jointe a dépassé sa durée de conservation et a été supprimée.",
                    "Ce message a dépassé sa durée de conservation et a été supprimé."), (
                    "This attachment passed its retention period and was deleted.",
                    "This message passed its retention period and was deleted."))) }
            }
        }
    }
}

/// The release request form.
#[derive(Debug, serde::Deserialize)]
pub struct RequestForm {
    /// Anti-forgery token.
    #[serde(default)]
    pub csrf: String,
    /// Why they need it.
    #[serde(default)]
    pub reason: String,
}

/// `POST /q/{id}/request`.
pub async fn request(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<RequestForm>,
) -> Page {
    let user = ctx.user()?.clone();
    ctx.check_csrf(&ui, &form.csrf)?;
    let it = own_item(&ctx, &ui, &user, &id).await?;
    let reason: String = form.reason.trim().chars().take(MAX_REASON).collect();
    if reason.is_empty() {
        return Err(ctx.error_back(
            axum::http::StatusCode::BAD_REQUEST,
            ctx.lang.t("Raison manquante", "Reason missing"),
            of_item(ctx.lang, &it, (
                "Dites en quelques mots pourquoi vous avez besoin de cette pièce jointe, puis renvoyez la demande.",
                "Dites en quelques mots pourquoi vous avez besoin de ce message, puis renvoyez la demande."), (
                "Say in a few words why you need this attachment, then send the request again.",
                "Say in a few words why you need this message, then send the request again.",
            )),
            &format!("/q/{}", it.id),
            of_item(ctx.lang, &it, ("Retour à la pièce jointe", "Retour au message"), ("Back to the attachment", "Back to the message")),
        ));
    }
    let actor = ctx.actor(it.recipient.clone());
    let held = it.clone();
    ui.blocking(move |store| store.request_release(held.id, &actor, &reason))
        .await
        .map_err(|e| ctx.item_error(&e, &it, &format!("/q/{}", it.id)))?;
    Ok(Redirect::to(&format!("/q/{id}")).into_response())
}

/// The self-release form.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// Anti-forgery token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /q/{id}/release`: only where the policy allows it for the category.
pub async fn release(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Page {
    let user = ctx.user()?.clone();
    ctx.check_csrf(&ui, &form.csrf)?;
    let it = own_item(&ctx, &ui, &user, &id).await?;
    let back = format!("/q/{}", it.id);
    let back_words = of_item(
        ctx.lang,
        &it,
        ("Retour à la pièce jointe", "Retour au message"),
        ("Back to the attachment", "Back to the message"),
    );
    if !it.self_release {
        return Err(ctx.error_back(
            axum::http::StatusCode::FORBIDDEN,
            ctx.lang.t("Libération réservée aux administrateurs", "Only admins may release this"),
            of_item(ctx.lang, &it, (
                "Pour ce type de pièce jointe, seul un administrateur peut décider. Envoyez-lui une demande depuis la page de la pièce jointe.",
                "Pour ce type de message, seul un administrateur peut décider. Envoyez-lui une demande depuis la page du message."), (
                "For this kind of attachment only an admin can decide. Send them a request from the attachment's page.",
                "For this kind of message only an admin can decide. Send them a request from the message's page.",
            )),
            &back,
            back_words,
        ));
    }
    let actor = ctx.actor(it.recipient.clone());
    let id_held = it.id;
    ui.blocking(move |store| {
        store.release(
            id_held,
            &actor,
            "released by the recipient",
            Authority::Recipient,
        )
    })
    .await
    .map_err(|e| ctx.item_error(&e, &it, &back))?;
    Ok(Redirect::to(&format!("/q/{id}")).into_response())
}
