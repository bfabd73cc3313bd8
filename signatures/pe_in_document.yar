// A Windows program hidden inside another file.
//
// Catches: a PE header (the DOS stub message and the "PE" signature it
// points to) that does not start the object: an executable dropped inside a
// document, an image or a PDF, to be carved out by a macro or exploit. An
// object that is itself a PE is flagged by the type sniffer instead.
rule PE_Embedded_In_Document {
    meta:
        category = "executable"
        description = "a Windows program hidden inside another file"
        description_fr = "programme Windows caché dans un autre fichier"
    strings:
        $stub = "This program cannot be run in DOS mode" ascii
        $stub2 = "This program must be run under Win32" ascii
    condition:
        // The first stub of each kind, 0x4E bytes after its "MZ".
        uint16(0) != 0x5A4D and
        for any of ($stub, $stub2) : ( @ > 64 and uint16(@ - 0x4E) == 0x5A4D )
}
