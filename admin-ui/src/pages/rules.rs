//! Sender exceptions and block entries: added by an admin from an item page
//! (« toujours accepter … de … », « bloquer cet expéditeur »), listed on
//! `/admin/exceptions` with those of the configuration, removed from there.
//! Every addition and removal is audited (`rule_added`, `rule_removed`).

use super::layout::page;
use super::{category_label, item_id};
use crate::state::Ui;
use crate::web::{Ctx, Lang, Page};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use ecluse_quarantine::{HeldItem, RuleKind, SenderRule};
use ecluse_scanner::Category;
use maud::{Markup, html};
use std::sync::Arc;

/// The form of an item page.
#[derive(Debug, serde::Deserialize)]
pub struct RuleForm {
    /// Anti-forgery token.
    #[serde(default)]
    pub csrf: String,
    /// `allow` (an exception) or `block`.
    #[serde(default)]
    pub kind: String,
    /// `address` (this sender) or `domain` (its whole domain).
    #[serde(default)]
    pub scope: String,
    /// `recipient` (this item's recipient) or `all`.
    #[serde(default)]
    pub recipients: String,
    /// The admin's reason.
    #[serde(default)]
    pub comment: String,
}

/// The one `From:` mailbox of an item, lower case; `None` when the message
/// had no single From (several entries, a group, a phrase without an
/// address): then no exception or block can be added from its page.
pub fn from_address(it: &HeldItem) -> Option<String> {
    it.info.from_address.clone()
}

/// The section of an admin's item page that adds an exception or a block.
pub fn item_section(l: Lang, it: &HeldItem, csrf: &str) -> Markup {
    let Some(address) = from_address(it) else {
        return html! {};
    };
    let domain = address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or_default()
        .to_string();
    let verified = it.info.sender_auth.as_ref().is_some_and(|a| a.verified());
    let categories: Vec<Category> = it
        .categories
        .iter()
        .copied()
        .filter(|c| *c != Category::Malware)
        .collect();
    html! {
        h2 { (l.t("Exceptions et blocages pour cet expéditeur", "Exceptions and blocks for this sender")) }
        @if categories.is_empty() {
        } @else if verified {
            form.rule method="post" action={ "/admin/items/" (it.id) "/rule" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="kind" value="allow";
                p {
                    (l.t("Toujours accepter « ", "Always accept \""))
                    @for (i, c) in categories.iter().enumerate() { @if i > 0 { ", " } (category_label(l, *c)) }
                    (l.t(" » de ", "\" from "))
                }
                fieldset {
                    legend { (l.t("Expéditeur", "Sender")) }
                    label { input type="radio" name="scope" value="address" checked; " " (address) }
                    label { input type="radio" name="scope" value="domain"; " " (l.t("tout le domaine ", "the whole domain ")) "@" (domain) }
                }
                fieldset {
                    legend { (l.t("Pour", "For")) }
                    label { input type="radio" name="recipients" value="recipient" checked; " " (it.recipient) }
                    label { input type="radio" name="recipients" value="all"; " " (l.t("tous les destinataires", "every recipient")) }
                }
                label for="c-rule" { (l.t("Motif (journal d'audit)", "Reason (audit log)")) }
                textarea id="c-rule" name="comment" maxlength="500" {}
                p.hint { (l.t(
                    "L'exception ne vaut que si l'expéditeur est authentifié (SPF ou DKIM alignés sur son domaine) : un expéditeur usurpé n'en profite jamais. Elle ne s'applique jamais à un contenu malveillant.",
                    "The exception holds only when the sender is authenticated (SPF or DKIM aligned with its domain): a forged sender never benefits. It never applies to malicious content.")) }
                button.secondary type="submit" { (l.t("Ajouter l'exception", "Add the exception")) }
            }
        } @else {
            p { (l.t(
                "Pas d'exception possible : cet expéditeur n'est pas authentifié, et une exception ne s'applique qu'à un expéditeur vérifié.",
                "No exception possible: this sender is not authenticated, and an exception applies only to a verified sender.")) }
        }
        form.rule method="post" action={ "/admin/items/" (it.id) "/rule" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="kind" value="block";
            input type="hidden" name="recipients" value="all";
            fieldset {
                legend { (l.t("Refuser désormais tout message de", "From now on, refuse every message from")) }
                label { input type="radio" name="scope" value="address" checked; " " (address) }
                label { input type="radio" name="scope" value="domain"; " @" (domain) }
            }
            label for="c-block" { (l.t("Motif (journal d'audit)", "Reason (audit log)")) }
            textarea id="c-block" name="comment" maxlength="500" {}
            button.danger type="submit" { (l.t("Bloquer cet expéditeur", "Block this sender")) }
        }
        p { a href="/admin/exceptions" { (l.t("Toutes les exceptions et tous les blocages", "Every exception and block")) } }
    }
}

