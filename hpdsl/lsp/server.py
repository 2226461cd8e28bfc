"""The language server: pygls wiring, the document store, diagnostics and answers off the event loop.

Keeps one Snapshot per open document (applying edits itself, see Snapshot.edited; pygls'
workspace keeps no copy, see protocol.py). Checks a document in a worker thread on open,
on save and after a change; the diagnostics of an open or a save are published as soon
as the check ends, those of a change once typing pauses (a newer change cancels the
pending publication, while the check itself starts at once, so it runs during the pause).
A version superseded before its check ends is never published. Requests are answered
in other worker threads, so the event loop only reads, writes and dispatches messages:
a 5 MB document being checked holds up neither a hover on another document nor a
shutdown.

Answers hover, completion, definition, references, the outline, formatting and quick
fixes. A handler that fails logs the exception through the LSP log and answers with an
empty result; a request for a document that is not open is answered with an
InvalidParams error (-32602), and a change to a document that is not open is ignored,
with a warning in the LSP log. Reading the byte stream is transport.py's job, the
JSON-RPC rules protocol.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
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
from .protocol import HpdslProtocol
from .transport import STALL_SECONDS, Broken, FrameReader, Message, read_stdin

__all__ = ["HpdslServer", "create_server", "serve", "DEBOUNCE_SECONDS"]

# How long typing must pause before a change's diagnostics are published; the
# initialization option `debounceMs` overrides it. Short, because the check starts at
# once and a 1,000-line file takes about 40 ms: diagnostics arrive within 50 ms of the
# last change, while bursts of edits (a paste, a multi-cursor edit) are coalesced and a
# superseded version is never published.
DEBOUNCE_SECONDS = 0.025
TRIGGER_CHARACTERS = [" ", ",", "+", ":"]
# Two checker threads, so that one huge document does not hold up the others' diagnostics;
# four for answers, so that requests waiting on a huge document's analysis leave room
# for the rest. The threads share one interpreter lock: they keep the loop free, they
# do not make a check faster.
CHECK_THREADS = 2
ANSWER_THREADS = 4


class HpdslServer(LanguageServer):
    protocol: HpdslProtocol

    def __init__(self) -> None:
        super().__init__("hpdsl", __version__, protocol_cls=HpdslProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents: dict[str, Snapshot] = {}
        self.last_parsed: dict[str, Snapshot] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.debounce = DEBOUNCE_SECONDS
        self.checker = ThreadPoolExecutor(max_workers=CHECK_THREADS, thread_name_prefix="hpdsl-check")
        self.answers = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="hpdsl-answer")
        self.snippets = False

    @property
    def shut_down(self) -> bool:
        return self.protocol.shut_down

    # ---- the stream --------------------------------------------------------------------------------

    def start_io(self, stdin=None, stdout=None) -> int:
        """Serve the client on stdin and stdout until it says exit or goes away; the exit status."""
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        fd = (stdin or sys.stdin.buffer).fileno()
        try:
            return asyncio.run(self._serve(fd))
        finally:
            self.checker.shutdown(wait=False, cancel_futures=True)
            self.answers.shutdown(wait=False, cancel_futures=True)

    async def _serve(self, fd: int) -> int:
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        read_stdin(asyncio.get_running_loop(), chunks.put_nowait, fd)
        frames = FrameReader()
        protocol = self.protocol
        try:
            while protocol.exit_code is None:
                if frames.waiting_for_body:
                    try:
                        data = await asyncio.wait_for(chunks.get(), STALL_SECONDS)
                    except asyncio.TimeoutError:
                        for event in frames.stalled():
                            self._receive(event)
                        continue
                else:
                    data = await chunks.get()
                if not data:
                    # The client closed its end, or it cannot be read: no exit came, which
                    # is a failure unless the client had at least asked for a shutdown.
                    return 0 if protocol.shut_down and data == b"" else 1
                for event in frames.feed(data):
                    self._receive(event)
                    if protocol.exit_code is not None:
                        break
        except (BrokenPipeError, ConnectionResetError):
            return 1  # the client stopped reading: nobody left to serve
        return protocol.exit_code

    def _receive(self, event: Message | Broken) -> None:
        try:
            if isinstance(event, Message):
                self.protocol.receive(event.value)
            else:
                self.protocol.receive_broken(event)
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception:
            # A bug in hpdsl or pygls: one message lost is better than a server lost.
            self.log_error("reading a message", traceback.format_exc())

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

    def cancel(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()

    def schedule(self, uri: str, delay: float) -> None:
        """Check the document in a worker thread and publish its diagnostics, no sooner
        than `delay` seconds from now; a newer schedule for the same document cancels this one."""
        self.cancel(uri)
        if self.shut_down:
            return
        self.pending[uri] = asyncio.ensure_future(self._publish_later(uri, delay))

    async def _publish_later(self, uri: str, delay: float) -> None:
        # The check starts at once, so that it runs during the pause instead of after it;
        # only the publication waits for typing to stop.
        checking = asyncio.get_running_loop().run_in_executor(self.checker, self._diagnose, uri)
        if delay:
            await asyncio.sleep(delay)
        snap, diagnostics, failure = await checking
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        if snap is None or self.documents.get(uri) is not snap:
            return  # closed, or superseded: the newer version has its own publication coming
        if failure is not None:
            self.log_error(f"checking {uri}", failure)
        elif snap.parsed:
            self.last_parsed[uri] = snap
        try:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=snap.version))
        except OSError:
            pass  # the client is gone; the loop notices it on its own

    def _diagnose(self, uri: str) -> tuple[Snapshot | None, list[types.Diagnostic], str | None]:
        """Run in a checker thread: the diagnostics of the document as it is when the job
        starts, so that a version superseded while the job waited is never checked."""
        snap = self.documents.get(uri)
        if snap is None:
            return None, [], None
        try:
            return snap, snap.diagnostics(), None
        except Exception:
            # A bug in the checker: say so where the user looks, rather than leave stale findings.
            return snap, [types.Diagnostic(
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                message="hpdsl could not check this file: an internal error (the language server's log has the "
                        "details; please report it)",
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE_NAME,
            )], traceback.format_exc()

    # ---- the LSP log -------------------------------------------------------------------------------

    def log_error(self, where: str, details: str) -> None:
        self.protocol.log(f"internal error while {where}:\n{details}", types.MessageType.Error)

    def report_server_error(self, error: Exception, source) -> None:
        # A failed request has had its error answer. pygls would show a popup for
        # anything else; the log is the place for it.
        if source is FeatureRequestError:
            return
        self.protocol.log(f"internal error: {error!r}", types.MessageType.Error)


@contextlib.contextmanager
def _logged(ls: HpdslServer, where: str):
    """Logs the failure of the handler run inside (which then goes on to answer empty);
    protocol errors pass through."""
    try:
        yield
    except JsonRpcException:
        raise
    except Exception:
        ls.log_error(where, traceback.format_exc())


def _empty(empty):
    return empty() if callable(empty) else empty


def _guarded(where: str, empty=None):
    """Answer `empty` (and log the exception) when a handler fails; protocol errors pass through."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(ls: HpdslServer, params):
            with _logged(ls, where):
                return handler(ls, params)
            return _empty(empty)

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
    for uri in list(ls.pending):
        ls.cancel(uri)
    ls.checker.shutdown(wait=False, cancel_futures=True)


