//! XFA forms (the XML Forms Architecture, XFA 3.3; a PDF carries one in
//! `/AcroForm /XFA`, ISO 32000-1 §12.7.8): the `<script>` elements a
//! reader runs, found with an XML parser, never by a byte search.
//!
//! A script's language is its `contentType` attribute: JavaScript is
//! `application/x-javascript` (any type naming JavaScript or ECMAScript);
//! FormCalc, `application/x-formcalc`, is the XFA 3.3 default when the
//! attribute is absent, but an absent type is held like JavaScript (Acrobat
//! picks the language of the form's `<config>` then; the scanner does not
//! follow it). An empty script, or one of white space, runs nothing.
//!
//! quick-xml reads the XML as a stream of events: no tree, no entity
//! expansion (a document type's entities are never defined), memory
//! bounded by the input, which the stream's decoding already bounds.

use quick_xml::events::{BytesStart, Event};

/// One `<script>` with code that the reader runs as JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XfaScript {
    /// Its `contentType` attribute, when it has one.
    pub content_type: Option<String>,
    /// The `activity` of the `<event>` around it (`initialize`, `click`,
    /// `docReady` …), when there is one.
    pub activity: Option<String>,
}

/// What the XFA packets held: the JavaScript scripts, and the parser's
/// error when the XML could not be read to its end.
#[derive(Debug, Default)]
pub(crate) struct XfaScan {
    pub scripts: Vec<XfaScript>,
    pub error: Option<String>,
}

/// Whether a `contentType` makes the script JavaScript (or unknown, held
/// alike); FormCalc is the one language that is not.
fn runs_as_javascript(content_type: Option<&str>) -> bool {
    let Some(t) = content_type else {
        return true;
    };
    let t = t.trim().to_ascii_lowercase();
    !t.contains("formcalc")
}

/// The value of the attribute of local name `name`.
fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for a in attributes.flatten() {
        if a.key.local_name().as_ref() == name {
            let value = a
                .normalized_value(quick_xml::XmlVersion::default())
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            return Some(value);
        }
    }
    None
}

/// UTF-16 text (with its byte order mark) as UTF-8; anything else as it is.
fn as_utf8(xml: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let units = |rest: &[u8], be: bool| -> Vec<u16> {
        rest.chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect()
    };
    if let Some(rest) = xml.strip_prefix(b"\xfe\xff") {
        return String::from_utf16_lossy(&units(rest, true))
            .into_bytes()
            .into();
    }
    if let Some(rest) = xml.strip_prefix(b"\xff\xfe") {
        return String::from_utf16_lossy(&units(rest, false))
            .into_bytes()
            .into();
    }
    xml.into()
}

/// The JavaScript scripts of an XFA document (the packets concatenated in
/// the order of the `/XFA` array, or the one stream).
pub(crate) fn scan(xml: &[u8]) -> XfaScan {
    let xml = as_utf8(xml);
    let mut reader = quick_xml::Reader::from_reader(xml.as_ref());
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut out = XfaScan::default();
    // The activities of the `<event>` elements open around the position.
    let mut events: Vec<Option<String>> = Vec::new();
    // The script being read, and whether it holds code yet.
    let mut open: Option<(XfaScript, bool)> = None;
    let finish = |open: &mut Option<(XfaScript, bool)>, out: &mut XfaScan| {
        if let Some((script, code)) = open.take()
            && code
            && runs_as_javascript(script.content_type.as_deref())
        {
            out.scripts.push(script);
        }
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"event" => events.push(attribute(&e, b"activity")),
                b"script" => {
                    finish(&mut open, &mut out);
                    let script = XfaScript {
                        content_type: attribute(&e, b"contentType"),
                        activity: events.iter().rev().flatten().next().cloned(),
                    };
                    open = Some((script, false));
                }
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"event" => {
                    events.pop();
                }
                b"script" => finish(&mut open, &mut out),
                _ => {}
            },
            Ok(Event::Text(t)) => {
                if let Some((_, code)) = open.as_mut()
                    && t.iter().any(|b| !b.is_ascii_whitespace())
                {
                    *code = true;
                }
            }
            Ok(Event::CData(t)) => {
                if let Some((_, code)) = open.as_mut()
                    && t.iter().any(|b| !b.is_ascii_whitespace())
                {
                    *code = true;
                }
            }
            Ok(Event::GeneralRef(_)) => {
                if let Some((_, code)) = open.as_mut() {
                    *code = true;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                out.error = Some(e.to_string());
                break;
            }
        }
    }
    // A script cut by the end of the data still holds what it read.
    finish(&mut open, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">
<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">
 <subform name="form1"><field name="nom"/>
  <event activity="initialize" name="event__initialize">
   <script contentType="application/x-javascript">app.alert("bonjour");</script>
  </event>
 </subform>
</template>
</xdp:xdp>"#;

    #[test]
    fn a_javascript_script_is_found_with_its_event() {
        let scan = scan(TEMPLATE.as_bytes());
        assert_eq!(scan.error, None);
        assert_eq!(
            scan.scripts,
            vec![XfaScript {
                content_type: Some("application/x-javascript".into()),
                activity: Some("initialize".into()),
            }]
        );
    }

    #[test]
    fn formcalc_empty_and_absent_scripts() {
        let formcalc = TEMPLATE.replace("application/x-javascript", "application/x-formcalc");
        assert!(scan(formcalc.as_bytes()).scripts.is_empty());
        let empty = TEMPLATE.replace(r#"app.alert("bonjour");"#, "  \n ");
        assert!(scan(empty.as_bytes()).scripts.is_empty());
        let absent = TEMPLATE.replace(r#" contentType="application/x-javascript""#, "");
        assert_eq!(scan(absent.as_bytes()).scripts.len(), 1);
        // A form without any script.
        let none = TEMPLATE
            .replace("<script", "<!--")
            .replace("</script>", "-->");
        let s = scan(none.as_bytes());
        assert!(s.scripts.is_empty(), "{:?}", s);
    }

    #[test]
    fn script_in_cdata_entities_or_utf16_is_found() {
        let cdata = TEMPLATE.replace(r#"app.alert("bonjour");"#, "<![CDATA[app.alert(1)]]>");
        assert_eq!(scan(cdata.as_bytes()).scripts.len(), 1);
        let refs = TEMPLATE.replace(r#"app.alert("bonjour");"#, "&#97;&#112;&#112;");
        assert_eq!(scan(refs.as_bytes()).scripts.len(), 1);
        let mut utf16 = vec![0xfe, 0xff];
        for u in TEMPLATE.encode_utf16() {
            utf16.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(scan(&utf16).scripts.len(), 1);
    }

    #[test]
    fn a_script_cut_by_the_end_or_broken_xml_never_panics() {
        let cut = &TEMPLATE[..TEMPLATE.find("bonjour").unwrap()];
        assert_eq!(scan(cut.as_bytes()).scripts.len(), 1);
        for bad in [
            "<a",
            "<a b='",
            "<!--",
            "<![CDATA[",
            "</x>",
            "<script>&",
            "\u{0}<<>>",
        ] {
            let _ = scan(bad.as_bytes());
        }
    }
}
