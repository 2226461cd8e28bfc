"""The `hpdsl lsp` edge: a Language Server Protocol server on stdio, built on pygls 2.

Imported only by `hpdsl lsp`. Without pygls (the `lsp` extra) importing this package
raises ImportError naming pygls, which the command turns into a clear message.

    document.py    a document at one version: positions, analysis, LSP diagnostics
    symbols.py     what each name refers to: definitions, references
    context.py     the tokens around the cursor, for text that does not parse
    words.py       what the keywords, functions and roles mean
    hover.py, completion.py, outline.py, actions.py   one feature each
    server.py      pygls wiring, the document store, checks and answers in worker threads
    protocol.py    the JSON-RPC rules: one answer per request, the error codes, the lifecycle
    transport.py   stdin split into frames, resynchronised after a malformed one
"""

try:
    from pygls.lsp.server import LanguageServer as _LanguageServer  # noqa: F401  (pygls 2 only)
except ImportError as error:
    raise ImportError(
        f"hpdsl's language server needs pygls 2 (pip install '.[lsp]' from a checkout of hpdsl): {error}"
    ) from error

from .server import create_server, serve

__all__ = ["serve", "create_server"]
