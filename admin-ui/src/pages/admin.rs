//! The admin's pages: the queue (pending requests first, with filters), the
//! item page with the full scan report and the decision, the encrypted
//! download, the audit log and the dashboard.

use super::agent::{facts, item_status, sender};
use super::layout::page;
use super::{
    action_label, audit_action_label, category_label, file_name, item_id, of_item, size,
    status_label,
};
use crate::state::Ui;
use crate::web::{Ctx, Lang, Page};
use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use ecluse_quarantine::{
    Actor, AuditAction, Authority, HeldItem, ItemFilter, ItemId, Status, WebSession,
};
use ecluse_scanner::{Action, Category, Part};
use jiff::Timestamp;
use maud::{Markup, html};
use std::sync::Arc;

/// Rows shown at most on one page of the queue or the audit log.
pub const MAX_ROWS: usize = 500;

/// Item `id` when `user` administers its tenant; else as if it did not
/// exist (404), so that ids of other communes cannot be probed.
fn mine(
    store: &ecluse_quarantine::Store,
    user: &WebSession,
    id: ItemId,
) -> ecluse_quarantine::Result<HeldItem> {
    let it = store.item(id)?;
    if user.may_administer(&it.tenant) {
        Ok(it)
    } else {
        Err(ecluse_quarantine::Error::NoSuchItem(id.to_string()))
    }
}

/// The page of an admin about item `id`: the admin as the audit log names
/// them and the item id, or the page to show instead (sign-in, 403, 404).
fn admin_on_item(ctx: &Ctx, id: &str) -> Result<(WebSession, Actor, ItemId), Response> {
    let user = ctx.admin()?.clone();
    let Some(id) = item_id(id) else {
        return Err(ctx.not_found());
    };
    let who = ctx.actor_of(&user);
    Ok((user, who, id))
}

/// The queue's filters (`GET /admin?status=&category=&recipient=&sender=&from=&to=`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueFilter {
    /// `held`, `requested`, `released`, `denied`, `expired`, or empty for all.
    #[serde(default)]
    pub status: String,
    /// A category name, or empty.
    #[serde(default)]
    pub category: String,
    /// Part of the recipient's address.
    #[serde(default)]
    pub recipient: String,
    /// Part of the sender.
    #[serde(default)]
    pub sender: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub to: String,
    /// A tenant id (service admins, and admins of several communes).
    #[serde(default)]
    pub tenant: String,
}

/// The tenants whose items `user` sees, narrowed to `wanted` when it is
/// one of them: `None` for every tenant.
fn visible_tenants(user: &WebSession, wanted: &str) -> Option<Vec<String>> {
    let wanted = wanted.trim();
    match user.admin_tenants() {
        None if wanted.is_empty() => None,
        None => Some(vec![wanted.to_string()]),
        Some(mine) if mine.iter().any(|t| t == wanted) => Some(vec![wanted.to_string()]),
        Some(mine) => Some(mine),
    }
}

/// The tenant filter of a page: shown to whoever sees several tenants.
fn tenant_select(l: Lang, ui: &Ui, user: &WebSession, id: &str, current: &str) -> Markup {
    let choices: Vec<(&str, &str)> = ui
        .config
        .tenants
        .iter()
        .filter(|t| user.may_administer(&t.id))
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    html! {
        @if choices.len() > 1 {
            div { label for=(id) { (l.t("Commune", "Commune")) }
                select id=(id) name="tenant" {
                    option value="" { (l.t("Toutes", "All")) }
                    @for (tid, name) in &choices {
                        option value=(tid) selected[current == *tid] { (name) }
                    }
                } }
        }
    }
}

