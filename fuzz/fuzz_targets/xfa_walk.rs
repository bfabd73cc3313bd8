//! The XFA reader (scanner/src/formats/pdf/xfa.rs): the fuzzer's bytes are
//! the XML of an XFA form, carried as a PDF carries it (`/AcroForm /XFA`),
//! in one stream or cut into three packets (the first byte says which),
//! so that quick-xml and the script search get them as they are.
#![no_main]

#[path = "common.rs"]
mod common;

fn stream(out: &mut Vec<u8>, num: u32, data: &[u8]) {
    out.extend_from_slice(
        format!("{num} 0 obj\n<< /Length {} >>\nstream\n", data.len()).as_bytes(),
    );
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [how, xml @ ..] = data else { return };
    let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n".to_vec();
    if how & 1 == 1 {
        let (a, b) = xml.split_at(xml.len() / 3);
        let (b, c) = b.split_at(b.len() / 2);
        pdf.extend_from_slice(b"3 0 obj\n<< /Fields [] /XFA [(preamble) 4 0 R (template) 5 0 R (postamble) 6 0 R] >>\nendobj\n");
        stream(&mut pdf, 4, a);
        stream(&mut pdf, 5, b);
        stream(&mut pdf, 6, c);
    } else {
        pdf.extend_from_slice(b"3 0 obj\n<< /Fields [] /XFA 4 0 R >>\nendobj\n");
        stream(&mut pdf, 4, xml);
    }
    pdf.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    common::scan_as("formulaire.pdf", &pdf);
});