/// `POST /admin/items/{id}/rule`: adds an exception or a block from an item.
pub async fn add(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<RuleForm>,
) -> Page {
    let user = ctx.admin()?.clone();
    ctx.check_csrf(&ui, &form.csrf)?;
    let Some(item) = item_id(&id) else {
        return Err(ctx.not_found());
    };
    let who = ctx.actor_of(&user);
    let l = ctx.lang;
    let bad = |fr: &'static str, en: &'static str| {
        ctx.error(
            axum::http::StatusCode::BAD_REQUEST,
            l.t("Demande invalide", "Invalid request"),
            l.t(fr, en),
        )
    };
    let kind = match form.kind.as_str() {
        "allow" => RuleKind::Allow,
        "block" => RuleKind::Block,
        _ => {
            return Err(bad(
                "Choisissez une exception ou un blocage.",
                "Choose an exception or a block.",
            ));
        }
    };
    let comment: String = form.comment.trim().chars().take(500).collect();
    let (scope, recipients) = (form.scope.clone(), form.recipients.clone());
    let multi = !ui.config.tenants.is_empty();
    let done = ui
        .blocking(move |store| {
            let it = store.item(item)?;
            if !user.may_administer(&it.tenant) {
                return Err(ecluse_quarantine::Error::NoSuchItem(item.to_string()));
            }
            let address = from_address(&it).unwrap_or_default();
            let sender = match scope.as_str() {
                "domain" => format!(
                    "@{}",
                    address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
                ),
                _ => address,
            };
            let verified = it.info.sender_auth.as_ref().is_some_and(|a| a.verified());
            if kind == RuleKind::Allow && !verified {
                return Err(ecluse_quarantine::Error::Invalid(
                    "the sender of this item is not authenticated: no exception".into(),
                ));
            }
            let rule = SenderRule {
                id: ulid::Ulid::new().to_string(),
                kind,
                sender,
                recipients: if recipients == "recipient" && kind == RuleKind::Allow {
                    vec![it.recipient.to_ascii_lowercase()]
                } else {
                    Vec::new()
                },
                categories: if kind == RuleKind::Allow {
                    it.categories
                        .iter()
                        .copied()
                        .filter(|c| *c != Category::Malware)
                        .collect()
                } else {
                    Vec::new()
                },
                comment,
                created_by: who.who.clone(),
                created_at: store.now(),
                // With tenants, a rule made from an item covers that
                // commune's recipients only.
                tenant: multi.then(|| it.tenant.clone()),
            };
            store.add_sender_rule(&who, &rule)
        })
        .await;
    match done {
        Ok(()) => Ok(Redirect::to("/admin/exceptions").into_response()),
        Err(ecluse_quarantine::Error::Invalid(_)) => Err(bad(
            "Cet expéditeur n'est pas authentifié, ou son adresse ne se prête pas à une règle : aucune règle ajoutée.",
            "This sender is not authenticated, or its address does not make a rule: nothing added.",
        )),
        Err(e) => Err(ctx.store_error(&e)),
    }
}

