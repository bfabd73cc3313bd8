//! Domains and addresses as the sender checks compare them: the
//! organizational domain (RFC 7489 §3.2, by the Public Suffix List), the
//! single `From:` domain, addresses without their root dot, DNS names.
//! A leaf: every other file of `provenance/` may import it.

/// The organizational domain (RFC 7489 §3.2) by the Public Suffix List.
pub(super) fn organizational_domain(domain: &str) -> &str {
    psl::domain_str(domain).unwrap_or(domain)
}

/// The single domain of the `From:` addresses, lower case; empty for none
/// or several (RFC 7489 §6.6.1 exempts the latter).
pub(super) fn from_domain(froms: &[String]) -> String {
    let mut domains = froms
        .iter()
        .filter_map(|f| f.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    match (domains.next(), domains.next()) {
        (Some(d), None) => d,
        (Some(d), Some(e)) if d == e && domains.all(|x| x == d) => d,
        _ => String::new(),
    }
}

/// The domain of an address: what follows its last `@`.
pub(super) fn domain_of(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, d)| d)
}

/// `name@Domain.` as `name@domain`.
pub(super) fn normalize_address(address: &str) -> String {
    let a = address.trim().to_lowercase();
    match a.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.trim_end_matches('.')),
        None => a,
    }
}

/// Letters, digits, `-`, `_` and dots: what a DKIM `d=` or `s=` can be.
pub(super) fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_root_dot_and_dns_names_are_plain() {
        assert_eq!(normalize_address("A@Banque.FR."), "a@banque.fr");
        assert!(!is_dns_name("sel(") && is_dns_name("s2026._sub"));
    }
}
