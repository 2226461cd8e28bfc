// The hpdsl extension for VS Code: starts `hpdsl lsp` and lets the language server do the rest
// (diagnostics, hover, completion, go to definition, references, outline, formatting, quick fixes).
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("hpdsl");
  const [command, ...args] = config.get("command", ["hpdsl", "lsp"]);
  const serverOptions = { command, args };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "hpdsl" },
      { scheme: "untitled", language: "hpdsl" },
    ],
    initializationOptions: { debounceMs: config.get("debounceMs", 25) },
  };
  client = new LanguageClient("hpdsl", "hpdsl", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `hpdsl: could not start '${[command, ...args].join(" ")}' (${error.message}). ` +
        "Install it from a checkout of hpdsl with: pip install '.[lsp]', or set hpdsl.command.",
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