/// `GET /admin/exceptions`: the configuration's rules, then the admins'.
pub async fn list(ctx: Ctx, State(ui): State<Arc<Ui>>) -> Page {
    let user = ctx.admin()?.clone();
    let l = ctx.lang;
    let mut stored = ui
        .blocking(|store| store.sender_rules())
        .await
        .map_err(|e| ctx.store_error(&e))?;
    // A commune's admins see the service's rules and their commune's.
    stored.retain(|r| r.tenant.as_deref().is_none_or(|t| user.may_administer(t)));
    let multi = !ui.config.tenants.is_empty();
    let configured = ui.config.sender_rules.clone();
    Ok(page(
        &ctx,
        l.t("Exceptions et blocages", "Exceptions and blocks"),
        html! {
            h1 { (l.t("Exceptions et blocages", "Exceptions and blocks")) }
            p { (l.t(
                "Une exception livre, pour ses destinataires, ce que ses catégories feraient retenir, quand l'expéditeur est authentifié. Un blocage refuse le message dès la réception (550).",
                "An exception delivers, for its recipients, what its categories would hold, when the sender is authenticated. A block refuses the message on receipt (550).")) }
            @if configured.is_empty() && stored.is_empty() {
                p { (l.t("Aucune pour l'instant. On en ajoute depuis la page d'une pièce retenue.", "None yet. Add one from a held item's page.")) }
            } @else {
                table { thead { tr {
                    th scope="col" { (l.t("Règle", "Rule")) }
                    th scope="col" { (l.t("Expéditeur", "Sender")) }
                    th scope="col" { (l.t("Destinataires", "Recipients")) }
                    th scope="col" { (l.t("Catégories", "Categories")) }
                    th scope="col" { (l.t("Motif", "Reason")) }
                    th scope="col" { (l.t("Ajoutée par", "Added by")) }
                    @if multi { th scope="col" { (l.t("Commune", "Commune")) } }
                    th scope="col" { "" }
                } }
                tbody {
                    @for r in configured.iter().chain(stored.iter()) {
                        tr {
                            td { (match r.kind { RuleKind::Allow => l.t("exception", "exception"), RuleKind::Block => l.t("blocage", "block") }) }
                            td { (r.sender) }
                            td { @if r.recipients.is_empty() { (l.t("tous", "all")) } @else { (r.recipients.join(", ")) } }
                            td { @for (i, c) in r.categories.iter().enumerate() { @if i > 0 { ", " } (category_label(l, *c)) } }
                            td { (r.comment) }
                            td { @if r.created_by == "configuration" { (l.t("fichier de configuration", "configuration file")) } @else { (r.created_by) " — " (l.datetime(r.created_at)) } }
                            @if multi { td { @match &r.tenant { Some(t) => (ui.config.tenant_name(t)), None => (l.t("toutes", "all")) } } }
                            td { @if r.created_by != "configuration" && r.tenant.as_deref().map_or(user.is_service_admin(), |t| user.may_administer(t)) {
                                form method="post" action={ "/admin/exceptions/" (r.id) "/delete" } {
                                    input type="hidden" name="csrf" value=(user.csrf);
                                    button.secondary type="submit" { (l.t("Supprimer", "Remove")) }
                                }
                            } }
                        }
                    }
                }
                }
            }
        },
    ))
}

/// `POST /admin/exceptions/{id}/delete`.
pub async fn remove(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Path(id): Path<String>,
    Form(form): Form<super::agent::CsrfForm>,
) -> Page {
    let user = ctx.admin()?.clone();
    ctx.check_csrf(&ui, &form.csrf)?;
    let who = ctx.actor_of(&user);
    let removed = ui
        .blocking(move |store| {
            // Another commune's rule, or a service rule for a commune
            // admin, is not there for them.
            let rule = store.sender_rules()?.into_iter().find(|r| r.id == id);
            match rule {
                Some(r)
                    if r.tenant
                        .as_deref()
                        .map_or(user.is_service_admin(), |t| user.may_administer(t)) =>
                {
                    store.remove_sender_rule(&who, &id)
                }
                _ => Ok(false),
            }
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
    if !removed {
        return Err(ctx.not_found());
    }
    Ok(Redirect::to("/admin/exceptions").into_response())
}
