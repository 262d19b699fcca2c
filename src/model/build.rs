//! Directives to the [`Model`], one option at a time in OpenVPN's processing order, following
//! `add_option()` in OpenVPN 2.6's `options.c` for the options that decide IPv6.

use std::borrow::Cow;
use std::io;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv6Net;

use super::address::{AddressSpec, Host, atoi, parse_numeric};
use super::options::{
    CONNECTION_INLINE_TAGS, INLINE_TAGS, INSTANCE_ONLY_OPTIONS, MODEL_OPTIONS, is_ipv6_option,
    misspelt_ipv6_option,
};
use super::{
    DevType, DirectiveId, DropReason, DroppedRoute, IfconfigIpv6, Loc, Located, Model, OptionLine,
    Problem, ProblemKind, Profile, PullFilter, PullFilterAction, Pushed, Redirect, Role, RouteIpv6,
    RouteSource, Source, SourceId, Status,
};
use crate::syntax::{self, Span, Word, Words, tokenizer};

/// OpenVPN reads at most this many nested files (the top-level file counts).
pub const MAX_INCLUDE_DEPTH: usize = 10;

/// Reads a profile: `text` is the top-level file at `path`; `read` opens included files.
/// Relative `config` paths resolve against the top-level file's folder, as when OpenVPN runs
/// there, and follow earlier `cd` lines.
pub fn load(path: &Path, text: Vec<u8>, read: &dyn Fn(&Path) -> io::Result<Vec<u8>>) -> Profile {
    load_with(path, text, read, false)
}

/// [`load`] for the text a template rendered: its words may hold unknown values
/// ([`crate::template::unknown_word`]), which are not judged.
pub fn load_rendered(
    path: &Path,
    text: Vec<u8>,
    read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
) -> Profile {
    load_with(path, text, read, true)
}

fn load_with(
    path: &Path,
    text: Vec<u8>,
    read: &dyn Fn(&Path) -> io::Result<Vec<u8>>,
    rendered: bool,
) -> Profile {
    let cwd = Cow::Borrowed(path.parent().unwrap_or(Path::new("")));
    let mut builder = Builder {
        read,
        cwd,
        sources: Vec::new(),
        stack: Vec::new(),
        state: State::default(),
        rendered,
    };
    let top = builder.add_source(path.to_path_buf(), text);
    builder.read_source(top);
    let model = builder.state.finish(&builder.sources);
    Profile {
        sources: builder.sources,
        model,
        server: None,
        endpoint: None,
        openvpn3: std::sync::OnceLock::new(),
    }
}

struct Builder<'a> {
    read: &'a dyn Fn(&Path) -> io::Result<Vec<u8>>,
    /// The top-level file's folder until a `cd` line moves it.
    cwd: Cow<'a, Path>,
    sources: Vec<Source>,
    /// The files being read, outermost first, to find include cycles.
    stack: Vec<SourceId>,
    state: State,
    /// The top-level text is a rendered template.
    rendered: bool,
}

