//! From a scan report to what happens to the message: refused at SMTP
//! time, or accepted with its held items and the deliveries to make; and
//! which recipients are decided together ([`recipient_groups`]).
//!
//! - `reject` (malware): a neutral [`Rejection`] (the category and what
//!   named it, no SMTP code), which the session answers with `550 5.7.1`
//!   (`inbound/reply.rs`); nothing stored.
//! - nothing held: one delivery of the original, byte for byte, with our
//!   `Received:` line before it (DKIM signatures survive).
//! - held attachments: per recipient, one held item per attachment and one
//!   delivery of the original in which each held part is replaced by a
//!   notice part (a splice of the original bytes: every other byte kept).
//! - held whole: when the structure itself is in doubt (MIME ambiguity, a
//!   finding about the message rather than a part, a held part we cannot
//!   cut out cleanly); per recipient, one held item and a notice mail.

use crate::config::{NoticeConfig, Tenant, Tenants};
use crate::notice;
use ecluse_quarantine::{
    Cut, Delivery, Envelope, HeldItem, HeldPart, ItemId, Payload, Purpose, QueueId, RuleKind,
    SenderRule, Status,
};
use ecluse_scanner::{Action, Category, Part, Policy, Report};
use jiff::{Timestamp, ToSpan};

/// What to do with a message.
#[derive(Debug)]
pub enum Verdict {
    /// Refuse it, for this reason.
    Reject(Rejection),
    /// Accept it.
    Accept {
        /// Held items to store.
        items: Vec<HeldItem>,
        /// Deliveries to queue.
        deliveries: Vec<Delivery>,
        /// `delivered`, `stripped` or `held`, for the log line and metrics.
        outcome: &'static str,
    },
}

/// Why a message is refused, without an SMTP reply code: the session
/// maps it to its reply (`reply::rejected`, `550 5.7.1`), the one place
/// that knows SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The category that refuses it: the report's, else `malware`.
    pub category: Category,
    /// What named it: the rule of the first finding of that category, else
    /// the finding's detail; empty when no finding has that category.
    pub detail: String,
}

/// The inputs of a decision besides the report.
pub struct Inbound<'a> {
    /// The queue id chosen for the message.
    pub queue_id: QueueId,
    /// Its envelope.
    pub envelope: &'a Envelope,
    /// The raw message.
    pub raw: &'a [u8],
    /// Our `Received:` header, CRLF-terminated.
    pub received: Vec<u8>,
}

/// The categories that lead to holding, in a part and below it, most severe first.
fn held_categories(part: &Part, policy: &Policy) -> Vec<Category> {
    let mut cats: Vec<Category> = part
        .walk()
        .into_iter()
        .flat_map(|p| p.findings.iter().map(|f| f.category))
        .filter(|c| policy.action(*c) >= Action::Quarantine)
        .collect();
    cats.sort();
    cats.dedup();
    cats
}

fn reasons(part: &Part, policy: &Policy) -> Vec<String> {
    part.walk()
        .into_iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p, f)))
        .filter(|(_, f)| policy.action(f.category) >= Action::Quarantine)
        .map(|(p, f)| match &f.rule {
            Some(rule) => format!("{}: {} (rule {rule})", p.path, f.detail),
            None => format!("{}: {}", p.path, f.detail),
        })
        .collect()
}

/// The message's HTML body, where the notice of held attachments goes
/// too: the first `text/html` part without a file name whose bytes are
/// in place (a span), outside every held part. `None` for a message
/// without one (plain text: the notice part is read below the text).
fn html_body(report: &Report, held: &[[u64; 2]]) -> Option<[u64; 2]> {
    report
        .parts
        .iter()
        .flat_map(|p| p.walk())
        .filter(|p| p.action < Action::Quarantine && p.filename.is_none())
        .filter(|p| {
            p.declared_type
                .as_deref()
                .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/html"))
        })
        .filter_map(|p| p.span)
        .find(|s| s[0] > 0 && s[0] < s[1] && held.iter().all(|h| s[1] <= h[0] || h[1] <= s[0]))
}

