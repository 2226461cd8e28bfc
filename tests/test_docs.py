"""The reference in docs/ and the README cannot rot: what they show is run.

Every `docs/*.md` file and the README are read generically (a new page is checked the
moment it exists), following the conventions stated at the end of docs/index.md:
`hp` blocks are checked (clean, or exactly the codes a `wrong:` tag claims), `console`
and `yaml` commands run in a scratch folder, `lua nvim-X.Y` blocks drive a real
headless Neovim against `hpdsl lsp`, generated tables match the registries, relative
links resolve, install lines install from a checkout, and every example's report.json
validates against the shipped JSON Schema.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass

import jsonschema
import numpy as np
import pytest

from hpdsl.checker import check_text
from hpdsl.checker.models import MODELS
from hpdsl.diagnostics import RULES
from hpdsl.render import model_table

from helpers import EXAMPLES, ROOT, hpdsl

DOCS = os.path.join(ROOT, "docs")
PAGES = sorted(glob.glob(os.path.join(DOCS, "*.md")))
README = os.path.join(ROOT, "README.md")
DOCUMENTS = PAGES + [README]
SCHEMA = os.path.join(ROOT, "hpdsl", "schemas", "report.schema.json")
# Pages the index links to that come with their own features (the model file, the
# ledger). A link to one may point at nothing only while the page does not exist.
LINKED_BEFORE_WRITTEN = {"model.md", "ledger.md"}


def name(path: str) -> str:
    return os.path.relpath(path, ROOT)


@dataclass
class Block:
    path: str
    line: int  # of the opening fence, 1-based
    lang: str
    tags: str
    text: str

    @property
    def where(self) -> str:
        return f"{name(self.path)}:{self.line}"


def blocks(path: str) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order."""
    out: list[Block] = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^```(\S*)\s*(.*)$", lines[i])
        if opening is None:
            i += 1
            continue
        body = []
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            body.append(lines[j])
            j += 1
        assert j < len(lines), f"{name(path)}:{i + 1}: a code block is never closed"
        out.append(Block(path, i + 1, opening.group(1), opening.group(2).strip(), "\n".join(body) + "\n"))
        i = j + 1
    return out


ALL_BLOCKS = [b for path in DOCUMENTS for b in blocks(path)]


def of(lang: str, documents=DOCUMENTS) -> list[Block]:
    return [b for b in ALL_BLOCKS if b.lang == lang and b.path in documents]


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- the reference exists, says what it is, and ships -----------------------------------------


def test_the_reference_is_several_pages_and_states_it_is_the_design_of_record():
    names = {os.path.basename(p) for p in PAGES}
    assert {"index.md", "lexical.md", "declarations.md", "steps.md", "models.md", "rules.md", "cli.md",
            "report.md", "editors.md"} <= names
    top = read(os.path.join(DOCS, "index.md"))[:600]
    assert "design of record" in top
    assert "`hpdsl/reference/`" in top  # where the wheel test below finds it


def test_the_index_links_every_page_and_the_pages_to_come():
    index = read(os.path.join(DOCS, "index.md"))
    linked = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    assert {os.path.basename(p) for p in PAGES} - {"index.md"} <= linked
    assert "[Model file and predict](model.md)" in index
    assert "[Test-use ledger](ledger.md)" in index


@pytest.mark.parametrize("path", DOCUMENTS, ids=name)
def test_relative_links_resolve(path):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", read(path)):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file = target.split("#")[0]
        resolved = os.path.normpath(os.path.join(os.path.dirname(path), file))
        if os.path.exists(resolved):
            continue
        if os.path.dirname(resolved) == DOCS and os.path.basename(resolved) in LINKED_BEFORE_WRITTEN:
            continue
        broken.append(target)
    assert broken == []


@pytest.mark.slow
def test_the_wheel_carries_the_reference_and_the_schema(tmp_path):
    """Build the wheel as `pip install .` does and look inside it."""
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), ROOT],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    (wheel,) = glob.glob(str(tmp_path / "hpdsl-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        shipped = {n: z.read(n) for n in z.namelist()}
    for page in PAGES:
        with open(page, "rb") as f:
            assert shipped.get(f"hpdsl/reference/{os.path.basename(page)}") == f.read(), page
    with open(SCHEMA, "rb") as f:
        assert shipped.get("hpdsl/schemas/report.schema.json") == f.read()


# ---- workflows ---------------------------------------------------------------------------------


def workflow_blocks():
    return [pytest.param(b, id=b.where) for b in ALL_BLOCKS if b.lang == "hp"]


def claimed(block: Block) -> list[str]:
    wrong = re.search(r"wrong:\s*((?:HP\d{3}\s*)+)", block.tags)
    return wrong.group(1).split() if wrong else []


@pytest.mark.parametrize("block", workflow_blocks())
def test_every_workflow_shown_checks_as_it_claims(block):
    codes = [d.code for d in check_text(block.text, block.where).diagnostics]
    assert codes == claimed(block)


@pytest.mark.parametrize("block", [b for b in workflow_blocks() if not claimed(b.values[0])])
def test_every_clean_workflow_shown_also_runs(block):
    """Data paths are relative to the file: a `file=` block sits at the top of a checkout,
    any other beside the examples (as `data/diabetes.csv` expects)."""
    from hpdsl.runtime import Options, run

    base = ROOT if "file=" in block.tags else EXAMPLES
    run(check_text(block.text, block.where), Options(base_dir=base))


def test_there_are_workflows_and_wrong_ones_among_them():
    hp = [b for b in ALL_BLOCKS if b.lang == "hp"]
    assert len(hp) >= 8 and any(claimed(b) for b in hp)
    unmarked = [b.where for b in ALL_BLOCKS if b.lang == "" and re.search(r"^(model|split|tune) ", b.text, re.M)]
    assert unmarked == [], "a workflow in an untagged block is never checked: tag it hp"


# ---- commands ----------------------------------------------------------------------------------

HPDSL_CALL = re.compile(r"(?:^|[\s/(])hpdsl (?:run|check|fmt|explain|rules|lsp|predict|ledger)\b")


def environment() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env.pop("HPDSL_RULE_DOC_URL", None)
    return env


def scratch(tmp_path, path: str) -> str:
    """A folder with a copy of examples/ and the page's `file=` blocks."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    for b in blocks(path):
        written = re.search(r"file=(\S+)", b.tags)
        if written:
            (tmp_path / written.group(1)).write_text(b.text, encoding="utf-8")
    return str(tmp_path)


def run(command: str, cwd: str) -> tuple[int, list[str]]:
    result = subprocess.run(["bash", "-c", command], cwd=cwd, env=environment(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return result.returncode, [line.rstrip() for line in result.stdout.splitlines()]


def matches(shown: list[str], printed: list[str]) -> bool:
    """`shown` is the start of `printed`, where a line `...` stands for any lines."""
    i = 0
    for k, line in enumerate(shown):
        if line == "...":
            if k == len(shown) - 1:
                return True
            following = shown[k + 1]
            while i < len(printed) and printed[i] != following:
                i += 1
            continue
        if i >= len(printed) or printed[i] != line:
            return False
        i += 1
    return True


def console_commands(block: Block) -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, shown output) for each `$ ` line."""
    out = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            command = line[2:]
            code = re.search(r"\s#\s*exit (\d+)$", command)
            out.append((command, int(code.group(1)) if code else 0, []))
        else:
            assert out, f"{block.where}: output before any command"
            out[-1][2].append(line.rstrip())
    return out


def documents_with_commands():
    return [pytest.param(p, id=name(p)) for p in DOCUMENTS
            if any(b.lang in ("console", "yaml", "python") for b in blocks(p))]


@pytest.mark.parametrize("path", documents_with_commands())
def test_every_command_shown_runs_and_prints_what_is_shown(path, tmp_path):
    folder = scratch(tmp_path, path)
    ran = 0
    for block in blocks(path):
        if block.lang == "console":
            for command, code, shown in console_commands(block):
                if "pip install" in command:
                    continue  # installing is CI's own first step; the line is checked below
                status, printed = run(command, folder)
                assert status == code, f"{block.where}: `{command}` exited {status}:\n" + "\n".join(printed)
                assert matches(shown, printed), f"{block.where}: `{command}` printed\n" + "\n".join(printed)
                ran += 1
        elif block.lang == "yaml":
            for key, command in re.findall(r"^\s*-?\s*(run|entry): (hpdsl .*)$", block.text, flags=re.M):
                # pre-commit passes the staged files to an entry
                full = command + " examples/quickstart.hp" if key == "entry" else command
                status, printed = run(full, folder)
                assert status == 0, f"{block.where}: `{full}` exited {status}:\n" + "\n".join(printed)
                ran += 1
        elif block.lang == "python":  # in the page's folder, after the commands shown before it
            result = subprocess.run([sys.executable, "-c", block.text], cwd=folder, capture_output=True, text=True,
                                    timeout=120)
            assert result.returncode == 0, f"{block.where}:\n{result.stderr}"
            ran += 1
    assert ran > 0


def test_every_hpdsl_command_shown_is_one_that_runs():
    """An hpdsl invocation in a shell-like block must be a `$ ` line of a console block
    (run above), or part of an install line; nowhere else can it hide from the tests."""
    hidden = []
    for b in ALL_BLOCKS:
        if b.lang not in ("", "sh", "bash", "shell"):
            continue  # console blocks: `$ ` lines run, the rest is output
        hidden += [f"{b.where}: {line}" for line in b.text.splitlines()
                   if HPDSL_CALL.search(line) and "pip install" not in line]
    assert hidden == []


INSTALL = re.compile(r"pip install\s+(.+?)(?:\s*(?:&&|#|`|$))", flags=re.M)


