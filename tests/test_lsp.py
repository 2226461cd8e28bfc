"""`hpdsl lsp` end to end: a real LSP client (pytest-lsp) drives the server over stdio.

Every test waits on the server's notifications and answers; none sleeps. Most tests
share one server (module scope) and each opens its own document; the tests that may
break a server (garbage, huge files, shutdown) get their own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import subprocess
import sys

import pytest
import pytest_lsp
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from hpdsl.checker import check_text
from hpdsl.render import rule_url
from hpdsl.source import Source

from helpers import LSP_PREAMBLE as PREAMBLE, ROOT, hpdsl_command

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = ClientServerConfig(server_command=[*hpdsl_command(), "lsp"])
PUBLISH = t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
WAIT = 60  # seconds before a missing notification fails the test instead of hanging it

CLEAN = PREAMBLE + """\
standardize using train
set l2 = 0.5
train on train
tune l2 in [0.1, 1.0] on validation
evaluate on validation report mse
test on test
"""

_names = itertools.count()


def vscode() -> t.InitializeParams:
    return t.InitializeParams(capabilities=client_capabilities("visual-studio-code"))


async def close(client: LanguageClient) -> None:
    """shutdown and exit, so that the server process ends (a test may have left it uninitialized)."""
    if client.capabilities is None:
        await client.initialize_session(vscode())
    await asyncio.wait_for(client.shutdown_session(), WAIT)


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(vscode())
    yield
    await close(lsp_client)


@pytest_lsp.fixture(config=SERVER, loop_scope="module")
async def own_client(lsp_client: LanguageClient):
    """A server of one's own, for tests that try to break it."""
    await lsp_client.initialize_session(vscode())
    yield
    await close(lsp_client)


@pytest_lsp.fixture(config=SERVER, loop_scope="module")
async def bare_client(lsp_client: LanguageClient):
    """A server of one's own that the test initializes itself."""
    yield
    await close(lsp_client)


# ---- helpers -------------------------------------------------------------------------------------


async def published(client: LanguageClient, uri: str, version: int | None) -> list[t.Diagnostic]:
    """Wait for the diagnostics of `uri` at `version`; earlier publications fail the test."""
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), WAIT)
        if params.uri != uri:
            continue
        assert params.version == version, f"diagnostics for version {params.version}, expected {version}"
        return list(params.diagnostics)


async def open_document(client: LanguageClient, text: str, name: str | None = None):
    uri = f"file:///project/{name or f'doc{next(_names)}'}.hp"
    item = t.TextDocumentItem(uri=uri, language_id="hpdsl", version=1, text=text)
    client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))
    return uri, await published(client, uri, 1)


def change(client: LanguageClient, uri: str, version: int, text: str, range_: t.Range | None = None) -> None:
    event = t.TextDocumentContentChangeWholeDocument(text=text) if range_ is None else \
        t.TextDocumentContentChangePartial(range=range_, text=text)
    client.text_document_did_change(t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[event]))


