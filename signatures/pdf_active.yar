// PDF documents that run something when opened.
//
// Catches: a PDF whose open action or page action runs JavaScript or
// launches a program, in clear (uncompressed) dictionaries. The scanner's
// own PDF walk (scanner/src/formats/pdf/) is the judge: it reads PDF
// syntax, decodes #xx escapes, object streams and encryption, and never
// takes bytes inside stream data for names. This rule is a second,
// independent look, so it asks for an action dictionary's own spelling
// (`/S /JavaScript`, `/S /Launch`): a name alone (`/JS`, `/AA`, `/Launch`)
// turns up by chance in compressed images (issue 31).
rule PDF_OpenAction_JavaScript {
    meta:
        category = "active_content"
        description = "PDF that runs JavaScript when opened"
        description_fr = "PDF qui exécute du JavaScript à l'ouverture"
    strings:
        $open1 = "/OpenAction" ascii
        $open2 = "/AA" ascii
        $js = /\/S\s{0,16}\/JavaScript/
    condition:
        uint32(0) == 0x46445025 and any of ($open*) and $js
}

rule PDF_Launch_Action {
    meta:
        category = "active_content"
        description = "PDF with a /Launch action that starts a program"
        description_fr = "PDF avec une action /Launch qui lance un programme"
    strings:
        $launch = /\/S\s{0,16}\/Launch/
        $cmd1 = "cmd.exe" ascii nocase
        $cmd2 = "powershell" ascii nocase
        $cmd3 = "/Win" ascii
    condition:
        uint32(0) == 0x46445025 and $launch and any of ($cmd*)
}
