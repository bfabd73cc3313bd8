//! Progress bars for the long commands. They are drawn on standard error
//! and only when it is a terminal (indicatif hides them otherwise), so
//! pipes, scripts and logs see the plain output alone.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` steps, labelled `what`; set its length later when it is
/// only known as the work starts.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30.cyan/blue}] {pos}/{len} ({elapsed}, reste {eta}) {wide_msg}",
        )
        .expect("a fixed, valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}
