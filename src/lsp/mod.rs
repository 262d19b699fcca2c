//! `ovpn6-lint --lsp`: a language server over standard input and output, a thin driver over
//! the [`crate::workspace`] layer like the command line, so an editor shows the findings the
//! command line reports for the same path and text.
//!
//! Threads: one reads frames ([`transport`]) and turns what is not a message into the error
//! the specification asks for; one writes; the main loop owns the session (documents and
//! their versions, one workspace per workspace folder, what the client supports) and never
//! lints. Lints run on worker threads ([`lint`]) from a queue that keeps only the latest
//! version of each document, so rapid edits lint the last text and a huge document holds up
//! no other request; a panic in one lint is caught and logged. Hover and code actions run on
//! their own threads.
//!
//! Diagnostics are pulled (`textDocument/diagnostic`, with `workspace/diagnostic/refresh`
//! after a settings change) when the client can do both, else pushed (`publishDiagnostics`),
//! never both. Settings changes are seen through `workspace/didChangeWatchedFiles` when the client
//! registers watchers dynamically, else by polling the few files that matter.

mod actions;
pub mod convert;
mod hover;
mod lint;
pub mod text;
pub mod transport;
mod watch;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use gen_lsp_types::{
    CodeActionParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, DocumentDiagnosticParams, HoverParams,
    TextDocumentContentChangeEvent, Uri,
};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

use crate::workspace::{ConfigChoice, Linted, Workspace, WorkspaceError};
use convert::Shown;
use lint::{LintJob, LintQueue, lint_document};
use text::{Encoding, LineIndex};
use transport::{Incoming, Outgoing};
use watch::{Polled, poll_files, stamp};

/// Serves the client on standard input and output; the exit status.
pub fn run_stdio() -> u8 {
    serve(std::io::BufReader::new(std::io::stdin()), std::io::stdout())
}

/// Serves one client until `exit` (status 0 after `shutdown`, else 1) or the end of `input`
/// (status 1).
pub fn serve(
    mut input: impl BufRead + Send + 'static,
    mut output: impl Write + Send + 'static,
) -> u8 {
    let (events, inbox) = channel::<Event>();
    let (out, outbox) = channel::<Outgoing>();
    let writer = std::thread::spawn(move || {
        for outgoing in outbox {
            if transport::write(&mut output, &outgoing).is_err() {
                break;
            }
        }
    });
    {
        // The reader holds no sender of the writer's: when the main loop ends, the writer ends.
        let events = events.clone();
        std::thread::spawn(move || {
            loop {
                match transport::read(&mut input) {
                    Ok(Some(Incoming::Message(message))) => {
                        if events.send(Event::Message(message)).is_err() {
                            break;
                        }
                    }
                    Ok(Some(Incoming::Invalid(error))) => {
                        if events.send(Event::Invalid(error)).is_err() {
                            break;
                        }
                    }
                    Ok(None) | Err(_) => {
                        let _ = events.send(Event::Closed);
                        break;
                    }
                }
            }
        });
    }
    let mut server = Server::new(out, events);
    let status = server.run(&inbox);
    server.lints.stop();
    drop(server);
    let _ = writer.join();
    status
}

/// What the main loop reacts to.
enum Event {
    Message(Message),
    /// A frame that holds no message: the error response that answers it.
    Invalid(Value),
    /// A lint finished.
    Linted {
        uri: Uri,
        version: i32,
        result: Arc<LintResult>,
    },
    /// Files that decide settings changed on disk (seen by the server's own poll).
    SettingsChanged(Vec<PathBuf>),
    /// The input ended.
    Closed,
}

/// A document's lint: what the linter made of it and the diagnostics the client is shown.
pub struct LintResult {
    /// `None` when it was not linted (not OpenVPN, a bad config, a panic).
    pub linted: Option<Linted>,
    pub diagnostics: Vec<gen_lsp_types::Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Uninitialized,
    Running,
    ShutDown,
}

/// What the client said it supports.
#[derive(Debug, Clone, Copy)]
struct Client {
    pull: bool,
    refresh: bool,
    watch_dynamically: bool,
    shown: Shown,
}

/// A folder's settings, loaded when first needed.
type Loaded = Result<Arc<Workspace>, Arc<WorkspaceError>>;

/// A workspace folder (or the folder of a document outside every workspace folder).
struct Folder {
    root: PathBuf,
    workspace: Option<Loaded>,
}

