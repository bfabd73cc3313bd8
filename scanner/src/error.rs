//! The scanner's one error type: failures to build an [`Engine`](crate::Engine)
//! or read a policy. A scan itself never fails: what cannot be analysed
//! becomes a finding.

/// Why rules or a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A YARA rule file does not compile; the message names the file and line.
    #[error("YARA rules do not compile: {0}")]
    RuleCompile(String),
    /// A rule's `category` meta is missing or not a known category.
    #[error("rule `{rule}` in {origin}: {reason}")]
    RuleMeta {
        /// The rule identifier.
        rule: String,
        /// The file the rule came from.
        origin: String,
        /// What is wrong with its metadata.
        reason: String,
    },
    /// A compiled-rules cache cannot be used (damaged, stale, another
    /// version); the caller compiles the rules again.
    #[error("the compiled rules cache cannot be used: {0}")]
    Cache(String),
    /// No rule source was given.
    #[error("no YARA rules were given (an empty rules directory?)")]
    NoRules,
    /// The policy file is not valid.
    #[error("policy {origin}: {reason}")]
    Policy {
        /// The file or section the policy came from.
        origin: String,
        /// What is wrong, naming the key.
        reason: String,
    },
}
