"""The rule docs are complete and honest (in the spirit of rustc's tidy check on error codes).

Every registered code has a doc that `hpdsl explain` prints, with the four fixed
sections; its Example yields exactly that code and its "Use instead" yields nothing;
and every code the package can emit is registered.
"""

from __future__ import annotations

import importlib
import os
import re
import sys

import pytest

import hpdsl
from hpdsl.checker import values
from hpdsl.checker.models import MODELS
from hpdsl.diagnostics import RULES, literal_codes
from hpdsl.render import DOCS_DIR, doc_code_block, doc_sections, rule_doc

from helpers import codes, hpdsl as run_hpdsl

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
CHECK_CODES = sorted(code for code, rule in RULES.items() if rule.phase == "check")
STATIC_ERRORS = {f"HP{number}" for number in range(101, 111)}  # HP101-HP110


def workflow(code: str, heading: str) -> str:
    """The ```hp workflow of one section of a rule's doc."""
    section = doc_sections(rule_doc(code))[heading]
    fences = [line for line in section.splitlines() if line.startswith("```")]
    assert fences[:1] == ["```hp"], f"{code}: the first code block of '{heading}' is not ```hp"
    block = doc_code_block(section)
    assert block is not None and block.strip(), f"{code}: '{heading}' has an empty workflow"
    return block


# ---- every code has a complete doc ---------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_exists_and_starts_with_code_and_name(code):
    assert os.path.isfile(os.path.join(DOCS_DIR, f"{code}.md"))
    assert rule_doc(code).splitlines()[0] == f"# {code} {RULES[code].name}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_states_the_registered_severity(code):
    lines = [line for line in rule_doc(code).splitlines()[1:] if line.strip()]
    assert lines[0].startswith(f"Severity: {RULES[code].severity}. ")


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_has_the_four_sections_filled(code):
    sections = doc_sections(rule_doc(code))
    for heading in SECTIONS:
        assert sections.get(heading), f"{code}: section '{heading}' is missing or empty"


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_mentions_only_registered_codes(code):
    mentioned = set(re.findall(r"\bHP\d{3}\b", rule_doc(code)))
    assert mentioned <= set(RULES), f"{code}: mentions unregistered {sorted(mentioned - set(RULES))}"


# ---- the examples say what the checker says ----------------------------------------------------


@pytest.mark.parametrize("code", CHECK_CODES)
def test_example_yields_exactly_its_code(code):
    assert codes(workflow(code, "Example")) == [code]


@pytest.mark.parametrize("code", CHECK_CODES)
def test_use_instead_is_clean(code):
    assert codes(workflow(code, "Use instead")) == []


@pytest.mark.parametrize("code", ["HP301", "HP302"])
def test_runtime_examples_pass_the_checker(code):
    assert codes(workflow(code, "Example")) == []
    assert codes(workflow(code, "Use instead")) == []


def test_guard_example_is_a_step_the_checker_rejects_first():
    found = codes(workflow("HP303", "Example"))
    assert len(found) == 1 and found[0] in STATIC_ERRORS
    assert codes(workflow("HP303", "Use instead")) == []


def hp_blocks(code: str, heading: str) -> list[str]:
    """Every ```hp workflow of one section of a rule's doc, in order."""
    section = doc_sections(rule_doc(code))[heading]
    return [block + "\n" for block in re.findall(r"^```hp\n(.*?)\n```", section, re.S | re.M)]


