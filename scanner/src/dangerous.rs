//! The file types Windows opens with a program that runs code or connects
//! out on a double click, by extension and, where the format has one, by
//! signature. Each entry names its source; keep the table current with
//! Microsoft's list of attachments Outlook blocks and the public reports
//! of new abuses.
//!
//! Sources, as cited per entry:
//! - **Outlook**: Microsoft Support, « Blocked attachments in Outlook »
//!   (Level 1 file types), support.microsoft.com article 434752e1.
//! - The reports and CVEs named on the entries that Outlook's list lacks.

/// What the last extension of a name says about it: the class of a
/// dangerous type, a disk image, a OneNote document, or nothing to note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameClass {
    Executable,
    Script,
    Shortcut,
    DiskImage,
    OneNote,
    Other,
}

/// One dangerous file type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DangerousType {
    /// Extensions, lower case, without the dot.
    pub extensions: &'static [&'static str],
    /// What the name check reports it as.
    pub class: NameClass,
    /// What Windows does with it, for the finding's sentence.
    pub what: &'static str,
    /// The same in French.
    pub what_fr: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

const fn t(
    extensions: &'static [&'static str],
    class: NameClass,
    what: &'static str,
    what_fr: &'static str,
    source: &'static str,
) -> DangerousType {
    DangerousType {
        extensions,
        class,
        what,
        what_fr,
        source,
    }
}

use NameClass::{Executable, Script, Shortcut};