/// Decides for the recipients of `inbound.envelope`, all of `tenant`.
/// `retention_days` sets when held items expire; held items and
/// deliveries carry the tenant.
pub fn decide(
    report: &Report,
    policy: &Policy,
    inbound: &Inbound<'_>,
    notices: &NoticeConfig,
    retention_days: u32,
    now: Timestamp,
    tenant: &str,
) -> Verdict {
    let mut v = decide_group(report, policy, inbound, notices, retention_days, now);
    if let Verdict::Accept {
        items, deliveries, ..
    } = &mut v
    {
        for it in items.iter_mut() {
            it.tenant = tenant.to_string();
        }
        for d in deliveries.iter_mut() {
            d.tenant = Some(tenant.to_string());
        }
    }
    v
}

fn decide_group(
    report: &Report,
    policy: &Policy,
    inbound: &Inbound<'_>,
    notices: &NoticeConfig,
    retention_days: u32,
    now: Timestamp,
) -> Verdict {
    if report.action == Action::Reject {
        let category = report.category.unwrap_or(Category::Malware);
        let detail = report
            .all_findings()
            .find(|(_, f)| f.category == category)
            .map(|(_, f)| f.rule.clone().unwrap_or_else(|| f.detail.clone()))
            .unwrap_or_default();
        return Verdict::Reject(Rejection { category, detail });
    }
    let env = inbound.envelope;
    let stored = |prepend: Vec<u8>, cuts: Vec<Cut>| Payload::Stored {
        queue_id: inbound.queue_id,
        prepend,
        cuts,
    };
    if report.action == Action::Deliver {
        return Verdict::Accept {
            items: Vec::new(),
            deliveries: vec![Delivery::new(
                Purpose::Inbound,
                env.mail_from.clone(),
                env.rcpts.clone(),
                stored(inbound.received.clone(), Vec::new()),
                now,
            )],
            outcome: "delivered",
        };
    }
    let expires_at = now
        .checked_add((i64::from(retention_days) * 24).hours())
        .expect("retention_days is at most a few years");
    let item =
        |rcpt: &str, part: Option<HeldPart>, categories: Vec<Category>, reasons: Vec<String>| {
            let category = categories
                .first()
                .copied()
                .or(report.category)
                .unwrap_or(Category::Suspicious);
            HeldItem {
                id: ItemId::new(),
                queue_id: inbound.queue_id,
                recipient: rcpt.to_string(),
                part,
                category,
                self_release: categories.iter().all(|c| policy.self_release(*c)),
                categories,
                reasons,
                status: Status::Held,
                created_at: now,
                expires_at,
                request: None,
                decision: None,
                info: report.message.clone(),
                mail_from: env.mail_from.clone(),
                purged: false,
                tenant: String::new(),
            }
        };

    let held: Vec<&Part> = report.held_parts().collect();
    let structural = report
        .findings
        .iter()
        .any(|f| policy.action(f.category) >= Action::Quarantine)
        || report.all_findings().any(|(_, f)| {
            f.category == Category::MimeAmbiguity && policy.action(f.category) >= Action::Quarantine
        });
    let mut spans: Vec<[u64; 2]> = held.iter().filter_map(|p| p.span).collect();
    spans.sort();
    let cuttable = !held.is_empty()
        && spans.len() == held.len()
        && spans
            .iter()
            .all(|s| s[0] > 0 && s[1] <= inbound.raw.len() as u64 && s[0] < s[1])
        && spans.windows(2).all(|w| w[0][1] <= w[1][0]);

    if structural || !cuttable {
        // Held whole: one item and one notice mail per recipient.
        let mut categories: Vec<Category> = report
            .categories
            .iter()
            .copied()
            .filter(|c| policy.action(*c) >= Action::Quarantine)
            .collect();
        categories.sort();
        let reasons: Vec<String> = report
            .all_findings()
            .filter(|(_, f)| policy.action(f.category) >= Action::Quarantine)
            .map(|(path, f)| {
                if path.is_empty() {
                    f.detail.clone()
                } else {
                    format!("{path}: {}", f.detail)
                }
            })
            .collect();
        let mut items = Vec::new();
        let mut deliveries = Vec::new();
        for rcpt in &env.rcpts {
            let it = item(rcpt, None, categories.clone(), reasons.clone());
            let bytes = notice::held_message(notices, &it, now);
            deliveries.push(Delivery::new(
                Purpose::Notice,
                String::new(),
                vec![rcpt.clone()],
                Payload::Inline { bytes },
                now,
            ));
            items.push(it);
        }
        return Verdict::Accept {
            items,
            deliveries,
            outcome: "held",
        };
    }

    // Held attachments: cut out per recipient. With an HTML body, the
    // notice goes at its top too, where every client shows it.
    let html_body = html_body(report, &spans);
    let mut items = Vec::new();
    let mut deliveries = Vec::new();
    for rcpt in &env.rcpts {
        let mut cuts = Vec::new();
        let first = items.len();
        for part in &held {
            let span = part.span.expect("checked above");
            let it = item(
                rcpt,
                Some(HeldPart {
                    path: part.path.clone(),
                    filename: part.filename.clone(),
                    detected_type: part.detected_type.clone(),
                    size: part.size,
                    sha256: part.sha256.clone(),
                }),
                held_categories(part, policy),
                reasons(part, policy),
            );
            cuts.push(Cut {
                start: span[0],
                end: span[1],
                with: Vec::new(),
            });
            items.push(it);
        }
        let mine: Vec<&HeldItem> = items[first..].iter().collect();
        let banner = html_body.and_then(|span| {
            let bytes = inbound.raw.get(span[0] as usize..span[1] as usize)?;
            let with = notice::with_html_notice(bytes, &notice::html_notice(notices, &mine))?;
            Some(Cut {
                start: span[0],
                end: span[1],
                with,
            })
        });
        for (cut, it) in cuts.iter_mut().zip(&mine) {
            cut.with = notice::held_part(notices, it, banner.is_some());
        }
        cuts.extend(banner);
        cuts.sort_by_key(|c| c.start);
        deliveries.push(Delivery::new(
            Purpose::Inbound,
            env.mail_from.clone(),
            vec![rcpt.clone()],
            stored(inbound.received.clone(), cuts),
            now,
        ));
    }
    Verdict::Accept {
        items,
        deliveries,
        outcome: "stripped",
    }
}