/// A day as people type it: `07/12/2026` or `7/12/2026` (day first, as
/// in France, whatever the browser's language), or `2026-12-07` (ISO
/// 8601, what older links carry). `None` for anything else, or a day that
/// does not exist (`31/02/2026`).
fn parse_day(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let mut parts = s.split(['/', '.', '-']);
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// The start of that day in the service's time zone.
fn day_start(s: &str) -> Option<Timestamp> {
    parse_day(s)?
        .to_zoned(crate::state::time_zone())
        .ok()
        .map(|z| z.timestamp())
}

/// A day field: typed day first (`jj/mm/aaaa`), the same in every browser
/// language (an `<input type="date">` shows `mm/dd/yyyy` in a browser set
/// to English); what was typed is shown again as `jj/mm/aaaa`.
fn day_input(l: Lang, id: &str, name: &str, value: &str) -> Markup {
    let shown = parse_day(value)
        .map(|d| d.strftime("%d/%m/%Y").to_string())
        .unwrap_or_else(|| value.to_string());
    html! {
        input id=(id) type="text" name=(name) value=(shown)
            inputmode="numeric" autocomplete="off" size="10"
            placeholder=(l.t("jj/mm/aaaa", "dd/mm/yyyy"))
            title=(l.t("Une date, jour d'abord : 07/12/2026", "A date, day first: 07/12/2026"));
    }
}

/// What the page says of a day it could not read (the filter is then not
/// applied, and the page says so rather than showing everything silently).
fn day_warning(l: Lang, label: (&str, &str), value: &str) -> Option<String> {
    if value.trim().is_empty() || parse_day(value).is_some() {
        return None;
    }
    Some(match l {
        Lang::Fr => format!(
            "« {} » : « {} » n'est pas une date (jj/mm/aaaa) ; ce filtre n'est pas appliqué.",
            label.0, value
        ),
        Lang::En => format!(
            "\"{}\": \"{}\" is not a date (dd/mm/yyyy); this filter is not applied.",
            label.1, value
        ),
    })
}

fn keep(f: &QueueFilter, it: &HeldItem) -> bool {
    let contains = |hay: &str, needle: &str| {
        needle.is_empty() || hay.to_lowercase().contains(&needle.trim().to_lowercase())
    };
    (f.category.is_empty() || it.categories.iter().any(|c| c.as_str() == f.category))
        && contains(&it.recipient, &f.recipient)
        && (contains(&it.mail_from, &f.sender) || contains(sender(it), &f.sender))
        && day_start(&f.from).is_none_or(|t| it.created_at >= t)
        && day_start(&f.to).is_none_or(|t| it.created_at < t + jiff::SignedDuration::from_hours(24))
}

/// `GET /admin`: the queue (of the tenants the admin administers).
pub async fn queue(ctx: Ctx, State(ui): State<Arc<Ui>>, Query(f): Query<QueueFilter>) -> Page {
    let user = ctx.admin()?.clone();
    let l = ctx.lang;
    let status_filter: Option<Status> = f.status.parse().ok();
    let tenants = visible_tenants(&user, &f.tenant);
    let multi = ui.config.tenants.len() > 1 && tenants.as_ref().is_none_or(|t| t.len() > 1);
    let mut items = ui
        .blocking(move |store| {
            store.items(&ItemFilter {
                status: status_filter,
                tenants,
                ..ItemFilter::default()
            })
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    items.retain(|it| keep(&f, it));
    items.sort_by(|a, b| {
        (b.status == Status::Requested)
            .cmp(&(a.status == Status::Requested))
            .then(b.created_at.cmp(&a.created_at))
    });
    let total = items.len();
    items.truncate(MAX_ROWS);
    let title = l.t("File d'attente", "Queue");
    Ok(page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            form.filters method="get" action="/admin" role="search" {
                div { label for="f-status" { (l.t("État", "Status")) }
                    select id="f-status" name="status" {
                        option value="" { (l.t("Tous", "All")) }
                        @for s in [Status::Requested, Status::Held, Status::Released, Status::Denied, Status::Expired] {
                            option value=(s.as_str()) selected[f.status == s.as_str()] { (status_label(l, s)) }
                        }
                    } }
                div { label for="f-category" { (l.t("Catégorie", "Category")) }
                    select id="f-category" name="category" {
                        option value="" { (l.t("Toutes", "All")) }
                        @for c in Category::ALL {
                            option value=(c.as_str()) selected[f.category == c.as_str()] { (category_label(l, *c)) }
                        }
                    } }
                div { label for="f-recipient" { (l.t("Destinataire", "Recipient")) }
                    input id="f-recipient" type="text" name="recipient" value=(f.recipient); }
                div { label for="f-sender" { (l.t("Expéditeur", "Sender")) }
                    input id="f-sender" type="text" name="sender" value=(f.sender); }
                div { label for="f-from" { (l.t("Du", "From")) }
                    (day_input(l, "f-from", "from", &f.from)) }
                div { label for="f-to" { (l.t("Au", "To")) }
                    (day_input(l, "f-to", "to", &f.to)) }
                (tenant_select(l, &ui, &user, "f-tenant", &f.tenant))
                div { button type="submit" { (l.t("Filtrer", "Filter")) } }
            }
            @for w in [day_warning(l, ("Du", "From"), &f.from), day_warning(l, ("Au", "To"), &f.to)].into_iter().flatten() {
                p.notice role="alert" { (w) }
            }
            p { (counted(l, total, ("élément", "éléments"), ("item", "items")))
                @if total > MAX_ROWS { " — " (l.t("seuls les 500 premiers sont affichés ; précisez les filtres", "only the first 500 are shown; narrow the filters")) } }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (l.t("État", "Status")) }
                    th scope="col" { (l.t("Reçu le", "Received")) " (" (l.zone_label()) ")" }
                    @if multi { th scope="col" { (l.t("Commune", "Commune")) } }
                    th scope="col" { (l.t("Destinataire", "Recipient")) }
                    th scope="col" { (l.t("Expéditeur", "From")) }
                    th scope="col" { (l.t("Fichier", "File")) }
                    th scope="col" { (l.t("Pourquoi", "Why")) }
                } }
                tbody {
                    @for it in &items {
                        tr {
                            td data-label=(l.t("État", "Status")) { (item_status(l, it)) }
                            td data-label=(l.t("Reçu le", "Received")) { (l.datetime(it.created_at)) }
                            @if multi { td data-label=(l.t("Commune", "Commune")) { (ui.config.tenant_name(&it.tenant)) } }
                            td data-label=(l.t("Destinataire", "Recipient")) { (it.recipient) }
                            td data-label=(l.t("Expéditeur", "From")) { (sender(it)) }
                            td data-label=(l.t("Fichier", "File")) { a href={ "/admin/items/" (it.id) } { (file_name(l, it)) } }
                            td data-label=(l.t("Pourquoi", "Why")) { (super::held_label(l, it, it.category)) }
                        }
                    }
                }
            } }
        },
    ))
}

