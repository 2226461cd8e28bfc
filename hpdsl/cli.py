"""The `hpdsl` command: check, run, predict, ledger, fmt, explain, rules, lsp.

An edge of the pipeline: it reads files, calls the checker (or the interpreter, the
formatter, the language server, each imported only by its own command), prints, and
picks the exit code. `hpdsl check` imports neither numpy nor lark.
"""

from __future__ import annotations

import errno
import os
import sys

from . import EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


def _parser():
    import argparse

    parser = argparse.ArgumentParser(
        prog="hpdsl",
        description="Check and run .hp ML workflows that keep parameters and hyperparameters apart.",
        epilog="exit codes: 0 ok; 1 check errors; 2 usage, an unreadable input, an --out folder that "
               "cannot be used, or a closed or full stdout; 3 run-time error; 130 interrupted (Ctrl-C); "
               "143 terminated (SIGTERM)",
    )
    parser.add_argument("--version", action="version", version=f"hpdsl {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="lint workflows (exit 0 clean, 1 errors, 2 usage)")
    check.add_argument("files", nargs="+", metavar="FILE", help="a .hp file, a folder of them, or - for stdin")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--stdin-filename", metavar="PATH", help="the name (and folder) of the file read from stdin")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    run = commands.add_parser("run", help="check, then run a workflow and print its report")
    run.add_argument("file", metavar="FILE", help="a .hp file, or - for stdin")
    run.add_argument("--stdin-filename", metavar="PATH",
                     help="the name of the workflow read from stdin; its folder anchors relative data paths")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                     help="override a hyperparameter before the first step (repeatable)")
    run.add_argument("--out", metavar="DIR",
                     help="write report.json and trials.csv into DIR, replacing what an earlier run wrote "
                     "there as one transaction")
    run.add_argument("--json", action="store_true", help="print the report as JSON")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--strict", action="store_true", help="treat warnings as errors")
    run.add_argument("--max-trials", type=int, default=10_000, metavar="N",
                     help="refuse a search with more candidates than this (default 10000)")
    run.add_argument("--plots", action="store_true", help="with --out, write PNG plots (needs the plot extra)")
    run.add_argument("--stream", action="store_true",
                     help="never hold the data: read it block by block, in bounded memory")
    run.add_argument("--memory", metavar="SIZE", default=None,
                     help="the memory budget: data that would not fit is streamed (e.g. 2GB, 512MB, 25%%; "
                     "default: half of the available memory)")
    run.add_argument("--scheduler", metavar="ADDRESS", default=None,
                     help="compute the statistics on a Dask cluster (e.g. tcp://10.0.0.5:8786; default "
                     "$DASK_SCHEDULER_ADDRESS; needs the dask extra); implies --stream")
    _ledger_option(run)
    run.add_argument("--no-ledger", action="store_true",
                     help="run without recording in the test-use ledger (the report says so)")
    run.add_argument("--supersede", type=int, metavar="ENTRY",
                     help="knowingly reuse test rows an earlier ledger entry looked at (recorded)")

    predict = commands.add_parser("predict", help="apply a model.json from 'hpdsl run --out' to the rows of a csv file")
    predict.add_argument("model", metavar="MODEL", help="a model.json, or the --out folder of a run")
    predict.add_argument("--data", required=True, metavar="FILE",
                         help="a csv file with the model's feature columns (the target column is optional)")
    predict.add_argument("--out", metavar="FILE", help="write the predictions (row,prediction) into this csv file")
    predict.add_argument("--json", action="store_true", help="print the metrics and predictions as JSON")
    _ledger_option(predict)
    predict.add_argument("--no-ledger", action="store_true",
                         help="do not record a look at recorded test rows in the test-use ledger")

    ledger = commands.add_parser("ledger", help="list, show or verify the test-use ledger")
    actions = ledger.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    for name, text in (("list", "a table of the entries"), ("show", "one entry in full"),
                       ("verify", "check the hash chain and the schema (exit 1 at the first broken entry)")):
        action = actions.add_parser(name, help=text)
        if name == "show":
            action.add_argument("entry", type=int, metavar="ENTRY", help="the entry's number")
        action.add_argument("--json", action="store_true", help="print JSON")
        _ledger_option(action)

    fmt = commands.add_parser("fmt", help="rewrite workflows in the canonical layout")
    fmt.add_argument("files", nargs="+", metavar="FILE", help="a .hp file, a folder of them, or - for stdin")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.add_argument("--diff", action="store_true", help="print a diff instead of rewriting")

    explain = commands.add_parser("explain", help="print the documentation of a rule or a model")
    explain.add_argument("code", metavar="TOPIC",
                         help="a rule code (HP103) or name (tuned-on-test), or a model (ridge)")

    commands.add_parser("rules", help="list every rule")
    commands.add_parser("lsp", help="run the language server on stdio (needs the lsp extra)")
    return parser


