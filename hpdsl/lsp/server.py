"""The language server: pygls wiring, the document store, debounced diagnostics.

Keeps one Snapshot per open document (applying edits itself, see Snapshot.edited) and
publishes the checker's diagnostics on open and on save at once, after a change once
typing pauses: a newer change cancels the pending publication, while the check itself
starts at once in a worker thread (so it runs during the pause) and skips versions
already superseded. Answers hover, completion, definition, references, the outline,
formatting and quick fixes. A handler that fails logs the exception through the LSP
log and answers with an empty result; a request for a document that is not open is
answered with an InvalidParams error.
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..checker import check_text
from ..checker.scope import Scope
from ..formatter import format_source
from . import symbols as sy
from .actions import code_actions
from .completion import complete
from .document import SOURCE_NAME, Snapshot, blank_line
from .hover import hover
from .outline import outline

__all__ = ["HpdslServer", "create_server", "serve", "DEBOUNCE_SECONDS"]

# How long typing must pause before a change's diagnostics are published; the
# initialization option `debounceMs` overrides it. Short, because the check starts at
# once and a 1,000-line file takes about 40 ms: diagnostics arrive within 50 ms of the
# last change, while bursts of edits (a paste, a multi-cursor edit) are coalesced and a
# superseded version is never published.
DEBOUNCE_SECONDS = 0.025
TRIGGER_CHARACTERS = [" ", ",", "+", ":"]


class HpdslServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("hpdsl", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents: dict[str, Snapshot] = {}
        self.last_parsed: dict[str, Snapshot] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.debounce = DEBOUNCE_SECONDS
        # One thread checks changed documents while the user is still typing.
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpdsl-check")
        self.snippets = False
        self.shut_down = False

    # ---- documents -------------------------------------------------------------------------------

    @property
    def encoding(self):
        try:
            return self.workspace.position_encoding
        except RuntimeError:
            return types.PositionEncodingKind.Utf16

    def document(self, uri: str) -> Snapshot:
        """The open document at `uri`; an InvalidParams error for any other uri."""
        snap = self.documents.get(uri)
        if snap is None:
            raise JsonRpcInvalidParams(f"unknown document {uri}: hpdsl only answers for documents it has opened")
        return snap

    def open(self, uri: str, version: int | None, text: str) -> None:
        self.documents[uri] = Snapshot(uri, version, text, to_fs_path(uri) or uri, self.encoding)

    def close(self, uri: str) -> None:
        self.cancel(uri)
        self.documents.pop(uri, None)
        self.last_parsed.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def fallback(self, uri: str) -> Snapshot | None:
        """The last version of the document that parsed."""
        return self.last_parsed.get(uri)

    def best_scope(self, snap: Snapshot, offset: int) -> Scope | None:
        """What the document declares, as well as it can be known while a line is half typed:
        the text as it is, else the text without the cursor's line, else the last version
        that parsed."""
        if snap.parsed:
            return snap.analysis.scope
        analysis = check_text(blank_line(snap.text, offset), snap.path)
        if analysis.program is not None:
            return analysis.scope
        last = self.fallback(snap.uri)
        return last.analysis.scope if last is not None else None

    # ---- diagnostics -----------------------------------------------------------------------------

    def publish(self, uri: str) -> None:
        snap = self.documents.get(uri)
        if snap is None:
            return
        try:
            diagnostics = snap.diagnostics()
        except Exception:
            # A bug in the checker: say so where the user looks, rather than leave stale findings.
            self.log_exception(f"checking {uri}")
            diagnostics = [types.Diagnostic(
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                message="hpdsl could not check this file: an internal error (the language server's log has the "
                        "details; please report it)",
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE_NAME,
            )]
        else:
            if snap.parsed:
                self.last_parsed[uri] = snap
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=snap.version)
        )

    def cancel(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def schedule(self, uri: str) -> None:
        """Check the document once typing pauses; a newer change cancels this run."""
        self.cancel(uri)
        if self.shut_down:
            return
        self.pending[uri] = asyncio.ensure_future(self._publish_later(uri))

    async def _publish_later(self, uri: str) -> None:
        # The check starts at once, in the checker thread, so that it runs during the
        # pause instead of after it; only the publication waits for typing to stop.
        checking = asyncio.get_running_loop().run_in_executor(self.checker, self._analyse, uri)
        await asyncio.sleep(self.debounce)
        await checking
        self.pending.pop(uri, None)
        try:
            self.publish(uri)
        except Exception:
            self.log_exception("publishing diagnostics")

    def _analyse(self, uri: str) -> None:
        """Run in the checker thread: analyse the document as it is now, so that a version
        superseded while this job waited is never analysed."""
        snap = self.documents.get(uri)
        try:
            if snap is not None:
                _ = snap.analysis  # computed once and kept, for publish()
        except Exception:
            pass  # publish() meets the same exception on the event loop, and logs it

    # ---- the LSP log -------------------------------------------------------------------------------

    def log_exception(self, where: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error,
                message=f"hpdsl: internal error while {where}:\n{traceback.format_exc()}",
            ))
        except Exception:
            pass  # the client is gone: nobody to tell


def _guarded(where: str, empty=None):
    """Answer `empty` (and log the exception) when a handler fails; protocol errors pass through."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(ls: HpdslServer, params):
            try:
                return handler(ls, params)
            except JsonRpcException:
                raise
            except Exception:
                ls.log_exception(where)
                return empty() if callable(empty) else empty

        return run

    return wrap


