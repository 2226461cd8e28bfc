"""The JSON-RPC rules hpdsl's language server keeps: every request gets exactly one answer.

pygls' protocol leaves some requests unanswered: one whose params do not fit the method
(the deserialisation error is only logged), any request after `shutdown`, and one that is
not a JSON-RPC 2.0 object at all. This subclass checks each decoded message before
pygls sees it, and answers what pygls would drop:

- not an object, no valid `jsonrpc`/`method`/`id`: InvalidRequest (-32600), under the
  request's id when it has a valid one, else under a null id;
- params that do not fit the method: InvalidParams (-32602);
- a request before `initialize`: ServerNotInitialized (-32002); after `shutdown`:
  InvalidRequest (-32600); an unknown method: MethodNotFound (-32601, from pygls);
- a frame the transport could not read (see transport.py): a request it still held
  gets InvalidRequest under its own id, anything else a ParseError (-32700) under a
  null id, and the LSP log says what was skipped.

Notifications are never answered; a bad one is logged and dropped. `exit` ends the
loop (see `exit_code`) instead of calling sys.exit inside a handler.

It also keeps document text out of pygls' workspace: the server keeps its own snapshots
(server.py), so pygls' built-in open/change/close handlers, which would keep a second
copy and raise KeyError for a document never opened, are not registered.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from .transport import Broken

__all__ = ["HpdslProtocol", "PARSE_ERROR", "INVALID_REQUEST", "METHOD_NOT_FOUND", "INVALID_PARAMS",
           "SERVER_NOT_INITIALIZED"]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

_DOCUMENT_SYNC = (types.TEXT_DOCUMENT_DID_OPEN, types.TEXT_DOCUMENT_DID_CHANGE, types.TEXT_DOCUMENT_DID_CLOSE)


_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _short(error: BaseException, limit: int = 300) -> str:
    """A deserialisation error in one line: cattrs nests the field errors as exception groups."""
    parts = []
    stack = [error]
    while stack and len(parts) < 5:
        current = stack.pop(0)
        nested = getattr(current, "exceptions", None)
        if nested:
            stack.extend(nested)
        else:
            note = "; ".join(getattr(current, "__notes__", []) or [])
            parts.append(f"{note}: {current}" if note else str(current) or type(current).__name__)
    text = "; ".join(parts) or type(error).__name__
    return text if len(text) <= limit else text[:limit] + "..."


class HpdslProtocol(LanguageServerProtocol):
    def __init__(self, server, converter) -> None:
        super().__init__(server, converter)
        self.initialized = False
        # Set by `exit`: the status the process ends with (0 after shutdown, else 1).
        self.exit_code: int | None = None

    def _register_builtin_features(self) -> None:
        super()._register_builtin_features()
        for method in _DOCUMENT_SYNC:
            self.fm.builtin_features.pop(method, None)

    @property
    def shut_down(self) -> bool:
        return self._shutdown

    # ---- answering -------------------------------------------------------------------------------

    def reply_error(self, msg_id, code: int, message: str) -> None:
        self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

    def log(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        try:
            self.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(type=kind, message=f"hpdsl: {message}"))
        except OSError:
            pass  # the client is gone: nobody to tell

    # ---- what the transport hands over ----------------------------------------------------------

    def receive_broken(self, broken: Broken) -> None:
        value = broken.value
        if isinstance(value, dict) and isinstance(value.get("method"), str) and _valid_id(value.get("id")):
            self.log(f"a {value['method']} request (id {value['id']!r}) was not framed correctly: {broken.reason}",
                     types.MessageType.Error)
            self.reply_error(value["id"], INVALID_REQUEST,
                             f"the message was not framed correctly: {broken.reason}; it was not processed")
            return
        what = f"a {value['method']} message" if isinstance(value, dict) and isinstance(value.get("method"), str) \
            else f"{broken.size} bytes"
        self.log(f"skipped {what} that could not be read ({broken.reason}); reading on from the next "
                 "Content-Length header", types.MessageType.Error)
        if value is None:
            self.reply_error(None, PARSE_ERROR, f"skipped {broken.size} bytes that could not be read: {broken.reason}")

    def receive(self, value: Any) -> None:
        """Check one decoded message, answer it if pygls would not, else hand it to pygls."""
        if not isinstance(value, dict):
            self.reply_error(None, INVALID_REQUEST, "a JSON-RPC message must be a JSON object (batches are not part "
                                                    "of the Language Server Protocol)")
            return
        msg_id = value.get("id")
        has_id = "id" in value
        answer_to = msg_id if _valid_id(msg_id) else None
        if "method" not in value:
            self._receive_response(value, has_id)
            return
        method = value["method"]
        problem = None
        if value.get("jsonrpc") != "2.0":
            problem = 'it lacks "jsonrpc": "2.0"'
        elif not isinstance(method, str):
            problem = "its method is not a string"
        elif has_id and answer_to is None:
            problem = "its id is neither a number nor a string"
        if problem is not None:
            self.reply_error(answer_to, INVALID_REQUEST, f"not a JSON-RPC 2.0 message: {problem}")
            return
        if method == types.EXIT:
            self.exit_code = 0 if self._shutdown else 1
            return
        if has_id:
            self._receive_request(msg_id, method, value)
        else:
            self._receive_notification(method, value)

    def _receive_request(self, msg_id, method: str, value: dict) -> None:
        if self._shutdown:
            self.reply_error(msg_id, INVALID_REQUEST, f"the server has shut down; {method} was not processed (only "
                                                      "exit is accepted now)")
            return
        if not self.initialized and method != types.INITIALIZE:
            self.reply_error(msg_id, SERVER_NOT_INITIALIZED, f"{method} before initialize")
            return
        try:
            message = self._structure(method, value, JsonRPCRequestMessage)
        except Exception as error:
            params = value.get("params")
            why = _short(error) if isinstance(params, (dict, list)) else \
                f"it needs params, a JSON object, and got {_JSON_TYPES.get(type(params), 'none')}"
            self.reply_error(msg_id, INVALID_PARAMS, f"invalid params for {method}: {why}")
            return
        if method == types.INITIALIZE:
            self.initialized = True
        self.handle_message(message)

    def _receive_notification(self, method: str, value: dict) -> None:
        if self._shutdown:
            self.log(f"ignored {method}: the server has shut down")
            return
        if not self.initialized:
            self.log(f"ignored {method}: it came before initialize")
            return
        try:
            message = self._structure(method, value, JsonRPCNotification)
        except Exception as error:
            self.log(f"ignored {method}: invalid params: {_short(error)}")
            return
        self.handle_message(message)

    def _structure(self, method: str, value: dict, unknown_type: type):
        """The message as its method's protocol type. A method unknown to the protocol reads
        as a bare `unknown_type` (pygls then answers MethodNotFound unless a handler exists)."""
        message_type = self.get_message_type(method)
        if message_type is None:
            message_type = unknown_type
            value = {"params": None, **value}
        return self._converter.structure(value, message_type)

    def _receive_response(self, value: dict, has_id: bool) -> None:
        """An answer to a request the server sent."""
        if not has_id or not _valid_id(value.get("id")) or value.get("jsonrpc") != "2.0":
            self.reply_error(None, INVALID_REQUEST, "not a JSON-RPC 2.0 message: no method, and no valid id")
            return
        try:
            if "error" in value:
                message = self._converter.structure(value, types.ResponseErrorMessage)
            else:
                message = self._converter.structure(
                    {"result": None, **value}, self._result_types.pop(value["id"], None) or JsonRPCResponseMessage)
        except Exception as error:
            self.log(f"ignored a response (id {value['id']!r}) that could not be read: {_short(error)}")
            return
        self.handle_message(message)
