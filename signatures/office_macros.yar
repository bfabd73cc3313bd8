// Office macros that run by themselves and reach the system.
//
// Catches: a VBA project (OLE stream or OOXML vbaProject.bin) whose code
// names an auto-run entry point (AutoOpen, Document_Open, Workbook_Open …)
// together with a call that starts a program or fetches a file (Shell,
// WScript.Shell, URLDownloadToFile, PowerShell). Such a macro runs the moment
// "Activer le contenu" is clicked: the classic first stage of ransomware.
rule Office_Macro_AutoExec_Shell {
    meta:
        category = "macro"
        description = "Office macro that runs on opening and starts a program or downloads a file"
        description_fr = "macro Office qui s'exécute à l'ouverture et lance un programme ou télécharge un fichier"
    strings:
        $vba1 = "Attribute VB_" ascii
        $vba2 = "_VBA_PROJECT" ascii wide
        $vba3 = "VBA_PROJECT" ascii wide
        $auto1 = "AutoOpen" ascii nocase
        $auto2 = "Auto_Open" ascii nocase
        $auto3 = "Document_Open" ascii nocase
        $auto4 = "Workbook_Open" ascii nocase
        $auto5 = "AutoExec" ascii nocase
        $auto6 = "Document_Close" ascii nocase
        $exec1 = "WScript.Shell" ascii nocase
        $exec2 = "Shell(" ascii nocase
        $exec3 = "URLDownloadToFile" ascii nocase
        $exec4 = "powershell" ascii nocase
        $exec5 = "CreateObject" ascii nocase
        $exec6 = "MSXML2.XMLHTTP" ascii nocase
    condition:
        any of ($vba*) and any of ($auto*) and any of ($exec*)
}
