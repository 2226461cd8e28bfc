"""`hpdsl lsp` under a hostile client: a raw JSON-RPC client writes frames by hand.

Each test starts the real server process and talks to it over its stdio, byte for
byte, the way a buggy or malicious client would: wrong Content-Length values, garbage,
invalid JSON, invalid params, requests after shutdown. The promise pinned here: the
server answers every request exactly once and, after a malformed frame, reads on from
the next frame (it never needs to exit over framing; see hpdsl/lsp/transport.py).

Nothing here can hang: every read has a timeout and every process is killed in teardown.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections import Counter

import pytest
from pygls.io_ import StdoutWriter

from hpdsl.lsp.protocol import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, SERVER_NOT_INITIALIZED
from hpdsl.lsp.server import create_server
from hpdsl.lsp.transport import Broken, FrameReader, Message

from helpers import LSP_PREAMBLE, hpdsl_command

TIMEOUT = 30  # seconds before a missing answer fails the test instead of hanging it

CLEAN = LSP_PREAMBLE + """\
set l2 = 0.5
train on train
evaluate on validation report mse
test on test
"""
SMALL = "file:///project/small.hp"


def frame(message, length: int | None = None, header: bytes | None = None) -> bytes:
    """One frame; `length` overrides the true Content-Length, `header` the whole header block."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    if header is None:
        header = b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length)
    return header + body


def request(msg_id, method: str, params=None) -> dict:
    message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params=None) -> dict:
    return {"jsonrpc": "2.0", "method": method, "params": params or {}}


def hover(msg_id, uri: str = SMALL, line: int = 8) -> dict:
    return request(msg_id, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": 5}})


def did_open(uri: str, text: str, version: int = 1) -> dict:
    return notification("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "hpdsl", "version": version,
                                                                  "text": text}})


class Server:
    """The real `hpdsl lsp` process and a raw client reading its frames in a thread."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([*hpdsl_command(), "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr)
        self.inbox: queue.Queue = queue.Queue()
        self.seen: list[dict] = []  # every message read so far, in order
        self.mark = 0  # where the current test's messages start in `seen`
        self.taken: set[int] = set()  # indexes in `seen` of the responses answer() returned
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        reader = FrameReader()
        while True:
            try:
                data = os.read(self.process.stdout.fileno(), 1 << 16)
            except (OSError, ValueError):  # kill() closed the pipe under this thread
                data = b""
            if not data:
                self.inbox.put(None)
                return
            for event in reader.feed(data):
                # The server's own frames must always be well formed.
                self.inbox.put(event.value if isinstance(event, Message) else event)

    def send(self, *chunks: bytes | dict) -> None:
        for chunk in chunks:
            self.process.stdin.write(chunk if isinstance(chunk, bytes) else frame(chunk))
        self.process.stdin.flush()

    def next(self, timeout: float = TIMEOUT) -> dict:
        try:
            message = self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from the server within {timeout} s; seen: {self.seen[-5:]}") from None
        assert message is not None, f"the server closed its output: {self.diagnosis()}"
        assert isinstance(message, dict), f"a malformed frame from the server: {message}"
        self.seen.append(message)
        return message

    def answer(self, msg_id, timeout: float = TIMEOUT) -> dict:
        """The first response to request `msg_id` not taken yet, whether already read or still to come."""
        for index in range(self.mark, len(self.seen)):
            if index not in self.taken and self._answers(self.seen[index], msg_id):
                self.taken.add(index)
                return self.seen[index]
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            if self._answers(message, msg_id):
                self.taken.add(len(self.seen) - 1)
                return message

    @staticmethod
    def _answers(message: dict, msg_id) -> bool:
        return "method" not in message and message.get("id") == msg_id

    def error(self, msg_id, timeout: float = TIMEOUT) -> dict:
        response = self.answer(msg_id, timeout)
        assert "error" in response, f"expected an error for request {msg_id}, got {response}"
        return response["error"]

    def initialize(self) -> None:
        self.send(request(0, "initialize", {"processId": None, "capabilities": {}}))
        assert "capabilities" in self.answer(0)["result"]
        self.send(notification("initialized"), did_open(SMALL, CLEAN))
        self.published(SMALL)

    def published(self, uri: str) -> dict:
        while True:
            message = self.next()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return message["params"]

    def exit_status(self, timeout: float = TIMEOUT) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit within {timeout} s") from None

    def diagnosis(self) -> str:
        self.stderr.seek(0)
        return f"status {self.process.poll()}, stderr: {self.stderr.read()[-2000:].decode(errors='replace')}"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass  # a pipe the dead server left unread


@pytest.fixture
def server():
    """A server of one's own, not initialized."""
    running = Server()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def ready(server: Server) -> Server:
    """A server of one's own, initialized, with SMALL open."""
    server.initialize()
    return server