impl Builder<'_> {
    fn add_source(&mut self, path: PathBuf, text: Vec<u8>) -> SourceId {
        self.sources.push(Source::new(path, syntax::parse(text)));
        self.sources.len() - 1
    }

    fn read_source(&mut self, source: SourceId) {
        self.stack.push(source);
        for error in &self.sources[source].parsed.errors {
            self.state.errors.push(Problem {
                loc: Loc {
                    source,
                    span: error.span.clone(),
                },
                kind: ProblemKind::Syntax,
                message: error.message(),
            });
        }
        self.check_connection_remotes(source);
        // Only a rendered template's own text holds unknown values (not the files it
        // includes): every other file's words are not looked at for them.
        self.state.may_hold_unknown = self.rendered
            && source == 0
            && crate::template::may_hold_unknown_word(self.sources[source].text());
        let count = self.sources[source].parsed.directives().len();
        self.state.options.reserve(count);
        for index in 0..count {
            let id = DirectiveId { source, index };
            let directive = self.sources[source].parsed.directive(index);
            let include = self.state.option(
                id,
                &directive,
                &self.sources[source].parsed,
                self.sources[source].text(),
            );
            if let Some(include) = include {
                self.include(include);
            }
        }
        self.stack.pop();
    }

    /// OpenVPN refuses a `<connection>` block without a `remote`.
    fn check_connection_remotes(&mut self, source: SourceId) {
        let parsed = &self.sources[source].parsed;
        for (index, block) in parsed.blocks.iter().enumerate() {
            if block.tag != "connection" || block.connection.is_some() || block.close.is_none() {
                continue;
            }
            let has_remote = parsed
                .directives()
                .any(|d| d.connection == Some(index) && d.name() == "remote");
            if !has_remote {
                self.state.errors.push(Problem {
                    loc: Loc {
                        source,
                        span: block.open.clone(),
                    },
                    kind: ProblemKind::Syntax,
                    message:
                        "a `<connection>` block needs a `remote` line; OpenVPN refuses the file"
                            .to_owned(),
                });
            }
        }
    }

    fn include(&mut self, request: Request) {
        match request {
            Request::ChangeDirectory(dir) => self.cwd = Cow::Owned(self.cwd.join(dir)),
            Request::Include { file, loc } => {
                let path = self.cwd.join(&file);
                let fail = |state: &mut State, message: String| {
                    state.errors.push(Problem {
                        loc: loc.clone(),
                        kind: ProblemKind::Syntax,
                        message,
                    });
                };
                if self.stack.len() >= MAX_INCLUDE_DEPTH {
                    return fail(
                        &mut self.state,
                        format!(
                            "`config {file}` nests includes deeper than OpenVPN's limit of \
                             {MAX_INCLUDE_DEPTH} files"
                        ),
                    );
                }
                if self
                    .stack
                    .iter()
                    .any(|&open| same_file(&self.sources[open].path, &path))
                {
                    return fail(
                        &mut self.state,
                        format!(
                            "`config {file}` includes a file that is already being read (an include cycle)"
                        ),
                    );
                }
                match (self.read)(&path) {
                    Ok(text) => {
                        let source = self.add_source(path, text);
                        self.read_source(source);
                    }
                    Err(error) => fail(
                        &mut self.state,
                        format!(
                            "OpenVPN cannot open the included file `{}`: {error}",
                            path.display()
                        ),
                    ),
                }
            }
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What an option asks the builder to do with files.
enum Request {
    Include { file: String, loc: Loc },
    ChangeDirectory(String),
}

#[derive(Default)]
struct State {
    options: Vec<OptionLine>,
    errors: Vec<Problem>,
    ignored: Vec<Problem>,
    ignore_unknown: Vec<String>,
    forward_compatible: bool,
    /// The file being read may hold unknown template values
    /// ([`crate::template::may_hold_unknown_word`]).
    may_hold_unknown: bool,
    client: bool,
    server: bool,
    dev: Option<Located<String>>,
    dev_type: Option<String>,
    ifconfig_ipv6: Option<IfconfigIpv6>,
    server_ipv6: Option<(Ipv6Addr, u8, Loc)>,
    /// The `route-ipv6` lines, as indexes into `options`; resolved once every option is known.
    routes: Vec<usize>,
    route_ipv6_gateway: Option<Located<Ipv6Addr>>,
    route_metric: i64,
    redirect: Redirect,
    block_ipv6: Option<Loc>,
    route_nopull: Option<Loc>,
    pull_filters: Vec<PullFilter>,
    pushes: Vec<Pushed>,
    unknown_lines: Vec<Loc>,
}

impl State {
    /// Processes one line of the file `text`; returns what it asks of the file system.
    fn option(
        &mut self,
        id: DirectiveId,
        directive: &syntax::Directive<'_>,
        parsed: &syntax::Parsed,
        text: &[u8],
    ) -> Option<Request> {
        let source = id.source;
        let at = |span: &Span| Loc {
            source,
            span: span.clone(),
        };
        let setenv_opt = directive.name() == "setenv"
            && directive.words().get(1).is_some_and(|w| w.text() == "opt")
            && directive.words().len() > 2;
        let skip = if setenv_opt { 2 } else { 0 };
        let words = directive.words().from(skip);
        let name: &str = words.word(0).text();
        // A line has at most `MAX_WORDS` words: its arguments fit on the stack.
        let mut arg_texts = [""; tokenizer::MAX_WORDS];
        for (text, word) in arg_texts.iter_mut().zip(words.from(1)) {
            *text = word.text();
        }
        let args = &arg_texts[..words.len() - 1];
        let mut line = OptionLine {
            id,
            skip,
            name: name.into(),
            status: Status::Applied,
            loc: at(&directive.line),
            in_connection: directive.connection.is_some(),
        };

        let joined = joined_name(name, &text[words.word(0).span()], words.len() == 1);
        let outcome = if let Some(block) = directive.block {
            self.inline_block(name, parsed.blocks[block].connection.is_some(), setenv_opt)
        } else if let Some(message) = &joined {
            Outcome::Unrecognized(message.clone())
        } else if directive.connection.is_some() {
            if is_ipv6_option(name) {
                // Text before it on the same line: the rest of a line of 256 bytes or more.
                let line_start = memchr::memrchr(b'\n', &text[..directive.line.start])
                    .map_or(0, |newline| newline + 1);
                let tail = text[line_start..directive.line.start]
                    .iter()
                    .any(|&c| !is_c_space(char::from(c)));
                let why = if tail {
                    " (OpenVPN reads `<connection>` lines in pieces of 255 bytes, dropping \
                     the 2 bytes after each, and this is the rest of a longer line)"
                } else {
                    " (move it to the top level)"
                };
                Outcome::Refused(format!(
                    "`{name}` cannot be used inside a `<connection>` block; OpenVPN refuses the \
                     file{why}"
                ))
            } else {
                Outcome::Applied
            }
        } else if self.may_hold_unknown
            && words
                .into_iter()
                .any(|word| crate::template::is_unknown_word(word.text()))
        {
            self.with_unknown_value(name, args, &words, &line.loc)
        } else {
            self.top_level(name, args, words, &line.loc, source)
        };

        let mut request = None;
        match outcome {
            Outcome::Applied => {}
            Outcome::Request(r) => request = Some(r),
            Outcome::Refused(message) => {
                line.status = Status::Refused;
                self.errors.push(Problem {
                    loc: line.loc.clone(),
                    kind: ProblemKind::Directive,
                    message,
                });
            }
            Outcome::RefusedSyntax(message) => {
                line.status = Status::Refused;
                self.errors.push(Problem {
                    loc: at(&words.word(0).span()),
                    kind: ProblemKind::Syntax,
                    message,
                });
            }
            Outcome::Unrecognized(message) => {
                // A `<connection>` body is read into fresh options: only `setenv opt` relaxes
                // there.
                let relaxed = setenv_opt
                    || (!line.in_connection
                        && (self.forward_compatible
                            || self.ignore_unknown.iter().any(|n| n == name)));
                let is_relevant = |name: &str| {
                    is_ipv6_option(name)
                        || misspelt_ipv6_option(name).is_some()
                        || MODEL_OPTIONS.contains(&name)
                };
                // A joined name is judged by the option its first word names.
                let relevant = is_relevant(name.split(is_c_space).next().unwrap_or(name));
                if relaxed {
                    line.status = Status::Ignored;
                    if relevant {
                        let why = if setenv_opt {
                            "it is written after `setenv opt`"
                        } else if self.ignore_unknown.iter().any(|n| n == name) {
                            "an earlier `ignore-unknown-option` names it"
                        } else {
                            "`setenv FORWARD_COMPATIBLE 1` came earlier"
                        };
                        self.ignored.push(Problem {
                            loc: line.loc.clone(),
                            kind: ProblemKind::Directive,
                            message: format!(
                                "{message}; because {why}, OpenVPN only warns and ignores the line"
                            ),
                        });
                    }
                } else if relevant || joined.is_some() {
                    // Any name with a space in it is unknown to OpenVPN; how it was written
                    // is the mistake, so it is reported with the text's errors.
                    let (loc, kind) = if joined.is_some() {
                        (at(&words.word(0).span()), ProblemKind::Syntax)
                    } else {
                        (line.loc.clone(), ProblemKind::Directive)
                    };
                    line.status = Status::Refused;
                    self.errors.push(Problem {
                        loc,
                        kind,
                        message: format!("{message}; OpenVPN refuses the file"),
                    });
                }
            }
        }
        self.options.push(line);
        request
    }

    fn inline_block(&mut self, tag: &str, in_connection: bool, setenv_opt: bool) -> Outcome {
        if in_connection {
            if CONNECTION_INLINE_TAGS.contains(&tag) {
                return Outcome::Applied;
            }
            return Outcome::RefusedSyntax(if tag == "connection" {
                "a `<connection>` block cannot be nested in another".to_owned()
            } else {
                format!(
                    "`<{tag}>` cannot be inside a `<connection>` block (only `<tls-auth>`, \
                     `<tls-crypt>` and `<tls-crypt-v2>` can)"
                )
            });
        }
        if INLINE_TAGS.contains(&tag) {
            return Outcome::Applied;
        }
        let relaxed =
            setenv_opt || self.forward_compatible || self.ignore_unknown.iter().any(|n| n == tag);
        if relaxed && !is_ipv6_option(tag) {
            return Outcome::Applied;
        }
        Outcome::RefusedSyntax(format!(
            "OpenVPN does not accept `{tag}` as an inline block `<{tag}>`"
        ))
    }

    fn top_level(
        &mut self,
        name: &str,
        args: &[&str],
        words: Words<'_>,
        loc: &Loc,
        source: SourceId,
    ) -> Outcome {
        let n = args.len();
        let unrecognized = || {
            Outcome::Unrecognized(match misspelt_ipv6_option(name) {
                Some(known) => format!(
                    "unknown option `{name}` (did you mean `{known}`? option names are case-sensitive)"
                ),
                None => format!("`{name}` takes {}, not {n}", arity(name)),
            })
        };
        match name {
            "ifconfig-ipv6" if n == 2 => self.ifconfig_ipv6(words, loc, source),
            "route-ipv6" if (1..=3).contains(&n) => {
                // `option()` adds this line to `options` next.
                self.routes.push(self.options.len());
                Outcome::Applied
            }
            "route-ipv6-gateway" if n == 1 => match parse_numeric(args[0]) {
                Some(address) => {
                    self.route_ipv6_gateway = Some(Located {
                        value: address,
                        loc: loc.clone(),
                    });
                    Outcome::Applied
                }
                None => Outcome::Refused(format!(
                    "`route-ipv6-gateway {}` is not an IPv6 address",
                    args[0]
                )),
            },
            "route-metric" if n == 1 => {
                // `positive_atoi()`: C's atoi, negative values read as 0.
                self.route_metric = i64::from(atoi(args[0]).max(0));
                Outcome::Applied
            }
            "redirect-gateway" | "redirect-private" => self.redirect(name, args, loc),
            "block-ipv6" if n == 0 => {
                self.block_ipv6.get_or_insert_with(|| loc.clone());
                Outcome::Applied
            }
            "route-nopull" if n == 0 => {
                self.route_nopull.get_or_insert_with(|| loc.clone());
                Outcome::Applied
            }
            "pull-filter" if n == 2 => {
                let action = match args[0] {
                    "accept" => PullFilterAction::Accept,
                    "ignore" => PullFilterAction::Ignore,
                    "reject" => PullFilterAction::Reject,
                    other => {
                        return Outcome::Refused(format!(
                            "`pull-filter` type must be `accept`, `ignore` or `reject`, not `{other}`"
                        ));
                    }
                };
                self.pull_filters.push(PullFilter {
                    action,
                    text: args[1].to_owned(),
                    loc: loc.clone(),
                });
                Outcome::Applied
            }
            "server-ipv6" if n == 1 => self.server_ipv6(args[0], loc),
            "tun-ipv6" if n == 0 => Outcome::Applied,
            "ifconfig-ipv6-pool" if n == 1 => Outcome::Applied,
            _ if INSTANCE_ONLY_OPTIONS.contains(&name) => Outcome::Refused(format!(
                "`{name}` is only allowed in client-config-dir files and client-connect \
                 scripts; in a config file OpenVPN refuses it"
            )),
            _ if is_ipv6_option(name) || misspelt_ipv6_option(name).is_some() => unrecognized(),
            "dev" if n == 1 => {
                self.dev = Some(Located {
                    value: args[0].to_owned(),
                    loc: loc.clone(),
                });
                Outcome::Applied
            }
            "dev-type" if n == 1 => {
                self.dev_type = Some(args[0].to_owned());
                Outcome::Applied
            }
            "client" | "pull" if n == 0 => {
                self.client = true;
                Outcome::Applied
            }
            "server" if n == 2 || n == 3 => {
                self.server = true;
                Outcome::Applied
            }
            "server-bridge" => {
                self.server = true;
                Outcome::Applied
            }
            "mode" if n == 1 && args[0] == "server" => {
                self.server = true;
                Outcome::Applied
            }
            "mode" if n == 1 && args[0] == "p2p" => {
                self.server = false;
                Outcome::Applied
            }
            "push" if n == 1 => {
                self.push(&words.word(1), loc);
                Outcome::Applied
            }
            // `setenv opt setenv FORWARD_COMPATIBLE 1` is this line too: `add_option()` drops
            // the `setenv opt` prefix before it looks at the name.
            "setenv" if (1..=2).contains(&n) => {
                if args[0] == "FORWARD_COMPATIBLE" && args.get(1) == Some(&"1") {
                    self.forward_compatible = true;
                }
                Outcome::Applied
            }
            "ignore-unknown-option" if n >= 1 => {
                self.ignore_unknown.extend(
                    args.iter()
                        .map(|a| a.strip_prefix("--").unwrap_or(a).to_owned()),
                );
                Outcome::Applied
            }
            "config" if n == 1 => Outcome::Request(Request::Include {
                file: args[0].to_owned(),
                loc: loc.clone(),
            }),
            "cd" if n == 1 => Outcome::Request(Request::ChangeDirectory(args[0].to_owned())),
            _ if MODEL_OPTIONS.contains(&name) => unrecognized(),
            _ => Outcome::Applied,
        }
    }

    /// A line holding a template value the repository does not give: its arguments are not
    /// judged (the value may be any text, even several words or none), what its name says is
    /// taken (a `server-ipv6` makes a server, an `ifconfig-ipv6` is in effect), and a line that
    /// could change the IPv6 verdict is recorded in [`Model::unknown_lines`].
    fn with_unknown_value(
        &mut self,
        name: &str,
        args: &[&str],
        words: &Words<'_>,
        loc: &Loc,
    ) -> Outcome {
        // A line that is only an unknown value may be any directive; an IPv6 option or a
        // redirect with an unknown argument may route or address IPv6.
        let may_matter = crate::template::is_unknown_word(name)
            || is_ipv6_option(name)
            || matches!(name, "redirect-gateway" | "redirect-private" | "push");
        if may_matter {
            self.unknown_lines.push(loc.clone());
        }
        match name {
            "server" | "server-ipv6" | "server-bridge" => self.server = true,
            "dev" => {
                self.dev = Some(Located {
                    value: args.first().copied().unwrap_or_default().to_owned(),
                    loc: loc.clone(),
                });
            }
            "dev-type" => self.dev_type = args.first().map(|t| (*t).to_owned()),
            "redirect-gateway" | "redirect-private" => {
                self.redirect.ipv4 |= name == "redirect-gateway";
                self.redirect.lines.push(loc.clone());
            }
            "push" if args.len() == 1 => self.push(&words.word(1), loc),
            _ => {}
        }
        Outcome::Applied
    }

    fn ifconfig_ipv6(&mut self, words: Words<'_>, loc: &Loc, source: SourceId) -> Outcome {
        let (local_text, remote_text) = (words.word(1).text(), words.word(2).text());
        let local = AddressSpec::parse(local_text);
        let remote = parse_numeric(remote_text);
        let Some(bits) = local.bits else {
            return Outcome::Refused(format!(
                "`ifconfig-ipv6 {local_text}`: the prefix length must be a number from 64 to 124"
            ));
        };
        let Some(remote_address) = remote else {
            let hint = if remote_text.contains('/') {
                " (the remote takes no `/bits`)"
            } else if remote_text.contains('%') {
                " (the remote takes no `%zone`: OpenVPN reads it with `inet_pton()`)"
            } else {
                ""
            };
            return Outcome::Refused(format!(
                "`ifconfig-ipv6` remote `{remote_text}` is not an IPv6 address{hint}"
            ));
        };
        match local.host {
            Host::Address(_) => {}
            Host::Name => {
                return Outcome::Refused(format!(
                    "`ifconfig-ipv6` local address `{}` is a name: OpenVPN looks it up while \
                     loading and cannot configure the tunnel with it",
                    local.host_text
                ));
            }
            Host::Invalid => {
                return Outcome::Refused(format!(
                    "`ifconfig-ipv6` local address `{}` is not an IPv6 address",
                    local.host_text
                ));
            }
        }
        if !(64..=124).contains(&bits) {
            return Outcome::Refused(format!(
                "`ifconfig-ipv6` prefix length must be from /64 to /124, not /{bits}"
            ));
        }
        self.ifconfig_ipv6 = Some(IfconfigIpv6 {
            local: local.host_text.clone(),
            local_address: local.address(),
            bits,
            remote: remote_text.to_string(),
            remote_address,
            loc: loc.clone(),
            local_span: Some(Loc {
                source,
                span: words.word(1).span(),
            }),
            remote_span: Some(Loc {
                source,
                span: words.word(2).span(),
            }),
            derived_from_server_ipv6: false,
        });
        if let Some(zone) = &local.zone {
            // `get_ipv6_addr()` takes the zone (when the host can read it), so the option
            // loads as written; `init_tun()` then converts the local text with `inet_pton()`,
            // which takes none, and stops.
            return Outcome::Refused(format!(
                "`ifconfig-ipv6` local address `{}` carries the zone `%{zone}`, which OpenVPN \
                 cannot configure the tunnel with: it loads the line (if this host can read \
                 the zone), then stops when it opens the tunnel (\"init_tun: problem \
                 converting IPv6 ifconfig addresses\"); write the address without `%{zone}`",
                local.host_text
            ));
        }
        Outcome::Applied
    }

    fn redirect(&mut self, name: &str, args: &[&str], loc: &Loc) -> Outcome {
        let mut ipv4 = self.redirect.ipv4 || name == "redirect-gateway";
        let mut ipv6 = false;
        for &flag in args {
            match flag {
                "local" | "autolocal" | "def1" | "bypass-dhcp" | "bypass-dns" | "block-local" => {}
                "ipv6" => ipv6 = true,
                "!ipv4" => ipv4 = false,
                other => return Outcome::Refused(format!("unknown `{name}` flag `{other}`")),
            }
        }
        self.redirect.ipv4 = ipv4;
        self.redirect.ipv6 |= ipv6;
        self.redirect.lines.push(loc.clone());
        Outcome::Applied
    }

    fn server_ipv6(&mut self, spec: &str, loc: &Loc) -> Outcome {
        let parsed = AddressSpec::parse(spec);
        match (parsed.address(), parsed.bits) {
            (Some(network), Some(bits)) if (64..=124).contains(&bits) => {
                self.server = true;
                self.server_ipv6 = Some((network, bits, loc.clone()));
                Outcome::Applied
            }
            (Some(_), Some(bits)) => Outcome::Refused(format!(
                "`server-ipv6` network must be from /64 to /124, not /{bits}"
            )),
            _ => Outcome::Refused(format!("`server-ipv6 {spec}` is not an IPv6 network")),
        }
    }

    /// A server's `push "a,b"` sends two options; a client splits them at commas.
    fn push(&mut self, word: &Word<'_>, loc: &Loc) {
        for piece in word.text().split(',') {
            let words: Vec<String> = tokenizer::tokenize(piece.as_bytes(), 0)
                .words
                .into_iter()
                .map(|token| token.text)
                .collect();
            if !words.is_empty() {
                self.pushes.push(Pushed {
                    text: piece.trim_start().to_owned(),
                    words,
                    loc: Loc {
                        source: loc.source,
                        span: word.span(),
                    },
                });
            }
        }
    }

    fn finish(mut self, sources: &[Source]) -> Model {
        let role = if self.server {
            Role::Server
        } else if self.client {
            Role::Client
        } else {
            Role::P2p
        };
        if let Some((network, bits, loc)) = self.server_ipv6.take() {
            if self.client {
                self.errors.push(Problem {
                    loc: loc.clone(),
                    kind: ProblemKind::Directive,
                    message: "`server-ipv6` and `client` cannot be used together".to_owned(),
                });
            }
            let base = u128::from(network);
            let local = Ipv6Addr::from(base.wrapping_add(1));
            let remote = Ipv6Addr::from(base.wrapping_add(2));
            self.ifconfig_ipv6 = Some(IfconfigIpv6 {
                local: local.to_string(),
                local_address: Some(local),
                bits,
                remote: remote.to_string(),
                remote_address: remote,
                loc,
                local_span: None,
                remote_span: None,
                derived_from_server_ipv6: true,
            });
        }
        let dev_type = device_type(
            self.dev.as_ref().map(|d| d.value.as_str()),
            self.dev_type.as_deref(),
        );
        let default_gateway = self
            .route_ipv6_gateway
            .as_ref()
            .map(|g| g.value)
            .or(self.ifconfig_ipv6.as_ref().map(|i| i.remote_address));
        let default_metric = (self.route_metric != 0).then_some(self.route_metric);

        let mut routes_ipv6 = Vec::with_capacity(self.routes.len());
        let mut dropped = Vec::new();
        let mut named = Vec::new();
        for &option in &self.routes {
            let line = &self.options[option];
            let words = sources[line.id.source]
                .parsed
                .directive(line.id.index)
                .words()
                .from(line.skip + 1);
            let route = RouteLine {
                network: words.word(0).text(),
                gateway: words.get(1).map(|w| w.text()),
                metric: words.get(2).map(|w| w.text()),
            };
            let reason = match resolve_route(&route, default_gateway, default_metric) {
                Ok(resolved) if !installs(dev_type, resolved.gateway, resolved.metric) => {
                    DropReason::TapWithoutGateway
                }
                Ok(resolved) => {
                    routes_ipv6.push(RouteIpv6 {
                        network: resolved.network,
                        gateway: resolved.gateway,
                        metric: resolved.metric,
                        option: RouteSource {
                            option,
                            bits_form: resolved.bits_form,
                            written_address: resolved.written_address,
                        },
                    });
                    continue;
                }
                Err(reason) => reason,
            };
            let list = if reason == DropReason::Name {
                &mut named
            } else {
                &mut dropped
            };
            list.push(DroppedRoute {
                spec: route.network.to_owned(),
                loc: line.loc.clone(),
                network_loc: Loc {
                    source: line.id.source,
                    span: words.word(0).span(),
                },
                reason,
            });
        }
        Model {
            role,
            dev: self.dev,
            dev_type,
            ifconfig_ipv6: self.ifconfig_ipv6,
            routes_ipv6,
            dropped_routes_ipv6: dropped,
            named_routes_ipv6: named,
            default_metric,
            redirect: self.redirect,
            block_ipv6: self.block_ipv6,
            route_nopull: self.route_nopull,
            route_ipv6_gateway: self.route_ipv6_gateway,
            pull_filters: self.pull_filters,
            pushes: self.pushes,
            options: self.options,
            errors: self.errors,
            ignored: self.ignored,
            unknown_lines: self.unknown_lines,
        }
    }
}

enum Outcome {
    Applied,
    Request(Request),
    /// An IPv6 directive OpenVPN refuses.
    Refused(String),
    /// OpenVPN refuses the text itself.
    RefusedSyntax(String),
    /// OpenVPN's "Unrecognized option or missing or extra parameter(s)", which `setenv opt`,
    /// `ignore-unknown-option` and `setenv FORWARD_COMPATIBLE 1` turn into a warning.
    Unrecognized(String),
}

/// The words of a `route-ipv6` line.
struct RouteLine<'a> {
    network: &'a str,
    gateway: Option<&'a str>,
    metric: Option<&'a str>,
}

/// What `init_route_ipv6()` makes of a `route-ipv6` line that it installs.
struct Resolved {
    network: Ipv6Net,
    gateway: Option<Ipv6Addr>,
    metric: Option<i64>,
    bits_form: super::address::BitsForm,
    written_address: Ipv6Addr,
}

/// `init_route_ipv6()`: how OpenVPN turns a `route-ipv6` line into a route, or why it drops it.
fn resolve_route<'a>(
    route: &RouteLine<'a>,
    default_gateway: Option<Ipv6Addr>,
    default_metric: Option<i64>,
) -> Result<Resolved, DropReason> {
    let spec = AddressSpec::parse(route.network);
    let Some(bits) = spec.bits else {
        return Err(DropReason::BadBits {
            hash_glued: route.network.contains('#'),
        });
    };
    let written_address = match spec.host {
        Host::Address(address) => address,
        Host::Name => return Err(DropReason::Name),
        Host::Invalid => return Err(DropReason::BadAddress),
    };
    let defined = |parm: Option<&'a str>| parm.filter(|p| *p != "default");
    let gateway = match defined(route.gateway) {
        Some(text) => parse_numeric(text),
        None => default_gateway,
    };
    let metric = match defined(route.metric) {
        Some(text) => {
            let metric = atoi(text);
            if metric < 0 {
                return Err(DropReason::NegativeMetric(text.to_owned()));
            }
            Some(i64::from(metric))
        }
        None => default_metric,
    };
    Ok(Resolved {
        network: Ipv6Net::new(written_address, bits)
            .expect("bits checked to be at most 128")
            .trunc(),
        gateway: gateway.filter(|g| !g.is_unspecified()),
        metric,
        bits_form: spec.bits_form,
        written_address,
    })
}

