//! A message the gateway accepted becomes durable: its bytes and report,
//! its record, the held items and their audit entries, and the deliveries,
//! before the gateway answers `250`.

use super::Store;
use super::trees::{BY_RCPT, ITEMS, MESSAGES, rcpt_key};
use crate::audit::{Actor, AuditAction};
use crate::error::Result;
use crate::model::{Incoming, MessageRecord, SpoolRef};

impl Store {
    /// Stores an accepted message: its bytes and report, its record, held
    /// items and deliveries, an audit entry per held item; durable when
    /// this returns `Ok`.
    pub fn accept(&self, incoming: Incoming<'_>) -> Result<()> {
        let report_json = serde_json::to_vec(incoming.report).expect("reports serialise");
        let Some(spool) = &self.spool else {
            // No spool (a shared database): the bytes go in the same
            // transaction as the records.
            return self.accept_records(&incoming, None, &report_json);
        };
        let bytes = spool.append(incoming.message)?;
        let report = match spool.append(&report_json) {
            Ok(r) => r,
            Err(e) => {
                spool.settle(&bytes);
                return Err(e);
            }
        };
        // The bytes first, so that no durable record points at bytes that are not.
        let result = self
            .sync()
            .and_then(|()| self.accept_records(&incoming, Some((bytes, report)), &report_json));
        spool.settle(&bytes);
        spool.settle(&report);
        result
    }

    fn accept_records(
        &self,
        incoming: &Incoming<'_>,
        spooled: Option<(SpoolRef, SpoolRef)>,
        report_json: &[u8],
    ) -> Result<()> {
        let refs = incoming.items.len()
            + incoming
                .deliveries
                .iter()
                .filter(|d| d.queue_id().is_some())
                .count();
        let record = MessageRecord {
            id: incoming.id,
            envelope: incoming.envelope.clone(),
            size: incoming.message.len() as u64,
            bytes: None,
            report: None,
            action: incoming.report.action,
            categories: incoming.report.categories.clone(),
            info: incoming.report.message.clone(),
            refs: refs as u32,
        };
        let gateway = Actor::system("gateway");
        self.write(|tx| {
            let mut record = record.clone();
            let (bytes, report) = match spooled {
                Some(refs) => refs,
                None => (tx.put_blob(incoming.message)?, tx.put_blob(report_json)?),
            };
            record.bytes = Some(bytes);
            record.report = Some(report);
            tx.count_segment_ref(&bytes)?;
            tx.count_segment_ref(&report)?;
            if record.refs == 0 {
                // Nothing needs the bytes (every recipient's copy is inline).
                tx.free_bytes(&mut record)?;
            }
            tx.put(MESSAGES, &record.id.key(), &record)?;
            for item in &incoming.items {
                tx.put(ITEMS, &item.id.key(), item)?;
                tx.insert_raw(BY_RCPT, &rcpt_key(&item.recipient, item.id), &[])?;
                let what = item.name_en();
                // The item's tenant is at hand: no read back of the item.
                tx.audit_in(
                    &item.tenant,
                    &gateway,
                    AuditAction::Held,
                    Some(item.id),
                    Some(item.queue_id),
                    format!("{what} for {} ({})", item.recipient, item.category),
                )?;
            }
            for d in &incoming.deliveries {
                tx.enqueue(d)?;
            }
            Ok(())
        })
    }
}