@pytest.fixture(scope="module")
def shared_server():
    running = Server()
    try:
        running.initialize()
        yield running
    finally:
        running.kill()


@pytest.fixture
def shared(shared_server: Server) -> Server:
    """One server for all the tests whose malformed input must not break it: each
    test's messages are read from where the last test stopped."""
    shared_server.mark = len(shared_server.seen)
    return shared_server


_ids = itertools.count(1000)


def new_ids(n: int) -> list[int]:
    """Request ids no other test of the shared server uses."""
    return [next(_ids) for _ in range(n)]


def answered_once(server: Server, ids) -> None:
    """After a round trip that follows everything sent so far, each id has exactly one response."""
    (last,) = new_ids(1)
    server.send(request(last, "textDocument/documentSymbol", {"textDocument": {"uri": SMALL}}))
    server.answer(last)
    counts = Counter(m["id"] for m in server.seen[server.mark:] if "method" not in m and m.get("id") is not None)
    assert {i: counts[i] for i in ids} == {i: 1 for i in ids}


def parse_errors(server: Server) -> list[dict]:
    return [m["error"] for m in server.seen[server.mark:] if "method" not in m and m.get("id") is None]


# ---- malformed frames: the server reads on from the next frame -----------------------------------
#
# All on one server: each test then also proves that what the tests before it sent did
# not leave the server deaf.

WRONG_LENGTHS = {"too-large": lambda n: n + 200, "3-too-large": lambda n: n + 3, "too-small": lambda n: n - 20,
                 "zero": lambda n: 0, "absurd": lambda n: 10**12}


@pytest.mark.parametrize("wrong", WRONG_LENGTHS.values(), ids=WRONG_LENGTHS.keys())
def test_a_wrong_content_length_costs_one_request(shared: Server, wrong):
    bad, good = new_ids(2)
    body = json.dumps(hover(bad)).encode()
    shared.send(frame(body, length=wrong(len(body))), hover(good))
    error = shared.error(bad)
    assert error["code"] == INVALID_REQUEST and "Content-Length" in error["message"], error
    assert "**l2**" in shared.answer(good)["result"]["contents"]["value"]
    answered_once(shared, [bad, good])


def test_a_too_long_content_length_and_then_silence_is_still_answered(shared: Server):
    """The client declared more bytes than it sent and waits: no frame comes to resynchronise
    on, so the server takes the complete JSON body after a pause without bytes."""
    bad, good = new_ids(2)
    body = json.dumps(hover(bad)).encode()
    shared.send(frame(body, length=len(body) + 50))
    error = shared.error(bad)
    assert error["code"] == INVALID_REQUEST and "Content-Length said" in error["message"]
    shared.send(hover(good))
    assert "result" in shared.answer(good)


