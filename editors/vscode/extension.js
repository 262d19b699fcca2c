// The ovpn6-lint extension: contributes the `openvpn` language (`*.ovpn`) and starts
// `ovpn6-lint --lsp` for it (and for `.conf` files, which the server judges one by one). All
// the work is the server's: findings, quick fixes, "fix all", hover. The binary comes from the
// `ovpn6-lint.path` setting, else from PATH.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

async function activate(context) {
  const settings = vscode.workspace.getConfiguration('ovpn6-lint');
  const command = settings.get('path') || 'ovpn6-lint';
  const documentSelector = [{ scheme: 'file', language: 'openvpn' }];
  if (settings.get('lintConfFiles')) {
    documentSelector.push({ scheme: 'file', pattern: '**/*.conf' });
  }
  client = new LanguageClient(
    'ovpn6-lint',
    'ovpn6-lint',
    { command, args: ['--lsp'] },
    { documentSelector },
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('ovpn6-lint')) {
        vscode.window.showInformationMessage(
          'ovpn6-lint: reload the window for the new settings to apply.',
        );
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `ovpn6-lint: cannot start \`${command} --lsp\` (${error.message}). ` +
        'Install ovpn6-lint or set "ovpn6-lint.path".',
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
