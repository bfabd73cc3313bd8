//! What a `SAMLResponse` may ask of the XML signature library.
//!
//! samael hands every `ds:Reference` of a posted answer to xmlsec with its
//! defaults: any URI (`http://…`, `file:///…`), any transform (XSLT, XPath),
//! `ds:Manifest` processed, all before the signature value is checked. So
//! before any signature work, [`check`] reads the posted XML with the same
//! parser and the same options samael uses (libxml2 through the `libxml`
//! crate; a second parser that read the bytes differently would reopen the
//! hole) and refuses anything a SAML answer does not need:
//!
//! - a document type declaration (entities, external subsets);
//! - a `ds:Reference` whose `URI` is neither empty nor `#id` of an element
//!   of this document (SAML 2.0 core §5.4.2: one reference, to the signed
//!   element's `ID`);
//! - a transform other than enveloped-signature and exclusive
//!   canonicalisation (with or without comments), SAML core §5.4.4; a
//!   `SignedInfo` canonicalised otherwise than by exclusive
//!   canonicalisation;
//! - `ds:Object`, `ds:Manifest`, `ds:RetrievalMethod`, encrypted content
//!   (Écluse publishes no encryption key, so no IdP encrypts for it);
//! - more than [`MAX_SIGNATURES`] signatures, or a signature with other
//!   than one reference; a reference whose transforms are not exactly
//!   enveloped-signature then exclusive canonicalisation;
//! - more elements, deeper nesting, namespace declarations, attributes on
//!   one element or inclusive prefixes than an IdP ever sends
//!   ([`MAX_ELEMENTS`], [`MAX_DEPTH`] and the other bounds):
//!   canonicalisation and libxml2's own parse grow faster than the
//!   document with them.
//!
//! [`forbid_outside_io`] then switches off, for the whole process, what
//! libxml2 and xmlsec would use to open a URL or a file, so that a path
//! this check missed still cannot fetch anything (defence in depth).

use libxml::parser::Parser;
use libxml::tree::{Document, Node, NodeType};
use std::collections::HashMap;

/// The XML signature namespace (XML-DSig 1.0).
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML-DSig 1.1 elements (`ds11:`), none of which a SAML answer needs.
const DSIG11: &str = "http://www.w3.org/2009/xmldsig11#";
/// XML Encryption.
const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// Exclusive canonicalisation; also the namespace of `InclusiveNamespaces`.
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// The most `ds:Signature` elements an answer may carry: one on the
/// response, one on its assertion.
pub const MAX_SIGNATURES: usize = 2;
/// The most elements an answer may have (an assertion with a few hundred
/// group values has about a thousand). Canonicalisation costs grow with
/// elements × in-scope namespaces.
pub const MAX_ELEMENTS: usize = 5_000;
/// The deepest an element may be nested (a SAML answer's deepest, an
/// `InclusiveNamespaces` in a signature of an assertion, is at 8; an
/// assertion's `Advice` holding another adds a few). The signature
/// library's work grows with elements × depth: 9,750 elements nested 250
/// deep (libxml2's own limit) took 190 ms to refuse, against 20 ms flat.
pub const MAX_DEPTH: usize = 24;
/// The most namespace declarations in the whole answer (an IdP uses a
/// handful): inclusive canonicalisation walks every one of them for every
/// element.
pub const MAX_NAMESPACE_DECLARATIONS: usize = 64;
/// The most attributes on one element; libxml2 compares each attribute
/// with every earlier one while it parses.
pub const MAX_ATTRIBUTES: usize = 32;
/// The most prefixes in an `InclusiveNamespaces PrefixList`.
pub const MAX_INCLUSIVE_PREFIXES: usize = 16;