@_guarded("opening a document")
def did_open(ls: HpdslServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    ls.open(document.uri, document.version, document.text)
    ls.schedule(document.uri, 0)


@_guarded("applying a change")
def did_change(ls: HpdslServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    snap = ls.documents.get(uri)
    if snap is None:
        ls.protocol.log(f"ignored a change to {uri}, which is not open (the client sent no didOpen for it)")
        return
    ls.documents[uri] = snap.edited(params.content_changes, params.text_document.version)
    ls.schedule(uri, ls.debounce)


@_guarded("saving a document")
def did_save(ls: HpdslServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri in ls.documents:
        ls.schedule(uri, 0)


@_guarded("closing a document")
def did_close(ls: HpdslServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close(params.text_document.uri)


# ---- requests -------------------------------------------------------------------------------------


def _answer(where: str, empty=None):
    """A request about one open document, answered in a worker thread: (ls, snap, params).

    The event loop only finds the document (an InvalidParams error for an unknown one)
    and waits; a failure in the handler is logged and answered with `empty`."""

    def wrap(handler):
        @functools.wraps(handler)
        async def run(ls: HpdslServer, params):
            snap = ls.document(params.text_document.uri)
            with _logged(ls, where):
                return await asyncio.get_running_loop().run_in_executor(ls.answers, handler, ls, snap, params)
            return _empty(empty)

        return run

    return wrap


@_answer("answering a hover")
def on_hover(ls: HpdslServer, snap: Snapshot, params) -> types.Hover | None:
    return hover(snap, snap.offset(params.position), ls.fallback(snap.uri))


@_answer("completing", empty=list)
def on_completion(ls: HpdslServer, snap: Snapshot, params) -> list[types.CompletionItem]:
    offset = snap.offset(params.position)
    return complete(snap, offset, ls.best_scope(snap, offset), ls.snippets)


def _target(snap: Snapshot, offset: int):
    if not snap.parsed:
        return None, []
    found = sy.occurrences(snap.analysis.program, snap.analysis.scope)
    return sy.at(found, offset), found


@_answer("finding a definition")
def on_definition(ls: HpdslServer, snap: Snapshot, params) -> types.Location | None:
    target, found = _target(snap, snap.offset(params.position))
    if target is None:
        return None
    declared = sy.definition(found, target)
    if declared is None:
        return None
    return types.Location(uri=snap.uri, range=snap.range(declared.span))


@_answer("finding references", empty=list)
def on_references(ls: HpdslServer, snap: Snapshot, params) -> list[types.Location]:
    target, found = _target(snap, snap.offset(params.position))
    if target is None:
        return []
    include = params.context.include_declaration if params.context is not None else True
    return [types.Location(uri=snap.uri, range=snap.range(o.span)) for o in sy.references(found, target, include)]


@_answer("building the outline", empty=list)
def on_document_symbol(ls: HpdslServer, snap: Snapshot, params) -> list[types.DocumentSymbol]:
    return outline(snap)


@_answer("formatting", empty=list)
def on_formatting(ls: HpdslServer, snap: Snapshot, params) -> list[types.TextEdit]:
    result = format_source(snap.text, snap.path)
    if result.text is None or result.text == snap.text:
        return []
    whole = types.Range(start=types.Position(line=0, character=0), end=snap.position(len(snap.text)))
    return [types.TextEdit(range=whole, new_text=result.text)]


@_answer("listing code actions", empty=list)
def on_code_action(ls: HpdslServer, snap: Snapshot, params) -> list[types.CodeAction]:
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


def serve() -> NoReturn:
    """Run the language server on stdin and stdout until the client says exit.

    Exits with status 0 after `shutdown` then `exit`, and 1 when the client exits (or
    goes away) without a shutdown, as the protocol says. The process ends at once even
    while a worker thread is still checking a large document: nothing it computes is
    kept, and the client waits for the process to end.
    """
    code = create_server().start_io()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
