//! Lints on worker threads: a queue that holds at most one job per document (a newer version
//! replaces the one waiting, so rapid edits lint only the latest text), workers that run each
//! job with its folder's settings, and a panic in one lint turned into a diagnostic that says
//! so and a line in the log, the worker going on.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};

use gen_lsp_types::{Location, Uri};

use super::convert::{self, Shown};
use super::text::LineIndex;
use super::{Event, LintResult, Loaded, log, panic_message};
use crate::workspace::WorkspaceError;

/// One lint to run: a version of a document and the settings of its folder.
pub(super) struct LintJob {
    pub uri: Uri,
    pub version: i32,
    pub path: PathBuf,
    pub text: Arc<String>,
    pub workspace: Loaded,
    pub shown: Shown,
}

/// Lints one version of a document with its folder's settings.
pub(super) fn lint_document(job: &LintJob) -> LintResult {
    let workspace = match &job.workspace {
        Ok(workspace) => workspace,
        Err(error) => {
            let at = match &**error {
                WorkspaceError::InFile(file) => file.path.as_deref().and_then(|path| {
                    let uri = convert::uri_of(path)?;
                    let text = file.text.as_bytes();
                    let span = file.span.clone().unwrap_or(0..0);
                    let range = LineIndex::new(text).range(text, &span, job.shown.encoding);
                    Some(Location::new(uri, range))
                }),
                _ => None,
            };
            return LintResult {
                linted: None,
                diagnostics: vec![convert::not_linted(
                    format!("not linted: the settings cannot be used: {error}"),
                    at,
                )],
            };
        }
    };
    match workspace.lint_document(&job.path, job.text.as_bytes().to_vec()) {
        Ok(Some(linted)) => {
            let diagnostics =
                convert::diagnostics(&linted, &workspace.engine.rules, &workspace.base, job.shown);
            LintResult {
                linted: Some(linted),
                diagnostics,
            }
        }
        Ok(None) => LintResult {
            linted: None,
            diagnostics: Vec::new(),
        },
        Err(error) => LintResult {
            linted: None,
            diagnostics: vec![convert::not_linted(format!("not linted: {error}"), None)],
        },
    }
}

/// What a lint that panicked shows: a diagnostic that says so (and a line in the log).
fn panicked(job: &LintJob, panic: &(dyn std::any::Any + Send)) -> LintResult {
    let message = panic_message(panic);
    log(&format!(
        "linting `{}` panicked: {message}",
        job.path.display()
    ));
    LintResult {
        linted: None,
        diagnostics: vec![convert::not_linted(
            format!("not linted: ovpn6-lint panicked ({message}); please report it"),
            None,
        )],
    }
}

/// How a worker lints a job ([`lint_document`], or a stand-in in tests).
pub(super) type LintFn = dyn Fn(&LintJob) -> LintResult + Send + Sync;

/// Lints waiting to run: at most one per document, the latest version.
pub(super) struct LintQueue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    order: VecDeque<Uri>,
    jobs: HashMap<Uri, LintJob>,
    stopped: bool,
}

impl LintQueue {
    pub(super) fn start(events: Sender<Event>, workers: usize, lint: Arc<LintFn>) -> Arc<Self> {
        let queue = Arc::new(Self {
            state: Mutex::default(),
            ready: Condvar::new(),
        });
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            let events = events.clone();
            let lint = Arc::clone(&lint);
            std::thread::spawn(move || {
                while let Some(job) = queue.next() {
                    // A panic in one lint is that document's problem, not the server's.
                    let result = catch_unwind(AssertUnwindSafe(|| lint(&job)))
                        .unwrap_or_else(|panic| panicked(&job, &*panic));
                    let result = Arc::new(result);
                    let event = Event::Linted {
                        uri: job.uri,
                        version: job.version,
                        result,
                    };
                    if events.send(event).is_err() {
                        break;
                    }
                }
            });
        }
        queue
    }

    pub(super) fn push(&self, job: LintJob) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let uri = job.uri.clone();
        // A job that replaces an older version keeps that one's place in the order.
        if state.jobs.insert(uri.clone(), job).is_none() {
            state.order.push_back(uri);
        }
        drop(state);
        self.ready.notify_one();
    }

    fn next(&self) -> Option<LintJob> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if state.stopped {
                return None;
            }
            while let Some(uri) = state.order.pop_front() {
                if let Some(job) = state.jobs.remove(&uri) {
                    return Some(job);
                }
            }
            state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub(super) fn stop(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).stopped = true;
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::text::Encoding;

    fn job(uri: &str, version: i32) -> LintJob {
        LintJob {
            uri: Uri::parse(uri).unwrap(),
            version,
            path: PathBuf::from("/tmp/a.ovpn"),
            text: Arc::new(String::new()),
            workspace: Err(Arc::new(WorkspaceError::Unreadable(String::new()))),
            shown: Shown {
                encoding: Encoding::Utf16,
                related_information: false,
                code_description: false,
            },
        }
    }

    #[test]
    fn a_lint_that_panics_is_reported_as_a_diagnostic_and_the_worker_goes_on() {
        let (events, inbox) = std::sync::mpsc::channel();
        let lint: Arc<LintFn> = Arc::new(|job: &LintJob| {
            assert!(job.version != 1, "a bug in a rule");
            LintResult {
                linted: None,
                diagnostics: Vec::new(),
            }
        });
        let queue = LintQueue::start(events, 1, lint);
        queue.push(job("file:///tmp/a.ovpn", 1));
        let Ok(Event::Linted {
            version: 1, result, ..
        }) = inbox.recv()
        else {
            panic!("the panicking lint is reported");
        };
        let expected: gen_lsp_types::Message =
            "not linted: ovpn6-lint panicked (a bug in a rule); please report it"
                .to_owned()
                .into();
        assert_eq!(result.diagnostics[0].message, expected);
        queue.push(job("file:///tmp/a.ovpn", 2));
        let Ok(Event::Linted {
            version: 2, result, ..
        }) = inbox.recv()
        else {
            panic!("the worker lints the next job");
        };
        assert!(result.diagnostics.is_empty());
        queue.stop();
    }

    #[test]
    fn a_newer_version_replaces_the_one_waiting_in_the_queue() {
        let queue = LintQueue {
            state: Mutex::default(),
            ready: Condvar::new(),
        };
        queue.push(job("file:///a.ovpn", 1));
        queue.push(job("file:///b.ovpn", 1));
        queue.push(job("file:///a.ovpn", 2));
        queue.push(job("file:///a.ovpn", 3));
        let first = queue.next().unwrap();
        assert_eq!((first.uri.as_str(), first.version), ("file:///a.ovpn", 3));
        let second = queue.next().unwrap();
        assert_eq!((second.uri.as_str(), second.version), ("file:///b.ovpn", 1));
        assert!(queue.state.lock().unwrap().jobs.is_empty());
    }
}
