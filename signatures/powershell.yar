// PowerShell launchers and download cradles in any text: scripts,
// shortcuts, HTML, documents, archive entries.
//
// Catches: powershell started with an encoded command (-enc / -EncodedCommand
// followed by base64), and the download-and-run cradle (Net.WebClient or
// Invoke-WebRequest feeding IEX / Invoke-Expression), the usual second stage
// of ransomware intrusions.
rule PowerShell_Encoded_Command {
    meta:
        category = "script"
        description = "PowerShell started with an encoded (hidden) command"
        description_fr = "PowerShell lancé avec une commande encodée (cachée)"
    strings:
        $ps = "powershell" ascii wide nocase
        $enc = /\s-e(nc|ncodedcommand|c)?\s+[A-Za-z0-9+\/=]{40,}/ ascii wide nocase
    condition:
        $ps and $enc
}

rule PowerShell_Download_Cradle {
    meta:
        category = "script"
        description = "PowerShell that downloads code and runs it"
        description_fr = "PowerShell qui télécharge du code et l'exécute"
    strings:
        $dl1 = "Net.WebClient" ascii wide nocase
        $dl2 = "DownloadString" ascii wide nocase
        $dl3 = "Invoke-WebRequest" ascii wide nocase
        $dl4 = "DownloadData" ascii wide nocase
        $dl5 = "Start-BitsTransfer" ascii wide nocase
        $run1 = "IEX" ascii wide
        $run2 = "Invoke-Expression" ascii wide nocase
        $run3 = "Start-Process" ascii wide nocase
        $run4 = "[Reflection.Assembly]::Load" ascii wide nocase
    condition:
        any of ($dl*) and any of ($run*)
}
