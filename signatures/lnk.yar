// Windows shortcuts that start a command interpreter.
//
// Catches: a .lnk file (Shell Link header) whose target or arguments name
// cmd.exe, PowerShell, mshta, rundll32 or regsvr32: the shortcut inside an
// ISO or ZIP that replaced macros as the favourite first stage.
rule LNK_Runs_Interpreter {
    meta:
        category = "shortcut"
        description = "Windows shortcut that starts cmd, PowerShell, mshta or rundll32"
        description_fr = "raccourci Windows qui lance cmd, PowerShell, mshta ou rundll32"
    strings:
        $i1 = "cmd.exe" ascii wide nocase
        $i2 = "powershell" ascii wide nocase
        $i3 = "mshta" ascii wide nocase
        $i4 = "rundll32" ascii wide nocase
        $i5 = "regsvr32" ascii wide nocase
        $i6 = "wscript" ascii wide nocase
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and any of ($i*)
}