def test_install_lines_install_from_the_checkout():
    """hpdsl is not on a package index: every install line names the checkout."""
    found = []
    for path in DOCUMENTS + glob.glob(os.path.join(ROOT, "editors", "**", "*.md"), recursive=True):
        for target in INSTALL.findall(read(path)):
            found.append(target)
            first = shlex.split(target)[0].rstrip(")") if target.strip() else ""
            # a path to the checkout ('.', "'.[lsp]'", path/to/hpdsl), or a third-party package
            assert first.startswith(".") or "/" in first or first in ("hypothesis", "matplotlib"), \
                f"{name(path)}: pip install {target}"
    assert any(t.startswith("'.[lsp]'") for t in found)
    for folder, _, files in os.walk(os.path.join(ROOT, "hpdsl")):
        for file in files:
            if file.endswith((".py", ".md", ".json")):
                text = read(os.path.join(folder, file))
                assert "hpdsl[" not in text and "pip install hpdsl" not in text, os.path.join(folder, file)


def test_no_file_names_a_url_in_a_namespace_the_project_does_not_own():
    needle = "github.com/" + "hpdsl"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    offenders = [f for f in tracked if os.path.isfile(os.path.join(ROOT, f))
                 and needle in open(os.path.join(ROOT, f), encoding="utf-8", errors="replace").read().lower()]
    assert tracked and offenders == []