/// Whether OpenVPN installs a route with this gateway (`None`: unset or `::`) and metric: on
/// tap it needs a gateway, unless the metric is 0 (`add_route_ipv6()`).
pub fn installs(dev_type: DevType, gateway: Option<Ipv6Addr>, metric: Option<i64>) -> bool {
    dev_type != DevType::Tap || gateway.is_some() || metric == Some(0)
}

/// C's `isspace()` in the C locale: what ends a word unless escaped or quoted.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// When an option name holds whitespace, the message that says why: a `\ ` or quotes made
/// the words one, and OpenVPN looks for an option by that whole name. `written` is the name
/// as it stands in the file; `whole_line` when the line has no other word.
fn joined_name(name: &str, written: &[u8], whole_line: bool) -> Option<String> {
    if !name.contains(is_c_space) {
        return None;
    }
    let escaped = written
        .windows(2)
        .any(|pair| pair[0] == b'\\' && is_c_space(char::from(pair[1])));
    let cause = if escaped {
        "the backslash before the space makes"
    } else {
        "the quotes make"
    };
    let what = if whole_line {
        "the whole line"
    } else {
        "the first words"
    };
    Some(format!(
        "{cause} {what} one word: `{name}` is taken as the name of an option, which OpenVPN \
         does not know (separate the words with plain spaces)"
    ))
}