GARBAGE = {
    "binary": bytes(range(256)) * 4,
    "text-line": b"this is not a frame\r\n",
    "glued-token": b"abc",
    "nul-bytes": b"\x00" * 100,
    "half-header": b"Content-Length: \r\n\r\n",
    "not-utf8-body": frame(b'{"jsonrpc": "2.0", "id": \xff\xfe}'),
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_skipped_and_the_next_request_answered(shared: Server, garbage: bytes):
    (good,) = new_ids(1)
    shared.send(garbage, hover(good))
    assert "**l2**" in shared.answer(good)["result"]["contents"]["value"]
    (error,) = parse_errors(shared)
    assert error["code"] == PARSE_ERROR and "skipped" in error["message"]
    assert any(m.get("method") == "window/logMessage" and "Content-Length header" in m["params"]["message"]
               for m in shared.seen[shared.mark:])
    answered_once(shared, [good])


def test_a_header_without_content_length(shared: Server):
    bad, good = new_ids(2)
    header = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
    shared.send(frame(hover(bad), header=header), hover(good))
    error = shared.error(bad)
    assert error["code"] == INVALID_REQUEST and "without Content-Length" in error["message"]
    assert "result" in shared.answer(good)
    answered_once(shared, [bad, good])


INVALID_JSON = {"cut": b'{"jsonrpc": "2.0", "id": 1, "method": ', "braces": b"{{{{", "not-utf8": b"\xff\xfe\x00",
                "open-list": b"[1, 2", "deep": b"[" * 100_000 + b"]" * 100_000}


@pytest.mark.parametrize("body", INVALID_JSON.values(), ids=INVALID_JSON.keys())
def test_invalid_json_is_a_parse_error_and_the_next_request_is_answered(shared: Server, body: bytes):
    (good,) = new_ids(1)
    shared.send(frame(body), hover(good))
    assert "result" in shared.answer(good)
    (error,) = parse_errors(shared)
    assert error["code"] == PARSE_ERROR
    answered_once(shared, [good])


def test_one_malformed_frame_after_another(shared: Server):
    first, second, third, fourth, fifth = new_ids(5)
    one, four = json.dumps(hover(first)).encode(), json.dumps(hover(fourth)).encode()
    shared.send(frame(one, length=len(one) - 7), b"\x00garbage\x01", frame(b"{oops}"),
                frame(four, length=len(four) + 9), hover(second),
                frame(hover(third), header=b"X-Nothing: 1\r\n\r\n"), hover(fifth))
    assert "result" in shared.answer(fifth)
    for msg_id in (first, third, fourth):
        assert shared.error(msg_id)["code"] == INVALID_REQUEST
    answered_once(shared, [first, second, third, fourth, fifth])


def test_frames_split_at_every_byte_still_arrive(shared: Server):
    first, second = new_ids(2)
    data = frame(hover(first)) + frame(hover(second))
    for i in range(len(data)):
        shared.send(data[i:i + 1])
    assert "result" in shared.answer(first) and "result" in shared.answer(second)


# ---- every request is answered exactly once -------------------------------------------------------

INVALID = {
    "no-position": ("textDocument/hover", {"textDocument": {"uri": SMALL}}, INVALID_PARAMS),
    "number-document": ("textDocument/hover", {"textDocument": 5, "position": {"line": 0, "character": 0}},
                        INVALID_PARAMS),
    "string-params": ("textDocument/documentSymbol", "not an object", INVALID_PARAMS),
    "no-params": ("textDocument/completion", None, INVALID_PARAMS),
    "text-line": ("textDocument/hover", {"textDocument": {"uri": SMALL}, "position": {"line": "x", "character": 0}},
                  INVALID_PARAMS),
    "unknown-method": ("hpdsl/noSuchMethod", {}, METHOD_NOT_FOUND),
    "unserved-method": ("textDocument/rename", {"textDocument": {"uri": SMALL}, "position": {"line": 0, "character": 0},
                                                "newName": "x"}, METHOD_NOT_FOUND),
}


@pytest.mark.parametrize("method,params,code", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_request_gets_its_error(shared: Server, method: str, params, code: int):
    bad, good = new_ids(2)
    shared.send(request(bad, method, params), hover(good))
    error = shared.error(bad)
    assert error["code"] == code, error
    assert method in error["message"]
    assert "result" in shared.answer(good)
    answered_once(shared, [bad, good])


def test_messages_that_are_not_json_rpc_requests(shared: Server):
    no_version, old_version, number_method, good = new_ids(4)
    for message, answer_to in (({"id": no_version, "method": "shutdown"}, no_version),
                               ({"jsonrpc": "1.0", "id": old_version, "method": "shutdown"}, old_version),
                               ({"jsonrpc": "2.0", "id": number_method, "method": 42}, number_method),
                               ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}, None),
                               ([request(1, "shutdown")], None), (42, None), ("text", None)):
        shared.send(frame(message))
        assert shared.error(answer_to)["code"] == INVALID_REQUEST, message
    shared.send(hover(good))
    assert "result" in shared.answer(good)
    answered_once(shared, [no_version, old_version, number_method, good])