def position(text: str, needle: str, occurrence: int = 0, delta: int = 0) -> t.Position:
    """The LSP position (UTF-16) of the `occurrence`-th `needle` in `text`, moved by `delta` characters."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    line, character = Source(text).lsp_position(offset + delta)
    return t.Position(line=line, character=character)


def end_of(text: str, needle: str) -> t.Position:
    return position(text, needle, delta=len(needle))


def covered(text: str, range_: t.Range) -> str:
    source = Source(text)
    return text[source.offset_at(range_.start.line, range_.start.character):
                source.offset_at(range_.end.line, range_.end.character)]


def doc(uri: str) -> t.TextDocumentIdentifier:
    return t.TextDocumentIdentifier(uri=uri)


def apply(text: str, edits: list[t.TextEdit]) -> str:
    source = Source(text)
    spans = [(source.offset_at(e.range.start.line, e.range.start.character),
              source.offset_at(e.range.end.line, e.range.end.character), e.new_text) for e in edits]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def expected(text: str) -> list[tuple]:
    """What `hpdsl check` says about a text, in the shape the server must publish."""
    source = Source(text)
    out = []
    for d in check_text(text, "x.hp").diagnostics:
        start, end = source.lsp_position(d.span.start), source.lsp_position(d.span.end)
        out.append((d.code, start, end, d.message))
    return out


def shape(diagnostics) -> list[tuple]:
    return [(d.code, (d.range.start.line, d.range.start.character), (d.range.end.line, d.range.end.character),
             d.message.split("\nhelp: ")[0]) for d in diagnostics]


# ---- the session ---------------------------------------------------------------------------------


async def test_initialize_advertises_the_features(bare_client: LanguageClient):
    lsp_client = bare_client
    result = await lsp_client.initialize_session(vscode())
    capabilities = result.capabilities
    assert result.server_info.name == "hpdsl"
    assert capabilities.position_encoding == t.PositionEncodingKind.Utf16
    assert capabilities.hover_provider and capabilities.definition_provider and capabilities.references_provider
    assert capabilities.document_symbol_provider and capabilities.document_formatting_provider
    assert capabilities.completion_provider is not None
    assert list(capabilities.code_action_provider.code_action_kinds) == [t.CodeActionKind.QuickFix]
    assert capabilities.text_document_sync.change == t.TextDocumentSyncKind.Incremental
    assert capabilities.text_document_sync.save


# ---- diagnostics ---------------------------------------------------------------------------------

RULE_EXAMPLES = {
    "clean": ("standardize using train\ntrain on train\nevaluate on validation\ntest on test\n", [], None),
    "HP101": ("train on train {\n    set l2 = 0.5\n}\nevaluate on validation\ntest on test\n",
              ["HP101"], "set l2 = 0.5"),
    "HP102": ("set weights = 1\ntrain on train\nevaluate on validation\ntest on test\n", ["HP102"], "weights"),
    "HP103": ("train on train\ntune l2 in [0.1, 1.0] on test\nevaluate on validation\ntest on test\n",
              ["HP103"], "test"),
    "HP104": ("train on train + test\nevaluate on validation\ntest on test\n", ["HP104"], "test"),
    "HP105": ("train on train\nevaluate on test\nevaluate on validation\ntest on test\n", ["HP105"], "test"),
    "HP106": ("train on train\nevaluate on validation\ntest on test\nset l2 = 0.5\n", ["HP106"], "set"),
    "HP107": ("evaluate on validation\ntrain on train\ntest on test\n", ["HP107"], "evaluate"),
    "HP108": ("train on train\nset l2 = 0.5\nevaluate on validation\ntrain on train\ntest on test\n",
              ["HP108"], "evaluate"),
    "HP109": ("standardize using train + test\ntrain on train\nevaluate on validation\ntest on test\n",
              ["HP109"], "test"),
    "HP110": ("train on train\ntune l2 in [0.1, 1.0] on validation\ntest on validation\n",
              ["HP110"], "validation"),
    "HP201": ("train on train\ntune l2 in [0.1, 1.0] on train\nevaluate on validation\ntest on test\n",
              ["HP201"], "train"),
    "HP203": ("train on train\nevaluate on validation\n", ["HP203"], "train"),
    "HP205": ("train on train\ntest on test\n", ["HP205"], "validation"),
}


@pytest.mark.parametrize("rule", sorted(RULE_EXAMPLES))
async def test_open_publishes_what_hpdsl_check_reports(client: LanguageClient, rule):
    steps, want, underlined = RULE_EXAMPLES[rule]
    text = PREAMBLE + steps
    _, diagnostics = await open_document(client, text)
    assert codes(diagnostics) == want
    assert shape(diagnostics) == [(c, (s[0], s[1]), (e[0], e[1]), m) for c, s, e, m in expected(text)]
    for d in diagnostics:
        assert d.source == "hpdsl"
        # A link only where HPDSL_RULE_DOC_URL names one: by default none points outside the project.
        url = rule_url(d.code)
        assert (d.code_description is None) if url is None else (d.code_description.href == url)
        assert d.severity == (t.DiagnosticSeverity.Warning if d.code.startswith("HP2") else t.DiagnosticSeverity.Error)
    if underlined is not None:
        assert covered(text, diagnostics[0].range) == underlined


async def test_diagnostics_carry_help_and_related_locations(client: LanguageClient):
    text = PREAMBLE + RULE_EXAMPLES["HP108"][0]
    uri, (stale,) = await open_document(client, text)
    assert "\nhelp: train again" in stale.message
    (related,) = stale.related_information
    assert related.location.uri == uri
    assert covered(text, related.location.range) == "set l2 = 0.5"
    assert related.message == "changed here, after the model was trained"


async def test_a_syntax_error_is_hp001_only(client: LanguageClient):
    text = PREAMBLE + "train on\ntune l2 in [0.1, 1.0] on test\n"
    _, diagnostics = await open_document(client, text)
    assert codes(diagnostics) == ["HP001"]
    assert diagnostics[0].range.start.line == 8


async def test_a_change_updates_the_diagnostics(client: LanguageClient):
    uri, diagnostics = await open_document(client, CLEAN)
    assert diagnostics == []
    tune = CLEAN.index("on validation\nevaluate")
    start = Source(CLEAN).lsp_position(tune + 3)
    end = Source(CLEAN).lsp_position(tune + 3 + len("validation"))
    change(client, uri, 2, "test", t.Range(start=t.Position(line=start[0], character=start[1]),
                                           end=t.Position(line=end[0], character=end[1])))
    assert codes(await published(client, uri, 2)) == ["HP103"]
    change(client, uri, 3, CLEAN)
    assert await published(client, uri, 3) == []


async def test_a_newer_change_cancels_the_pending_check(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    change(client, uri, 2, CLEAN + "evaluate on test\n")
    change(client, uri, 3, CLEAN + "train on\n")
    change(client, uri, 4, CLEAN.replace("on validation\nevaluate", "on test\nevaluate"))
    # `published` fails on any version before 4: versions 2 and 3 were never checked.
    assert codes(await published(client, uri, 4)) == ["HP103"]


async def test_save_publishes_at_once_and_close_clears(client: LanguageClient):
    uri, _ = await open_document(client, PREAMBLE + RULE_EXAMPLES["HP105"][0])
    client.text_document_did_save(t.DidSaveTextDocumentParams(text_document=doc(uri)))
    assert codes(await published(client, uri, 1)) == ["HP105"]
    client.text_document_did_close(t.DidCloseTextDocumentParams(text_document=doc(uri)))
    assert await published(client, uri, None) == []


async def test_ranges_count_utf16_code_units(client: LanguageClient):
    text = "# 🎉 résumé of the experiment 🎉\n" + PREAMBLE.replace(
        "data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)",
        'data d = csv("données🎉.csv", target: "y", featurez: ["a"])',
    ) + "train on train\ntest on test\n"
    uri, diagnostics = await open_document(client, text)
    first = next(d for d in diagnostics if d.code == "HP005")
    line = text.split("\n")[1]
    before = line[: line.index("featurez")]
    assert first.range.start.line == 1
    assert first.range.start.character == len(before.encode("utf-16-le")) // 2 == len(before) + 1
    assert covered(text, first.range) == "featurez"
    hovered = await client.text_document_hover_async(
        t.HoverParams(text_document=doc(uri), position=position(text, "train on train", delta=9)))
    assert "role **train**" in hovered.contents.value
    assert covered(text, hovered.range) == "train"


# ---- hover ---------------------------------------------------------------------------------------


async def hover_text(client: LanguageClient, uri: str, at: t.Position) -> str | None:
    result = await client.text_document_hover_async(t.HoverParams(text_document=doc(uri), position=at))
    return None if result is None else result.contents.value


async def test_hover_on_a_hyperparameter(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    text = await hover_text(client, uri, position(CLEAN, "set l2", delta=5))
    assert "**l2**: hyperparameter of `linear_regression`" in text
    assert "type: `float`" in text
    assert "`[0, 10]` (declared), within the model's `[0, inf)`" in text
    assert "default: `0` (declared" in text
    assert "value here: `0`" in text and "this step sets it to `0.5`" in text
    assert "set at line 10" in text and "tuned at line 12" in text
    later = await hover_text(client, uri, position(CLEAN, "tune l2", delta=5))
    assert "value here: `0.5`" in later
    declared = await hover_text(client, uri, position(CLEAN, "    l2:", delta=4))
    assert "**l2**" in declared


async def test_hover_on_a_split(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    text = await hover_text(client, uri, position(CLEAN, "on validation", delta=5))
    assert "**validation**: split, role **validation**" in text
    assert "share: 20%" in text
    assert "tune (line 12)" in text and "evaluate (line 13)" in text


async def test_hover_on_a_rule_code_in_a_comment(client: LanguageClient):
    text = CLEAN + "# tuning on validation avoids HP103\n"
    uri, _ = await open_document(client, text)
    shown = await hover_text(client, uri, position(text, "HP103", delta=2))
    assert "**HP103** `tuned-on-test` (error)" in shown
    assert ("`hpdsl explain HP103`" if rule_url("HP103") is None else rule_url("HP103")) in shown
    assert await hover_text(client, uri, position(text, "# tuning", delta=3)) is None


async def test_hover_on_keywords_and_metrics(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    tune = await hover_text(client, uri, position(CLEAN, "tune l2", delta=1))
    assert tune.startswith("**tune**") and "validation split, never test" in tune
    standardize = await hover_text(client, uri, position(CLEAN, "standardize"))
    assert "mean and standard deviation" in standardize
    mse = await hover_text(client, uri, position(CLEAN, "report mse", delta=8))
    assert "mean squared error" in mse
    model = await hover_text(client, uri, position(CLEAN, "linear_regression"))
    assert "gradient descent" in model and "`learning_rate`" in model


async def test_hover_on_the_data_sources_their_arguments_and_nested_cv(client: LanguageClient):
    text = (PREAMBLE.replace("data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)",
                             'data d = csv("houses.csv", target: "y", sep: ";", missing: ["", "NA"])')
            + "tune l2 in [0.1, 1.0] using cv 5 nested in cv 3 on train\n")
    uri, _ = await open_document(client, text)
    assert "`sep: \";\"`" in await hover_text(client, uri, position(text, "sep:"))
    assert "the default is `[\"\"]`" in await hover_text(client, uri, position(text, "missing:"))
    assert "the column to predict" in await hover_text(client, uri, position(text, "target:"))
    csv = await hover_text(client, uri, position(text, "csv("))
    assert csv.startswith('`csv("path", target: "col", features: ["a", "b"], sep: ",", missing: [""])`')
    nested = await hover_text(client, uri, position(text, "nested"))
    assert nested.startswith("**nested**") and "M outer folds" in nested
    parquet = text.replace('csv("houses.csv", target: "y", sep: ";", missing: ["", "NA"])',
                           'parquet("part/", target: "y", features: ["x1"])')
    uri, _ = await open_document(client, parquet)
    assert "a Parquet file" in await hover_text(client, uri, position(parquet, "parquet"))
    assert "the feature columns" in await hover_text(client, uri, position(parquet, "features:"))
    # The same word is a different argument of another source.
    uri, _ = await open_document(client, CLEAN)
    assert "standard normal feature columns" in await hover_text(client, uri, position(CLEAN, "features:"))


async def test_hover_while_the_text_does_not_parse(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    broken = CLEAN + "train on\n"
    change(client, uri, 2, broken)
    assert codes(await published(client, uri, 2)) == ["HP001"]
    assert "**tune**" in await hover_text(client, uri, position(broken, "tune l2"))
    assert "**l2**" in await hover_text(client, uri, position(broken, "set l2", delta=5))


# ---- completion ----------------------------------------------------------------------------------


async def labels(client: LanguageClient, text: str, at: t.Position | None = None) -> dict[str, t.CompletionItem]:
    uri, _ = await open_document(client, text)
    if at is None:
        at = Source(text).lsp_position(len(text))
        at = t.Position(line=at[0], character=at[1])
    result = await client.text_document_completion_async(t.CompletionParams(text_document=doc(uri), position=at))
    items = result.items if isinstance(result, t.CompletionList) else result
    return {item.label: item for item in items}


async def test_completion_at_the_start_of_a_line(client: LanguageClient):
    found = await labels(client, CLEAN + "tr")
    assert {"train", "tune", "set", "evaluate", "test", "standardize"} <= set(found)
    assert {"data", "split", "model", "hyper", "param"} <= set(found)
    assert found["train"].sort_text < found["data"].sort_text  # steps first once a step exists


async def test_completion_of_split_names(client: LanguageClient):
    for line in ("train on ", "standardize using train + ", "evaluate on va", "tune l2 in [0.1, 1.0] on "):
        found = await labels(client, PREAMBLE + line)
        assert set(found) == {"train", "validation", "test"}, line
    assert "role validation" in (await labels(client, PREAMBLE + "train on "))["validation"].detail


async def test_completion_of_hyperparameters(client: LanguageClient):
    assert set(await labels(client, PREAMBLE + "set ")) == {"learning_rate", "l2", "epochs"}
    assert set(await labels(client, PREAMBLE + "tune l")) == {"learning_rate", "l2", "epochs"}
    after_comma = await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0], ")
    assert set(after_comma) == {"learning_rate", "epochs"}
    inside_list = await labels(client, PREAMBLE + "tune l2 in [0.1, ")
    assert "epochs" not in inside_list


async def test_completion_of_metrics(client: LanguageClient):
    metrics = {"mse", "rmse", "mae", "r2"}
    assert set(await labels(client, CLEAN + "evaluate on validation report ")) == metrics
    assert set(await labels(client, CLEAN + "evaluate on validation report mse, ")) == metrics - {"mse"}
    assert set(await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0] on validation minimize ")) == metrics
    body = PREAMBLE + "train on train {\n    every 10 epochs: log "
    assert set(await labels(client, body)) == metrics
    stop = PREAMBLE + "train on train {\n    stop early when "
    assert set(await labels(client, stop)) == metrics


async def test_completion_of_models_roles_and_candidates(client: LanguageClient):
    assert set(await labels(client, "model ")) == {"linear_regression", "ridge"}
    split = "data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)\nsplit d -> a 60% as "
    assert set(await labels(client, split)) == {"train", "validation", "test"}
    candidates = await labels(client, PREAMBLE + "tune l2 in ")
    assert {"linspace", "logspace", "range", "uniform", "loguniform", "randint"} <= set(candidates)
    assert candidates["logspace"].detail == "logspace(a, b, n)"
    assert set(await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0] using ")) == {"cv"}
    assert set(await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0] on validation using ")) == {"grid", "random"}


async def test_completion_of_data_sources_and_their_arguments(client: LanguageClient):
    sources = await labels(client, "data d = ")
    assert set(sources) == {"csv", "parquet", "synthetic"}
    assert sources["parquet"].detail == 'parquet("path", target: "col", features: ["a", "b"])'
    assert sources["csv"].documentation.value.startswith("a CSV file")
    arguments = await labels(client, 'data d = csv("a.csv", target: "y", ')
    assert set(arguments) == {"features", "sep", "missing"}
    assert arguments["sep"].text_edit.new_text == "sep: "
    assert "`\"\\t\"` for a tab" in arguments["sep"].documentation.value
    assert set(await labels(client, 'data d = parquet("p/", features: ["a"], ')) == {"target"}
    assert set(await labels(client, "data d = synthetic(rows: 9, ")) == {"features", "noise", "seed"}
    # The path comes first: nothing to offer before it, nor inside the features list.
    assert await labels(client, "data d = csv(") == {}
    assert await labels(client, 'data d = csv("a.csv", features: ["a", ') == {}


async def test_completion_of_nested_cv(client: LanguageClient):
    found = await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0] using cv 5 ")
    assert set(found) == {"nested", "on"}
    assert found["nested"].text_edit.new_text == "nested in cv ${1:5}"
    assert "M outer folds" in found["nested"].documentation.value
    assert set(await labels(client, PREAMBLE + "tune l2 in [0.1, 1.0] using cv 5 nested in cv 3 ")) == {"on"}


async def test_completion_inside_hyper_and_param_blocks(client: LanguageClient):
    text = PREAMBLE.replace("    epochs:        int in [1, 1000] = 50\n", "    \n") + "param {\n    \n}\n"
    hyper_line = position(text, "    \n", delta=4)
    found = await labels(client, text, hyper_line)
    assert set(found) == {"epochs", "batch_size", "seed"}
    assert found["epochs"].detail == "int · default 100"
    assert found["batch_size"].detail == "int · default full batch"
    param_line = position(text, "    \n", occurrence=1, delta=4)
    assert set(await labels(client, text, param_line)) == {"weights", "intercept"}


async def test_completion_on_a_half_typed_line(client: LanguageClient):
    # The line being typed does not parse; the names come from the rest of the text.
    text = PREAMBLE + "train on train\ntune l2 in [0.1, 1.0] on val"
    found = await labels(client, text)
    assert set(found) == {"train", "validation", "test"}
    (edit_range,) = {item.text_edit.range.start.character for item in found.values()}
    assert edit_range == len("tune l2 in [0.1, 1.0] on ")


async def test_completion_falls_back_to_the_last_text_that_parsed(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    broken = CLEAN.replace("seed 7", "seed 7 +") + "evaluate on "
    change(client, uri, 2, broken)
    assert codes(await published(client, uri, 2))[0] == "HP001"
    end = Source(broken).lsp_position(len(broken))
    result = await client.text_document_completion_async(
        t.CompletionParams(text_document=doc(uri), position=t.Position(line=end[0], character=end[1])))
    assert {item.label for item in result} == {"train", "validation", "test"}


async def test_no_completion_inside_a_comment(client: LanguageClient):
    assert await labels(client, CLEAN + "# train on ") == {}


# ---- navigation ----------------------------------------------------------------------------------


async def test_go_to_definition(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    for used, declared in (("set l2", "    l2:"), ("on validation", "validation 20%"), ("split d", "data d")):
        delta = len(used) - len(used.split()[-1])
        result = await client.text_document_definition_async(
            t.DefinitionParams(text_document=doc(uri), position=position(CLEAN, used, delta=delta)))
        target = declared.split()[-1].rstrip(":") if declared != "validation 20%" else "validation"
        assert result.uri == uri
        assert result.range.start == position(CLEAN, declared, delta=declared.rindex(target))
        assert covered(CLEAN, result.range) == target
    assert await client.text_document_definition_async(
        t.DefinitionParams(text_document=doc(uri), position=position(CLEAN, "report mse", delta=8))) is None


async def test_find_references(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    result = await client.text_document_references_async(t.ReferenceParams(
        text_document=doc(uri), position=position(CLEAN, "on validation", delta=3),
        context=t.ReferenceContext(include_declaration=True)))
    assert [covered(CLEAN, r.range) for r in result] == ["validation"] * 3
    assert [r.range.start.line for r in result] == [1, 11, 12]
    hyper = await client.text_document_references_async(t.ReferenceParams(
        text_document=doc(uri), position=position(CLEAN, "tune l2", delta=5),
        context=t.ReferenceContext(include_declaration=False)))
    assert [r.range.start.line for r in hyper] == [9, 11]


async def test_document_symbols_outline_the_workflow(client: LanguageClient):
    uri, _ = await open_document(client, CLEAN)
    symbols = await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=doc(uri)))
    assert [s.name for s in symbols] == [
        "d", "split d", "linear_regression", "hyper",
        "standardize using train", "set l2 = 0.5", "train on train", "tune l2 in [0.1, 1.0] on validation",
        "evaluate on validation report mse", "test on test",
    ]
    split, hyper = symbols[1], symbols[3]
    assert [c.name for c in split.children] == ["train", "validation", "test"]
    assert split.children[1].detail == "20% validation"
    assert [c.name for c in hyper.children] == ["learning_rate", "l2", "epochs"]
    assert hyper.children[1].detail == "float in [0, 10] = 0.0"


# ---- formatting ----------------------------------------------------------------------------------


async def test_formatting_returns_one_edit_for_the_whole_document(client: LanguageClient):
    from hpdsl.formatter import format_source

    messy = CLEAN.replace("train on train", "train   on train").replace("test on test", "test on test   # final")
    uri, _ = await open_document(client, messy)
    options = t.FormattingOptions(tab_size=4, insert_spaces=True)
    (edit,) = await client.text_document_formatting_async(
        t.DocumentFormattingParams(text_document=doc(uri), options=options))
    assert edit.range.start == t.Position(line=0, character=0)
    assert apply(messy, [edit]) == format_source(messy).text
    tidy, _ = await open_document(client, format_source(messy).text)
    assert not await client.text_document_formatting_async(
        t.DocumentFormattingParams(text_document=doc(tidy), options=options))
    broken, _ = await open_document(client, CLEAN + "train on\n")
    assert not await client.text_document_formatting_async(
        t.DocumentFormattingParams(text_document=doc(broken), options=options))


# ---- quick fixes ---------------------------------------------------------------------------------


async def quick_fix(client: LanguageClient, text: str, code: str) -> str:
    """Apply the one quick fix offered for the `code` diagnostic; return the fixed text."""
    uri, diagnostics = await open_document(client, text)
    (target,) = [d for d in diagnostics if d.code == code]
    actions = await client.text_document_code_action_async(t.CodeActionParams(
        text_document=doc(uri), range=target.range,
        context=t.CodeActionContext(diagnostics=[target], only=[t.CodeActionKind.QuickFix])))
    (action,) = actions
    assert action.kind == t.CodeActionKind.QuickFix
    assert [d.code for d in action.diagnostics] == [code]
    assert action.diagnostics[0].range == target.range
    return apply(text, action.edit.changes[uri])


async def test_quick_fix_for_tuning_on_test(client: LanguageClient):
    text = PREAMBLE + RULE_EXAMPLES["HP103"][0]
    fixed = await quick_fix(client, text, "HP103")
    assert fixed == text.replace("1.0] on test", "1.0] on validation")
    assert expected(fixed) == []


async def test_quick_fix_for_evaluating_on_test(client: LanguageClient):
    text = PREAMBLE + "train on train\nevaluate on test\ntest on test\n"
    fixed = await quick_fix(client, text, "HP105")
    assert fixed == text.replace("evaluate on test", "evaluate on validation")


async def test_quick_fix_moves_a_set_out_of_the_train_body(client: LanguageClient):
    text = PREAMBLE + "standardize using train\ntrain on train {\n    every 10 epochs: log mse on validation\n" \
                      "    set l2 = 0.5\n}\ntest on test\n"
    fixed = await quick_fix(client, text, "HP101")
    assert fixed == PREAMBLE + "standardize using train\nset l2 = 0.5\ntrain on train {\n" \
                               "    every 10 epochs: log mse on validation\n}\ntest on test\n"
    assert expected(fixed) == []


async def test_quick_fix_retrains_a_stale_model(client: LanguageClient):
    text = PREAMBLE + "train on train + validation\nset l2 = 0.5\ntest on test\n"
    fixed = await quick_fix(client, text, "HP108")
    assert fixed == PREAMBLE + "train on train + validation\nset l2 = 0.5\ntrain on train + validation\ntest on test\n"
    assert [c for c, *_ in expected(fixed)] == []


async def test_quick_fix_for_a_misspelt_name(client: LanguageClient):
    text = PREAMBLE + RULE_EXAMPLES["clean"][0].replace("train on train", "train on trian")
    fixed = await quick_fix(client, text, "HP002")
    assert fixed == PREAMBLE + RULE_EXAMPLES["clean"][0]
    clean = RULE_EXAMPLES["clean"][0]
    metric = PREAMBLE + clean.replace("evaluate on validation", "evaluate on validation report rmsee")
    assert "report rmse\n" in await quick_fix(client, metric, "HP005")


async def test_quick_fix_for_a_misspelt_keyword_in_text_that_does_not_parse(client: LanguageClient):
    clean = PREAMBLE + RULE_EXAMPLES["clean"][0]
    text = clean.replace("train on train", "trian on train", 1)
    assert await quick_fix(client, text, "HP001") == clean


async def test_no_quick_fix_when_the_fix_is_ambiguous(client: LanguageClient):
    two = PREAMBLE.replace("validation 20%, test 20%", "val_a 10% as validation, val_b 10% as validation, test 20%")
    text = two + "train on train\ntune l2 in [0.1, 1.0] on test\nevaluate on val_a + val_b\ntest on test\n"
    uri, diagnostics = await open_document(client, text)
    (target,) = [d for d in diagnostics if d.code == "HP103"]
    actions = await client.text_document_code_action_async(t.CodeActionParams(
        text_document=doc(uri), range=target.range, context=t.CodeActionContext(diagnostics=[target])))
    assert not actions


# ---- errors and robustness -----------------------------------------------------------------------


async def test_requests_for_an_unknown_document_are_errors(client: LanguageClient):
    nowhere = doc("file:///project/never-opened.hp")
    with pytest.raises(JsonRpcException, match="unknown document"):
        await client.text_document_hover_async(
            t.HoverParams(text_document=nowhere, position=t.Position(line=0, character=0)))
    with pytest.raises(JsonRpcException, match="unknown document"):
        await client.text_document_definition_async(
            t.DefinitionParams(text_document=nowhere, position=t.Position(line=0, character=0)))
    with pytest.raises(JsonRpcException, match="unknown document"):
        await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=nowhere))


GARBAGE = [
    "",
    "\x00\x00\x00",
    "train on \ufffd\ufffd\n\x00 set l2 = = = \n",
    "hyper {\n" * 50,
    "}}}}\n{{{{\n((((\n]]]]\n",
    '"unterminated\n# 🎉\u2028\x0c\r\nset\tl2 = 1e999\n',
    PREAMBLE + "tune l2 in [" + "1, " * 2000 + "\n",
    "\ud83c",
]


async def test_garbage_never_crashes_the_server(own_client: LanguageClient):
    client = own_client
    for i, text in enumerate(GARBAGE):
        uri, diagnostics = await open_document(client, text, f"garbage{i}")
        assert all(d.code == "HP001" or d.code.startswith("HP0") for d in diagnostics)
        last = Source(text).lsp_position(len(text))
        for line, character in ((0, 0), last, (last[0] + 5, 99)):
            at = t.Position(line=line, character=character)
            await client.text_document_hover_async(t.HoverParams(text_document=doc(uri), position=at))
            await client.text_document_completion_async(t.CompletionParams(text_document=doc(uri), position=at))
            await client.text_document_definition_async(t.DefinitionParams(text_document=doc(uri), position=at))
        await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=doc(uri)))
        await client.text_document_code_action_async(t.CodeActionParams(
            text_document=doc(uri), range=t.Range(start=t.Position(line=0, character=0), end=at),
            context=t.CodeActionContext(diagnostics=[])))
    # Edits that point past the end of the text are clamped, not fatal.
    uri, _ = await open_document(client, CLEAN, "edited")
    beyond = t.Range(start=t.Position(line=500, character=3), end=t.Position(line=900, character=0))
    change(client, uri, 2, "\x00", beyond)
    assert codes(await published(client, uri, 2)) == ["HP001"]
    assert not [m for m in client.log_messages if m.type == t.MessageType.Error]
    assert await hover_text(client, uri, position(CLEAN, "tune")) is not None


async def test_a_ten_thousand_line_document(own_client: LanguageClient):
    client = own_client
    round_ = "# round {i}\nset l2 = 0.{value}\ntrain on train\nevaluate on validation\n"
    steps = "".join(round_.format(i=i, value=i % 9 + 1) for i in range(2500))
    text = PREAMBLE + steps + "test on test\n"
    assert text.count("\n") > 10_000
    uri, diagnostics = await open_document(client, text, "huge")
    assert diagnostics == []
    assert "**l2**" in await hover_text(client, uri, position(text, "set l2", occurrence=2000, delta=5))
    peek = "evaluate on validation"
    change(client, uri, 2, "test", t.Range(start=position(text, peek, occurrence=1500, delta=12),
                                           end=position(text, peek, occurrence=1500, delta=22)))
    assert codes(await published(client, uri, 2)) == ["HP105"]


async def test_positions_in_utf8_when_the_client_asks(bare_client: LanguageClient):
    capabilities = client_capabilities("visual-studio-code")
    capabilities.general = t.GeneralClientCapabilities(position_encodings=[t.PositionEncodingKind.Utf8])
    result = await bare_client.initialize_session(t.InitializeParams(capabilities=capabilities))
    assert result.capabilities.position_encoding == t.PositionEncodingKind.Utf8
    header = 'data d = csv("données🎉.csv", target: "y", featurez: ["a"])'
    text = PREAMBLE.replace(PREAMBLE.split("\n")[0], header) + RULE_EXAMPLES["clean"][0]
    uri, (unknown,) = await open_document(bare_client, text)
    before = header[: header.index("featurez")].encode()
    assert unknown.code == "HP005"
    assert (unknown.range.start.character, unknown.range.end.character) == (len(before), len(before) + 8)
    z = t.Position(line=0, character=len(before) + 7)
    change(bare_client, uri, 2, "s", t.Range(start=z, end=t.Position(line=0, character=len(before) + 8)))
    assert await published(bare_client, uri, 2) == []


# ---- the process ---------------------------------------------------------------------------------


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def run(command: list[str], stdin: bytes = b"") -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(*command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                   stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(stdin), WAIT)
    return process.returncode, out, err


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}}
EXIT = {"jsonrpc": "2.0", "method": "exit"}


async def test_shutdown_then_exit_ends_the_process_cleanly():
    messages = [INITIALIZE, {"jsonrpc": "2.0", "method": "initialized", "params": {}},
                {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, EXIT]
    status, out, err = await run([*hpdsl_command(), "lsp"], b"".join(map(_frame, messages)))
    assert status == 0, err.decode()
    assert b'"id": 2' in out and b'"result": null' in out


async def test_exit_without_shutdown_is_an_error_exit():
    status, _, _ = await run([*hpdsl_command(), "lsp"], b"".join(map(_frame, [INITIALIZE, EXIT])))
    assert status == 1


async def test_without_pygls_the_import_error_names_it():
    code = "import sys; sys.modules['pygls'] = None\ntry:\n import hpdsl.lsp\nexcept ImportError as e:\n print(e)\n"
    _, out, _ = await run([sys.executable, "-c", code])
    assert b"pygls" in out
    command = "import sys; sys.modules['pygls'] = None; from hpdsl.cli import main; sys.exit(main(['lsp']))"
    status, _, err = await run([sys.executable, "-c", command])
    assert status == 2
    assert b"pip install '.[lsp]'" in err


# ---- the editor files ----------------------------------------------------------------------------


async def test_the_vscode_extension_knows_every_word_of_the_language():
    from hpdsl.checker.models import METRICS, MODELS
    from hpdsl.lsp.words import CANDIDATE_FUNCTIONS, DECLARATION_KEYWORDS, STEP_KEYWORDS

    folder = os.path.join(ROOT, "editors", "vscode")
    with open(os.path.join(folder, "package.json"), encoding="utf-8") as f:
        package = json.load(f)
    (language,) = package["contributes"]["languages"]
    (grammar_entry,) = package["contributes"]["grammars"]
    assert language["extensions"] == [".hp"] and grammar_entry["language"] == language["id"]
    # main is the bundle that `vscode:prepublish` builds from extension.js (a git-ignored artefact)
    assert package["main"] == "./dist/extension.js" and "extension.js" in package["scripts"]["vscode:prepublish"]
    assert os.path.exists(os.path.join(folder, "extension.js"))
    assert os.path.exists(os.path.join(folder, language["configuration"]))
    with open(os.path.join(folder, grammar_entry["path"]), encoding="utf-8") as f:
        grammar = json.load(f)
    assert grammar["scopeName"] == grammar_entry["scopeName"]
    patterns = json.dumps(grammar["repository"])
    for word in (*DECLARATION_KEYWORDS, *STEP_KEYWORDS, *METRICS, *MODELS, *CANDIDATE_FUNCTIONS):
        assert re.search(rf"[(|]{word}[|)]", patterns), f"the TextMate grammar does not know {word!r}"


async def test_the_pre_commit_hooks():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as f:
        hooks = f.read()
    for hook, entry in (("hpdsl-check", "hpdsl check"), ("hpdsl-fmt", "hpdsl fmt --check")):
        lines = hooks.split(f"\n- id: {hook}\n", 1)[1].split("\n- id:", 1)[0].splitlines()
        assert f"  entry: {entry}" in lines
        assert "  language: python" in lines
        assert "  files: \\.hp$" in lines