/// A lexical pass before libxml2 parses at all: no tag with more than
/// [`MAX_ATTRIBUTES`] `=` signs and no more than
/// [`MAX_NAMESPACE_DECLARATIONS`] `xmlns`, so that the parse itself,
/// quadratic in the attributes of one element, stays cheap.
fn lexical_bounds(xml: &str) -> Result<(), String> {
    let bytes = xml.as_bytes();
    if xml.matches("xmlns").count() > MAX_NAMESPACE_DECLARATIONS {
        return Err(format!(
            "the answer declares more than {MAX_NAMESPACE_DECLARATIONS} namespaces"
        ));
    }
    let mut in_tag = false;
    let mut equals = 0usize;
    for &b in bytes {
        match b {
            b'<' => {
                in_tag = true;
                equals = 0;
            }
            b'>' => in_tag = false,
            b'=' if in_tag => {
                equals += 1;
                if equals > MAX_ATTRIBUTES * 2 {
                    return Err(format!(
                        "an element of the answer has more than {MAX_ATTRIBUTES} attributes"
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks that `xml` asks nothing of the signature library but to verify
/// signatures over its own elements. `Err` says why not, for the log and
/// the audit; the check reads the document once and costs about what its
/// parse does.
pub fn check(xml: &str) -> Result<(), String> {
    lexical_bounds(xml)?;
    // samael parses with `Parser::default().parse_string`, default options
    // (recovering, no network option): the same reading here.
    let doc = Parser::default()
        .parse_string(xml)
        .map_err(|e| format!("the answer is not XML libxml2 can read: {e}"))?;
    no_doctype(&doc)?;
    let root = doc
        .get_root_element()
        .ok_or("the answer has no root element")?;
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut references: Vec<String> = Vec::new();
    let mut signatures = 0usize;
    let (mut elements, mut declarations) = (0usize, 0usize);
    let mut stack = vec![(root, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        match node.get_type() {
            Some(NodeType::ElementNode) => {
                elements += 1;
                if depth > MAX_DEPTH {
                    return Err(format!(
                        "the answer nests elements more than {MAX_DEPTH} deep"
                    ));
                }
                declarations += node.get_namespace_declarations().len();
                if elements > MAX_ELEMENTS {
                    return Err(format!("the answer has more than {MAX_ELEMENTS} elements"));
                }
                if declarations > MAX_NAMESPACE_DECLARATIONS {
                    return Err(format!(
                        "the answer declares more than {MAX_NAMESPACE_DECLARATIONS} namespaces"
                    ));
                }
                if node.get_properties().len() > MAX_ATTRIBUTES {
                    return Err(format!(
                        "an element of the answer has more than {MAX_ATTRIBUTES} attributes"
                    ));
                }
            }
            Some(
                NodeType::TextNode
                | NodeType::CDataSectionNode
                | NodeType::CommentNode
                | NodeType::PiNode,
            ) => continue,
            other => return Err(format!("the answer holds a {other:?} node")),
        }
        if let Some(id) = node.get_attribute("ID") {
            *ids.entry(id).or_default() += 1;
        }
        let ns = node
            .get_namespace()
            .map(|n| n.get_href())
            .unwrap_or_default();
        let name = node.get_name();
        match ns.as_str() {
            DSIG => match name.as_str() {
                "Signature" => {
                    signatures += 1;
                    if signatures > MAX_SIGNATURES {
                        return Err(format!(
                            "the answer carries more than {MAX_SIGNATURES} signatures"
                        ));
                    }
                    one_reference(&node)?;
                }
                "Reference" => {
                    references.push(reference_uri(&node)?);
                    saml_transforms(&node)?;
                }
                "Transform" => algorithm(
                    &node,
                    "Transform",
                    &[ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS],
                )?,
                "CanonicalizationMethod" => algorithm(
                    &node,
                    "CanonicalizationMethod",
                    &[EXC_C14N, EXC_C14N_COMMENTS],
                )?,
                "Object" | "Manifest" | "RetrievalMethod" | "SignatureProperties" | "XPath" => {
                    return Err(format!(
                        "the answer carries a ds:{name}, which SAML does not use"
                    ));
                }
                _ => {}
            },
            DSIG11 => {
                return Err(format!(
                    "the answer carries a ds11:{name}, which SAML does not use"
                ));
            }
            XENC => {
                return Err(format!(
                    "the answer carries encrypted content (xenc:{name}); Écluse publishes no encryption key, ask the IdP to sign without encrypting"
                ));
            }
            _ => {}
        }
        if let Some(child) = node.get_first_child() {
            let mut next = Some(child);
            while let Some(n) = next {
                next = n.get_next_sibling();
                stack.push((n, depth + 1));
            }
        }
    }
    for uri in references {
        let Some(id) = uri.strip_prefix('#') else {
            continue; // empty: the whole document
        };
        match ids.get(id) {
            Some(1) => {}
            Some(_) => {
                return Err(format!(
                    "the reference #{id} names an ID several elements carry"
                ));
            }
            None => {
                return Err(format!(
                    "the reference #{id} names no element of the answer"
                ));
            }
        }
    }
    Ok(())
}

/// No `<!DOCTYPE …>`, internal or external: entities and DTD loads are how
/// XML reaches outside, and a SAML answer needs none.
fn no_doctype(doc: &Document) -> Result<(), String> {
    let ptr = doc.doc_ptr();
    // SAFETY: `ptr` is the live document `doc` owns; we only read two fields.
    let (int, ext) = unsafe { ((*ptr).intSubset, (*ptr).extSubset) };
    if !int.is_null() || !ext.is_null() {
        return Err("the answer has a DOCTYPE, which SAML does not use".into());
    }
    let mut child = doc.as_node().get_first_child();
    while let Some(n) = child {
        if matches!(
            n.get_type(),
            Some(NodeType::DTDNode | NodeType::DocumentTypeNode | NodeType::EntityDecl)
        ) {
            return Err("the answer has a DOCTYPE, which SAML does not use".into());
        }
        child = n.get_next_sibling();
    }
    Ok(())
}

/// The `URI` of a `ds:Reference`: empty (absent counts as empty) or `#` and
/// an XML name; the name is looked up once the whole document is read.
fn reference_uri(node: &Node) -> Result<String, String> {
    let uri = node.get_attribute("URI").unwrap_or_default();
    if uri.is_empty() {
        return Ok(uri);
    }
    let id = uri.strip_prefix('#').filter(|id| is_ncname(id));
    match id {
        Some(_) => Ok(uri),
        None => Err(format!(
            "a ds:Reference points outside the answer (URI {:?}); only \"\" and #id are accepted",
            truncate(&uri)
        )),
    }
}

/// The transforms of a `ds:Reference` are exactly enveloped-signature then
/// exclusive canonicalisation, as SAML core §5.4.3 and §5.4.4 describe and
/// every IdP sends: a longer chain makes xmlsec parse and canonicalise the
/// document again between each two transforms, and a chain ending without
/// canonicalisation makes it add inclusive canonicalisation, whose cost
/// grows with the namespaces in scope.
fn saml_transforms(reference: &Node) -> Result<(), String> {
    let dsig = |n: &Node, name: &str| {
        n.get_name() == name && n.get_namespace().is_some_and(|ns| ns.get_href() == DSIG)
    };
    let algorithms: Vec<String> = reference
        .get_child_elements()
        .iter()
        .filter(|n| dsig(n, "Transforms"))
        .flat_map(|t| t.get_child_elements())
        .filter(|n| dsig(n, "Transform"))
        .map(|t| t.get_attribute("Algorithm").unwrap_or_default())
        .collect();
    match algorithms.as_slice() {
        [first, second]
            if first == ENVELOPED && (second == EXC_C14N || second == EXC_C14N_COMMENTS) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "a ds:Reference has the transforms {:?}; SAML signs with enveloped-signature then exclusive canonicalisation, nothing else",
            algorithms.iter().map(|a| truncate(a)).collect::<Vec<_>>()
        )),
    }
}

/// A `ds:Signature` holds one `SignedInfo` with one `Reference` (SAML core
/// §5.4.2).
fn one_reference(signature: &Node) -> Result<(), String> {
    let dsig = |n: &Node, name: &str| {
        n.get_name() == name && n.get_namespace().is_some_and(|ns| ns.get_href() == DSIG)
    };
    let infos: Vec<Node> = signature
        .get_child_elements()
        .into_iter()
        .filter(|n| dsig(n, "SignedInfo"))
        .collect();
    let refs = infos
        .iter()
        .flat_map(|i| i.get_child_elements())
        .filter(|n| dsig(n, "Reference"))
        .count();
    if infos.len() != 1 || refs != 1 {
        return Err(format!(
            "a signature has {} SignedInfo and {refs} references; SAML signs one element with one reference",
            infos.len()
        ));
    }
    Ok(())
}

/// The `Algorithm` of a transform or canonicalisation is one of `allowed`,
/// and its only child elements are exclusive canonicalisation's
/// `InclusiveNamespaces` (no XPath expression, no stylesheet).
fn algorithm(node: &Node, what: &str, allowed: &[&str]) -> Result<(), String> {
    let alg = node.get_attribute("Algorithm").unwrap_or_default();
    if !allowed.contains(&alg.as_str()) {
        return Err(format!(
            "a ds:{what} uses the algorithm {:?}, which SAML does not need",
            truncate(&alg)
        ));
    }
    for child in node.get_child_elements() {
        let ns = child
            .get_namespace()
            .map(|n| n.get_href())
            .unwrap_or_default();
        let prefixes = child.get_attribute("PrefixList").unwrap_or_default();
        if prefixes.split_ascii_whitespace().count() > MAX_INCLUSIVE_PREFIXES {
            return Err(format!(
                "an InclusiveNamespaces lists more than {MAX_INCLUSIVE_PREFIXES} prefixes"
            ));
        }
        if !(ns == EXC_C14N && child.get_name() == "InclusiveNamespaces") {
            return Err(format!(
                "a ds:{what} carries a {} element, which SAML does not use",
                truncate(&child.get_name())
            ));
        }
    }
    Ok(())
}

/// An XML `NCName` as the `ID` type needs it (no colon), ASCII-strict for
/// the first character and lenient after: what it rules out is `/`, `(`,
/// `:` and spaces, which is what an address or an XPointer needs.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// At most 80 characters of something an attacker wrote, for a log line.
fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Switches off every way libxml2 and xmlsec have to open a URL or a file,
/// for the whole process and for good: libxml2's input callbacks (file,
/// HTTP, FTP) and its external entity loader, and xmlsec's own input
/// callbacks (those `ds:Reference` URIs are opened with). Parsing from
/// memory and verifying same-document references are unaffected.
///
/// xmlsec registers its callbacks when it is first initialised, so this
/// first makes samael initialise it (an idle verification of an empty
/// document with `cert`), then removes them. Idempotent.
pub fn forbid_outside_io(cert: &samael::crypto::CertificateDer) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use samael::crypto::CryptoProvider as _;
        // Fails (no signature), having initialised xmlsec on the way.
        let _ = samael::crypto::XmlSec::verify_signed_xml("<none/>", cert, None);
        // SAFETY: these take no pointers we own; they only empty global
        // callback tables and set a global function pointer, and run once,
        // before any verification (the UI is built before it serves).
        unsafe {
            libxml::bindings::xmlCleanupInputCallbacks();
            // One callback that matches everything and opens nothing: with
            // a callback registered, libxml2 does not put its defaults
            // (file, HTTP, FTP) back on the next open.
            libxml::bindings::xmlRegisterInputCallbacks(
                Some(match_all),
                Some(open_nothing),
                None,
                None,
            );
            libxml::bindings::xmlCleanupOutputCallbacks();
            libxml::bindings::xmlSetExternalEntityLoader(Some(refuse_entity));
            xmlSecIOCleanupCallbacks();
        }
    });
}

/// An input callback's match function that takes every address.
unsafe extern "C" fn match_all(_uri: *const std::os::raw::c_char) -> std::os::raw::c_int {
    1
}

/// An input callback's open function that opens nothing.
unsafe extern "C" fn open_nothing(_uri: *const std::os::raw::c_char) -> *mut std::os::raw::c_void {
    std::ptr::null_mut()
}

/// An external entity loader that loads nothing.
unsafe extern "C" fn refuse_entity(
    _url: *const std::os::raw::c_char,
    _id: *const std::os::raw::c_char,
    _ctxt: libxml::bindings::xmlParserCtxtPtr,
) -> libxml::bindings::xmlParserInputPtr {
    std::ptr::null_mut()
}

#[link(name = "xmlsec1")]
unsafe extern "C" {
    /// xmlsec's `io.h`: unregisters every input callback, so a reference
    /// URI that is not in the document cannot be opened.
    fn xmlSecIOCleanupCallbacks();
}

#[cfg(test)]
mod tests {
    use super::check;

    fn response(signature: &str) -> String {
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0"><saml:Assertion ID="_a1">{signature}</saml:Assertion></samlp:Response>"#
        )
    }

    fn signature(uri: &str, transforms: &str) -> String {
        format!(
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="{uri}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"#
        )
    }

    const USUAL: &str = r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"/></ds:Transform>"#;

    #[test]
    fn an_ordinary_signed_answer_passes() {
        check(&response(&signature("#_a1", USUAL))).unwrap();
        check(&response(&signature("", USUAL))).unwrap();
    }

    #[test]
    fn references_outside_the_document_are_refused() {
        for uri in [
            "http://127.0.0.1:9/x",
            "file:///etc/passwd",
            "#xpointer(/)",
            "#xpointer(id('_a1'))",
            "#_nosuch",
            "//host/share",
        ] {
            let e = check(&response(&signature(uri, USUAL))).unwrap_err();
            assert!(
                e.contains("Reference") || e.contains("reference"),
                "{uri}: {e}"
            );
        }
    }

    #[test]
    fn transforms_other_than_saml_s_are_refused() {
        let xslt = r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/></ds:Transform>"#;
        let xpath = r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>count(//. | //@*)</ds:XPath></ds:Transform>"#;
        let base64 = r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"/>"#;
        let hidden = r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ds:XPath>1</ds:XPath></ds:Transform>"#;
        for t in [xslt, xpath, base64, hidden] {
            assert!(check(&response(&signature("#_a1", t))).is_err(), "{t}");
        }
    }

    #[test]
    fn answers_built_to_be_slow_are_refused() {
        // Thousands of namespaces in scope (inclusive canonicalisation walks
        // each for each element), one element with thousands of attributes
        // (libxml2's parse is quadratic in them), a transform chain longer
        // than SAML's, inclusive canonicalisation of SignedInfo, a long
        // InclusiveNamespaces prefix list.
        let namespaces: String = (0..100).map(|i| format!(r#" xmlns:n{i}="u""#)).collect();
        let ok = response(&signature("#_a1", USUAL));
        assert!(
            check(&ok.replacen(
                "<samlp:Response",
                &format!("<samlp:Response{namespaces}"),
                1
            ))
            .is_err()
        );
        let attributes: String = (0..100).map(|i| format!(r#" a{i}="v""#)).collect();
        assert!(
            check(&ok.replacen(
                "<saml:Assertion",
                &format!("<saml:Assertion{attributes}"),
                1
            ))
            .is_err()
        );
        let three = format!(
            "{USUAL}{}",
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#
        );
        assert!(check(&response(&signature("#_a1", &three))).is_err());
        let only_enveloped =
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#;
        assert!(check(&response(&signature("#_a1", only_enveloped))).is_err());
        let inclusive = ok.replace(
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>"#,
        );
        assert!(check(&inclusive).is_err());
        let prefixes: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
        let long = USUAL.replace(
            r#"PrefixList="xs""#,
            &format!(r#"PrefixList="{}""#, prefixes.join(" ")),
        );
        assert!(check(&response(&signature("#_a1", &long))).is_err());
        let deep = format!("{}{}", "<d>".repeat(30), "</d>".repeat(30));
        assert!(
            check(&ok.replace("</samlp:Response>", &format!("{deep}</samlp:Response>")))
                .unwrap_err()
                .contains("deep")
        );
        let shallow = format!("{}{}", "<d>".repeat(10), "</d>".repeat(10));
        check(&ok.replace("</samlp:Response>", &format!("{shallow}</samlp:Response>"))).unwrap();
        let elements = "<e/>".repeat(6_000);
        assert!(
            check(&ok.replace("</samlp:Response>", &format!("{elements}</samlp:Response>")))
                .is_err()
        );
    }

    #[test]
    fn manifests_objects_doctypes_and_extra_signatures_are_refused() {
        let manifest = signature("#_a1", USUAL).replace(
            "</ds:Signature>",
            r#"<ds:Object><ds:Manifest><ds:Reference URI="http://x/"/></ds:Manifest></ds:Object></ds:Signature>"#,
        );
        assert!(check(&response(&manifest)).is_err());
        let retrieval = signature("#_a1", USUAL).replace(
            "</ds:Signature>",
            r#"<ds:KeyInfo><ds:RetrievalMethod URI="http://x/"/></ds:KeyInfo></ds:Signature>"#,
        );
        assert!(check(&response(&retrieval)).is_err());
        let doctype = format!(
            "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
            response(&signature("#_a1", USUAL))
        );
        assert!(check(&doctype).unwrap_err().contains("DOCTYPE"));
        let three = response(&signature("#_a1", USUAL).repeat(3));
        assert!(check(&three).unwrap_err().contains("more than"));
        let two_refs = signature("#_a1", USUAL).replace(
            "</ds:SignedInfo>",
            r##"<ds:Reference URI="#_r1"/></ds:SignedInfo>"##,
        );
        assert!(check(&response(&two_refs)).is_err());
        let dup = response(&signature("#_a1", USUAL))
            .replace("</samlp:Response>", r#"<x ID="_a1"/></samlp:Response>"#);
        assert!(check(&dup).unwrap_err().contains("several"));
    }
}