/// `GET /admin/items/{id}`: the item, the message, the full scan report and
/// the decision forms. Audited as a view.
pub async fn item(ctx: Ctx, State(ui): State<Arc<Ui>>, Path(id): Path<String>) -> Page {
    let (user, who, id) = admin_on_item(&ctx, &id)?;
    let l = ctx.lang;
    let viewer = user.clone();
    let (it, msg, report) = ui
        .blocking(move |store| {
            let it = mine(store, &viewer, id)?;
            let msg = store.message(it.queue_id)?;
            let report = if it.purged {
                None
            } else {
                store.report(it.queue_id).ok()
            };
            store.audit(&who, AuditAction::Viewed, Some(id), "scan report")?;
            Ok((it, msg, report))
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    let held_path = it.part.as_ref().map(|p| p.path.clone()).unwrap_or_default();
    let title = file_name(l, &it);
    // A commune's admin sees its own commune's recipients of the envelope,
    // not the other communes' (their Bcc recipients stay theirs).
    let visible_rcpts: Vec<&String> = msg
        .envelope
        .rcpts
        .iter()
        .filter(|r| {
            user.is_service_admin()
                || ui.config.tenants.is_empty()
                || ui.config.tenant_of(r).is_some_and(|t| t.id == it.tenant)
        })
        .collect();
    let hidden_rcpts = visible_rcpts.len() < msg.envelope.rcpts.len();
    let visible_rcpts: Vec<&str> = visible_rcpts.iter().map(|r| r.as_str()).collect();
    Ok(page(
        &ctx,
        &title,
        html! {
            p { a href="/admin" { "← " (l.t("File d'attente", "Queue")) } }
            h1 { (super::agent::heading(l, &it)) (l.t(" : ", ": ")) (title) }
            @if !ui.config.tenants.is_empty() {
                p { (l.t("Commune : ", "Commune: ")) strong { (ui.config.tenant_name(&it.tenant)) } }
            }
            (facts(l, &it))
            h2 { (l.t("Enveloppe SMTP", "SMTP envelope")) }
            dl.facts {
                dt { (l.t("Identifiant", "Queue id")) } dd.hash { (msg.id) }
                dt { "MAIL FROM" } dd { (msg.envelope.mail_from) }
                dt { "RCPT TO" } dd {
                    (visible_rcpts.join(", "))
                    @if hidden_rcpts { " " (l.t("(et des destinataires d'autres communes, non affichés)", "(and recipients of other communes, not shown)")) }
                }
                dt { (l.t("Serveur d'origine", "Sending server")) } dd { (msg.envelope.helo) " [" (msg.envelope.client_ip) "]" @if msg.envelope.tls { " (TLS)" } }
                @if let Some(a) = &msg.info.sender_auth {
                    dt { "SPF" } dd { (a.spf) " (" (a.spf_domain) ")" }
                    dt { "DKIM" } dd {
                        @if a.dkim.is_empty() { (l.t("aucune signature", "no signature")) }
                        @for (i, d) in a.dkim.iter().enumerate() { @if i > 0 { ", " } (d.result) " (d=" (d.domain) ")" }
                    }
                    dt { "DMARC" } dd { (a.dmarc) @if !a.dmarc_policy.is_empty() { " (p=" (a.dmarc_policy) ")" } " — " (a.from_domain) }
                }
                dt { "Message-ID" } dd.hash { (msg.info.message_id.as_deref().unwrap_or("")) }
                dt { (l.t("Taille", "Size")) } dd { (size(l, msg.size)) }
            }
            @if it.status.is_open() {
                h2 { (l.t("Décision", "Decision")) }
                div.actions {
                    form method="post" action={ "/admin/items/" (it.id) "/decide" } {
                        input type="hidden" name="csrf" value=(user.csrf);
                        input type="hidden" name="action" value="release";
                        label for="c-release" { (l.t("Commentaire pour le destinataire (facultatif)", "Comment for the recipient (optional)")) }
                        textarea id="c-release" name="comment" maxlength="2000" {}
                        button type="submit" { (l.t("Libérer et remettre le message", "Release and deliver the message")) }
                    }
                    form method="post" action={ "/admin/items/" (it.id) "/decide" } {
                        input type="hidden" name="csrf" value=(user.csrf);
                        input type="hidden" name="action" value="deny";
                        // What `Store::deny` does with it: kept as the
                        // decision, which the recipient's page shows; mailed
                        // to the recipient only when they had asked.
                        label for="c-deny" { (of_item(l, &it, (
                            "Motif du refus (obligatoire ; le destinataire le lira sur la page de la pièce jointe, et le recevra aussi par courriel s'il avait demandé la libération)",
                            "Motif du refus (obligatoire ; le destinataire le lira sur la page du message, et le recevra aussi par courriel s'il avait demandé la libération)"), (
                            "Reason for refusing (required; the recipient will read it on the attachment's page, and also get it by email if they had asked for the release)",
                            "Reason for refusing (required; the recipient will read it on the message's page, and also get it by email if they had asked for the release)"))) }
                        textarea id="c-deny" name="comment" required maxlength="2000" {}
                        button.danger type="submit" { (l.t("Refuser", "Deny")) }
                    }
                }
            }
            (super::rules::item_section(l, &it, &user.csrf))
            @if !it.purged {
                h2 { (l.t("Télécharger pour analyse", "Download for analysis")) }
                p { (l.t(
                    "Le message d'origine (.eml) et le rapport d'analyse, dans un ZIP chiffré (AES-256) dont le mot de passe est « infected », pour que l'antivirus du poste ne le supprime pas et qu'on ne l'ouvre pas par erreur. À n'ouvrir que sur un poste d'analyse.",
                    "The original message (.eml) and the scan report, in an encrypted ZIP (AES-256) whose password is \"infected\", so that desktop antivirus does not delete it and nobody opens it by mistake. Open it only on an analysis machine.")) }
                p.download-tool { (l.t(crate::download::OPEN_WITH_FR, crate::download::OPEN_WITH_EN)) }
                form method="post" action={ "/admin/items/" (it.id) "/download" } {
                    input type="hidden" name="csrf" value=(user.csrf);
                    button.secondary type="submit" { (l.t("Télécharger le ZIP chiffré", "Download the encrypted ZIP")) }
                }
            }
            h2 { (l.t("Rapport d'analyse", "Scan report")) }
            @match &report {
                None => p { (l.t("Le rapport n'est plus disponible (message supprimé).", "The report is no longer available (message deleted).")) },
                Some(r) => {
                    dl.facts {
                        dt { (l.t("Action de la politique", "Policy action")) } dd { (action(l, r.action)) }
                        dt { (l.t("Octets analysés", "Bytes scanned")) } dd { (size(l, r.scanned_bytes)) " " (l.t("en", "in")) " " (r.scan_ms) " ms" }
                    }
                    @if !r.findings.is_empty() {
                        h3 { (l.t("Constats sur le message", "Findings about the message")) }
                        ul { @for f in &r.findings { li { (finding(l, f)) } } }
                    }
                    ul.tree { @for p in &r.parts { (part(l, p, &held_path, it.part.is_none())) } }
                }
            }
        },
    ))
}

/// `n` and the noun it takes in the reader's language (« 1 élément », « 4
/// éléments », "1 item", "4 items").
fn counted(l: Lang, n: usize, fr: (&str, &str), en: (&str, &str)) -> String {
    match l {
        Lang::Fr => ecluse_quarantine::mail::count_fr(n, fr.0, fr.1),
        Lang::En => ecluse_quarantine::mail::count_en(n, en.0, en.1),
    }
}

/// An action in words, its name (as in the JSON report and the logs) on hover.
fn action(l: Lang, a: Action) -> Markup {
    html! { span title=(a.as_str()) { (action_label(l, a)) } }
}

/// A finding: its category and kind in words, the kind's name to search the
/// logs and the JSON report with, and its sentence in the reader's language
/// (its arguments are the message's data, escaped like any text).
fn finding(l: Lang, f: &ecluse_scanner::Finding) -> Markup {
    html! {
        strong title=(f.category.as_str()) { (l.t(f.category_label_fr(), f.category_label_en())) }
        " — " (l.t(f.label_fr(), f.label_en())) " " (ident(f.kind.as_str()))
        @if let Some(rule) = &f.rule { " — " (l.t("règle", "rule")) " " (ident(rule)) }
        br;
        // The sentence in the reader's language; a report stored before
        // sentences has only its English text, shown as such.
        @match (l, f.fr()) {
            (Lang::Fr, Some(fr)) => span.finding-detail { (fr) },
            (Lang::Fr, None) => span.finding-detail lang="en" { (f.detail) },
            (Lang::En, _) => span.finding-detail { (f.en()) },
        }
    }
}

/// A name for machines beside the words for people (a finding kind as the
/// logs and the JSON report write it, a YARA rule, an internal job): a
/// `<code class="ident">`, which the stylesheet sets small, grey and
/// framed, so that it reads as a code to copy, not as part of the sentence.
pub fn ident(name: &str) -> Markup {
    html! { code.ident { (name) } }
}

/// A part of the report and those inside it. `held` is the path of the
/// item's held part; `with_held` says the part goes wherever the held part
/// or message goes (inside the held part, or any part of a message held
/// whole): its own verdict "deliver" would not be true.
fn part(l: Lang, p: &Part, held: &str, with_held: bool) -> Markup {
    let is_held = !held.is_empty() && p.path == held;
    let mismatch = p
        .declared_type
        .as_deref()
        .is_some_and(|d| !d.eq_ignore_ascii_case(&p.detected_type));
    html! {
        li {
            strong { (p.path) } " " (p.filename.as_deref().unwrap_or(""))
            @if p.path == held { " — " em { (l.t("partie retenue", "held part")) } }
            dl.facts {
                dt { (l.t("Type déclaré", "Declared type")) } dd { (p.declared_type.as_deref().unwrap_or("—")) }
                dt { (l.t("Type réel", "Real type")) }
                dd { @if mismatch { span.mismatch { (p.detected_type) " (" (l.t("ne correspond pas", "does not match")) ")" } } @else { (p.detected_type) } }
                dt { (l.t("Taille", "Size")) } dd { (size(l, p.size)) }
                dt { "SHA-256" } dd.hash { (p.sha256) }
                dt { (l.t("Verdict", "Verdict")) } dd {
                    @if with_held && p.action == Action::Deliver {
                        @if held.is_empty() {
                            span title=(p.action.as_str()) { (l.t("retenue avec le message", "held with the message")) }
                        } @else {
                            span title=(p.action.as_str()) { (l.t("retenue avec la pièce jointe qui la contient", "held with the attachment that contains it")) }
                        }
                    } @else { (action(l, p.action)) }
                }
            }
            @if !p.findings.is_empty() {
                ul { @for f in &p.findings { li { (finding(l, f)) } } }
            }
            @if !p.children.is_empty() {
                ul.tree { @for c in &p.children { (part(l, c, held, with_held || is_held)) } }
            }
        }
    }
}

/// The decision form.
#[derive(Debug, serde::Deserialize)]
pub struct DecideForm {
    /// Anti-forgery token.
    #[serde(default)]
    pub csrf: String,
    /// `release` or `deny`.
    #[serde(default)]
    pub action: String,
    /// The admin's comment.
    #[serde(default)]
    pub comment: String,
}

/// `POST /admin/items/{id}/decide`.
pub async fn decide(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Page {
    let (user, who, item) = admin_on_item(&ctx, &id)?;
    ctx.check_csrf(&ui, &form.csrf)?;
    let comment: String = form.comment.trim().chars().take(2000).collect();
    let release = match form.action.as_str() {
        "release" => true,
        "deny" => false,
        _ => {
            return Err(ctx.error(
                axum::http::StatusCode::BAD_REQUEST,
                ctx.lang.t("Action inconnue", "Unknown action"),
                ctx.lang.t(
                    "Choisissez « Libérer » ou « Refuser ».",
                    "Choose \"Release\" or \"Deny\".",
                ),
            ));
        }
    };
    let viewer = user.clone();
    let it = ui
        .blocking(move |store| mine(store, &viewer, item))
        .await
        .map_err(|e| ctx.store_error(&e))?;
    let back = format!("/admin/items/{item}");
    let back_words = of_item(
        ctx.lang,
        &it,
        ("Retour à la pièce jointe", "Retour au message"),
        ("Back to the attachment", "Back to the message"),
    );
    // A refusal needs its reason (`Store::deny` refuses it without one):
    // said here, rather than as the state conflict the store's refusal is.
    // An item decided meanwhile gets the conflict, which says its state.
    if !release && comment.is_empty() && it.status.is_open() {
        return Err(ctx.error_back(
            axum::http::StatusCode::BAD_REQUEST,
            ctx.lang.t("Motif du refus manquant", "No reason for refusing"),
            of_item(ctx.lang, &it, (
                "Indiquez le motif du refus : le destinataire le lira sur la page de la pièce jointe.",
                "Indiquez le motif du refus : le destinataire le lira sur la page du message."), (
                "Give the reason for refusing: the recipient will read it on the attachment's page.",
                "Give the reason for refusing: the recipient will read it on the message's page.",
            )),
            &back,
            back_words,
        ));
    }
    ui.blocking(move |store| {
        mine(store, &user, item)?;
        if release {
            store.release(item, &who, &comment, Authority::Admin)
        } else {
            store.deny(item, &who, &comment)
        }
    })
    .await
    .map_err(|e| ctx.item_error(&e, &it, &back))?;
    Ok(Redirect::to(&format!("/admin/items/{id}")).into_response())
}

/// `POST /admin/items/{id}/download`: the original message and its report in
/// an AES-256 ZIP, password `infected`. Audited as a download.
pub async fn download(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<super::agent::CsrfForm>,
) -> Page {
    let (user, who, item) = admin_on_item(&ctx, &id)?;
    ctx.check_csrf(&ui, &form.csrf)?;
    let (it, raw, report) = ui
        .blocking(move |store| {
            mine(store, &user, item)?;
            let (it, raw) =
                store.read_held(item, &who, AuditAction::Downloaded, "encrypted zip")?;
            let report = store.report(it.queue_id)?;
            Ok((it, raw, report))
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    let zip = crate::download::encrypted_zip(&it, &raw, &report)
        .map_err(|e| crate::web::internal(ctx.lang, &e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ecluse-{}.zip\"", it.id),
            ),
        ],
        zip,
    )
        .into_response())
}

/// The audit log's filters.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditFilter {
    /// An action name, or empty.
    #[serde(default)]
    pub action: String,
    /// Part of the actor's name.
    #[serde(default)]
    pub actor: String,
    /// An item id.
    #[serde(default)]
    pub item: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// A chain: a tenant id, or `_service` (service admins).
    #[serde(default)]
    pub tenant: String,
}

const ACTIONS: [AuditAction; 13] = [
    AuditAction::Held,
    AuditAction::Requested,
    AuditAction::Released,
    AuditAction::Denied,
    AuditAction::Expired,
    AuditAction::Purged,
    AuditAction::Downloaded,
    AuditAction::Viewed,
    AuditAction::Login,
    AuditAction::LoginFailed,
    AuditAction::Logout,
    AuditAction::RuleAdded,
    AuditAction::RuleRemoved,
];

/// `GET /admin/audit`: newest first.
pub async fn audit(ctx: Ctx, State(ui): State<Arc<Ui>>, Query(f): Query<AuditFilter>) -> Page {
    let user = ctx.admin()?.clone();
    let l = ctx.lang;
    let since = day_start(&f.from);
    let mut entries = ui
        .blocking(move |store| store.audit_entries(since))
        .await
        .map_err(|e| ctx.store_error(&e))?;
    // A commune's admins read their commune's chain; service admins all
    // chains (one of them with the filter).
    let multi = !ui.config.tenants.is_empty();
    entries.retain(|e| {
        let chain = e.chain();
        let allowed = if multi {
            user.may_administer(chain)
        } else {
            user.is_service_admin() || user.may_administer(chain)
        };
        allowed && (f.tenant.is_empty() || chain == f.tenant.trim())
    });
    entries.retain(|e| {
        (f.action.is_empty() || e.action.as_str() == f.action)
            && (f.actor.is_empty()
                || e.actor
                    .to_lowercase()
                    .contains(&f.actor.trim().to_lowercase()))
            && (f.item.is_empty()
                || e.item.map(|i| i.to_string()).as_deref() == Some(f.item.trim()))
    });
    entries.reverse();
    let total = entries.len();
    entries.truncate(MAX_ROWS);
    let title = l.t("Journal d'audit", "Audit log");
    Ok(page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            p { (l.t(
                "Chaque action sur la quarantaine est inscrite ici, chaînée par empreinte : ",
                "Every action on the quarantine is written here, hash-chained: "))
                code { "ecluse audit verify" }
                (l.t(" vérifie que rien n'a été modifié.", " checks that nothing was altered.")) }
            form.filters method="get" action="/admin/audit" role="search" {
                div { label for="a-action" { (l.t("Action", "Action")) }
                    select id="a-action" name="action" {
                        option value="" { (l.t("Toutes", "All")) }
                        @for a in ACTIONS { option value=(a.as_str()) selected[f.action == a.as_str()] { (audit_action_label(l, a)) } }
                    } }
                div { label for="a-actor" { (l.t("Auteur", "Actor")) } input id="a-actor" type="text" name="actor" value=(f.actor); }
                div { label for="a-item" { (l.t("Pièce jointe (identifiant)", "Item id")) } input id="a-item" type="text" name="item" value=(f.item); }
                div { label for="a-from" { (l.t("Depuis le", "Since")) } (day_input(l, "a-from", "from", &f.from)) }
                (tenant_select(l, &ui, &user, "a-tenant", &f.tenant))
                div { button type="submit" { (l.t("Filtrer", "Filter")) } }
            }
            @if let Some(w) = day_warning(l, ("Depuis le", "Since"), &f.from) {
                p.notice role="alert" { (w) }
            }
            p { (counted(l, total, ("entrée", "entrées"), ("entry", "entries"))) }
            div.table-wrap { table {
                thead { tr {
                    @if multi { th scope="col" { (l.t("Commune", "Commune")) } }
                    th scope="col" { "#" }
                    th scope="col" { (l.t("Date", "Date")) " (" (l.zone_label()) ")" }
                    th scope="col" { (l.t("Auteur", "Actor")) }
                    th scope="col" { (l.t("Action", "Action")) }
                    th scope="col" { (l.t("Pièce jointe", "Item")) }
                    th scope="col" { (l.t("Détail", "Detail")) }
                } }
                tbody { @for e in &entries { tr {
                    @if multi { td data-label=(l.t("Commune", "Commune")) { @if e.chain() == ecluse_quarantine::SERVICE_CHAIN { (l.t("service", "service")) } @else { (ui.config.tenant_name(e.chain())) } } }
                    td data-label="#" { (e.seq) }
                    td data-label=(l.t("Date", "Date")) { (l.datetime(e.at)) }
                    td data-label=(l.t("Auteur", "Actor")) { (actor(l, &e.actor, &e.origin)) }
                    td data-label=(l.t("Action", "Action")) { span title=(e.action.as_str()) { (audit_action_label(l, e.action)) } }
                    td data-label=(l.t("Pièce jointe", "Item")) { @if let Some(i) = e.item { a href={ "/admin/items/" (i) } { (i) } } }
                    // Écluse's own details in the page's language (recorded in
                    // English, as the hash chain keeps them: on hover); a
                    // person's words as they wrote them.
                    td data-label=(l.t("Détail", "Detail")) { @if !e.detail.is_empty() {
                        @match crate::audit_words::detail(l == Lang::Fr, e.action, &e.detail) {
                            crate::audit_words::Said::Words(w) => span.audit-detail title=(e.detail) { (w) },
                            crate::audit_words::Said::AsRecorded(w) => code.audit-detail { (w) },
                        }
                    } }
                } } }
            } }
        },
    ))
}