# ---- generated tables --------------------------------------------------------------------------


def test_the_rules_page_table_is_the_registry():
    page = read(os.path.join(DOCS, "rules.md"))
    table = page.split("<!-- rules-table")[1].split("<!-- /rules-table -->")[0]
    rows = re.findall(r"^\| (HP\d{3}) \| (\S+) \| (\w+) \| (.+) \|$", table, flags=re.M)
    assert rows == [(r.code, r.name, r.severity, r.summary) for r in RULES.values()]


def test_the_model_tables_are_what_the_checker_uses():
    page = read(os.path.join(DOCS, "models.md"))
    shown = dict(re.findall(r"<!-- model-table: (\w+) -->\n(.*?)<!-- /model-table -->", page, flags=re.S))
    assert sorted(shown) == sorted(MODELS)
    for model, table in shown.items():
        generated = [line for line in model_table(model).splitlines() if line.startswith("|")]
        assert [line for line in table.splitlines() if line.startswith("|")] == generated


# ---- the worked example: l2 against scikit-learn's alpha ---------------------------------------


def test_l2_is_scikit_learns_alpha_divided_by_the_training_rows(tmp_path):
    from sklearn.linear_model import Ridge

    folder = scratch(tmp_path, os.path.join(DOCS, "models.md"))
    result = hpdsl("run", "alpha.hp", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    l2 = report["hypers"]["l2"]
    n_train = report["splits"]["train"]["rows"]
    assert (l2, n_train) == (0.1, 354)  # the numbers the page quotes
    # The training rows by the documented split rule, independently of hpdsl's code.
    data = np.loadtxt(os.path.join(EXAMPLES, "data", "diabetes.csv"), delimiter=",", skiprows=1)
    X, y = data[:, :-1], data[:, -1]
    train = np.random.default_rng(0).permutation(len(y))[:n_train]
    ridge = Ridge(alpha=n_train * l2).fit(X[train], y[train])
    np.testing.assert_allclose(report["params"]["weights"], ridge.coef_, rtol=1e-8, atol=1e-8)
    assert abs(report["params"]["intercept"] - ridge.intercept_) < 1e-7
    # The page's quoted values, and the grid-copying mistake it warns about.
    assert np.round(ridge.coef_[8], 4) == 11.1121 and round(ridge.intercept_, 3) == -131.061
    assert abs(Ridge(alpha=l2).fit(X[train], y[train]).coef_[8] - 55) < 1


# ---- report.json and its schema ----------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(read(SCHEMA))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator, report) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]


EXAMPLE_RUNS = [[os.path.join("examples", os.path.basename(p))] for p in sorted(glob.glob(os.path.join(EXAMPLES, "*.hp")))]
EXAMPLE_RUNS += [["examples/quickstart.hp", "--set", "epochs=40", "--set", "learning_rate=exponential(0.1, rate: 0.99)"]]


@pytest.mark.parametrize("args", EXAMPLE_RUNS, ids=" ".join)
def test_every_examples_report_validates_against_the_schema(validator, args, tmp_path):
    result = hpdsl("run", *args, "--out", str(tmp_path / "out"), "--quiet", cwd=ROOT)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert problems(validator, report) == []


def test_the_schema_rejects_what_the_format_forbids(validator):
    result = hpdsl("run", "examples/ridge_cv.hp", "--json", cwd=ROOT)
    report = json.loads(result.stdout)
    assert problems(validator, report) == []
    for damage in (
        lambda r: r.pop("audit"),
        lambda r: r.update(surprise=1),
        lambda r: r["steps"][1].pop("trials"),
        lambda r: r["steps"][1].update(kind="train"),
        lambda r: r["splits"]["test"].update(role="holdout"),
        lambda r: r["hypers"].update(l2="0.1"),
        lambda r: r["workflow"].update(sha256="abc"),
    ):
        broken = json.loads(json.dumps(report))
        damage(broken)
        assert problems(validator, broken) != []


def test_the_report_page_documents_every_key_of_the_schema():
    schema = json.loads(read(SCHEMA))
    page = read(os.path.join(DOCS, "report.md"))
    documented = re.findall(r"^\| `(\w+)` \|", page.split("## Top level")[1].split("## Steps")[0], flags=re.M)
    assert documented == list(schema["properties"])
    # every key is always there but `ledger`, which only runs of the command line have
    assert schema["required"] == [key for key in schema["properties"] if key != "ledger"]


def test_the_schema_ships_as_package_data():
    from importlib.resources import files

    shipped = files("hpdsl") / "schemas" / "report.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == json.loads(read(SCHEMA))


# ---- editors -----------------------------------------------------------------------------------

NVIM = shutil.which("nvim")


def nvim_version() -> tuple[int, int]:
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True, timeout=60).stdout.splitlines()[0]
    major, minor = re.search(r"v(\d+)\.(\d+)", first).groups()
    return int(major), int(minor)


