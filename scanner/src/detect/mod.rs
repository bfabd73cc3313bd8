//! What an object is, whatever it claims: its real type from its bytes
//! ([`sniff`]), the checks of its name ([`names`]), and which text a
//! browser opens as a page ([`content`]). Nothing
//! here opens a container or walks: detection sits below the walk and the
//! readers, which call it.

pub(crate) mod content;
pub(crate) mod encodings;
pub(crate) mod names;
pub(crate) mod sniff;