def test_a_change_to_a_document_never_opened_is_ignored(shared: Server):
    good, about_it = new_ids(2)
    nowhere = "file:///project/never-opened.hp"
    shared.send(notification("textDocument/didChange", {
        "textDocument": {"uri": nowhere, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                            "text": "x"}]}),
        notification("textDocument/didSave", {"textDocument": {"uri": nowhere}}),
        hover(good))
    assert "result" in shared.answer(good)
    since = shared.seen[shared.mark:]
    assert not [m for m in since if m.get("method") == "window/showMessage"], "a popup for the user"
    (warning,) = [m["params"]["message"] for m in since if m.get("method") == "window/logMessage"]
    assert "ignored a change to file:///project/never-opened.hp, which is not open" in warning
    # A request about it is an InvalidParams error (not an internal error, not a crash).
    shared.send(hover(about_it, uri=nowhere))
    error = shared.error(about_it)
    assert error["code"] == INVALID_PARAMS and "unknown document" in error["message"]


# ---- the lifecycle ---------------------------------------------------------------------------------


def test_every_request_after_shutdown_is_invalid_and_exit_is_clean(ready: Server):
    ready.send(request(1, "shutdown"))
    assert ready.answer(1) == {"jsonrpc": "2.0", "id": 1, "result": None}
    ready.send(hover(2), request(3, "shutdown"), request(4, "textDocument/hover", "not even params"))
    for msg_id in (2, 3, 4):
        error = ready.error(msg_id)
        assert error["code"] == INVALID_REQUEST and "shut down" in error["message"]
    ready.send(notification("exit"))
    assert ready.exit_status() == 0


def test_requests_before_initialize_and_an_invalid_initialize(server: Server):
    server.send(hover(1))
    assert server.error(1)["code"] == SERVER_NOT_INITIALIZED
    server.send(request(2, "initialize", {"processId": "abc", "capabilities": {}}))
    assert server.error(2)["code"] == INVALID_PARAMS
    server.send(request(3, "initialize", {"processId": None, "capabilities": {}}))
    assert "capabilities" in server.answer(3)["result"]


def rounds(count: int) -> str:
    """A valid workflow of `count` set/train/evaluate rounds: checking it takes time in proportion."""
    steps = "".join(f"# round {i}\nset l2 = 0.{i % 9 + 1}\ntrain on train\nevaluate on validation\n"
                    for i in range(count))
    return CLEAN.replace("test on test\n", steps + "test on test\n")