def require_nvim() -> None:
    if NVIM is None:
        # CI installs Debian's neovim (.ci/run); there its absence is a failure, not a skip.
        assert os.environ.get("CI", "").lower() not in ("true", "1"), "CI must have nvim (see .ci/run)"
        pytest.skip("nvim is not installed (apt-get install neovim)")


def lua_blocks():
    return [pytest.param(b, id=b.where) for b in ALL_BLOCKS if b.lang == "lua"]


PROBE = """
local ok = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 20)
local out = { "filetype " .. vim.bo.filetype }
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, tostring(d.code) .. " " .. (d.lnum + 1) .. ":" .. (d.col + 1))
end
vim.fn.writefile(out, "result.txt")
vim.cmd("qa!")
"""

BAD = """\
data d = synthetic(rows: 200, features: 3, noise: 0.1, seed: 1)
split d -> train 60%, validation 20%, test 20% seed 7
model ridge
hyper {
    l2: float in [0, 10] = 0.0
}
train on train
evaluate on validation
tune l2 in [0.1, 1.0] on test
test on test
"""


@pytest.mark.parametrize("block", lua_blocks())
def test_the_neovim_setups_work_in_a_real_neovim(block, tmp_path):
    require_nvim()
    wanted = re.match(r"nvim-(\d+)\.(\d+)$", block.tags)
    assert wanted, f"{block.where}: tag a lua block with the Neovim version it needs (nvim-0.7)"
    (tmp_path / "init.lua").write_text(block.text, encoding="utf-8")
    if nvim_version() < (int(wanted.group(1)), int(wanted.group(2))):
        # Too old to run it: it must at least compile.
        check = "lua local f, e = loadfile('init.lua'); vim.fn.writefile({f and 'ok' or e}, 'result.txt')"
        subprocess.run([NVIM, "--headless", "-u", "NONE", "-c", check, "-c", "qa!"], cwd=tmp_path,
                       env=environment(), stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        assert (tmp_path / "result.txt").read_text().strip() == "ok"
        return
    (tmp_path / "probe.lua").write_text(PROBE, encoding="utf-8")
    (tmp_path / "bad.hp").write_text(BAD, encoding="utf-8")
    subprocess.run([NVIM, "--headless", "-u", "init.lua", "bad.hp", "-c", "luafile probe.lua"], cwd=tmp_path,
                   env=environment(), stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    lines = (tmp_path / "result.txt").read_text().splitlines()
    assert lines[0] == "filetype hpdsl"
    assert "HP103 9:26" in lines[1:], lines


def test_a_neovim_setup_for_0_7_is_shown():
    assert any(b.tags == "nvim-0.7" and "vim.lsp.start_client" in b.text and "buf_attach_client" in b.text
               for b in of("lua"))


def test_the_vscode_extension_packages_cleanly_and_matches_the_server():
    from hpdsl.lsp.server import DEBOUNCE_SECONDS

    folder = os.path.join(ROOT, "editors", "vscode")
    package = json.loads(read(os.path.join(folder, "package.json")))
    assert "repository" not in package  # no repository we could name is ours
    debounce = package["contributes"]["configuration"]["properties"]["hpdsl.debounceMs"]["default"]
    assert debounce == round(DEBOUNCE_SECONDS * 1000)
    assert f'config.get("debounceMs", {debounce})' in read(os.path.join(folder, "extension.js"))
    assert read(os.path.join(folder, "LICENSE")) == read(os.path.join(ROOT, "LICENSE"))
    ignored = read(os.path.join(folder, ".vscodeignore")).split()
    assert "**" in ignored and "!dist/extension.js" in ignored
    gitignored = read(os.path.join(folder, ".gitignore")).split()
    assert {"node_modules/", "dist/", "*.vsix"} <= set(gitignored)
