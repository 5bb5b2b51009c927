//! Test-only pause points. With `INTEG_TEST_PAUSE_AT=<point>` the process prints
//! `integ-test-pause: <point>` to stderr and sleeps, so a test can SIGKILL it at exactly
//! that point of a refresh. Unset (always, outside tests) this costs one env lookup.

use std::time::Duration;

/// The environment variable that names the point to pause at.
pub const PAUSE_ENV: &str = "INTEG_TEST_PAUSE_AT";

/// Inside the lock, the refresh decided on, before the token request is sent.
pub const BEFORE_REQUEST: &str = "before-request";
/// The token response arrived and has not been written anywhere yet (the window that no
/// client can close: the server has rotated the refresh token already).
pub const AFTER_RESPONSE: &str = "after-response";
/// The new token set is durable in the journal; the token file still holds the old one.
pub const AFTER_JOURNAL: &str = "after-journal";
/// The journal was renamed over the token file and the directory synced.
pub const AFTER_RENAME: &str = "after-rename";

/// Blocks (the calling thread) for a while when the process was told to pause here.
pub fn point(name: &str) {
    if std::env::var_os(PAUSE_ENV).is_some_and(|v| v == name) {
        eprintln!("integ-test-pause: {name}");
        // Long enough for any test to kill us, short enough never to hang a run forever.
        std::thread::sleep(Duration::from_secs(120));
    }
}
