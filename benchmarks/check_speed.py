"""How fast `hpdsl check` is: cold start against the leanest linters, and throughput.

Run by hand (not part of the test suite), with the `bench` extra installed:

    pip install '.[bench]'
    python benchmarks/check_speed.py            # about a minute
    python benchmarks/check_speed.py --quick    # fewer repetitions

Part 1 starts fresh processes, interleaved round-robin so that machine noise hits every
command alike, and prints medians: `python -c pass`, the parser alternatives hpdsl
could use (lark at run time, lark with its grammar cache, lark's standalone generator,
the tables hpdsl generates from its grammar and commits), `hpdsl check` on a 30-line workflow, and
pyflakes, flake8 and ruff on a 200-line Python file.

Part 2 checks generated workflows of 1,000 / 10,000 / 100,000 lines in-process and
prints lines per second for parsing alone and for the whole check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _thirty_line_workflow() -> str:
    with open(os.path.join(ROOT, "examples", "quickstart.hp"), encoding="utf-8") as f:
        text = f.read()
    assert len(text.splitlines()) in (29, 30, 31)
    return text


def _python_file(lines: int = 200) -> str:
    """A plain, warning-free Python module of exactly `lines` lines."""
    out = ['"""A module for the linter benchmark."""', "", "import math", ""]
    i = 0
    while len(out) < lines - 9:
        out += [
            "",
            f"def function_{i}(values, scale=1.0):",
            f'    """Scaled norm number {i}."""',
            "    total = 0.0",
            "    for value in values:",
            "        total += (value * scale) ** 2",
            "    return math.sqrt(total)",
        ]
        i += 1
    out += ["", "", "def main():", "    return [function_0([1, 2, 3])]", ""]
    while len(out) < lines:
        out.append("")
    out = out[:lines]
    return "\n".join(out) + "\n"


def _which(tool: str) -> str | None:
    candidate = os.path.join(os.path.dirname(sys.executable), tool)
    return candidate if os.path.exists(candidate) else shutil.which(tool)


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def startup(repeats: int) -> None:
    work = tempfile.mkdtemp(prefix="hpdsl-bench-")
    workflow = os.path.join(work, "workflow.hp")
    with open(workflow, "w", encoding="utf-8") as f:
        f.write(_thirty_line_workflow())
    module = os.path.join(work, "module.py")
    with open(module, "w", encoding="utf-8") as f:
        f.write(_python_file())
    grammar = os.path.join(ROOT, "grammar", "hpdsl.lark")

    # lark's standalone generator: a self-contained parser module, compiled to .pyc once.
    standalone = os.path.join(work, "hpdsl_standalone.py")
    subprocess.run([sys.executable, "-m", "lark.tools.standalone", grammar, "-s", "start", "-l", "contextual",
                    "--keep_all_tokens", "-o", standalone], check=True)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import hpdsl_standalone"], cwd=work, env=env, check=True)
    cache_script = (
        "import lark, sys; p = lark.Lark(open(sys.argv[1]).read(), parser='lalr', lexer='contextual', "
        "keep_all_tokens=True, cache=True); "
        "p.parse(open(sys.argv[2]).read())"
    )
    standalone_script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import hpdsl_standalone as s; "
        "p = s.Lark_StandAlone(postlex=None); "
        "p.parse(open(sys.argv[2]).read())"
    )
    subprocess.run([sys.executable, "-c", cache_script, grammar, workflow], env=env, check=False)

    hpdsl = _which("hpdsl")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import lark'": [sys.executable, "-c", "import lark"],
        "parse with lark, tables built at run time": [
            sys.executable, "-c",
            "import lark, sys; lark.Lark(open(sys.argv[1]).read(), parser='lalr', lexer='contextual', "
            "keep_all_tokens=True).parse(open(sys.argv[2]).read())",
            grammar, workflow,
        ],
        "parse with lark, cache=True": [sys.executable, "-c", cache_script, grammar, workflow],
        "parse with lark's standalone module (.pyc)": [sys.executable, "-c", standalone_script, work, workflow],
        "parse with hpdsl's generated tables": [
            sys.executable, "-c", "import sys; from hpdsl.syntax import parse; from hpdsl.source import Source; "
            "parse(Source(open(sys.argv[1]).read(), 'w.hp'))", workflow,
        ],
        "hpdsl check (lark at run time)": [hpdsl, "check", workflow],
        "hpdsl check": [hpdsl, "check", workflow],
    }
    tool_paths = {"pyflakes": _which("pyflakes"), "flake8": _which("flake8"), "ruff": _which("ruff")}
    if tool_paths["pyflakes"]:
        commands["pyflakes (200-line .py)"] = [tool_paths["pyflakes"], module]
    if tool_paths["flake8"]:
        commands["flake8 (200-line .py)"] = [tool_paths["flake8"], module]
    if tool_paths["ruff"]:
        commands["ruff check (200-line .py)"] = [tool_paths["ruff"], "check", "--no-cache", "-q", module]
    envs = {name: env for name in commands}
    envs["hpdsl check (lark at run time)"] = dict(env, HPDSL_PARSER="lark")

    samples: dict[str, list[float]] = {name: [] for name in commands}
    for name, argv in commands.items():  # warm the file cache and the .pyc files
        subprocess.run(argv, env=envs[name], cwd=work, capture_output=True)
    for _ in range(repeats):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, env=envs[name], cwd=work, capture_output=True)
            samples[name].append(time.perf_counter() - start)

    base = _median_ms(samples["python -c pass"])
    check = _median_ms(samples["hpdsl check"])
    print(f"\nCold start, median of {repeats} fresh processes (interleaved), 30-line workflow / 200-line Python file")
    print(f"{'command':48s} {'median ms':>10s} {'- python':>9s} {'vs hpdsl check':>15s}")
    for name, values in samples.items():
        ms = _median_ms(values)
        print(f"{name:48s} {ms:10.1f} {ms - base:9.1f} {ms / check:14.2f}x")
    for tool, path in tool_paths.items():
        if path is None:
            print(f"({tool} is not installed: pip install '.[bench]')")
    shutil.rmtree(work, ignore_errors=True)


def generated_workflow(lines: int) -> str:
    """A valid workflow of about `lines` lines: the quickstart's declarations, then steps."""
    head = _thirty_line_workflow().split("standardize using train")[0]
    steps = [
        "standardize using train",
        "set l2 = 0.01 * (1 + 2) / 3",
        "train on train {",
        "    every 50 epochs: log mse on validation",
        "    stop early when mse on validation has not improved for 40 epochs",
        "}",
        "evaluate on validation report mse, r2",
        "tune learning_rate in [0.01, 0.05, 0.1], l2 in logspace(-4, 0, 5) on validation minimize mse",
        "set epochs = 300 + 1",
        "# a comment line",
    ]
    body = []
    count = len(head.splitlines())
    while count < lines - 1:
        body.extend(steps)
        count += len(steps)
    return head + "\n".join(body) + "\ntrain on train\ntest on test\n"


def throughput(quick: bool) -> None:
    from hpdsl.checker import check
    from hpdsl.source import Source
    from hpdsl.syntax import parse, parser_kind

    print(f"\nThroughput in one process (parser: {parser_kind()}); best of 3 runs")
    print(f"{'lines':>8s} {'parse s':>9s} {'parse lines/s':>14s} {'check s':>9s} {'check lines/s':>14s}")
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    for size in sizes:
        text = generated_workflow(size)
        lines = len(text.splitlines())
        parse_times, check_times = [], []
        for _ in range(3):
            start = time.perf_counter()
            result = parse(Source(text, "big.hp"))
            parse_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            analysis = check(result)
            check_times.append(time.perf_counter() - start + parse_times[-1])
        assert result.program is not None and not analysis.errors, [d.message for d in analysis.errors[:3]]
        p, c = min(parse_times), min(check_times)
        print(f"{lines:8d} {p:9.3f} {lines / p:14,.0f} {c:9.3f} {lines / c:14,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and sizes")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    startup(args.repeats or (7 if args.quick else 31))
    throughput(args.quick)


if __name__ == "__main__":
    main()