/// Every dangerous type, by extension: (extensions, class, what Windows
/// does with it in English and in French, source).
#[rustfmt::skip]
pub(crate) static TYPES: &[DangerousType] = &[
    t(&["exe", "com", "pif", "scr", "cpl", "dll", "sys", "ocx", "drv"], Executable,
        "a Windows program or library",
        "un programme ou une bibliothèque Windows", "Outlook"),
    t(&["msi", "msp", "mst", "msu"], Executable,
        "a Windows Installer package or update",
        "un paquet ou une mise à jour Windows Installer", "Outlook"),
    t(&["msix", "msixbundle", "appx", "appxbundle"], Executable,
        "a Windows app package",
        "un paquet d'application Windows",
        "Microsoft Learn, MSIX packages; signed-package abuse: Microsoft Threat Intelligence, 2023-12-28"),
    t(&["appinstaller"], Executable,
        "an App Installer file: installs an app package from a web address",
        "un fichier App Installer : installe un paquet d'application depuis une adresse web",
        "Microsoft Threat Intelligence, « Financially motivated threat actors misusing App Installer », 2023-12-28"),
    t(&["application", "appref-ms", "xbap"], Executable,
        "a ClickOnce deployment manifest: downloads and runs a .NET program",
        "un manifeste de déploiement ClickOnce : télécharge et lance un programme .NET", "Outlook"),
    t(&["gadget", "jar", "jnlp", "vsto", "apk"], Executable,
        "a program for a runtime (Windows gadget, Java, Office add-in, Android)",
        "un programme pour un environnement d'exécution (gadget Windows, Java, complément Office, Android)",
        "Outlook (gadget, jar, jnlp); Deep Instinct on VSTO add-ins, 2023"),
    t(&["xll", "wll"], Executable,
        "an Excel or Word add-in library: native code that runs when opened",
        "un complément Excel ou Word : du code natif qui s'exécute à l'ouverture",
        "Outlook (xll); HP Wolf Security Threat Insights on XLL droppers, 2021"),
    t(&["chm", "hlp"], Executable,
        "a Windows help file: runs script or programs when opened",
        "un fichier d'aide Windows : lance des scripts ou des programmes à l'ouverture", "Outlook"),
    t(&["ade", "adp", "mdb", "mde", "accde"], Script,
        "an Access database or project: runs its macros and VBA when opened",
        "une base ou un projet Access : lance ses macros et son VBA à l'ouverture", "Outlook"),
    t(&["bas", "vbp", "vsmacros"], Script,
        "a Visual Basic module, project or Visual Studio macro project",
        "un module ou un projet Visual Basic, ou un projet de macros Visual Studio", "Outlook"),
    t(&["js", "jse", "vbs", "vbe", "vb", "wsf", "wsh", "wsc", "ws", "sct"], Script,
        "a Windows Script Host script",
        "un script Windows Script Host", "Outlook"),
    t(&["hta", "htc"], Script,
        "an HTML application: script with the user's rights",
        "une application HTML : un script avec les droits de l'utilisateur", "Outlook"),
    t(&["ps1", "psm1", "psd1", "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "pssc",
        "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml"], Script,
        "a PowerShell script, module or console file",
        "un script, un module ou un fichier de console PowerShell", "Outlook"),
    t(&["bat", "cmd"], Script, "a batch script",
        "un script de commandes (batch)", "Outlook"),
    t(&["reg"], Script, "a registry file: changes the registry on a double click",
        "un fichier de registre : modifie le registre sur un double-clic", "Outlook"),
    t(&["inf"], Script,
        "setup information: installs and runs commands (cmstp, rundll32)",
        "des informations d'installation : installe et lance des commandes (cmstp, rundll32)",
        "Outlook; MITRE ATT&CK T1218.003"),
    t(&["sh", "ksh", "csh", "py", "pyw", "pyz", "pyzw", "pyc", "pyo", "pl"], Script,
        "a script for an installed interpreter",
        "un script pour un interpréteur installé", "Outlook"),
    t(&["settingcontent-ms", "appcontent-ms"], Script,
        "a Settings or app content shortcut that runs a command",
        "un raccourci de Paramètres ou de contenu d'application qui lance une commande",
        "SpecterOps (Matt Nelson), « The Tale of SettingContent-ms Files », 2018-07; Outlook (appcontent-ms)"),
    t(&["printerexport"], Script,
        "a printer migration file: installs drivers (code) when opened",
        "un fichier de migration d'imprimantes : installe des pilotes (du code) à l'ouverture", "Outlook"),
    t(&["diagcab"], Script,
        "a troubleshooting package: runs its PowerShell scripts",
        "un paquet de dépannage : lance ses scripts PowerShell",
        "Outlook; CVE-2022-34713 (DogWalk)"),
    t(&["mht", "mhtml"], Script,
        "a web archive: opened by the MSHTML engine, which runs its script",
        "une archive web : ouverte par le moteur MSHTML, qui exécute son script",
        "CVE-2024-38112 (MSHTML, Check Point Research, 2024-07)"),
    t(&["wsb"], Script,
        "a Windows Sandbox configuration: runs a logon command",
        "une configuration Windows Sandbox : lance une commande à l'ouverture de session", "Outlook"),
    t(&["lnk", "scf"], Shortcut,
        "a Windows shortcut or shell command file",
        "un raccourci Windows ou un fichier de commandes de l'Explorateur", "Outlook"),
    t(&["msc"], Shortcut,
        "a management console file: runs commands and script",
        "un fichier de console de gestion : lance des commandes et des scripts",
        "Outlook; GrimResource (Elastic Security Labs, 2024-06)"),
    t(&["url", "website"], Shortcut,
        "an Internet shortcut: opens a web address or a remote share",
        "un raccourci Internet : ouvre une adresse web ou un partage distant",
        "Outlook; CVE-2024-21412 (Trend Micro, 2024-02)"),
    t(&["rdp"], Shortcut,
        "a Remote Desktop connection: connects to the server it names and shares the agent's drives",
        "une connexion Bureau à distance : se connecte au serveur qu'elle nomme et partage les lecteurs du poste",
        "Microsoft Threat Intelligence, Midnight Blizzard's RDP-file campaign, 2024-10-29"),
    t(&["library-ms", "searchconnector-ms", "search-ms"], Shortcut,
        "a search or library descriptor: opens a remote folder in Explorer",
        "un descripteur de recherche ou de bibliothèque : ouvre un dossier distant dans l'Explorateur",
        "CVE-2025-24054 (library-ms, Check Point Research, 2025-04); Trellix on search-ms, 2023"),
    t(&["iqy", "dqy", "odc", "slk"], Shortcut,
        "an Excel web query, database query, data connection or SYLK sheet: fetches outside data or runs formulas when opened",
        "une requête web Excel, une requête de base de données, une connexion de données ou une feuille SYLK : récupère des données extérieures ou calcule des formules à l'ouverture",
        "Proofpoint on IQY campaigns, 2018; Outflank, « Abusing the SYLK file format », 2019"),
    t(&["asx", "xnk", "mcf"], Shortcut,
        "a media playlist, Exchange shortcut or media container that opens a remote location",
        "une liste de lecture, un raccourci Exchange ou un conteneur multimédia qui ouvre un emplacement distant", "Outlook"),
    t(&["theme", "themepack", "deskthemepack"], Shortcut,
        "a Windows theme: loads files from the paths it names, remote ones included",
        "un thème Windows : charge les fichiers des chemins qu'il nomme, y compris distants",
        "Outlook (theme); CVE-2023-38146 (ThemeBleed); CVE-2024-21320"),
];

