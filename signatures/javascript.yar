// Obfuscated JavaScript and JScript droppers.
//
// Catches: the Dean Edwards packer (eval(function(p,a,c,k,e,…)) wrapping a
// script, JScript that creates ActiveX objects to reach the shell or the
// file system, and long runs of \x hex escapes hiding a payload inside a
// script that then calls eval.
rule JS_Packed_Eval {
    meta:
        category = "script"
        description = "packed JavaScript (eval(function(p,a,c,k,e,…)))"
        description_fr = "JavaScript compacté pour être illisible (eval(function(p,a,c,k,e,…)))"
    strings:
        $p = /eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)/ ascii
    condition:
        $p
}

rule JScript_ActiveX_Shell {
    meta:
        category = "script"
        description = "JScript that creates a shell or file-system ActiveX object"
        description_fr = "JScript qui crée un objet ActiveX d'accès à l'interpréteur de commandes ou aux fichiers"
    strings:
        $ax = "ActiveXObject" ascii wide
        $o1 = "WScript.Shell" ascii wide nocase
        $o2 = "Scripting.FileSystemObject" ascii wide nocase
        $o3 = "Shell.Application" ascii wide nocase
        $o4 = "ADODB.Stream" ascii wide nocase
    condition:
        $ax and any of ($o*)
}

rule JS_Hex_Escaped_Eval {
    meta:
        category = "script"
        description = "script hiding a payload in long \\x hex escapes, then calling eval"
        description_fr = "script qui cache du code dans de longues suites \\x hexadécimales, puis l'exécute (eval)"
    strings:
        $hex = /(\\x[0-9a-fA-F]{2}){64,}/ ascii
        $eval1 = "eval(" ascii
        $eval2 = "Function(" ascii
        $eval3 = "document.write(" ascii
    condition:
        $hex and any of ($eval*)
}