@pytest.mark.parametrize("code", ["HP304", "HP305"])
def test_ledger_examples_are_refused_by_exactly_their_code_and_the_alternative_runs(code, tmp_path):
    """A ledger rule's Example is two runs: the first is recorded, the second refused with
    exactly this code; "Use instead", run after the first, is not refused."""
    first, second = hp_blocks(code, "Example")
    (alternative,) = hp_blocks(code, "Use instead")
    for text in (first, second, alternative):
        assert codes(text) == []
    ledger = str(tmp_path / "ledger.sqlite")
    for name, text in (("first.hp", first), ("second.hp", second), ("instead.hp", alternative)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert run_hpdsl("run", str(tmp_path / "first.hp"), "--quiet", "--ledger", ledger).returncode == 0
    refused = run_hpdsl("run", str(tmp_path / "second.hp"), "--quiet", "--ledger", ledger)
    stderr = refused.stderr.decode("utf-8")
    assert refused.returncode == 3
    assert re.findall(r"error\[(HP\d{3})\]", stderr) == [code]
    assert "entry 1" in stderr and "--supersede 1" in stderr
    assert run_hpdsl("run", str(tmp_path / "instead.hp"), "--quiet", "--ledger", ledger).returncode == 0


def test_run_time_warning_example_warns_exactly_as_shown_and_the_alternative_does_not(tmp_path):
    """HP209's Example passes the checker and then warns, at run time, with exactly the
    text its console block shows (the run still succeeds; --strict fails it); "Use
    instead" runs without a warning; --quiet hides it, as it hides the checker's warnings."""
    example, alternative = workflow("HP209", "Example"), workflow("HP209", "Use instead")
    assert codes(example) == [] and codes(alternative) == []
    section = doc_sections(rule_doc("HP209"))["Example"]
    shown = re.search(r"`hpdsl run (\S+) (.*?)` prints the report, then on standard error:\n\n```text\n(.*?)\n```",
                      section, re.S)
    name, options, output = shown.group(1), shown.group(2).split(), shown.group(3)
    (tmp_path / name).write_text(example, encoding="utf-8")
    (tmp_path / "instead.hp").write_text(alternative, encoding="utf-8")
    warned = run_hpdsl("run", name, *options, cwd=str(tmp_path))
    assert warned.returncode == 0 and warned.stdout.startswith(b"noisy.hp\ndata ")
    assert warned.stderr.decode("utf-8") == output + "\n\n"  # format_text ends each diagnostic with a blank line
    assert run_hpdsl("run", name, *options, "--quiet", cwd=str(tmp_path)).stderr == b""
    assert run_hpdsl("run", name, *options, "--strict", cwd=str(tmp_path)).returncode == 1
    clean = run_hpdsl("run", "instead.hp", *options, cwd=str(tmp_path))
    assert (clean.returncode, clean.stderr) == (0, b"")


def test_every_runtime_code_has_an_example_test():
    assert sorted(code for code, rule in RULES.items() if rule.phase == "run") == [
        "HP209", "HP301", "HP302", "HP303", "HP304", "HP305", "HP306"]


# ---- the registry and the docs folder agree with the code -------------------------------------------


def emitted_codes() -> dict[str, list[str]]:
    """Every "HPnnn" constant in the compiled code of the package's modules, with where it
    is (the check the package runs whenever it compiles one of its modules)."""
    package = os.path.dirname(os.path.abspath(hpdsl.__file__))
    found: dict[str, list[str]] = {}
    for folder, _, files in os.walk(package):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    code = compile(f.read(), path, "exec")
                for literal in literal_codes(code):
                    found.setdefault(literal, []).append(os.path.relpath(path, package))
    return found


def test_every_code_the_package_emits_is_registered():
    found = emitted_codes()
    assert "HP103" in found and "HP001" in found  # the scan sees the checker and the parser
    unregistered = {code: where for code, where in found.items() if code not in RULES}
    assert unregistered == {}


def test_a_module_naming_an_unregistered_code_fails_when_imported(tmp_path):
    """Not when (if ever) its diagnostic fires: a typo'd code is refused at import."""
    (tmp_path / "_typo_probe.py").write_text(
        "from hpdsl.diagnostics import Diagnostic\n\n\n"
        "def rare(span):\n    return Diagnostic('HP130', span, 'HP103 with two digits swapped')\n",
        encoding="utf-8")
    (tmp_path / "_sound_probe.py").write_text(
        "CODES = ('HP103', 'HP105')\n", encoding="utf-8")
    hpdsl.__path__.append(str(tmp_path))
    try:
        with pytest.raises(ImportError, match="hpdsl._typo_probe uses unregistered diagnostic code"):
            importlib.import_module("hpdsl._typo_probe")
        assert importlib.import_module("hpdsl._sound_probe").CODES == ("HP103", "HP105")
    finally:
        hpdsl.__path__.remove(str(tmp_path))
        sys.modules.pop("hpdsl._typo_probe", None)
        sys.modules.pop("hpdsl._sound_probe", None)
    assert literal_codes(compile("x = code in ('HP101', 'HP999')", "<probe>", "exec")) == {"HP101", "HP999"}


def test_every_doc_file_belongs_to_a_registered_code():
    orphans = sorted(name for name in os.listdir(DOCS_DIR) if name.removesuffix(".md") not in RULES
                     or not name.endswith(".md"))
    assert orphans == []


# ---- the command line --------------------------------------------------------------------------


def test_explain_prints_the_doc():
    result = run_hpdsl("explain", "HP103")
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == rule_doc("HP103")


def test_explain_accepts_a_bare_number():
    result = run_hpdsl("explain", "103")
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == rule_doc("HP103")


def test_explain_of_an_unknown_code_is_a_usage_error():
    result = run_hpdsl("explain", "HP999")
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2
    assert "HP999" in stderr
    assert "Traceback" not in stderr
    assert result.stdout == b""


def test_rules_lists_every_code():
    result = run_hpdsl("rules")
    assert result.returncode == 0
    listing = result.stdout.decode("utf-8")
    for code, rule in RULES.items():
        assert re.search(rf"^{code}\s+{re.escape(rule.name)}\s+{rule.severity}\b", listing, re.M), code


def test_explain_accepts_a_rule_name():
    result = run_hpdsl("explain", "tuned-on-test")
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == rule_doc("HP103")


@pytest.mark.parametrize("model", sorted(MODELS))
def test_explain_of_a_model_prints_its_table_from_the_checkers_data(model):
    result = run_hpdsl("explain", model)
    assert result.returncode == 0
    out = result.stdout.decode("utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\w+)[^|]* \| `([^`]+)` \| ([^|]+) \|", out, flags=re.M)
    assert rows == [(h.name, h.type, str(h.domain), values.show(h.default)) for h in MODELS[model].hypers.values()]
    assert "| `weights` |" in out and "| `intercept` |" in out


@pytest.mark.parametrize("typo, guess", [("tuned-on-tst", "tuned-on-test"), ("rdge", "ridge"), ("HP1O3", "HP103")])
def test_explain_of_a_near_miss_is_a_usage_error_with_a_guess(typo, guess):
    result = run_hpdsl("explain", typo)
    assert result.returncode == 2
    assert result.stdout == b""
    assert f"(did you mean {guess}?)" in result.stderr.decode("utf-8")


def test_rule_links_come_from_one_setting_with_no_default(monkeypatch):
    from hpdsl.lsp.hover import rule_summary
    from hpdsl.render import RULE_DOC_URL_ENV, rule_url

    monkeypatch.delenv(RULE_DOC_URL_ENV, raising=False)
    assert rule_url("HP103") is None
    assert "`hpdsl explain HP103`" in rule_summary("HP103") and "](" not in rule_summary("HP103")
    monkeypatch.setenv(RULE_DOC_URL_ENV, "https://docs.example.org/hpdsl/{code}.html")
    assert rule_url("HP103") == "https://docs.example.org/hpdsl/HP103.html"
    assert "[Rule documentation](https://docs.example.org/hpdsl/HP103.html)" in rule_summary("HP103")
