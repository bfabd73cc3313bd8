//! [`UiError`]: why the UI could not be set up (the crate's one error
//! enum). Request handlers answer pages, never this.

/// Why the UI could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UiError {
    /// The IdP metadata could not be read as SAML metadata.
    #[error("the identity provider's metadata is not valid SAML metadata: {0}")]
    BadIdpMetadata(String),
    /// The IdP metadata names no certificate to check signatures with; any
    /// forged answer would be accepted, so Écluse refuses to start.
    #[error(
        "the identity provider's metadata has no signing certificate (<KeyDescriptor use=\"signing\">): Écluse could not check who signed an answer; download the full metadata from your identity provider"
    )]
    NoSigningCertificate,
    /// The IdP metadata has no HTTP-Redirect single sign-on address.
    #[error(
        "the identity provider's metadata has no SingleSignOnService with the HTTP-Redirect binding"
    )]
    NoSsoAddress,
    /// The local admin's password hash is not an argon2 PHC string.
    #[error(
        "[admin.local] password_hash is not an argon2 hash ({0}); make one with `ecluse admin hash-password`"
    )]
    BadPasswordHash(String),
    /// Neither SAML nor the local admin is configured: nobody could sign in.
    #[error("no way to sign in: configure [admin.saml] (or, for emergencies, [admin.local])")]
    NoSignIn,
}
