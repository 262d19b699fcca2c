"""`ovpn6-lint --lsp` end to end with pytest-lsp's scripted client, once with the recorded
capabilities of each editor (Neovim 0.7 and 0.11, Emacs 29, VS Code 1.65) and once as a client
that pulls diagnostics: the negotiation (position encoding, push or pull, file watching) and the
scenario an editor goes through: open a leaky profile, see the finding, apply the quick fix, see
it go, change the config, see the re-lint.

The server is the binary in OVPN6_LINT (default: target/debug/ovpn6-lint).
"""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("OVPN6_LINT", str(REPO / "target" / "debug" / "ovpn6-lint"))
LEAKY = (
    "client\ndev tun\nremote vpn.example.com 1194\n"
    "ifconfig-ipv6 fd00::2/64 fd00::1\nroute-ipv6 2000::/4\n"
)
# Long enough for a lint in a debug build on a busy machine; a hang fails, not a slow run.
PATIENCE = 60

# name -> (recorded client, the encoding the server must pick, watches files for the server)
EDITORS = {
    "neovim-0.7": ("neovim@v0.7.0", "utf-16", False),
    "neovim-0.11": ("neovim@v0.11.0", "utf-8", False),
    "emacs-29": ("emacs@v29.1", "utf-8", True),
    "vscode-1.65": ("visual-studio-code@v1.65.2", "utf-16", True),
}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "leaky.ovpn").write_text(LEAKY)
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER, "--lsp"]))
async def client(lsp_client: LanguageClient):
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    yield
    await lsp_client.shutdown_session()


async def start(client, capabilities, folder):
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="profiles")],
        )
    )
    return result


async def until(predicate):
    """Waits (without spinning) until `predicate()` holds."""
    async def poll():
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), PATIENCE)


def codes(diagnostics):
    return [d.code for d in diagnostics]


async def scenario(client, folder, watches):
    uri = (folder / "leaky.ovpn").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="openvpn", version=1, text=LEAKY)
        )
    )
    await until(lambda: uri in client.diagnostics)
    found = client.diagnostics[uri]
    assert codes(found) == ["incomplete-ipv6-routes"]
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert found[0].range.start.line == 4

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found[0].range,
            context=types.CodeActionContext(diagnostics=list(found)),
        )
    )
    preferred = [a for a in actions if getattr(a, "is_preferred", False)]
    assert len(preferred) == 1, actions
    assert preferred[0].kind == types.CodeActionKind.QuickFix
    edits = preferred[0].edit.changes[uri]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                for e in edits
            ],
        )
    )
    await until(lambda: list(client.diagnostics[uri]) == [])

    # Back to the leaky text, then the config turns the finding into a note.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=LEAKY)],
        )
    )
    await until(lambda: codes(client.diagnostics[uri]) == ["incomplete-ipv6-routes"])
    config = folder / ".ovpn6-lint.toml"
    config.write_text('[rules]\nseverity = { incomplete-ipv6-routes = "note" }\n')
    if watches:
        # An editor that watches files for the server says so.
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]
            )
        )
    await until(
        lambda: [d.severity for d in client.diagnostics[uri]]
        == [types.DiagnosticSeverity.Information]
    )


@pytest.mark.parametrize("editor", EDITORS)
async def test_each_editor_negotiates_and_goes_through_the_scenario(client, folder, editor):
    recorded, encoding, watches = EDITORS[editor]
    capabilities = client_capabilities(recorded)
    result = await start(client, capabilities, folder)
    assert result.capabilities.position_encoding == encoding
    # None of these clients can both pull diagnostics and be told to pull again (Neovim 0.11
    # pulls, but has no refresh): they get them pushed.
    assert result.capabilities.diagnostic_provider is None
    assert list(result.capabilities.code_action_provider.code_action_kinds) == [
        types.CodeActionKind.QuickFix,
        "source.fixAll.ovpn6-lint",
    ]
    await scenario(client, folder, watches)
    registered = [r.method for r in client.registrations]
    if watches:
        assert registered == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    else:
        assert registered == []


async def test_a_client_that_pulls_gets_reports_and_a_refresh_and_no_push(client, folder):
    capabilities = client_capabilities("visual-studio-code@v1.65.2")
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
        related_document_support=False, code_description_support=True
    )
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True
    )
    result = await start(client, capabilities, folder)
    provider = result.capabilities.diagnostic_provider
    assert provider.inter_file_dependencies is True
    uri = (folder / "leaky.ovpn").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="openvpn", version=1, text=LEAKY)
        )
    )
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert codes(report.items) == ["incomplete-ipv6-routes"]
    config = folder / ".ovpn6-lint.toml"
    config.write_text('[rules]\nignore = ["incomplete-ipv6-routes"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await until(lambda: client.diagnostic_refresh_count > 0)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert list(report.items) == []
    assert client.diagnostics == {}, "pushed as well as pulled"


async def test_hover_on_route_ipv6_shows_the_tunnel_view(client, folder):
    await start(client, client_capabilities("neovim@v0.11.0"), folder)
    uri = (folder / "leaky.ovpn").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="openvpn", version=1, text=LEAKY)
        )
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=4, character=3),
        )
    )
    text = hover.contents.value
    assert "of `2000::/3`, this line carries `2000::/4` (1/2 of it)" in text
    assert "`3000::/4` of `2000::/3` stays outside the tunnel" in text
