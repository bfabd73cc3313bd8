// Script droppers: JScript and VBScript that download and run.
//
// Catches: Windows Script Host code that creates a shell or HTTP object and
// runs or saves something (WScript.Shell .Run, ADODB.Stream SaveToFile,
// MSXML2.XMLHTTP). Such files arrive zipped, named facture.js or scan.vbs.
rule WSH_Downloader_Or_Runner {
    meta:
        category = "script"
        description = "Windows script that downloads or starts a program"
        description_fr = "script Windows qui télécharge ou lance un programme"
    strings:
        $obj1 = "WScript.Shell" ascii wide nocase
        $obj2 = "ADODB.Stream" ascii wide nocase
        $obj3 = "MSXML2.XMLHTTP" ascii wide nocase
        $obj4 = "Shell.Application" ascii wide nocase
        $act1 = ".Run" ascii wide nocase
        $act2 = "SaveToFile" ascii wide nocase
        $act3 = ".Exec" ascii wide nocase
        $act4 = "ShellExecute" ascii wide nocase
        $vba = "Attribute VB_" ascii
    condition:
        // Office macros are the macro rule's business, not this one's.
        uint32(0) != 0xE011CFD0 and not $vba and
        any of ($obj*) and any of ($act*)
}