def test_a_version_superseded_while_its_check_runs_is_never_published(shared: Server):
    """Version 1 is checked on open; version 2 replaces it at once; version 3 (three times
    as long as version 1, so its check ends after version 1's) replaces that. Only
    version 3's diagnostics may be published."""
    uri = "file:///project/superseded.hp"

    def change(version: int, text: str) -> dict:
        return notification("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                       "contentChanges": [{"text": text}]})

    shared.send(did_open(uri, rounds(2_000)), change(2, CLEAN), change(3, rounds(6_000)))
    assert shared.published(uri)["version"] == 3
    assert [m["params"]["version"] for m in shared.seen[shared.mark:]
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri] == [3]


# ---- a large document ------------------------------------------------------------------------


def test_a_5_mb_document_does_not_hold_up_other_requests(ready: Server):
    """The check of a 5 MB document takes seconds; meanwhile a hover on another document
    and a shutdown are answered, and exit ends the process without waiting for the check."""
    big = "file:///project/big.hp"
    text = rounds(80_000)
    assert len(text) > 5_000_000
    sent = time.monotonic()
    ready.send(did_open(big, text), hover(1))
    assert "**l2**" in ready.answer(1)["result"]["contents"]["value"]
    hover_seconds = time.monotonic() - sent
    ready.send(request(2, "shutdown"))
    ready.answer(2)
    published = [m for m in ready.seen if m.get("method") == "textDocument/publishDiagnostics"]
    assert all(m["params"]["uri"] != big for m in published), "the big document's check ran before the answers"
    ready.send(notification("exit"))
    assert ready.exit_status(timeout=10) == 0
    assert hover_seconds < TIMEOUT / 2


# ---- the pieces, in process -----------------------------------------------------------------------


def test_documents_are_kept_once():
    async def scenario():
        server = create_server()
        server.protocol.set_writer(StdoutWriter(io.BytesIO()))
        server.protocol.receive(request(1, "initialize", {"processId": None, "capabilities": {}}))
        server.protocol.receive(did_open(SMALL, CLEAN))
        assert list(server.documents) == [SMALL]
        assert server.workspace.text_documents == {}
        server.checker.shutdown(wait=True)

    asyncio.run(scenario())


def test_the_frame_reader_recovers_at_every_split_point():
    body = json.dumps(hover(1)).encode()
    stream = (frame(body, length=len(body) - 5) + b"\x00\x01junk" + frame(hover(2))
              + frame(body, header=b"Content-Type: x\r\n\r\n") + frame(b"{nope") + frame(hover(3)))
    expected = [(Broken, hover(1)), (Message, hover(2)), (Broken, hover(1)), (Broken, None), (Message, hover(3))]
    for step in (len(stream), 1, 2, 3, 5, 8, 13):
        reader = FrameReader()
        events = [e for i in range(0, len(stream), step) for e in reader.feed(stream[i:i + step])]
        got = [(type(e), e.value) for e in events]
        # The junk and the region it bounds may be reported together or apart, never lost.
        assert [g for g in got if g[1] is not None] == [x for x in expected if x[1] is not None], step
        assert sum(isinstance(e, Broken) for e in events) >= 3, step


def test_a_failing_handler_is_logged_and_answered_empty():
    # Called directly, on a real server that writes to a buffer: a notification handler
    # and a request handler that raise answer None and [] and log the traceback.
    from lsprotocol import types as t
    from pygls.exceptions import JsonRpcInvalidParams

    from hpdsl.lsp import server as s

    server = s.HpdslServer()
    written = io.BytesIO()
    server.protocol.set_writer(StdoutWriter(written))
    try:
        assert s.initialize(server, None) is None
        server.open("file:///a.hp", 1, "model ridge\n")
        broken = t.CompletionParams(text_document=t.TextDocumentIdentifier(uri="file:///a.hp"), position=None)
        assert asyncio.run(s.on_completion(server, broken)) == []
        unknown = t.HoverParams(text_document=t.TextDocumentIdentifier(uri="file:///b.hp"),
                                position=t.Position(line=0, character=0))
        with pytest.raises(JsonRpcInvalidParams):  # a protocol error is the client's answer, not a log
            asyncio.run(s.on_hover(server, unknown))
    finally:
        server.answers.shutdown(wait=True)
        server.checker.shutdown(wait=True)
    log = written.getvalue().decode()
    assert "internal error while initializing" in log and "internal error while completing" in log
    assert log.count("Traceback") == 2
