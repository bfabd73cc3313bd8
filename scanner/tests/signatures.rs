//! Each shipped rule against a positive and a negative sample generated here.
//! No live malware: the samples are inert look-alikes and EICAR.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::Engine;
use samples::*;

fn matches(data: &[u8]) -> Vec<String> {
    let engine = Engine::builtin();
    let mut scanner = yara_x::Scanner::new(engine.yara_rules());
    let results = scanner.scan(data).unwrap();
    results.matching_rules().map(|r| r.identifier().to_string()).collect()
}

fn check(rule: &str, positive: &[u8], negative: &[u8]) {
    assert!(matches(positive).iter().any(|r| r == rule), "{rule} misses its positive sample");
    assert!(!matches(negative).iter().any(|r| r == rule), "{rule} fires on its negative sample");
}

#[test]
fn eicar() {
    let mut almost = samples::eicar();
    almost[10] = b'#';
    check("EICAR_Test_File", &samples::eicar(), &almost);
}

#[test]
fn office_macro_autoexec() {
    let innocent = ole(None, &[("/VBA/_VBA_PROJECT", b"_VBA_PROJECT"), ("/VBA/Module1", b"Attribute VB_Name = \"Module1\"\r\nSub Total()\r\nEnd Sub")]);
    check("Office_Macro_AutoExec_Shell", &ole_doc_with_macros(), &innocent);
}

#[test]
fn pe_in_document() {
    let mut doc = b"%PDF-1.7\n".to_vec();
    doc.extend_from_slice(&[0u8; 300]);
    doc.extend_from_slice(&pe());
    check("PE_Embedded_In_Document", &doc, &pe());
    check("PE_Embedded_In_Document", &doc, b"%PDF-1.7 This program cannot be run in DOS mode, says the manual");
}

#[test]
fn html_smuggling() {
    let smuggler = b"<script>var b = new Blob([atob(d)]); a.href = URL.createObjectURL(b); a.download = 'x.zip';</script>";
    let page = b"<script>var img = atob(logo); document.title = 'Bonjour';</script>";
    check("HTML_Smuggling_Blob_Download", smuggler, page);
}

#[test]
fn pdf_active() {
    let js = pdf("/OpenAction 5 0 R", &["5 0 obj << /S /JavaScript /JS (x) >> endobj\n".into()]);
    check("PDF_OpenAction_JavaScript", &js, &pdf("", &[]));
    let launch = pdf("/OpenAction 5 0 R", &["5 0 obj << /S /Launch /Win << /F (cmd.exe) >> >> endobj\n".into()]);
    check("PDF_Launch_Action", &launch, &js);
}

#[test]
fn lnk_interpreter() {
    check("LNK_Runs_Interpreter", &lnk("C:\\Windows\\System32\\cmd.exe /c calc"), &lnk("C:\\Users\\agent\\Documents\\rapport.docx"));
}

#[test]
fn wsh_downloader() {
    let vbs = b"Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"calc\"";
    check("WSH_Downloader_Or_Runner", vbs, b"' WScript.Shell is documented here");
    // Office VBA is the macro rule's business.
    assert!(!matches(&ole_doc_with_macros()).iter().any(|r| r == "WSH_Downloader_Or_Runner"));
}
