// HTML applications and obfuscated VBA.
//
// Catches: an HTA whose script creates a shell object (HTA runs with full
// rights outside the browser sandbox), and VBA that rebuilds strings
// character by character (Chr(…) & Chr(…) …) or reverses them before a
// Shell or CreateObject call, the classic way macros hide their commands.
rule HTA_Script_Shell {
    meta:
        category = "script"
        description = "HTML application whose script reaches the Windows shell"
        description_fr = "application HTML dont le script atteint l'interpréteur de commandes Windows"
    strings:
        $hta = "<HTA:APPLICATION" ascii wide nocase
        $s1 = "WScript.Shell" ascii wide nocase
        $s2 = "ActiveXObject" ascii wide
        $s3 = "CreateObject" ascii wide nocase
        $s4 = "powershell" ascii wide nocase
    condition:
        $hta and any of ($s*)
}

rule VBA_String_Obfuscation {
    meta:
        category = "macro"
        description = "VBA that assembles its commands from character codes before running them"
        description_fr = "VBA qui assemble ses commandes à partir de codes de caractères avant de les lancer"
    strings:
        $chr = /(Chr[WB]?\$?\(\s*\d{2,3}\s*\)\s*[&+]\s*){8,}/ ascii nocase
        $rev = "StrReverse" ascii nocase
        $run1 = "Shell" ascii nocase
        $run2 = "CreateObject" ascii nocase
        $run3 = "CallByName" ascii nocase
    condition:
        ($chr or $rev) and any of ($run*)
}
