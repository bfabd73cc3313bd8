//! The container readers, one file per format: each takes an object's bytes
//! and the [`Walker`](crate::walk::Walker), hands every object it finds back
//! to the walk with [`Walker::child`](crate::walk::Walker::child), checks the
//! budgets in every loop, and turns what it cannot follow into a finding
//! (STYLE.md 16). A reader never decides policy, and never imports the
//! dispatcher ([`crate::inspect`]): the way back up is the method `child`.
//!
//! A reader may use a sibling below it (`rtf` opens OLE1 objects with
//! `ole`; `ole` reads a `.msg` with `msg` and a presentation's records
//! with `ppt`; `officexml` judges relationships with `ooxml_rels`), the
//! shared decoders of [`crate::decode`] and the detection of
//! [`crate::detect`].

pub(crate) mod activemime;
pub(crate) mod archive;
pub(crate) mod encoded;
pub(crate) mod gzip;
pub(crate) mod ics;
pub(crate) mod mime;
pub(crate) mod msg;
pub(crate) mod officexml;
pub(crate) mod ole;
pub(crate) mod ooxml_rels;
pub(crate) mod page;
pub(crate) mod pdf;
pub(crate) mod pdf_crypt;
pub(crate) mod ppt;
pub(crate) mod rtf;
pub(crate) mod sevenz;
pub(crate) mod smime;
pub(crate) mod tar;
pub(crate) mod tnef;
pub(crate) mod zip;