def _ledger_option(parser) -> None:
    parser.add_argument("--ledger", metavar="PATH|URL",
                        help="the test-use ledger: a SQLite file or postgresql://... (default: $HPDSL_LEDGER, "
                        "else .hpdsl/ledger.sqlite at the project root)")


def _version() -> str:
    from . import __version__

    return __version__


_CHECK_CHOICES = {"--format": ("text", "json", "sarif"), "--color": ("auto", "always", "never")}


def _check_args(argv: list[str]):
    """`hpdsl check ...` parsed without argparse, which costs more start-up (about 20 ms
    to import and build) than checking a file does; editors and pre-commit start
    `hpdsl check` cold, often. Returns None for anything but the plain documented
    options (help, abbreviations, mistakes), which argparse then parses, as ever."""
    if not argv or argv[0] != "check":
        return None
    from types import SimpleNamespace

    options = {"format": "text", "strict": False, "stdin_filename": None, "color": "auto"}
    files: list[str] = []
    rest = iter(argv[1:])
    only_files = False
    for arg in rest:
        if only_files or arg == "-" or not arg.startswith("-"):
            files.append(arg)
        elif arg == "--":
            only_files = True
        elif arg == "--strict":
            options["strict"] = True
        else:
            name, equals, value = arg.partition("=")
            if name not in ("--format", "--color", "--stdin-filename"):
                return None
            if not equals:
                value = next(rest, None)
                if value is None or (value.startswith("-") and value != "-"):
                    return None
            if value not in _CHECK_CHOICES.get(name, (value,)):
                return None
            options[name[2:].replace("-", "_")] = value
    if not files:
        return None
    return SimpleNamespace(command="check", files=files, **options)


def main(argv: list[str] | None = None) -> int:
    """Run a command and return its exit code. Failing standard streams are answered
    here for every command: a closed stdin reads as an error of the input (`-`); a
    closed or full stdout (`> /dev/full`) is a one-line message and exit 2, like an
    unreadable input; a reader that went away (`| head`) ends quietly with exit 0."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["lsp"]:  # the language server owns stdin and stdout
        return _main(argv)
    streams = sys.stdin, sys.stdout
    if sys.stdin is None:
        _point_at_devnull(0)  # so that no file hpdsl opens takes descriptor 0
        sys.stdin = _Closed("stdin")
    if sys.stdout is None:
        _point_at_devnull(1)
    sys.stdout = _Guarded(sys.stdout)
    try:
        status = _main(argv)
        sys.stdout.flush()  # here, so that a full disk is reported, not met at exit
        return status
    except StdoutError as error:
        _silence_stdout()
        if error.errno == errno.EPIPE:
            return EXIT_OK
        print(f"hpdsl: cannot write to stdout: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        sys.stdin, sys.stdout = streams


def _main(argv: list[str]) -> int:
    args = _check_args(argv) or _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "run":
            from .runtime.command import run_command

            return run_command(args)
        if args.command == "predict":
            from .runtime.predict import predict_command

            return predict_command(args)
        if args.command == "ledger":
            from .ledger.command import ledger_command

            return ledger_command(args)
        if args.command == "fmt":
            return _fmt(args)
        if args.command == "explain":
            return _explain(args.code)
        if args.command == "rules":
            from .render import rules_table

            sys.stdout.write(rules_table())
            return EXIT_OK
        if args.command == "lsp":
            return _lsp()
    except KeyboardInterrupt:
        print("hpdsl: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_USAGE


class StdoutError(OSError):
    """Writing to stdout failed (closed, full, or the reader went away)."""


class _Guarded:
    """sys.stdout (text or its .buffer) whose write and flush failures are StdoutError,
    so that they are told apart from the commands' own file errors."""

    def __init__(self, stream) -> None:
        self._stream = stream if stream is not None else _Closed("stdout")

    def write(self, data):
        try:
            return self._stream.write(data)
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from None

    @property
    def buffer(self):
        return _Guarded(self._stream.buffer)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Closed:
    """A standard stream whose file descriptor was closed before hpdsl started."""

    def __init__(self, name: str) -> None:
        self.closed_name = name

    def _fail(self, *args):
        raise OSError(errno.EBADF, f"{self.closed_name} is closed")

    read = write = _fail

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self):
        return self


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit meets no
    error again (what Python's documentation advises for SIGPIPE)."""
    _point_at_devnull(1)


def _point_at_devnull(fd: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)
    except OSError:
        pass


# ---- check ---------------------------------------------------------------------------------------


def hp_files(paths: list[str]) -> tuple[list[str], list[str]]:
    """Expand folders into the .hp files below them (sorted); return (files, missing)."""
    files: list[str] = []
    missing: list[str] = []
    for path in paths:
        if path == "-":
            files.append(path)
        elif os.path.isdir(path):
            found = []
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(folder, name) for name in names if name.endswith(".hp"))
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def read_input(path: str, stdin_filename: str | None = None) -> tuple[bytes, str]:
    """(bytes, display path); OSError if unreadable."""
    if path == "-":
        return sys.stdin.buffer.read(), stdin_filename or "<stdin>"
    from .files import read_regular

    return read_regular(path), path


