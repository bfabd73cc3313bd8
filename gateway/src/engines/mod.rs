//! The engines that read a message: the YARA rules with our readers
//! (the scanner crate, [`rules`] loads and caches the rules) and ClamAV
//! over clamd's socket ([`clamav`]), and [`scan`], the one call that runs
//! both on a message, at end of data. The engines import `config/` and
//! nothing else of this crate.

pub mod clamav;
pub mod rules;

use crate::config::{Config, OnError};

/// YARA and our readers, then ClamAV when configured: the message as
/// received and the objects our walk took out, unless the report already
/// refuses it. A hit is a `malware` finding naming the signature. When
/// clamd gives no verdict: the error (the caller answers `451`) with
/// `on_error = "tempfail"`, an `antivirus_unavailable` finding (held)
/// with `"hold"`; never clean.
pub fn scan(
    engine: &ecluse_scanner::Engine,
    config: &Config,
    engines: &ecluse_admin_ui::Engines,
    message: &[u8],
) -> (ecluse_scanner::Report, Option<clamav::ClamdError>) {
    use ecluse_scanner::{Finding, FindingKind};
    let Some(clamav) = &config.clamav else {
        return (ecluse_scanner::scan(engine, &config.limits, message), None);
    };
    let (mut report, objects) =
        ecluse_scanner::scan_keeping_objects(engine, &config.limits, message, 64 << 20);
    if report.action == ecluse_scanner::Action::Reject {
        return (report, None);
    }
    match clamav::scan_message(clamav, message, &objects) {
        Ok(hits) => {
            clamav::record(engines, clamav, Ok(None));
            let result = if hits.is_empty() { "clean" } else { "found" };
            metrics::counter!("ecluse_clamav_scans_total", "result" => result).increment(1);
            for hit in hits {
                let mut finding = Finding::new(
                    FindingKind::ClamavMatch,
                    ecluse_scanner::Sentence::Clamav {
                        signature: hit.signature.clone(),
                    },
                );
                finding.rule = Some(hit.signature);
                report.add_finding(hit.path.as_deref(), finding, engine.policy());
            }
            (report, None)
        }
        Err(e) => {
            clamav::record(engines, clamav, Err(e.to_string()));
            metrics::counter!("ecluse_clamav_scans_total", "result" => "error").increment(1);
            match clamav.on_error {
                OnError::Tempfail => (report, Some(e)),
                OnError::Hold => {
                    let finding = Finding::new(
                        FindingKind::AntivirusUnavailable,
                        ecluse_scanner::Sentence::ClamavNoVerdict {
                            reason: e.to_string(),
                        },
                    );
                    report.add_finding(None, finding, engine.policy());
                    (report, None)
                }
            }
        }
    }
}
