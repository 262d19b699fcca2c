//! The server's own watch of the files that decide settings (the config files, the paired
//! server configs), for clients that cannot watch files for it (Neovim on Linux): a poll of
//! their size, time and existence every 300 ms.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::Event;

/// The files the server polls, each with what it was when last seen.
pub(super) type Polled = HashMap<PathBuf, Option<Stamp>>;

/// A file's size and modification time, or `None` when it does not exist.
type Stamp = (u64, SystemTime);

pub(super) fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
}

/// Polls the files that decide settings (for clients that cannot watch files for the server):
/// a change of size, time or existence is reported.
pub(super) fn poll_files(files: Arc<Mutex<Polled>>, events: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let mut changed = Vec::new();
            for (path, seen) in files.lock().unwrap_or_else(|e| e.into_inner()).iter_mut() {
                let now = stamp(path);
                if *seen != now {
                    *seen = now;
                    changed.push(path.clone());
                }
            }
            if !changed.is_empty() && events.send(Event::SettingsChanged(changed)).is_err() {
                break;
            }
        }
    });
}
