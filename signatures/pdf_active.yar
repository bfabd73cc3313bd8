// PDF documents that run something when opened.
//
// Catches: a PDF whose open action or page action runs JavaScript or
// launches a program, in clear (uncompressed) dictionaries. The scanner's
// own PDF walk also decodes #xx escapes and object streams; this rule is a
// second, independent look.
rule PDF_OpenAction_JavaScript {
    meta:
        category = "active_content"
        description = "PDF that runs JavaScript when opened"
        description_fr = "PDF qui exécute du JavaScript à l'ouverture"
    strings:
        $open1 = "/OpenAction" ascii
        $open2 = "/AA" ascii
        $js1 = "/JavaScript" ascii
        $js2 = "/JS" ascii
    condition:
        uint32(0) == 0x46445025 and any of ($open*) and any of ($js*)
}

rule PDF_Launch_Action {
    meta:
        category = "active_content"
        description = "PDF with a /Launch action that starts a program"
        description_fr = "PDF avec une action /Launch qui lance un programme"
    strings:
        $launch = "/Launch" ascii
        $cmd1 = "cmd.exe" ascii nocase
        $cmd2 = "powershell" ascii nocase
        $cmd3 = "/Win" ascii
    condition:
        uint32(0) == 0x46445025 and $launch and any of ($cmd*)
}
