// OneNote and SVG used as carriers.
//
// Catches: a OneNote section embedding a file (the FileDataStoreObject
// header) whose bytes look like a script or a program (the 2023 wave of
// OneNote droppers), and an SVG image that carries a base64 payload meant to
// be decoded by script (SVG smuggling).
rule OneNote_Embedded_Script_Or_Program {
    meta:
        category = "onenote"
        description = "OneNote section with an embedded script or program"
        description_fr = "section OneNote contenant un script ou un programme"
    strings:
        // FileDataStoreObject header GUID {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}.
        $fdso = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
        $s1 = "<HTA:APPLICATION" ascii nocase
        $s2 = "@echo off" ascii nocase
        $s3 = "WScript.Shell" ascii nocase
        $s4 = "This program cannot be run in DOS mode" ascii
        $s5 = "powershell" ascii nocase
    condition:
        uint32(0) == 0x7B5C52E4 and $fdso and any of ($s*)
}

rule SVG_Base64_Payload_Script {
    meta:
        category = "html_smuggling"
        description = "SVG image that decodes a base64 payload with script"
        description_fr = "image SVG dont le script décode un contenu caché en base64"
    strings:
        $svg = "<svg" ascii nocase
        $script = "<script" ascii nocase
        // Anchored on "atob(" so YARA has an atom to search for.
        $dec = /atob\(\s*["'][A-Za-z0-9+\/]{300,}/ ascii
    condition:
        $svg and $script and $dec
}
