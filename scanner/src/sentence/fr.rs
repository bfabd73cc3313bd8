//! The French of every sentence: what the pages, the notices and the CLI
//! show first. An exhaustive match: a new key does not compile without it.

use super::{Counted, Edge, FileKind, Hidden, NameRole, Nested, PdfStream, Sentence, Stage, list};
use crate::dangerous;
use std::fmt::Write as _;

impl Sentence {
    /// The sentence in French, for the pages, notices and the CLI.
    pub fn fr(&self) -> String {
        use Sentence::*;
        match self {
            NotAnalysedSize { size, per_object, per_message } => format!("non analysé : {size} octets, au-delà du budget d'analyse ({per_object} octets par objet, {per_message} par message)"),
            NotAnalysedTime { seconds } => format!("non analysé : l'analyse a duré plus de {seconds} s"),
            TimeLimit { during } => match during {
                Stage::ArchiveEntries => "le temps d'analyse était écoulé avant que chaque entrée ait été analysée".into(),
                Stage::EncryptionCheck => "le temps d'analyse était écoulé avant que chaque stockage ait été vérifié (chiffrement)".into(),
                Stage::Yara => "les règles YARA n'ont pas fini dans le temps d'analyse".into(),
                Stage::Page => "le temps d'analyse était écoulé avant la fin de la lecture de la page".into(),
            },
            PastBudget { cap: Some(cap) } => format!("plus gros que les {cap} octets que le budget d'analyse permettait encore ; non analysé"),
            PastBudget { cap: None } => "la pièce jointe dépasse ce que le budget d'analyse permet ; non analysée".into(),
            StreamPastBudget { stream } => format!("{stream} : plus gros que le budget d'analyse ; non analysé"),
            RtfObjectCut { number } => format!("objet RTF {number} : plus gros que le budget d'analyse, tronqué"),
            EncryptionCheckPastBudget => "les flux qui disent si le document est chiffré dépassent le budget d'analyse".into(),
            RatioExceeded { expanded, packed, limit } => format!("{expanded} octets décompressés à partir de {packed} octets compressés, plus de {limit} pour 1 (bombe de décompression ?)"),
            TooManyObjects { limit, of } => match of {
                Counted::ArchiveEntries => format!("plus de {limit} entrées d'archive dans le message ; les suivantes n'ont pas été analysées"),
                Counted::EmbeddedObjects => format!("plus de {limit} objets incorporés ; les suivants n'ont pas été analysés"),
                Counted::Attachments => format!("plus de {limit} pièces jointes et entrées ; les suivantes n'ont pas été analysées"),
                Counted::PdfObjects => format!("plus de {limit} objets dans le PDF ; les suivants n'ont pas été lus"),
                Counted::PdfValues => format!("un objet du PDF compte plus de {limit} valeurs ; la suite n'a pas été lue"),
            },
            NestedTooDeep { limit, of } => match of {
                Nested::Archives => format!("les archives imbriquées sur plus de {limit} niveaux n'ont pas été ouvertes"),
                Nested::Messages => format!("les messages joints imbriqués sur plus de {limit} niveaux n'ont pas été ouverts"),
                Nested::PdfValues => format!("des valeurs du PDF imbriquées sur plus de {limit} niveaux n'ont pas été lues"),
            },
            TooManyMimeParts { limit } => format!("plus de {limit} parties MIME ; les suivantes n'ont pas été analysées"),
            MimeTooDeep { limit } => format!("les parties MIME imbriquées sur plus de {limit} niveaux n'ont pas été analysées"),
            SevenZipMemory { mib } => format!("l'archive 7z demande plus de {mib} Mio pour être décodée"),
            ScannerFailed => "l'analyse a échoué sur ce message ; il est retenu sans avoir été analysé".into(),
            YaraError { reason } => format!("YARA n'a pas pu analyser cet objet : {reason}"),
            YaraRule { rule, description, description_fr } => match description_fr.as_ref().or(description.as_ref()) {
                Some(d) => format!("règle de détection {rule} : {d}"),
                None => format!("la règle de détection {rule} a reconnu ce contenu"),
            },
            ContentIs { what, mime } => format!("le contenu est {} ({mime})", kind_fr(*what)),
            DangerousContent { ext, mime } => format!("le contenu est un fichier .{ext} ({mime}) : {}", ext_fr(ext)),
            CompiledHelp => "aide HTML compilée (CHM) : exécute du script à l'ouverture".into(),
            DiskImageContent { mime } => format!("une image disque ({mime}) cache ses fichiers aux filtres de messagerie"),
            OneNoteContent => "une section OneNote peut transporter des scripts et des programmes".into(),
            VbaProject => "le document contient un projet de macros VBA".into(),
            VbaProjectBin { mime } => format!("le document contient un projet de macros vbaProject.bin ({mime})"),
            OdfMacroModule { module } => format!("le document contient un module Basic ou de script ({module})"),
            HtmlBlobDecoded { sink, decoder } => format!("un script fabrique un fichier avec {sink} à partir de données décodées par {decoder} et l'enregistre"),
            HtmlBlobBase64 { sink } => format!("un script fabrique un fichier avec {sink} à partir d'une longue chaîne base64 et l'enregistre"),
            HtmlDataUriDownload => "un lien de téléchargement transporte un fichier dans une URI data: en base64".into(),
            SvgActive { marker } => format!("l'image SVG contient « {marker} », qui s'exécute à l'ouverture dans un navigateur"),
            SvgForeignHtml { element } => format!("l'image SVG contient une page web (« <{element}> » dans un <foreignObject>), que le navigateur affiche à l'ouverture"),
            PageReaches { scheme, target, via } => format!("la page {} « {target} » : {}", page_via_fr(*via), page_reach_fr(scheme)),
            PasswordFormTo { host } => format!("la page demande un mot de passe et l'envoie à {host}, qui n'est ni un domaine de la commune ni celui d'un partenaire"),
            PasswordToScript => "la page demande un mot de passe sans adresse d'envoi visible : c'est un script qui l'emporte".into(),
            PageWritesHidden { decoder } => format!("la page s'écrit elle-même à partir d'un texte encodé ({decoder}) qu'on ne peut lire qu'en l'exécutant"),
            InWrittenPage { through, inner } => format!("dans la page qu'elle écrit à partir de {through} : {}", inner.fr()),
            PageBuildsFile { sink, mime, name } => format!("la page fabrique un fichier{} ({mime}) avec {sink} et propose de l'enregistrer", name.as_ref().map(|n| format!(" « {n} »")).unwrap_or_default()),
            PdfJavaScript { name, on_open } => format!("le PDF contient du JavaScript ({name}){}", if *on_open { ", lancé par un déclencheur /OpenAction ou /AA" } else { "" }),
            PdfLaunch => "le PDF a une action /Launch qui démarre un programme".into(),
            PdfAction { action, trigger, target } => format!(
                "le PDF {}{}, {}",
                match action {
                    super::PdfActionKind::JavaScript => "exécute du JavaScript (action /JavaScript)",
                    super::PdfActionKind::Rendition => "exécute du JavaScript (action /Rendition)",
                    super::PdfActionKind::Launch => "démarre un programme ou ouvre un fichier (action /Launch)",
                    super::PdfActionKind::GoToRemote => "ouvre un autre document (action /GoToR)",
                    super::PdfActionKind::GoToEmbedded => "ouvre un document incorporé ou distant (action /GoToE)",
                    super::PdfActionKind::ImportData => "importe des données de formulaire d'un fichier (action /ImportData)",
                    super::PdfActionKind::SubmitForm => "envoie les données de son formulaire (action /SubmitForm)",
                    super::PdfActionKind::Uri => "ouvre un chemin réseau, un fichier ou un gestionnaire de protocole (action /URI)",
                },
                target.as_ref().map(|t| format!(" : « {t} »")).unwrap_or_default(),
                match trigger {
                    super::PdfTrigger::Open => "à l'ouverture du document",
                    super::PdfTrigger::DocumentEvent => "à un événement du document (fermeture, enregistrement, impression)",
                    super::PdfTrigger::Page => "à l'ouverture ou à la fermeture d'une page",
                    super::PdfTrigger::FormField => "depuis un champ de formulaire",
                    super::PdfTrigger::Annotation => "depuis une annotation ou un lien (clic, survol)",
                    super::PdfTrigger::Outline => "depuis un signet",
                    super::PdfTrigger::Unreferenced => "sans déclencheur identifié",
                }
            ),
            PdfXfaScript { content_type, activity } => format!(
                "le formulaire XFA du PDF contient un script exécuté comme du JavaScript ({}){}",
                content_type.as_deref().unwrap_or("type non précisé"),
                activity.as_ref().map(|a| format!(", à l'événement « {a} »")).unwrap_or_default()
            ),
            EquationEditor { object } => format!("un objet Éditeur d'équations ({object}), la classe de la faille CVE-2017-11882"),
            ExternalRelationship { part, relationship, target, reach } => format!(
                "{part} : la relation {relationship} va chercher « {target} » hors du document dès l'ouverture : {}",
                match reach {
                    super::Reach::LoadedObject => "un objet OLE, un paquet ou un cadre chargé depuis l'extérieur (la technique de Follina, CVE-2022-30190)",
                    super::Reach::NetworkPath => "un chemin réseau (UNC ou WebDAV) vers une adresse IP ou un serveur extérieur, auquel Windows envoie l'empreinte du mot de passe de l'agent (NTLM)",
                    super::Reach::PlainHttp => "par http sans chiffrement",
                    super::Reach::IpAddress => "depuis une adresse IP",
                    super::Reach::MacroTemplate => "un modèle ou un document qui peut contenir des macros",
                    super::Reach::OtherScheme => "par un protocole autre que https",
                }
            ),
            PptVbaProject { offset } => format!("la présentation contient un projet de macros VBA dans son flux « PowerPoint Document » (VBAInfoContainer à l'octet {offset})"),
            BidiControls { codes } => format!("le nom contient {} qui changent l'ordre d'affichage", list(codes)),
            DoubleExtension { shown, real } => format!("le nom ressemble à .{shown} mais c'est un .{real}"),
            DangerousExtension { ext } => format!("le nom a l'extension .{ext} : {}", ext_fr(ext)),
            ExtensionOf { ext, what } => format!("le nom a l'extension .{ext} ({})", kind_fr(*what)),
            NamedButIs { ext, mime } => format!("nommé .{ext} mais le contenu est {mime}"),
            DeclaredButIs { declared, mime } => format!("annoncé {declared} mais le contenu est {mime}"),
            InName { role, name, inner } => {
                let role = match role {
                    NameRole::StoredName => "nom enregistré",
                    NameRole::NtfsFile => "fichier NTFS",
                    NameRole::NtfsStream => "flux NTFS",
                };
                format!("{role} « {name} » : {}", inner.fr())
            }
            EntryEncrypted => "l'entrée est protégée par mot de passe".into(),
            SevenZipEncrypted => "l'archive 7z est protégée par mot de passe".into(),
            OfficeEncrypted { storage, evidence } => {
                let mut s = "document Office protégé par mot de passe (chiffré), illisible pour l'analyse".to_string();
                if let Some(st) = storage {
                    let _ = write!(s, " ; stockage {st}");
                }
                if !evidence.is_empty() {
                    let _ = write!(s, " ; relevé technique : {}", evidence.join(" ; "));
                }
                s
            }
            OdfEncrypted { entries, names } => format!(
                "document OpenDocument protégé par mot de passe : son manifeste donne des données de chiffrement pour {} ({}) (OpenDocument 1.2, partie 3, §3.8)",
                if *entries == 1 { "une entrée".to_string() } else { format!("{entries} entrées") },
                list(names)
            ),
            PdfEncrypted { streams } => format!("document PDF protégé par mot de passe (chiffré) : {streams} flux d'objets ou de fichiers incorporés ne peuvent pas être inspectés"),
            EncryptedFor { format } => format!("{format} : chiffré pour son destinataire, le filtre ne peut pas lire ce qu'il contient"),
            UnopenableArchive { mime } => format!("Écluse ne sait pas ouvrir ce format d'archive ({mime})"),
            ArchiveDamaged { format, reason: Some(r) } => format!("{format} : illisible ou endommagé ({r})"),
            ArchiveDamaged { format, reason: None } => format!("{format} : illisible ou endommagé"),
            EntryUnreadable { entry, reason } => format!("l'entrée {entry} ne peut pas être lue : {reason}"),
            EntryUndecompressable { reason, method: Some(m) } => format!("l'entrée ne peut pas être décompressée : {reason} (méthode {m})"),
            EntryUndecompressable { reason, method: None } => format!("l'entrée ne peut pas être décompressée : {reason}"),
            EntryUnsupported { method, reason: Some(r) } => format!("entrée non prise en charge ({r}, méthode {method})"),
            EntryUnsupported { method, reason: None } => format!("l'entrée utilise la méthode de compression {method}, qu'Écluse ne décode pas"),
            ArchiveMethodUnsupported { format, method } => format!("l'archive {format} utilise une méthode non prise en charge ({method})"),
            PdfStreamUndecodable { what, filters, reason } => format!(
                "un {} du PDF ne peut pas être décodé ({}) : {reason}",
                match what { PdfStream::EmbeddedFile => "fichier incorporé", PdfStream::ObjectStream => "flux d'objets", PdfStream::XfaForm => "formulaire XFA" },
                list(filters)
            ),
            PdfEmbeddedUndecodable { object, reason } => format!("un fichier incorporé du PDF (objet {object}) ne peut pas être décodé : {reason}"),
            StreamUnreadable { stream, reason } => format!("{stream} : le flux ne peut pas être lu : {reason}"),
            CompressedRtf { reason } => format!("le corps RTF compressé du message ne peut pas être lu : {reason}"),
            OutlookOleAttachment { name } => format!("pièce jointe {name} : un objet OLE enregistré dans le format propre à Outlook"),
            Ole1NoHeader { object } => format!("{object} : données d'objet incorporé sans en-tête OLE1"),
            LinkedObject { object, class } => format!("{object} : un objet {class} lié, qui pointe hors du document"),
            ObjectHeaderUnreadable { object, class, format } => format!("{object} : un objet {class} dont l'en-tête ne peut pas être lu (format {format})"),
            PackageUnreadable { object } => format!("{object} : un objet Package dont le fichier ne peut pas être lu"),
            OleDirectoryUnreadable => "un fichier composé OLE dont le répertoire ne peut pas être lu".into(),
            RelationshipsUnreadable { part, reason } => format!("{part} : une liste de relations du document Office illisible ({reason})"),
            ActiveMimeUnreadable { reason } => format!("des données ActiveMime (editdata.mso, binData) dont le contenu compressé ne peut pas être lu : {reason}"),
            PptStorageUnreadable { offset, reason } => format!("un objet OLE du flux « PowerPoint Document » (à l'octet {offset}) ne peut pas être décompressé : {reason}"),
            CmsUnreadable { reason } => format!("une structure CMS (S/MIME, .p7m) illisible : {reason}"),
            ZipPolyglot { mime } => format!("le fichier se lit comme {mime} et aussi comme une archive ZIP (un polyglotte) : les outils d'archive ouvrent le ZIP"),
            ZipDirectoryDisagrees { directory_only } => format!("le répertoire central et les en-têtes locaux ne concordent pas (seulement dans le répertoire : {})", list(directory_only)),
            ZipLocalOnly { count, entries } => format!(
                "{count} entrées sont vues par les outils qui parcourent les en-têtes locaux (7-Zip) mais absentes du répertoire central que lisent les autres : {}",
                entries.iter().map(|e| format!("{} (position {})", e.name, e.offset)).collect::<Vec<_>>().join(", ")
            ),
            ZipEndRecordsDisagree { classic_offset, classic_entries, zip64_offset, zip64_entries } => format!("l'enregistrement de fin classique et l'enregistrement de fin ZIP64 désignent des répertoires centraux différents ({classic_entries} entrées à la position {classic_offset}, {zip64_entries} entrées à la position {zip64_offset}) : selon l'outil, l'archive n'a pas le même contenu"),
            DuplicateEntry { name } => format!("deux entrées s'appellent « {name} » : les outils qui repèrent les entrées par leur nom, ou extraient l'une sur l'autre, n'en gardent qu'une"),
            GzipMembers { count } => format!("le fichier gzip a {count} membres : gunzip les écrit à la suite, certains outils ne lisent que le premier"),
            GzipStoredName { stored, saved } => format!("l'en-tête gzip nomme le fichier « {stored} », gunzip l'enregistre sous « {saved} »"),
            GzipTrailing { bytes } => format!("{bytes} octets suivent le dernier membre gzip : gunzip les ignore, d'autres outils les ouvrent"),
            TarAfterEnd => "des données suivent la marque de fin d'archive tar : tar s'arrête là, tar --ignore-zeros et d'autres outils lisent la suite".into(),
            Unparsable => "le message n'a ni en-tête ni corps lisible".into(),
            NestedUnparsable { part } => format!("partie {part} : un message joint illisible"),
            DuplicateParameter { part, header, parameter } => format!("partie {part} : {header} donne « {parameter} » deux fois"),
            Rfc2231Continuations { part, header, parameter } => format!("partie {part} : les suites « {parameter}*N » de {header} répètent ou sautent un numéro"),
            Rfc2231BothForms { part, header, parameter } => format!("partie {part} : {header} a à la fois « {parameter}* » et « {parameter}*0 »"),
            Rfc2231Disagrees { part, header, parameter, plain, decoded } => format!("partie {part} : {header} « {parameter}=\"{plain}\" » mais la forme RFC 2231 « {parameter}* » dit « {decoded} »"),
            NulInHeaders { part } => format!("partie {part} : octet nul dans les en-têtes"),
            NulInBody { part } => format!("partie {part} : octet nul dans un corps qui n'est pas en base64"),
            DuplicateHeader { part, header, count } => format!("partie {part} : {count} en-têtes {header}"),
            MultipartWithoutBoundary { part, mime } => format!("partie {part} : {mime} sans paramètre boundary"),
            MessagePartial { part } => format!("partie {part} : fragment message/partial"),
            UnknownTransferEncoding { part, value } => format!("partie {part} : Content-Transfer-Encoding « {value} »"),
            Base64ByteOutside { part, byte, offset } => format!("partie {part} : octet 0x{byte:02x} hors de l'alphabet base64 (position {offset})"),
            Base64AfterPadding { part, offset } => format!("partie {part} : des données base64 suivent le remplissage (position {offset})"),
            BareCr { offset } => format!("CR isolé à la position {offset}"),
            BareLf { offset } => format!("LF isolé à la position {offset} dans un message aux fins de ligne CRLF"),
            BoundaryOverlaps { part, boundary, outer } => format!("partie {part} : le séparateur « {boundary} » chevauche le séparateur englobant « {outer} »"),
            MissingClosingBoundary { part, boundary } => format!("partie {part} : pas de ligne de fin --{boundary}--"),
            MultipartEncoded { part, encoding } => format!("partie {part} : un multipart déclare Content-Transfer-Encoding: {encoding}, ce que la RFC 2045 §6.4 interdit ; les lecteurs qui le décodent voient d'autres parties"),
            HeadersRunIntoBody { part } => format!("partie {part} : ses en-têtes se prolongent dans le corps sans ligne vide ; les lecteurs ne s'accordent pas sur le début du corps"),
            HiddenInEdge { part, edge, what } => format!(
                "partie {part} : {} du multipart contient {}",
                match edge { Edge::Preamble => "le préambule", Edge::Epilogue => "l'épilogue" },
                match what {
                    Hidden::MimeHeaders => "des en-têtes MIME",
                    Hidden::DelimiterLine => "une ligne qui ressemble à un séparateur",
                    Hidden::EncodedRun => "une longue suite de données encodées",
                    Hidden::EncodedData => "des données encodées",
                    Hidden::LongText => "plus de 4 Kio de texte",
                }
            ),
            UndeclaredInText { part, delimiter } => format!(
                "partie {part} : le texte contient {} qu'aucun en-tête ne déclare ; les lecteurs tolérants les montrent comme des pièces jointes",
                match delimiter { Some(d) => format!("des parties MIME (séparateur « --{d} »)"), None => "des en-têtes de partie".into() }
            ),
            ConflictingFilename { part, name, filename } => format!("partie {part} : Content-Type nomme « {name} » mais Content-Disposition nomme « {filename} »"),
            Clamav { signature } => format!("ClamAV : {signature}"),
            ClamavNoVerdict { reason } => format!("ClamAV n'a pas donné de verdict ({reason}) ; retenu plutôt que remis sans analyse"),
            NoSingleFrom { addresses } => format!("le champ From: ne désigne pas une seule adresse ({addresses} adresse{} parmi ses entrées ; plusieurs entrées ou champs, un groupe, ou un nom sans adresse) : on ne peut pas dire qui l'envoie (RFC 5322 §3.6.2, RFC 7489 §6.6.1)", if *addresses > 1 { "s" } else { "" }),
            DmarcFailed { domain, policy } => format!(
                "le domaine d'envoi {domain} a échoué à DMARC (ni SPF ni DKIM n'ont réussi alignés sur lui) et sa règle demande de {} ces messages ; vérifiez auprès de l'expéditeur par téléphone",
                match policy.as_str() { "reject" => "refuser", "quarantine" => "mettre en quarantaine", other => other }
            ),
            OwnDomainUnauthenticated { domain } => format!("le domaine d'envoi {domain} est l'un des nôtres, mais le message vient de l'extérieur sans avoir passé SPF ni DKIM pour lui"),
            DisplayNameShows { known, domain } => format!("le nom affiché de l'expéditeur montre une adresse de {known}, mais l'adresse est chez {domain}"),
            LookalikeSkeleton { domain, known } => format!("le domaine d'envoi {domain} se lit comme {known} (les mêmes lettres, ou des lettres qui se ressemblent)"),
            LookalikeEdits { domain, known, edits } => format!("le domaine d'envoi {domain} est à {edits} caractère{} de {known}", if *edits > 1 { "s" } else { "" }),
            LookalikeInside { domain, known } => format!("le domaine d'envoi {domain} contient le nom {known} dans un autre domaine"),
        }
    }
}

