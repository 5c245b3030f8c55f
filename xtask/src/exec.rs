//! Running commands: echo them, stream their output, optionally keep a copy.

use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result, bail};

/// `cargo`, as the one running us (`$CARGO`), or from `PATH`.
pub fn cargo(root: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(root);
    command
}

/// The directory cargo builds into (`$CARGO_TARGET_DIR` or `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A printable form of `command`.
pub fn display(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    if line.ends_with("/cargo") {
        line = "cargo".into();
    }
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

fn quote(arg: &OsStr) -> String {
    let s = arg.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs `command` with inherited output; fails unless it exits 0.
pub fn run(command: &mut Command) -> Result<()> {
    println!("$ {}", display(command));
    let status = command
        .status()
        .with_context(|| format!("cannot start `{}`", display(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(command));
    }
    Ok(())
}

/// Runs `command` and returns its standard output (stderr passes through).
pub fn output(command: &mut Command) -> Result<String> {
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start `{}`", display(command)))?;
    if !out.status.success() {
        bail!("`{}` failed ({})", display(command), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `command`, streaming its stdout and stderr live while keeping a copy
/// of both (interleaved by line) for parsing.
pub fn run_tee(command: &mut Command) -> Result<(ExitStatus, String)> {
    println!("$ {}", display(command));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{}`", display(command)))?;
    let copy = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().map(|s| tee(s, copy.clone(), false));
    let stderr = child.stderr.take().map(|s| tee(s, copy.clone(), true));
    let status = child.wait()?;
    for thread in [stdout, stderr].into_iter().flatten() {
        let _ = thread.join();
    }
    let text = copy.lock().map(|s| s.clone()).unwrap_or_default();
    Ok((status, text))
}

fn tee(
    stream: impl Read + Send + 'static,
    copy: Arc<Mutex<String>>,
    to_stderr: bool,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if to_stderr {
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(&line);
                let _ = err.flush();
            } else {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&line);
                let _ = out.flush();
            }
            if let Ok(mut copy) = copy.lock() {
                copy.push_str(&String::from_utf8_lossy(&line));
            }
        }
    })
}

/// Prints a section header.
pub fn header(title: &str) {
    println!("\n==== {title} ====");
}