struct Document {
    path: PathBuf,
    version: i32,
    text: Arc<String>,
    language: String,
    /// The lint of some version.
    lint: Option<(i32, Arc<LintResult>)>,
    /// Pulls that wait for the lint of the current version.
    waiting: Vec<RequestId>,
}

struct Server {
    out: Sender<Outgoing>,
    events: Sender<Event>,
    lifecycle: Lifecycle,
    client: Client,
    folders: Vec<Folder>,
    /// Folders of documents outside every workspace folder, by path.
    loose: HashMap<PathBuf, Folder>,
    documents: HashMap<Uri, Document>,
    lints: Arc<LintQueue>,
    cancelled: Arc<Mutex<HashSet<RequestId>>>,
    next_id: i32,
    /// Config files whose error was pushed, and the pushed (or pullable) diagnostics.
    config_errors: HashMap<Uri, Vec<gen_lsp_types::Diagnostic>>,
    /// The files the server polls itself when the client cannot watch for it.
    polled: Option<Arc<Mutex<Polled>>>,
}

impl Server {
    fn new(out: Sender<Outgoing>, events: Sender<Event>) -> Self {
        let lints = LintQueue::start(events.clone(), 2, Arc::new(lint_document));
        Self {
            out,
            events,
            lifecycle: Lifecycle::Uninitialized,
            client: Client {
                pull: false,
                refresh: false,
                watch_dynamically: false,
                shown: Shown {
                    encoding: Encoding::Utf16,
                    related_information: false,
                    code_description: false,
                },
            },
            folders: Vec::new(),
            loose: HashMap::new(),
            documents: HashMap::new(),
            lints,
            cancelled: Arc::default(),
            next_id: 0,
            config_errors: HashMap::new(),
            polled: None,
        }
    }