# ---- lifecycle and synchronisation ---------------------------------------------------------------


@_guarded("initializing")
def initialize(ls: HpdslServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("debounceMs"), (int, float)):
        ls.debounce = max(0.0, options["debounceMs"] / 1000)
    completion = params.capabilities.text_document and params.capabilities.text_document.completion
    item = completion.completion_item if completion else None
    ls.snippets = bool(item and item.snippet_support)


@_guarded("shutting down")
def shutdown(ls: HpdslServer, params) -> None:
    ls.shut_down = True
    for uri in list(ls.pending):
        ls.cancel(uri)
    ls.checker.shutdown(wait=False, cancel_futures=True)


@_guarded("opening a document")
def did_open(ls: HpdslServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    ls.cancel(document.uri)
    ls.open(document.uri, document.version, document.text)
    ls.publish(document.uri)


@_guarded("applying a change")
def did_change(ls: HpdslServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    snap = ls.documents.get(uri)
    if snap is None:
        return
    ls.documents[uri] = snap.edited(params.content_changes, params.text_document.version)
    ls.schedule(uri)


@_guarded("saving a document")
def did_save(ls: HpdslServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri in ls.documents:
        ls.cancel(uri)
        ls.publish(uri)


@_guarded("closing a document")
def did_close(ls: HpdslServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close(params.text_document.uri)


# ---- requests -------------------------------------------------------------------------------------


def _position_request(where: str, empty=None):
    """A request about one position of an open document: (ls, snap, offset, params)."""

    def wrap(handler):
        @_guarded(where, empty)
        @functools.wraps(handler)
        def run(ls: HpdslServer, params):
            snap = ls.document(params.text_document.uri)
            return handler(ls, snap, snap.offset(params.position), params)

        return run

    return wrap


@_position_request("answering a hover")
def on_hover(ls: HpdslServer, snap: Snapshot, offset: int, params) -> types.Hover | None:
    return hover(snap, offset, ls.fallback(snap.uri))


@_position_request("completing", empty=list)
def on_completion(ls: HpdslServer, snap: Snapshot, offset: int, params) -> list[types.CompletionItem]:
    return complete(snap, offset, ls.best_scope(snap, offset), ls.snippets)


def _target(snap: Snapshot, offset: int):
    if not snap.parsed:
        return None, []
    found = sy.occurrences(snap.analysis.program, snap.analysis.scope)
    return sy.at(found, offset), found


@_position_request("finding a definition")
def on_definition(ls: HpdslServer, snap: Snapshot, offset: int, params) -> types.Location | None:
    target, found = _target(snap, offset)
    if target is None:
        return None
    declared = sy.definition(found, target)
    if declared is None:
        return None
    return types.Location(uri=snap.uri, range=snap.range(declared.span))


@_position_request("finding references", empty=list)
def on_references(ls: HpdslServer, snap: Snapshot, offset: int, params) -> list[types.Location]:
    target, found = _target(snap, offset)
    if target is None:
        return []
    include = params.context.include_declaration if params.context is not None else True
    return [types.Location(uri=snap.uri, range=snap.range(o.span)) for o in sy.references(found, target, include)]


@_guarded("building the outline", empty=list)
def on_document_symbol(ls: HpdslServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    return outline(ls.document(params.text_document.uri))


@_guarded("formatting", empty=list)
def on_formatting(ls: HpdslServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    snap = ls.document(params.text_document.uri)
    result = format_source(snap.text, snap.path)
    if result.text is None or result.text == snap.text:
        return []
    whole = types.Range(start=types.Position(line=0, character=0), end=snap.position(len(snap.text)))
    return [types.TextEdit(range=whole, new_text=result.text)]


@_guarded("listing code actions", empty=list)
def on_code_action(ls: HpdslServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    snap = ls.document(params.text_document.uri)
    only = params.context.only if params.context is not None else None
    if only and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
        return []
    return code_actions(snap, snap.span(params.range))


def create_server() -> HpdslServer:
    server = HpdslServer()
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_HOVER)(on_hover)
    server.feature(types.TEXT_DOCUMENT_COMPLETION,
                   types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))(on_completion)
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(on_definition)
    server.feature(types.TEXT_DOCUMENT_REFERENCES)(on_references)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(on_document_symbol)
    server.feature(types.TEXT_DOCUMENT_FORMATTING)(on_formatting)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                   types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))(on_code_action)
    return server


def serve() -> None:
    """Run the language server on stdin and stdout until the client says exit.

    Exits with status 1 when the client exits (or goes away) without asking for a
    shutdown first, as the protocol says; pygls does not pass that status on itself.
    """
    server = create_server()
    server.start_io()
    if not server.shut_down:
        raise SystemExit(1)
