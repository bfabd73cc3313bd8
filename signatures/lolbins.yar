// Windows' own tools turned into downloaders ("living off the land").
//
// Catches: certutil fetching or decoding a file, mshta running a remote page
// or inline script, regsvr32 loading a remote scriptlet (Squiblydoo),
// rundll32 running JavaScript, bitsadmin transfers, and msiexec installing
// from a URL: one-liners found in shortcuts, batch files and macros.
rule LOLBin_Download_Or_Execute {
    meta:
        category = "script"
        description = "command line that uses a Windows tool to download or run code"
        description_fr = "ligne de commande qui se sert d'un outil de Windows pour télécharger ou lancer du code"
    strings:
        $c1 = /certutil(\.exe)?\s+[^\r\n]{0,40}-(urlcache|decode|decodehex)/ ascii wide nocase
        $c2 = /mshta(\.exe)?\s+["']?(https?:|vbscript:|javascript:)/ ascii wide nocase
        $c3 = /regsvr32(\.exe)?\s+[^\r\n]{0,40}\/i:\s*https?:/ ascii wide nocase
        $c4 = /rundll32(\.exe)?\s+[^\r\n]{0,40}javascript:/ ascii wide nocase
        $c5 = /bitsadmin(\.exe)?\s+[^\r\n]{0,20}\/transfer/ ascii wide nocase
        $c6 = /msiexec(\.exe)?\s+[^\r\n]{0,20}\/(i|package)\s+["']?https?:/ ascii wide nocase
        $c7 = "scrobj.dll" ascii wide nocase
    condition:
        any of them
}