fn kind_fr(k: FileKind) -> &'static str {
    match k {
        FileKind::Program => "un programme",
        FileKind::Script => "un script",
        FileKind::Shortcut => "un raccourci Windows",
        FileKind::DiskImage => "une image disque",
        FileKind::OneNote => "un document OneNote",
    }
}

/// What Windows does with a file of extension `ext`, in French
/// ([`crate::dangerous`]); a neutral phrase for an extension not listed.
fn ext_fr(ext: &str) -> &'static str {
    dangerous::by_extension(&ext.to_ascii_lowercase())
        .map_or("un type de fichier que Windows exécute", |t| t.what_fr)
}

/// How a page reaches an address, as the verb of a French sentence.
fn page_via_fr(via: super::Via) -> &'static str {
    match via {
        super::Via::Link => "a un lien vers",
        super::Via::Refresh => "se redirige d'elle-même vers",
        super::Via::Form => "envoie son formulaire à",
        super::Via::Frame => "ouvre dans un cadre",
        super::Via::Resource => "charge",
        super::Via::Script => "contient un script qui va vers",
    }
}

/// What a protocol handler, a `file:` URL or a network path does, in French.
fn page_reach_fr(scheme: &str) -> String {
    match scheme {
        "" => "un partage réseau (UNC ou WebDAV) auquel Windows envoie l'empreinte du mot de passe de l'agent (NTLM)".into(),
        "file" => "un fichier que Windows ouvre sur le poste ou sur le réseau".into(),
        "search-ms" | "search" => "la recherche Windows, qui montre dans l'Explorateur un dossier distant comme des résultats de recherche".into(),
        "ms-msdt" => "l'outil de diagnostic de Windows, qui exécute des commandes (Follina, CVE-2022-30190)".into(),
        "ms-officecmd" => "une commande qui lance une application Office".into(),
        "ms-appinstaller" => "l'installateur d'applications de Windows".into(),
        s => format!("le protocole {s}:, qui ouvre dans Office un document venu d'ailleurs"),
    }
}