/// `dev_type_enum()`: `dev-type` when given, else the device name's prefix.
fn device_type(dev: Option<&str>, dev_type: Option<&str>) -> DevType {
    let kind = |name: &str, exact: bool| {
        for (prefix, kind) in [
            ("tun", DevType::Tun),
            ("tap", DevType::Tap),
            ("null", DevType::Null),
        ] {
            if (exact && name == prefix) || (!exact && name.starts_with(prefix)) {
                return kind;
            }
        }
        DevType::Unknown
    };
    match (dev_type, dev) {
        (Some(t), _) => kind(t, true),
        (None, Some(d)) => kind(d, false),
        (None, None) => DevType::Unknown,
    }
}

/// How many arguments an option takes, for messages.
fn arity(name: &str) -> &'static str {
    match name {
        "ifconfig-ipv6" => "exactly 2 arguments (local address and remote address)",
        "route-ipv6" => "1 to 3 arguments (network, gateway, metric)",
        "route-ipv6-gateway" | "server-ipv6" | "ifconfig-ipv6-pool" | "iroute-ipv6" => {
            "exactly 1 argument"
        }
        "block-ipv6" | "tun-ipv6" | "route-nopull" | "client" | "pull" => "no arguments",
        "pull-filter" => "exactly 2 arguments (accept|ignore|reject and a text)",
        "dev" | "dev-type" | "route-metric" => "exactly 1 argument",
        "push" => "exactly 1 argument (quote the pushed option: `push \"route-ipv6 2000::/3\"`)",
        _ => "a different number of arguments",
    }
}