/// Recipients decided together: same tenant, same policy, same
/// exception categories.
pub struct Group<'a> {
    /// Their tenant (their domain's).
    pub tenant: &'a Tenant,
    /// The policy they get: the tenant's, or an override naming them.
    pub policy: &'a Policy,
    /// The policy's source: `None` the tenant's, `Some(n)` its override n.
    pub source: Option<usize>,
    /// Categories exceptions deliver to them (sorted).
    pub categories: Vec<Category>,
    /// The ids of those exceptions.
    pub exceptions: Vec<String>,
    /// The recipients, in envelope order.
    pub rcpts: Vec<String>,
}

/// The recipients grouped by tenant (their domain's), policy (the
/// tenant's, or an override naming them) and the categories the sender
/// exceptions deliver to them (only for an authenticated `From:` address;
/// a commune's own exceptions only for its recipients).
pub fn recipient_groups<'a>(
    tenants: &'a Tenants,
    rules: &[SenderRule],
    from_address: &str,
    authenticated: bool,
    rcpts: &[String],
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for rcpt in rcpts {
        // RCPT accepts only our domains; the first tenant is a safe default.
        let tenant = tenants
            .of_address(rcpt)
            .unwrap_or_else(|| &tenants.all()[0]);
        let (policy, source) = tenant.policy_for(rcpt);
        let mut categories = Vec::new();
        let mut ids = Vec::new();
        if authenticated && !from_address.is_empty() {
            for r in rules.iter().filter(|r| {
                r.kind == RuleKind::Allow
                    && r.tenant.as_deref().is_none_or(|t| t == tenant.id)
                    && r.applies(from_address, rcpt)
            }) {
                categories.extend(r.categories.iter().copied());
                ids.push(r.id.clone());
            }
        }
        categories.sort();
        categories.dedup();
        match groups
            .iter_mut()
            .find(|g| g.tenant.id == tenant.id && g.source == source && g.categories == categories)
        {
            Some(g) => {
                g.rcpts.push(rcpt.clone());
                for id in ids {
                    if !g.exceptions.contains(&id) {
                        g.exceptions.push(id);
                    }
                }
            }
            None => groups.push(Group {
                tenant,
                policy,
                source,
                categories,
                exceptions: ids,
                rcpts: vec![rcpt.clone()],
            }),
        }
    }
    groups
}