/// The dangerous type of a lower-case extension, if it is one.
pub(crate) fn by_extension(ext: &str) -> Option<&'static DangerousType> {
    TYPES.iter().find(|t| t.extensions.contains(&ext))
}

/// A content signature: what the lower-cased head of a text must contain
/// (all of `all`), and the MIME type it is then reported as.
struct Signature {
    ext: &'static str,
    mime: &'static str,
    all: &'static [&'static str],
}

const SIGNATURES: &[Signature] = &[
    // [MS-RDPBCGR] connection files: `name:type:value` lines.
    Signature {
        ext: "rdp",
        mime: "application/x-rdp",
        all: &["full address:s:"],
    },
    Signature {
        ext: "url",
        mime: "application/x-mswinurl",
        all: &["[internetshortcut]", "url="],
    },
    Signature {
        ext: "scf",
        mime: "application/x-scf",
        all: &["[shell]", "command="],
    },
    Signature {
        ext: "library-ms",
        mime: "application/x-library-ms",
        all: &[
            "<librarydescription",
            "schemas.microsoft.com/windows/2009/library",
        ],
    },
    Signature {
        ext: "searchconnector-ms",
        mime: "application/x-searchconnector-ms",
        all: &["<searchconnectordescription"],
    },
    Signature {
        ext: "appinstaller",
        mime: "application/appinstaller",
        all: &["<appinstaller", "schemas.microsoft.com/appx/appinstaller"],
    },
    // ClickOnce deployment manifest ([Microsoft Learn] ClickOnce
    // deployment manifest): `<deployment>` in an `asm.v1`/`asm.v2` assembly.
    Signature {
        ext: "application",
        mime: "application/x-ms-application",
        all: &["urn:schemas-microsoft-com:asm.v", "<deployment"],
    },
    Signature {
        ext: "settingcontent-ms",
        mime: "application/x-settingcontent-ms",
        all: &["<pcsettings"],
    },
    Signature {
        ext: "jnlp",
        mime: "application/x-java-jnlp-file",
        all: &["<jnlp"],
    },
    Signature {
        ext: "wsb",
        mime: "application/x-wsb",
        all: &["<configuration>", "<logoncommand>"],
    },
    Signature {
        ext: "theme",
        mime: "application/x-theme",
        all: &["[theme]", "[control panel\\desktop]"],
    },
    Signature {
        ext: "inf",
        mime: "application/x-setupscript",
        all: &["[version]", "signature", "$windows nt$"],
    },
    Signature {
        ext: "inf",
        mime: "application/x-setupscript",
        all: &["[version]", "signature", "$chicago$"],
    },
];