    fn run(&mut self, inbox: &Receiver<Event>) -> u8 {
        for event in inbox {
            if let Event::Message(Message::Notification(notification)) = &event
                && notification.method == "exit"
            {
                return if self.lifecycle == Lifecycle::ShutDown {
                    0
                } else {
                    1
                };
            }
            if matches!(event, Event::Closed) {
                return 1;
            }
            // A bug in one handler is logged; the server stays up for the next message.
            let request = match &event {
                Event::Message(Message::Request(request)) => Some(request.id.clone()),
                _ => None,
            };
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.handle(event))) {
                let message = format!("ovpn6-lint panicked: {}", panic_message(&*panic));
                log(&message);
                if let Some(id) = request {
                    self.reply_error(id, ErrorCode::InternalError, message);
                }
            }
        }
        1
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Message(Message::Request(request)) => self.request(request),
            Event::Message(Message::Notification(notification)) => {
                self.notification(notification);
            }
            Event::Invalid(error) => {
                log(&format!(
                    "answered a bad frame: {}",
                    error["error"]["message"]
                ));
                let _ = self.out.send(Outgoing::Raw(error));
            }
            // Answers to the server's own requests (registration, refresh) need nothing.
            Event::Message(Message::Response(_)) => {}
            Event::Linted {
                uri,
                version,
                result,
            } => self.linted(uri, version, result),
            Event::SettingsChanged(paths) => self.settings_changed(&paths),
            Event::Closed => {}
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.out.send(Outgoing::Message(message.into()));
    }

    fn reply_error(&self, id: RequestId, code: ErrorCode, message: impl Into<String>) {
        self.send(Response::new_err(id, code as i32, message.into()));
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_owned(), params));
    }

    fn request_client(&mut self, method: &str, params: Value) {
        self.next_id += 1;
        let id = RequestId::from(format!("ovpn6-lint-{}", self.next_id));
        self.send(Request::new(id, method.to_owned(), params));
    }

    fn show_message(&self, kind: u8, message: &str) {
        self.notify(
            "window/showMessage",
            json!({ "type": kind, "message": message }),
        );
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        match self.lifecycle {
            Lifecycle::ShutDown => {
                return self.reply_error(
                    id,
                    ErrorCode::InvalidRequest,
                    "the server is shut down: only `exit` is accepted",
                );
            }
            Lifecycle::Uninitialized if request.method != "initialize" => {
                return self.reply_error(
                    id,
                    ErrorCode::ServerNotInitialized,
                    "the first request must be `initialize`",
                );
            }
            Lifecycle::Running if request.method == "initialize" => {
                return self.reply_error(
                    id,
                    ErrorCode::InvalidRequest,
                    "`initialize` was already sent",
                );
            }
            _ => {}
        }
        let result = match request.method.as_str() {
            "initialize" => {
                let result = self.initialize(&request.params);
                self.send(Response::new_ok(id, result));
                Ok(())
            }
            "shutdown" => {
                self.lifecycle = Lifecycle::ShutDown;
                self.send(Response::new_ok(id, Value::Null));
                Ok(())
            }
            "textDocument/diagnostic" => serde_json::from_value(request.params)
                .map(|params| self.pull_diagnostics(id.clone(), params)),
            "textDocument/codeAction" => serde_json::from_value(request.params)
                .map(|params| self.code_action(id.clone(), params)),
            "textDocument/hover" => {
                serde_json::from_value(request.params).map(|params| self.hover(id.clone(), params))
            }
            other => {
                self.reply_error(
                    id,
                    ErrorCode::MethodNotFound,
                    format!("unknown request `{other}`"),
                );
                Ok(())
            }
        };
        if let Err(e) = result {
            self.reply_error(
                request.id,
                ErrorCode::InvalidParams,
                format!("invalid params: {e}"),
            );
        }
    }

    fn notification(&mut self, notification: Notification) {
        if self.lifecycle == Lifecycle::Uninitialized {
            return;
        }
        let method = notification.method.clone();
        let params = notification.params;
        let result = match method.as_str() {
            "initialized" => {
                self.initialized();
                Ok(())
            }
            "textDocument/didOpen" => serde_json::from_value(params).map(|p| self.did_open(p)),
            "textDocument/didChange" => serde_json::from_value(params).map(|p| self.did_change(p)),
            "textDocument/didClose" => serde_json::from_value(params).map(|p| self.did_close(p)),
            "textDocument/didSave" => serde_json::from_value(params).map(|p| self.did_save(p)),
            "workspace/didChangeWatchedFiles" => {
                serde_json::from_value(params).map(|p: DidChangeWatchedFilesParams| {
                    let paths: Vec<PathBuf> = p
                        .changes
                        .iter()
                        .filter_map(|change| change.uri.to_file_path().ok())
                        .collect();
                    self.settings_changed(&paths);
                })
            }
            "workspace/didChangeWorkspaceFolders" => {
                serde_json::from_value(params).map(|p| self.did_change_folders(p))
            }
            "$/cancelRequest" => {
                if let Some(id) = params.get("id").cloned()
                    && let Ok(id) = serde_json::from_value::<RequestId>(id)
                {
                    self.cancel(id);
                }
                Ok(())
            }
            // Unknown notifications are ignored, as the specification says.
            _ => Ok(()),
        };
        if let Err(e) = result {
            log(&format!("ignored `{method}`: invalid params: {e}"));
        }
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let capabilities = &params["capabilities"];
        let flag = |pointer: &str| capabilities.pointer(pointer) == Some(&Value::Bool(true));
        let offers_utf8 = capabilities
            .pointer("/general/positionEncodings")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|e| e == "utf-8"));
        // Pulling needs the refresh too: findings depend on other files (the config, a paired
        // server), and a client that cannot be told to pull again (Neovim 0.10 and 0.11) would
        // show stale findings after a settings change. Such a client gets them pushed.
        let refresh = flag("/workspace/diagnostics/refreshSupport");
        self.client = Client {
            pull: capabilities.pointer("/textDocument/diagnostic").is_some() && refresh,
            refresh,
            watch_dynamically: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
            shown: Shown {
                encoding: if offers_utf8 {
                    Encoding::Utf8
                } else {
                    Encoding::Utf16
                },
                related_information: flag("/textDocument/publishDiagnostics/relatedInformation")
                    || flag("/textDocument/diagnostic/relatedInformation"),
                code_description: flag("/textDocument/publishDiagnostics/codeDescriptionSupport")
                    || flag("/textDocument/diagnostic/codeDescriptionSupport"),
            },
        };
        let mut roots: Vec<PathBuf> = params["workspaceFolders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|folder| folder_path(&folder["uri"]))
            .collect();
        if roots.is_empty()
            && let Some(root) = folder_path(&params["rootUri"])
                .or_else(|| params["rootPath"].as_str().map(PathBuf::from))
        {
            roots.push(root);
        }
        self.folders = roots
            .into_iter()
            .map(|root| Folder {
                root,
                workspace: None,
            })
            .collect();
        self.lifecycle = Lifecycle::Running;
        let mut capabilities = json!({
            "positionEncoding": match self.client.shown.encoding {
                Encoding::Utf8 => "utf-8",
                Encoding::Utf16 => "utf-16",
            },
            "textDocumentSync": {
                "openClose": true,
                "change": 2,
                "save": { "includeText": false },
            },
            "hoverProvider": true,
            "codeActionProvider": {
                "codeActionKinds": ["quickfix", actions::FIX_ALL],
            },
            "workspace": {
                "workspaceFolders": { "supported": true, "changeNotifications": true },
            },
        });
        if self.client.pull {
            capabilities["diagnosticProvider"] = json!({
                "identifier": "ovpn6-lint",
                "interFileDependencies": true,
                "workspaceDiagnostics": false,
            });
        }
        json!({
            "capabilities": capabilities,
            "serverInfo": { "name": "ovpn6-lint", "version": env!("CARGO_PKG_VERSION") },
        })
    }

    fn initialized(&mut self) {
        if self.client.watch_dynamically {
            self.request_client(
                "client/registerCapability",
                json!({ "registrations": [{
                    "id": "ovpn6-lint-watched-files",
                    "method": "workspace/didChangeWatchedFiles",
                    "registerOptions": { "watchers": [
                        { "globPattern": "**/.ovpn6-lint.toml" },
                        { "globPattern": "**/*.conf" },
                        { "globPattern": "**/*.ovpn" },
                    ]},
                }]}),
            );
        } else {
            let polled = Arc::new(Mutex::new(Polled::new()));
            poll_files(Arc::clone(&polled), self.events.clone());
            self.polled = Some(polled);
        }
        for index in 0..self.folders.len() {
            // A folder that fails says so itself (a message, a diagnostic on its config).
            let _ = self.load_folder(FolderKey::Workspace(index));
        }
    }

    /// The folder a path belongs to: the deepest workspace folder holding it, else its own.
    fn folder_of(&mut self, path: &Path) -> FolderKey {
        let found = self
            .folders
            .iter()
            .enumerate()
            .filter(|(_, folder)| path.starts_with(&folder.root))
            .max_by_key(|(_, folder)| folder.root.components().count())
            .map(|(index, _)| index);
        match found {
            Some(index) => FolderKey::Workspace(index),
            None => {
                let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
                self.loose.entry(dir.clone()).or_insert(Folder {
                    root: dir.clone(),
                    workspace: None,
                });
                FolderKey::Loose(dir)
            }
        }
    }

    fn folder(&mut self, key: &FolderKey) -> &mut Folder {
        match key {
            FolderKey::Workspace(index) => &mut self.folders[*index],
            FolderKey::Loose(dir) => self.loose.get_mut(dir).expect("made by folder_of"),
        }
    }

    /// The folder's settings, loaded now if they are not yet.
    fn load_folder(&mut self, key: FolderKey) -> Loaded {
        if let Some(loaded) = &self.folder(&key).workspace {
            return loaded.clone();
        }
        let root = self.folder(&key).root.clone();
        let loaded =
            catch_unwind(|| Workspace::open(&ConfigChoice::Nearest(root.clone()), root.clone()))
                .unwrap_or_else(|_| {
                    Err(WorkspaceError::Unreadable(
                        "the settings could not be loaded (a bug: the server logged it)".to_owned(),
                    ))
                })
                .map(Arc::new)
                .map_err(Arc::new);
        self.folder(&key).workspace = Some(loaded.clone());
        self.after_load(&root, &loaded);
        loaded
    }

    /// Says a bad config where the user looks (a diagnostic on the file and a message), clears
    /// one that is fixed, and polls the files that decide the folder's settings.
    fn after_load(&mut self, root: &Path, loaded: &Loaded) {
        let config_path = match loaded {
            Ok(workspace) => workspace.config_file.as_ref().map(|f| f.path.clone()),
            Err(error) => match &**error {
                WorkspaceError::InFile(file) => file.path.clone(),
                _ => None,
            },
        };
        let config_path = config_path.map(|p| convert::absolute(root, &p));
        let config_uri = config_path.as_deref().and_then(convert::uri_of);
        let stale: Vec<Uri> = self
            .config_errors
            .keys()
            .filter(|uri| Some(*uri) == config_uri.as_ref() || loaded.is_ok())
            .cloned()
            .collect();
        for uri in stale {
            if self.config_errors.remove(&uri).is_some() && !self.client.pull {
                self.notify(
                    "textDocument/publishDiagnostics",
                    json!({ "uri": uri, "diagnostics": [] }),
                );
            }
        }
        if let Err(error) = loaded {
            self.show_message(
                1,
                &format!("ovpn6-lint: the settings cannot be used: {error}"),
            );
            if let (WorkspaceError::InFile(file), Some(uri)) = (&**error, &config_uri) {
                let diagnostics = vec![convert::file_error(file, self.client.shown.encoding)];
                if !self.client.pull {
                    self.notify(
                        "textDocument/publishDiagnostics",
                        json!({ "uri": uri, "diagnostics": diagnostics }),
                    );
                }
                self.config_errors.insert(uri.clone(), diagnostics);
            }
        }
        if let Some(polled) = &self.polled {
            let mut files = vec![root.join(crate::config::FILE_NAME)];
            files.extend(config_path);
            if let Ok(workspace) = loaded {
                files.extend(
                    workspace
                        .servers
                        .by_path
                        .iter()
                        .map(|(path, _)| convert::absolute(root, path)),
                );
            }
            let mut polled = polled.lock().unwrap_or_else(|e| e.into_inner());
            for file in files {
                // As it is now: a change from here on is a change.
                polled.entry(file).or_insert_with_key(|file| stamp(file));
            }
        }
    }

    fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = document_path(&document.uri) else {
            return;
        };
        self.documents.insert(
            document.uri.clone(),
            Document {
                path,
                version: document.version,
                text: Arc::new(document.text),
                language: document.language_id.to_string(),
                lint: None,
                waiting: Vec::new(),
            },
        );
        self.schedule(&document.uri);
    }

    fn did_change(&mut self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.text_document_identifier.uri;
        let encoding = self.client.shown.encoding;
        let Some(document) = self.documents.get_mut(&uri) else {
            return;
        };
        let text = Arc::make_mut(&mut document.text);
        for change in params.content_changes {
            match change {
                TextDocumentContentChangeEvent::TextDocumentContentChangePartial(part) => {
                    text::apply_change(text, Some(part.range), &part.text, encoding);
                }
                TextDocumentContentChangeEvent::TextDocumentContentChangeWholeDocument(whole) => {
                    text::apply_change(text, None, &whole.text, encoding);
                }
            }
        }
        document.version = params.text_document.version;
        self.schedule(&uri);
    }

    fn did_close(&mut self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        if let Some(document) = self.documents.remove(&uri) {
            for id in document.waiting {
                self.reply_error(id, ErrorCode::RequestCanceled, "the document was closed");
            }
            if !self.client.pull {
                self.notify(
                    "textDocument/publishDiagnostics",
                    json!({ "uri": uri, "diagnostics": [] }),
                );
            }
        }
    }

    fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        if let Some(path) = document_path(&params.text_document.uri) {
            self.settings_changed(&[path]);
        }
    }

    fn did_change_folders(&mut self, params: DidChangeWorkspaceFoldersParams) {
        let event = params.event;
        let removed: Vec<PathBuf> = event
            .removed
            .iter()
            .filter_map(|f| f.uri.to_file_path().ok())
            .collect();
        self.folders.retain(|f| !removed.contains(&f.root));
        for folder in &event.added {
            if let Ok(root) = folder.uri.to_file_path() {
                self.folders.push(Folder {
                    root,
                    workspace: None,
                });
            }
        }
        self.relint_all();
    }

    /// Files changed on disk or saved: a folder whose config or paired server is among them
    /// (or whose settings failed to load) loads its settings again, and its documents are
    /// linted again.
    fn settings_changed(&mut self, paths: &[PathBuf]) {
        let decides = |folder: &Folder| match &folder.workspace {
            None => false,
            Some(Err(_)) => true,
            Some(Ok(workspace)) => paths.iter().any(|path| {
                path.file_name()
                    .is_some_and(|name| name == crate::config::FILE_NAME)
                    || workspace.is_setting_file(path)
                    || workspace
                        .servers
                        .by_path
                        .iter()
                        .any(|(server, _)| convert::absolute(&folder.root, server) == *path)
            }),
        };
        let mut changed = false;
        for folder in self.folders.iter_mut().chain(self.loose.values_mut()) {
            if decides(folder) {
                folder.workspace = None;
                changed = true;
            }
        }
        if changed {
            let keys: Vec<FolderKey> = (0..self.folders.len())
                .map(FolderKey::Workspace)
                .chain(self.loose.keys().cloned().map(FolderKey::Loose))
                .collect();
            for key in keys {
                if self.folder(&key).workspace.is_none() {
                    let _ = self.load_folder(key);
                }
            }
            self.relint_all();
        }
    }

    fn relint_all(&mut self) {
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            if let Some(document) = self.documents.get_mut(uri) {
                document.lint = None;
            }
            self.schedule(uri);
        }
        if self.client.pull && self.client.refresh {
            self.request_client("workspace/diagnostic/refresh", Value::Null);
        }
    }

    /// Queues a lint of the document's current version (replacing any older one not started).
    fn schedule(&mut self, uri: &Uri) {
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let path = document.path.clone();
        if !is_linted(&path, &document.language) {
            return;
        }
        let key = self.folder_of(&path);
        let workspace = self.load_folder(key);
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        self.lints.push(LintJob {
            uri: uri.clone(),
            version: document.version,
            path,
            text: Arc::clone(&document.text),
            workspace,
            shown: self.client.shown,
        });
    }

    fn linted(&mut self, uri: Uri, version: i32, result: Arc<LintResult>) {
        let Some(document) = self.documents.get_mut(&uri) else {
            return;
        };
        if document.version != version {
            // A newer version is queued; its lint will answer.
            return;
        }
        document.lint = Some((version, Arc::clone(&result)));
        let waiting = std::mem::take(&mut document.waiting);
        if self.client.pull {
            for id in waiting {
                self.send(Response::new_ok(id, full_report(&result.diagnostics)));
            }
        } else {
            self.notify(
                "textDocument/publishDiagnostics",
                json!({ "uri": uri, "version": version, "diagnostics": result.diagnostics }),
            );
        }
    }

    fn pull_diagnostics(&mut self, id: RequestId, params: DocumentDiagnosticParams) {
        let uri = params.text_document.uri;
        if let Some(diagnostics) = self.config_errors.get(&uri) {
            return self.send(Response::new_ok(id, full_report(diagnostics)));
        }
        let Some(document) = self.documents.get_mut(&uri) else {
            return self.send(Response::new_ok(id, full_report(&[])));
        };
        if !is_linted(&document.path, &document.language) {
            return self.send(Response::new_ok(id, full_report(&[])));
        }
        match &document.lint {
            Some((version, result)) if *version == document.version => {
                let report = full_report(&result.diagnostics);
                self.send(Response::new_ok(id, report));
            }
            _ => document.waiting.push(id),
        }
    }

    fn cancel(&mut self, id: RequestId) {
        for document in self.documents.values_mut() {
            if let Some(at) = document.waiting.iter().position(|w| *w == id) {
                document.waiting.remove(at);
                let _ = self.out.send(Outgoing::Message(
                    Response::new_err(id, ErrorCode::RequestCanceled as i32, "cancelled".into())
                        .into(),
                ));
                return;
            }
        }
        self.cancelled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
    }

    /// What a request on a document needs, to work on its own thread.
    fn snapshot(&mut self, uri: &Uri) -> Option<Snapshot> {
        let document = self.documents.get(uri)?;
        let path = document.path.clone();
        if !is_linted(&path, &document.language) {
            return None;
        }
        let key = self.folder_of(&path);
        let workspace = self.load_folder(key).ok()?;
        let document = self.documents.get(uri)?;
        let lint = document
            .lint
            .as_ref()
            .filter(|(version, _)| *version == document.version)
            .map(|(_, result)| Arc::clone(result));
        Some(Snapshot {
            uri: uri.clone(),
            path,
            text: Arc::clone(&document.text),
            workspace,
            lint,
            shown: self.client.shown,
        })
    }

    fn hover(&mut self, id: RequestId, params: HoverParams) {
        let at = params.text_document_position_params;
        let Some(snapshot) = self.snapshot(&at.text_document.uri) else {
            return self.send(Response::new_ok(id, Value::Null));
        };
        self.answer_on_thread(id, move || {
            let text = snapshot.text.as_bytes();
            let index = LineIndex::new(text);
            let encoding = snapshot.shown.encoding;
            let offset = index.offset(text, at.position, encoding);
            let found = hover::hover(&snapshot.workspace, &snapshot.path, text.to_vec(), offset);
            Ok(match found {
                Some((markdown, span)) => json!({
                    "contents": { "kind": "markdown", "value": markdown },
                    "range": index.range(text, &span, encoding),
                }),
                None => Value::Null,
            })
        });
    }

    fn code_action(&mut self, id: RequestId, params: CodeActionParams) {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else {
            return self.send(Response::new_ok(id, json!([])));
        };
        self.answer_on_thread(id, move || {
            let lint = match snapshot.lint.clone() {
                Some(lint) => lint,
                None => Arc::new(lint_document(&LintJob {
                    uri: snapshot.uri.clone(),
                    version: 0,
                    path: snapshot.path.clone(),
                    text: Arc::clone(&snapshot.text),
                    workspace: Ok(Arc::clone(&snapshot.workspace)),
                    shown: snapshot.shown,
                })),
            };
            let Some(linted) = &lint.linted else {
                return Ok(json!([]));
            };
            let text = snapshot.text.as_bytes();
            let index = LineIndex::new(text);
            let encoding = snapshot.shown.encoding;
            let range = index.offset(text, params.range.start, encoding)
                ..index.offset(text, params.range.end, encoding);
            let actions = actions::code_actions(
                &snapshot.uri,
                linted,
                &lint.diagnostics,
                range,
                params.context.only.as_deref(),
                encoding,
                || {
                    snapshot
                        .workspace
                        .fix_document(&snapshot.path, text.to_vec(), false)
                        .ok()
                        .flatten()
                        .filter(|outcome| outcome.fixed > 0)
                        .map(|outcome| outcome.profile.top().text().to_vec())
                },
            );
            serde_json::to_value(actions).map_err(|e| e.to_string())
        });
    }

    /// Answers a request from a thread of its own; a panic is an internal error, logged.
    fn answer_on_thread(
        &self,
        id: RequestId,
        work: impl FnOnce() -> Result<Value, String> + Send + 'static,
    ) {
        let out = self.out.clone();
        let cancelled = Arc::clone(&self.cancelled);
        std::thread::spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(work));
            let was_cancelled = cancelled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            let response = match outcome {
                _ if was_cancelled => Response::new_err(
                    id,
                    ErrorCode::RequestCanceled as i32,
                    "cancelled".to_owned(),
                ),
                Ok(Ok(value)) => Response::new_ok(id, value),
                Ok(Err(message)) => Response::new_err(id, ErrorCode::InternalError as i32, message),
                Err(panic) => {
                    let message = format!("ovpn6-lint panicked: {}", panic_message(&*panic));
                    log(&message);
                    Response::new_err(id, ErrorCode::InternalError as i32, message)
                }
            };
            let _ = out.send(Outgoing::Message(response.into()));
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FolderKey {
    Workspace(usize),
    Loose(PathBuf),
}

struct Snapshot {
    uri: Uri,
    path: PathBuf,
    text: Arc<String>,
    workspace: Arc<Workspace>,
    lint: Option<Arc<LintResult>>,
    shown: Shown,
}

/// A full `textDocument/diagnostic` report.
fn full_report(diagnostics: &[gen_lsp_types::Diagnostic]) -> Value {
    json!({ "kind": "full", "items": diagnostics })
}

/// Whether the server lints a document: `.ovpn`, `.conf` (judged on whether it reads as
/// OpenVPN), a template by its name (`.tf`, `.j2`, `client.ovpn.tftpl`, …; linted when it
/// renders a profile, as on the command line), or anything the editor calls `openvpn`.
fn is_linted(path: &Path, language: &str) -> bool {
    language == "openvpn"
        || path
            .extension()
            .is_some_and(|ext| ext == "ovpn" || ext == "conf")
        || crate::template::detect::is_template_name(path)
}

fn document_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().ok()
}

fn folder_path(uri: &Value) -> Option<PathBuf> {
    Uri::parse(uri.as_str()?).ok()?.to_file_path().ok()
}

fn log(message: &str) {
    eprintln!("ovpn6-lint --lsp: {message}");
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
