"""The language server's byte stream: stdin split into LSP frames, and recovery from broken ones.

pygls reads frames with `readline`: after one malformed frame (a wrong Content-Length,
binary garbage, a header block without Content-Length) a JSON body, which has no line
end, is read together with the next frame's header line, and so on for every frame
after it: the server stays alive but never answers again. hpdsl reads the stream itself.

The choice: resynchronise, and never exit over framing. Resynchronising is sound
because a header line (`Content-Length: N` and a line end) cannot occur inside a JSON
text: a JSON string cannot hold a raw line end, and outside strings JSON allows only
its own tokens. So after a broken frame the next such line starts the next frame (or
more garbage, skipped the same way), whatever the broken frame's bytes were, and the
position in the stream is never unknowable:

- bytes that do not start a header block (garbage, a stray body) are skipped up to the
  next `Content-Length:` header line;
- a header block without a usable Content-Length (none, not a number, over 256 MiB), and
  a body that is not JSON, start a broken region that ends at the next header line, or
  as soon as the region is one complete JSON value (a Content-Length too small: the
  rest of the body follows);
- a body whose declared length is too large is cut where the next header line appears
  inside it, so the frames it would swallow are read normally; if no further frame
  comes while the client waits for an answer, a body that is already one complete JSON
  value is taken as broken after `STALL_SECONDS` without a byte.

Each broken region is reported once (see `Broken`): the protocol answers a request
whose JSON survived with an InvalidRequest error under its own id (it is not processed:
a framing error is a client bug to surface, not to guess around), and anything else
with a Parse error under a null id, as JSON-RPC 2.0 specifies. What cannot be recovered
is only what the client sent wrong: a request whose own bytes are not a complete JSON
text has no id to answer under, and a frame without Content-Length that directly
follows a broken region joins that region (telling its header from body bytes would
take a guess). The process exits non-zero (1) only when the stream itself ends or fails:
stdin closed without `shutdown` and `exit`, or unreadable.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Message", "Broken", "FrameReader", "read_stdin", "STALL_SECONDS"]

# A client that declared too long a body and then waits for the answer sends nothing
# more: after this long without a byte, a body that is already complete JSON is taken.
STALL_SECONDS = 1.0

MAX_HEADER_BYTES = 8 * 1024
MAX_BODY_BYTES = 256 * 1024 * 1024
# A broken region is kept (to recover the JSON value in it) only up to this size; past
# it the region is only scanned for the next header line.
MAX_REGION_BYTES = 1024 * 1024

_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_FIELD = _TOKEN + rb"[ \t]*:[^\r\n]*\r?\n"
_BLOCK = re.compile(rb"((?:" + _FIELD + rb")+)\r?\n")
_PARTIAL_BLOCK = re.compile(rb"(?:" + _FIELD + rb")*(?:" + _TOKEN + rb"(?:[ \t]*:[^\r\n]*)?)?\r?\Z")
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]{0,8}:[ \t]{0,8}(\d{1,20})[ \t]{0,8}\r?\n", re.IGNORECASE)
# A header line split over two reads is found once its rest arrives: rescan this much.
_OVERLAP = 96


@dataclass
class Message:
    """A well-formed frame's body, decoded."""

    value: Any


@dataclass
class Broken:
    """Bytes that were not a well-formed frame. `value` is the JSON value they held when
    they were one complete JSON text (a message with a wrong or missing Content-Length),
    else None."""

    size: int
    reason: str
    value: Any = None


