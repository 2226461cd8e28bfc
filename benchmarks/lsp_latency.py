"""How long `hpdsl lsp` takes to publish diagnostics after an edit, seen by a real client.

Run by hand (not part of the test suite), with the `lsp` extra installed:

    python benchmarks/lsp_latency.py             # 50 edits per document size
    python benchmarks/lsp_latency.py --edits 200

A pygls client starts `hpdsl lsp` over stdio, opens a workflow of about 30, 1,000 and
10,000 lines, and sends edits one at a time (each changes a `set` value, so each needs
a fresh check), waiting for the diagnostics of that version before the next. The time
from sending a change to receiving its diagnostics includes the debounce delay on
purpose (the server waits for typing to pause): the table reports it, and that time
minus the delay (what the user waits once they stop typing). A second run with the
delay set to zero (initialization option `debounceMs`) shows the check alone.
Hover and completion round trips on the same documents are printed for scale.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

from lsprotocol import types as t
from pygls.lsp.client import BaseLanguageClient

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from hpdsl.lsp.server import DEBOUNCE_SECONDS  # noqa: E402  (after the path is set)

PREAMBLE = """\
# A long experiment: many rounds of set, train, evaluate.
workflow "latency"

data houses = synthetic(rows: 2000, features: 5, noise: 0.3, seed: 1)
split houses -> train 60%, validation 20%, test 20% seed 42

model linear_regression

hyper {
    learning_rate: float in (0, 1]    = 0.05
    l2:            float in [0, 100]  = 0.0
    epochs:        int   in [1, 5000] = 300
    batch_size:    int   in [1, 4096] = 64
}

param {
    weights   = zeros
    intercept = 0.0
}

standardize using train
"""

ROUND = """\
# round {i}: a slightly stronger penalty
set l2 = {value}
train on train {{
    every 50 epochs: log mse on validation
    stop early when mse on validation has not improved for 40 epochs
}}
evaluate on validation report mse, r2

"""

FINALE = "tune learning_rate in [0.01, 0.05, 0.1], l2 in logspace(-4, 0, 5) on validation minimize mse\n" \
         "test on test report mse, rmse, mae, r2\n"


def workflow(lines: int) -> str:
    text = PREAMBLE + ROUND.format(i=0, value="0.1")
    i = 1
    while text.count("\n") + ROUND.count("\n") + 2 <= lines:
        text += ROUND.format(i=i, value=f"0.{i % 9 + 1}")
        i += 1
    return text + FINALE


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Client(BaseLanguageClient):
    def __init__(self) -> None:
        super().__init__("hpdsl-latency", "1")
        self.waiting: dict[tuple[str, int], asyncio.Future] = {}
        self.received: dict[tuple[str, int], float] = {}

        @self.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: t.PublishDiagnosticsParams) -> None:
            key = (params.uri, params.version)
            self.received[key] = time.perf_counter()
            future = self.waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(params)

    async def published(self, uri: str, version: int) -> float:
        """Wait for the diagnostics of `uri` at `version`; the time they arrived."""
        key = (uri, version)
        if key not in self.received:
            future = asyncio.get_running_loop().create_future()
            self.waiting[key] = future
            await asyncio.wait_for(future, 120)
        return self.received[key]


async def session(debounce_ms: int | None, sizes: list[int], edits: int) -> dict[int, dict[str, list[float]]]:
    client = Client()
    command = [os.path.join(os.path.dirname(sys.executable), "hpdsl")]
    if not os.path.exists(command[0]):
        command = [sys.executable, "-m", "hpdsl"]
    await client.start_io(*command, "lsp")
    options = {"debounceMs": debounce_ms} if debounce_ms is not None else None
    await client.initialize_async(
        t.InitializeParams(capabilities=t.ClientCapabilities(), initialization_options=options))
    client.initialized(t.InitializedParams())
    out = {}
    for size in sizes:
        text = workflow(size)
        uri = f"file:///bench/latency{size}.hp"
        client.text_document_did_open(t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=uri, language_id="hpdsl", version=1, text=text)))
        await client.published(uri, 1)
        line = text.split("\n").index("set l2 = 0.1")
        times: dict[str, list[float]] = {"diagnostics": [], "hover": [], "completion": []}
        for version in range(2, edits + 2):
            value = str(version % 9 + 1)
            change = t.TextDocumentContentChangePartial(
                range=t.Range(start=t.Position(line=line, character=11), end=t.Position(line=line, character=12)),
                text=value)
            sent = time.perf_counter()
            client.text_document_did_change(t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))
            arrived = await client.published(uri, version)
            times["diagnostics"].append(arrived - sent)
            at = t.Position(line=line, character=5)
            start = time.perf_counter()
            await client.text_document_hover_async(t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri),
                                                                 position=at))
            times["hover"].append(time.perf_counter() - start)
            start = time.perf_counter()
            await client.text_document_completion_async(t.CompletionParams(
                text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=line + 2, character=9)))
            times["completion"].append(time.perf_counter() - start)
        out[text.count("\n")] = times
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return out


def table(title: str, results: dict[int, dict[str, list[float]]], minus: float) -> None:
    print(title)
    print(f"{'lines':>7}  {'what':<28}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}")
    for lines, times in results.items():
        rows = [("diagnostics from the change", times["diagnostics"])]
        if minus:
            rows.append(("diagnostics after the pause", [x - minus for x in times["diagnostics"]]))
        rows += [("hover round trip", times["hover"]), ("completion round trip", times["completion"])]
        for name, values in rows:
            print(f"{lines:>7}  {name:<28}{statistics.median(values) * 1000:>10.1f}"
                  f"{percentile(values, 0.95) * 1000:>9.1f}{max(values) * 1000:>9.1f}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=50, help="edits per document size (default 50)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 1000, 10000], help="document sizes in lines")
    args = parser.parse_args()
    default = asyncio.run(session(None, args.sizes, args.edits))
    table(f"hpdsl lsp, default debounce ({DEBOUNCE_SECONDS * 1000:.0f} ms), {args.edits} edits each",
          default, DEBOUNCE_SECONDS)
    immediate = asyncio.run(session(0, args.sizes, args.edits))
    table(f"hpdsl lsp, debounce 0 ms, {args.edits} edits each", immediate, 0.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