/// Who acted, as the audit log names them; Écluse's own jobs in words, their
/// name on hover.
fn actor(l: Lang, who: &str, origin: &str) -> Markup {
    let own_job = match who {
        "gateway" => Some(l.t("passerelle Écluse", "Écluse gateway")),
        "retention" => Some(l.t("expiration automatique", "automatic expiry")),
        _ => None,
    };
    html! {
        @match (origin, own_job) {
            ("internal", Some(words)) => span title=(who) { (words) },
            ("internal", None) => { (ident(who)) " (" (l.t("interne", "internal")) ")" },
            _ => { (who) " (" (origin) ")" },
        }
    }
}

/// `GET /admin/dashboard`: counts by state and by category over 30 days.
pub async fn dashboard(ctx: Ctx, State(ui): State<Arc<Ui>>) -> Page {
    let user = ctx.admin()?.clone();
    let l = ctx.lang;
    let tenants = user.admin_tenants();
    let items = ui
        .blocking(move |store| {
            store.items(&ItemFilter {
                tenants,
                ..ItemFilter::default()
            })
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    let since = ui.store.now() - jiff::SignedDuration::from_hours(24 * 30);
    let recent: Vec<&HeldItem> = items.iter().filter(|i| i.created_at >= since).collect();
    let count = |s: Status| recent.iter().filter(|i| i.status == s).count();
    let mut by_category: Vec<(Category, usize)> = Category::ALL
        .iter()
        .map(|c| (*c, recent.iter().filter(|i| i.category == *c).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    by_category.sort_by_key(|c| std::cmp::Reverse(c.1));
    let pending = items
        .iter()
        .filter(|i| i.status == Status::Requested)
        .count();
    // Per commune, for whoever sees several: held in 30 days, waiting, open.
    let summary: Vec<(&str, &str, usize, usize, usize)> = ui
        .config
        .tenants
        .iter()
        .filter(|t| user.may_administer(&t.id))
        .map(|t| {
            let mine = || items.iter().filter(|i| i.tenant == t.id);
            (
                t.id.as_str(),
                t.name.as_str(),
                mine().filter(|i| i.created_at >= since).count(),
                mine().filter(|i| i.status == Status::Requested).count(),
                mine().filter(|i| i.status.is_open()).count(),
            )
        })
        .collect();
    let title = l.t("Tableau de bord", "Dashboard");
    Ok(page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            @if pending > 0 {
                p.notice { a href="/admin?status=requested" { (counted(l, pending, ("demande de libération en attente", "demandes de libération en attente"), ("release request waiting", "release requests waiting"))) } }
            }
            h2 { (l.t("30 derniers jours", "Last 30 days")) }
            div.cards {
                div.card { span.n { (recent.len()) } (l.t("retenues", "held")) }
                div.card { span.n { (count(Status::Requested)) } (l.t("demandes en attente", "requests waiting")) }
                div.card { span.n { (count(Status::Released)) } (l.t("libérées", "released")) }
                div.card { span.n { (count(Status::Denied)) } (l.t("refusées", "denied")) }
                div.card { span.n { (count(Status::Expired)) } (l.t("expirées", "expired")) }
            }
            @if summary.len() > 1 {
                h2 { (l.t("Par commune", "By commune")) }
                div.table-wrap { table.tenants {
                    thead { tr {
                        th scope="col" { (l.t("Commune", "Commune")) }
                        th scope="col" { (l.t("Retenues (30 jours)", "Held (30 days)")) }
                        th scope="col" { (l.t("Demandes en attente", "Requests waiting")) }
                        th scope="col" { (l.t("En quarantaine", "In quarantine")) }
                    } }
                    tbody { @for (id, name, held, waiting, open) in &summary { tr {
                        td data-label=(l.t("Commune", "Commune")) { a href={ "/admin?tenant=" (id) } { (name) } }
                        td data-label=(l.t("Retenues (30 jours)", "Held (30 days)")) { (held) }
                        td data-label=(l.t("Demandes en attente", "Requests waiting")) { (waiting) }
                        td data-label=(l.t("En quarantaine", "In quarantine")) { (open) }
                    } } }
                } }
            }
            h2 { (l.t("Par catégorie", "By category")) }
            @if by_category.is_empty() {
                p { (l.t("Rien n'a été retenu ces 30 derniers jours.", "Nothing was held in the last 30 days.")) }
            } @else {
                table {
                    thead { tr { th scope="col" { (l.t("Catégorie", "Category")) } th scope="col" { (l.t("Retenues", "Held")) } } }
                    tbody { @for (c, n) in &by_category { tr {
                        td data-label=(l.t("Catégorie", "Category")) { a href={ "/admin?category=" (c.as_str()) } { (category_label(l, *c)) } }
                        td data-label=(l.t("Retenues", "Held")) { (n) }
                    } } }
                }
            }
            (engines_section(l, &ui.engines.read().map(|e| e.clone()).unwrap_or_default()))
        },
    ))
}

/// Where the Debian package installs `docs/deploy.md` (`[package.metadata.deb]`
/// assets of `gateway/Cargo.toml`): the path an admin can open on the
/// server, which a path in the source tree is not.
pub const DEPLOY_DOC: &str = "/usr/share/doc/ecluse/deploy.md";

/// The dashboard's "Moteurs d'analyse": the YARA rules in force, and
/// whether clamd answers, in plain words with what happens to mail while
/// it does not.
fn engines_section(l: Lang, e: &crate::state::EngineStatus) -> Markup {
    html! {
        h2 { (l.t("Moteurs d'analyse", "Scanning engines")) }
        dl.facts.engines {
            dt { "YARA" }
            dd {
                @if e.yara_rules == 0 {
                    (l.t("pas encore chargé", "not loaded yet"))
                } @else {
                    (e.yara_rules) " " (l.t("règles", "rules"))
                    " ("
                    @if e.yara_builtin { (l.t("règles intégrées", "shipped rules")) }
                    @for (n, path) in e.yara_paths.iter().enumerate() {
                        @if e.yara_builtin || n > 0 { " + " }
                        code { (path) }
                    }
                    ")"
                    @if let Some(at) = e.yara_loaded_at {
                        ", " (l.t("chargées le", "loaded on")) " " (l.datetime_labelled(at))
                    }
                }
            }
            dt { "ClamAV" }
            dd {
                @match &e.clamav {
                    None => {
                        (l.t("non configuré : seules les règles YARA analysent les pièces jointes (",
                             "not configured: only the YARA rules scan attachments ("))
                        code { "[scanner.clamav]" }
                        (l.t(" dans la configuration, voir ", " in the configuration, see "))
                        code { (DEPLOY_DOC) } ")."
                    }
                    Some(c) => {
                        @match &c.state {
                            Ok(version) => {
                                span.ok { (l.t("en service", "running")) }
                                " — " code { (version) } " " (l.t("à", "at")) " " code { (c.address) }
                                ", " (l.t("vérifié le", "checked on")) " " (l.datetime_labelled(c.checked_at))
                            }
                            Err(why) => {
                                strong.alert { (l.t("injoignable", "unreachable")) }
                                @if let Some(since) = c.down_since {
                                    " " (l.t("depuis le", "since")) " " (l.datetime_labelled(since))
                                }
                                " — " code { (c.address) } " : " (why) ". "
                                @if c.hold_when_down {
                                    (l.t("En attendant, le courrier avec pièce jointe est retenu en quarantaine.",
                                         "Meanwhile, mail with attachments is held in quarantine."))
                                } @else {
                                    (l.t("En attendant, les messages reçoivent 451 : les expéditeurs réessaient plus tard, rien n'est perdu.",
                                         "Meanwhile, messages get 451: senders try again later, nothing is lost."))
                                }
                                " " (l.t("Vérifiez le service clamav-daemon (systemctl status clamav-daemon).",
                                         "Check the clamav-daemon service (systemctl status clamav-daemon)."))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DEPLOY_DOC, parse_day};
    use jiff::civil::date;

    /// The path the dashboard gives is where the Debian package puts
    /// `docs/deploy.md` (issue 29: `docs/deploy.md` is not on a server).
    #[test]
    fn the_deploy_guide_path_is_where_the_package_installs_it() {
        let manifest = include_str!("../../../gateway/Cargo.toml");
        let assets = manifest
            .split("[package.metadata.deb]")
            .nth(1)
            .expect("gateway/Cargo.toml has [package.metadata.deb]");
        let installed = format!(
            r#"["../docs/deploy.md", "{}", "#,
            DEPLOY_DOC.trim_start_matches('/')
        );
        assert!(
            assets.contains(&installed),
            "no asset line {installed} in [package.metadata.deb]"
        );
    }

    #[test]
    fn days_are_read_day_first_or_in_iso_8601() {
        for typed in ["07/12/2026", "7/12/2026", " 07.12.2026 ", "07-12-2026", "2026-12-07"] {
            assert_eq!(parse_day(typed), Some(date(2026, 12, 7)), "{typed:?}");
        }
        for wrong in ["", "31/02/2026", "12/2026", "07/12/26", "07/12/2026/1", "demain", "007/12/2026"] {
            assert_eq!(parse_day(wrong), None, "{wrong:?}");
        }
    }
}