def _decode(body: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False, None


def _leading_value(region: bytes) -> tuple[bool, Any]:
    """The JSON value a closed broken region starts with: the message whose Content-Length
    was too small, when garbage follows the rest of its body."""
    try:
        return True, json.JSONDecoder().raw_decode(region.decode("utf-8", "replace").lstrip())[0]
    except (ValueError, RecursionError):
        return False, None


class FrameReader:
    """Turns chunks of bytes into Message and Broken events (no I/O of its own)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._state = "header"  # header | body | skip | broken
        self._length: int | None = 0  # the declared body length (None: there was none)
        self._scanned = 0  # where the search for the next header line resumes
        self._dropped = 0  # bytes of the current skip or broken region no longer buffered
        self._reason = ""
        self._tried = 0  # buffer length at the last attempt to decode a broken region
        self._bad_header = 0  # the size of the unusable header block a broken region follows

    @property
    def waiting_for_body(self) -> bool:
        return self._state == "body"

    def feed(self, data: bytes) -> list[Message | Broken]:
        self._buffer += data
        events: list[Message | Broken] = []
        while True:
            event = getattr(self, f"_{self._state}")()
            if event is None:
                return events
            if event is not _AGAIN:
                events.append(event)

    def stalled(self) -> list[Message | Broken]:
        """No byte came for STALL_SECONDS: a body that is complete JSON although shorter
        than declared is taken as a frame with a wrong Content-Length."""
        if self._state != "body":
            return []
        ok, value = _decode(bytes(self._buffer))
        if not ok:
            return []
        size = len(self._buffer)
        self._reset("header", size)
        return [Broken(size, self._mismatch(size), value)]

    def _mismatch(self, size: int) -> str:
        return f"its Content-Length said {self._length} bytes, but the message has {size}"

    # ---- states: each returns an event, _AGAIN to run the next state, or None to wait for bytes

    def _reset(self, state: str, consumed: int) -> None:
        del self._buffer[:consumed]
        self._state = state
        self._scanned = 0
        self._dropped = 0
        self._tried = 0
        self._bad_header = 0

    def _header(self):
        buffer = self._buffer
        blank = 0
        while blank < len(buffer) and buffer[blank] in b"\r\n":
            blank += 1
        if blank:
            # Line ends between frames are harmless; some clients send them.
            del buffer[:blank]
        if not buffer:
            return None
        block = _BLOCK.match(buffer)
        if block is None:
            if len(buffer) <= MAX_HEADER_BYTES and _PARTIAL_BLOCK.match(buffer):
                return None
            # Not a header block: skip to the next header line (past this position,
            # so that a header line that opened a bad block is not taken again).
            self._reason = "bytes that are not a message frame"
            del buffer[:1]
            self._state, self._dropped, self._scanned = "skip", 1, 0
            return _AGAIN
        fields: dict[bytes, bytes] = {}
        for line in block.group(1).splitlines():
            name, _, value = line.partition(b":")
            fields.setdefault(name.strip().lower(), value.strip())
        declared = fields.get(b"content-length")
        glued = _CONTENT_LENGTH.search(buffer, 1, block.end()) if declared is None else None
        if glued is not None:
            # Garbage without a line end, then a frame: the garbage ran into its header.
            self._reset("header", glued.start())
            return Broken(glued.start(), "bytes that are not a message frame")
        if declared is None or not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            self._reason = ("a header without Content-Length" if declared is None
                            else f"an unusable Content-Length {declared[:40].decode('ascii', 'replace')!r}")
            self._length = None
            self._reset("broken", block.end())
            self._bad_header = block.end()
            return _AGAIN
        self._length = int(declared)
        self._reset("body", block.end())
        return _AGAIN

    def _body(self):
        buffer = self._buffer
        if len(buffer) >= self._length:
            body = bytes(buffer[:self._length])
            ok, value = _decode(body)
            if ok:
                self._reset("header", self._length)
                return Message(value)
            # Not JSON: a wrong Content-Length, or a body that is not JSON at all.
            self._reason = f"a body that is not JSON (its Content-Length says {self._length} bytes)"
            self._state, self._scanned, self._tried = "broken", 0, 0
            return _AGAIN
        # A header line inside the declared body means the length was too large.
        found = _CONTENT_LENGTH.search(buffer, max(0, self._scanned - _OVERLAP))
        self._scanned = len(buffer)
        if found is None:
            return None
        self._reason = f"its Content-Length said {self._length} bytes, but the next message starts after {found.start()}"
        self._state, self._scanned, self._tried = "broken", 0, 0
        return _AGAIN

    def _skip(self):
        buffer = self._buffer
        found = _CONTENT_LENGTH.search(buffer, max(0, self._scanned - _OVERLAP))
        if found is None:
            keep = min(len(buffer), _OVERLAP)
            self._dropped += len(buffer) - keep
            del buffer[:len(buffer) - keep]
            self._scanned = len(buffer)
            return None
        size = self._dropped + found.start()
        self._reset("header", found.start())
        return Broken(size, self._reason)

    def _broken(self):
        buffer = self._buffer
        found = _CONTENT_LENGTH.search(buffer, max(0, self._scanned - _OVERLAP))
        if found is not None:
            region = bytes(buffer[:found.start()])
            size = self._dropped + len(region)
            ok, value = _leading_value(region) if not self._dropped else (False, None)
            event = self._recovered(size, value) if ok else Broken(self._bad_header + size, self._reason)
            self._reset("header", found.start())
            return event
        self._scanned = len(buffer)
        if self._dropped or len(buffer) > MAX_REGION_BYTES:
            keep = min(len(buffer), _OVERLAP)
            self._dropped += len(buffer) - keep
            del buffer[:len(buffer) - keep]
            self._scanned = len(buffer)
            return None
        # The rest of a body whose Content-Length was too small: the region becomes
        # one JSON value as soon as it has all arrived (objects end with "}").
        if len(buffer) != self._tried and buffer.rstrip().endswith(b"}"):
            self._tried = len(buffer)
            ok, value = _decode(bytes(buffer))
            if ok:
                size = len(buffer)
                self._reset("header", size)
                return self._recovered(size, value)
        return None

    def _recovered(self, size: int, value) -> Broken:
        """A whole JSON message in a broken region: its frame's header was wrong."""
        return Broken(size, self._reason if self._length is None else self._mismatch(size), value)


_AGAIN = object()


def read_stdin(loop: asyncio.AbstractEventLoop, deliver: Callable[[bytes | None], None], fd: int) -> None:
    """Read `fd` in a daemon thread and hand each chunk to `deliver` on the loop: b"" at
    the end of input, None when reading fails. A daemon thread, so that a read blocked on
    a client that keeps its end open never holds the process after `exit`."""

    def run() -> None:
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                data = None
            try:
                loop.call_soon_threadsafe(deliver, data)
            except RuntimeError:
                return  # the loop has ended
            if not data:
                return

    threading.Thread(target=run, name="hpdsl-stdin", daemon=True).start()