def _check(args) -> int:
    from .checker import check_bytes

    files: list[str] = []
    status = EXIT_OK
    for argument in args.files:
        found, missing = hp_files([argument])
        files.extend(found)
        if missing:
            print(f"hpdsl: cannot read {argument}: no such file or folder", file=sys.stderr)
            status = EXIT_USAGE
        elif not found:  # as ruff's "No files found": checking nothing is not a pass
            print(f"hpdsl: no .hp files found in {argument}", file=sys.stderr)
            status = EXIT_USAGE
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    )
    results = []
    for path in files:
        try:
            data, shown = read_input(path, args.stdin_filename)
        except OSError as error:
            print(f"hpdsl: cannot read {path}: {error.strerror or error}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        analysis = check_bytes(data, shown)
        results.append(analysis)
        if args.format == "text" and analysis.diagnostics:
            from .render import format_text

            sys.stdout.write(format_text(analysis.diagnostics, analysis.source, color=color))
    everything = [d for a in results for d in a.diagnostics]
    if args.format == "text":
        from .render import summary

        # "All checks passed." only when every input was read and checked.
        if everything or (results and status == EXIT_OK):
            print(summary(everything))
    elif args.format == "json":
        import json

        from .render import to_json

        json.dump([to_json(d, a.source) for a in results for d in a.diagnostics], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        import json

        from .render import to_sarif

        json.dump(to_sarif([(d, a.source) for a in results for d in a.diagnostics]), sys.stdout, indent=2)
        sys.stdout.write("\n")
    failing = any(d.is_error or args.strict for d in everything)
    if status == EXIT_OK and failing:
        status = EXIT_ERRORS
    return status


# ---- fmt --------------------------------------------------------------------------------


def _fmt(args) -> int:
    """`hpdsl fmt FILE... [--check] [--diff]`; `-` formats stdin to stdout.

    Exit 0 when nothing would change, 1 when --check or --diff finds a file to change,
    2 when a file cannot be read, does not parse, or cannot be written (it is then left
    as it was).
    """
    files, missing = hp_files(args.files)
    dry = args.check or args.diff
    status = EXIT_OK
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    for path in missing:
        _say(f"hpdsl: cannot read {path}: no such file or folder")
        counts["failed"] += 1
        status = EXIT_USAGE
    if not files and not missing:
        _say("hpdsl: no .hp files found")
    for path in files:
        try:
            data, shown = read_input(path)
        except OSError as error:
            _say(f"hpdsl: cannot read {path}: {error.strerror or error}")
            counts["failed"] += 1
            status = EXIT_USAGE
            continue
        formatted = _format_file(data, shown)
        if formatted is None:
            counts["failed"] += 1
            status = EXIT_USAGE
            continue
        changed = formatted != data
        counts["changed" if changed else "unchanged"] += 1
        if args.diff and changed:
            _write_stdout(_diff(data, formatted, shown))
        if path == "-":
            if not dry:
                _write_stdout(formatted)
        elif changed and not dry:
            try:
                _replace(path, formatted)
            except OSError as error:
                _say(f"hpdsl: cannot write {path}: {error.strerror or error}")
                counts["failed"] += 1
                counts["changed"] -= 1
                status = EXIT_USAGE
                continue
        if changed and (args.check or path != "-"):
            _say(f"would reformat {shown}" if dry else f"reformatted {shown}")
        if changed and dry and status == EXIT_OK:
            status = EXIT_ERRORS
    if files != ["-"] and (files or missing):
        _say(_summary(counts, dry))
    return status


def _format_file(data: bytes, path: str) -> bytes | None:
    """The formatted bytes, or None after telling why the file cannot be formatted."""
    from .formatter import format_program
    from .render import format_text
    from .source import Source
    from .syntax import parse, parse_bytes

    result = parse_bytes(data, path)
    if not result.ok:
        _say(format_text(result.diagnostics, result.source).rstrip("\n"))
        return None
    text = format_program(result.program, text=result.source.text)
    # As black's --safe: never write a file whose meaning or comments would change.
    again = parse(Source(text, path)).program
    if not _same(result.program, again) or format_program(again, text=text) != text:
        _say(f"hpdsl: internal error: formatting {path} would change it; left as it was (please report this)")
        return None
    return text.encode("utf-8")


def _same(before, after) -> bool:
    return (
        after is not None
        and before == after
        and [c.text.strip() for c in before.comments] == [c.text.strip() for c in after.comments]
    )


def _replace(path: str, data: bytes) -> None:
    """Rewrite the file atomically, keeping its permissions; a symbolic link stays a link
    and its target is rewritten."""
    from .files import write_atomic

    target = os.path.realpath(path)
    write_atomic(target, data, permissions=os.stat(target).st_mode & 0o7777)


def _diff(before: bytes, after: bytes, path: str) -> bytes:
    import difflib

    def lines(data: bytes) -> list[str]:
        out = data.decode("utf-8", errors="replace").splitlines(keepends=True)
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
        return out

    return "".join(difflib.unified_diff(lines(before), lines(after), f"a/{path}", f"b/{path}")).encode("utf-8")


def _summary(counts: dict[str, int], dry: bool) -> str:
    def files(count: int) -> str:
        return f"{count} file{'' if count == 1 else 's'}"

    changed, unchanged, failed = counts["changed"], counts["unchanged"], counts["failed"]
    parts = []
    if changed:
        parts.append(f"{files(changed)} would be reformatted" if dry else f"{files(changed)} reformatted")
    if unchanged:
        parts.append(f"{files(unchanged)} already formatted" if dry else f"{files(unchanged)} left unchanged")
    if failed:
        parts.append(f"{files(failed)} could not be formatted")
    return ", ".join(parts)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _write_stdout(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _explain(topic: str) -> int:
    """A rule by code (HP103, 103) or name (tuned-on-test), or a model's table (ridge)."""
    from .checker.models import MODELS
    from .diagnostics import RULES
    from .render import explain, model_table

    key = topic.strip()
    by_name = {rule.name: code for code, rule in RULES.items()}
    code = f"HP{int(key):03d}" if key.isdigit() else key.upper()
    if code in RULES:
        sys.stdout.write(explain(code))
    elif key.lower() in by_name:
        sys.stdout.write(explain(by_name[key.lower()]))
    elif key.lower() in MODELS:
        sys.stdout.write(model_table(key.lower()))
    else:
        from .suggest import nearest

        guess = nearest(code, RULES) or nearest(key.lower(), [*by_name, *MODELS])
        hint = f" (did you mean {guess}?)" if guess else "; 'hpdsl rules' lists the rules"
        print(f"hpdsl: {topic!r} is not a rule code, a rule name or a model{hint}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _lsp() -> int:
    try:
        from .lsp import serve
    except ImportError as error:
        if "pygls" in str(error) or "lsprotocol" in str(error):
            print("hpdsl: the language server needs the lsp extra; from a checkout of hpdsl: "
                  "pip install '.[lsp]' (or: pip install 'pygls>=2,<3')", file=sys.stderr)
            return EXIT_USAGE
        raise
    serve()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
