// HTML smuggling: a page that builds a file in the browser.
//
// Catches: script that decodes base64 (atob) into a Blob and saves it
// through a download link or msSaveOrOpenBlob. The file never crosses the
// mail filter as a file: it is assembled on the agent's screen. The page
// reader (scanner/src/formats/page) judges what an attached page builds;
// this rule is the byte-level net for text it does not read (fromCharCode
// and charCodeAt are left out: an export button writes its CSV's byte
// order mark with them).
rule HTML_Smuggling_Blob_Download {
    meta:
        category = "html_smuggling"
        description = "web page that assembles a file from encoded data and downloads it"
        description_fr = "page web qui fabrique un fichier à partir de données encodées et le télécharge"
    strings:
        $blob1 = "new Blob(" ascii
        $ms_save = "msSaveOrOpenBlob" ascii
        $blob3 = "createObjectURL" ascii
        $dec1 = "atob(" ascii
        $save1 = ".download" ascii
        $save3 = "download=" ascii nocase
    condition:
        // msSaveOrOpenBlob both builds and saves the file.
        any of ($dec*) and ($ms_save or (any of ($blob*) and any of ($save*)))
}