/// The dangerous type a text announces by its content, with the MIME type
/// to report and the extension it stands for: `lower` is the lower-cased head of the text, `start` the
/// same without leading white space. Web queries (`WEB` then a version
/// line then a URL) and SYLK (`ID;P`) are recognised by their first line.
pub(crate) fn by_content(
    lower: &[u8],
    start: &[u8],
) -> Option<(&'static str, &'static str, &'static DangerousType)> {
    let has = |needle: &str| memchr::memmem::find(lower, needle.as_bytes()).is_some();
    let found = SIGNATURES
        .iter()
        .find(|s| s.all.iter().all(|n| has(n)))
        .map(|s| (s.mime, s.ext));
    let found = found.or_else(|| {
        let mut lines = start.split(|&b| b == b'\n').map(|l| l.trim_ascii());
        let first = lines.next()?;
        if first == b"web"
            && lines
                .next()
                .is_some_and(|l| l.iter().all(u8::is_ascii_digit) && !l.is_empty())
            && lines
                .next()
                .is_some_and(|l| l.starts_with(b"http://") || l.starts_with(b"https://"))
        {
            Some(("text/x-ms-iqy", "iqy"))
        } else if start.starts_with(b"id;p") && sylk_records(start) {
            Some(("application/x-sylk", "slk"))
        } else {
            None
        }
    })?;
    Some((found.0, found.1, by_extension(found.1)?))
}

/// Whether a text that starts `ID;P` goes on as SYLK: a cell (`C;`),
/// format (`F;`) or bounds (`B;`) record with `X`/`Y` coordinates. A CSV
/// whose first column is `ID` does not.
fn sylk_records(lower: &[u8]) -> bool {
    lower
        .split(|&b| b == b'\n')
        .skip(1)
        .map(|l| l.trim_ascii())
        .any(|line| {
            (line.starts_with(b"c;") || line.starts_with(b"f;") || line.starts_with(b"b;"))
                && (memchr::memmem::find(line, b";x").is_some()
                    || memchr::memmem::find(line, b";y").is_some())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_source_and_each_extension_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for t in TYPES {
            assert!(
                !t.source.is_empty() && !t.what.is_empty(),
                "{:?}",
                t.extensions
            );
            for e in t.extensions {
                assert!(seen.insert(*e), "{e} listed twice");
                assert_eq!(e.to_ascii_lowercase(), *e);
            }
        }
        for s in SIGNATURES {
            assert!(
                by_extension(s.ext).is_some(),
                "signature for unlisted .{}",
                s.ext
            );
        }
    }

    #[test]
    fn content_signatures() {
        let cases: &[(&str, &str)] = &[
            (
                "screen mode id:i:1\r\nfull address:s:rdp.example.net\r\n",
                "rdp",
            ),
            (
                "[InternetShortcut]\r\nURL=file://192.0.2.1/share/a.exe\r\n",
                "url",
            ),
            (
                "<?xml version=\"1.0\"?><libraryDescription xmlns=\"http://schemas.microsoft.com/windows/2009/library\">",
                "library-ms",
            ),
            ("WEB\r\n1\r\nhttps://example.net/q.php\r\n", "iqy"),
            (
                "ID;P\r\nC;Y1;X1;EMSEXCEL|'\\..\\..\\Windows\\System32\\calc.exe'!''\r\n",
                "slk",
            ),
            (
                "[Version]\r\nSignature=\"$Windows NT$\"\r\n[DefaultInstall]\r\n",
                "inf",
            ),
        ];
        for (text, ext) in cases {
            let lower = text.to_ascii_lowercase();
            let (_, found, t) =
                by_content(lower.as_bytes(), lower.trim_start().as_bytes()).expect(ext);
            assert_eq!(found, *ext);
            assert!(
                t.extensions.contains(ext),
                "{text:?} read as {:?}",
                t.extensions
            );
        }
        for text in [
            "Bonjour,\r\nveuillez trouver l'adresse complète : mairie.example.fr\r\n",
            "web\r\nla page du site\r\n",
            "ID;Prénom;Nom;Classe\r\n1;Léa;Martin;CE2\r\n2;Hugo;Bernard;CM1\r\n",
            "[Version]\r\nnotes de version\r\n",
        ] {
            let lower = text.to_ascii_lowercase();
            assert_eq!(
                by_content(lower.as_bytes(), lower.trim_start().as_bytes()),
                None,
                "{text:?}"
            );
        }
    }
}
