//! A full disk on standard output (Linux's /dev/full) is an error with a message and exit 2
//! for every command that prints, never a panic and never silence.
#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};

fn integ_to_dev_full(args: &[&str]) -> (Option<i32>, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(env!("CARGO_BIN_EXE_integ"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("run integ");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn printing_commands_report_a_full_disk_and_exit_2() {
    for args in [
        &["lint", "specs"][..],
        &["validate", "specs"],
        &["explain", "--list"],
        &["explain", "auth-field-rejected"],
        &["schema", "--check"],
    ] {
        let (code, stderr) = integ_to_dev_full(args);
        assert_eq!(code, Some(2), "integ {args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to standard output: No space left on device"),
            "integ {args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "integ {args:?}: {stderr}");
    }
}
