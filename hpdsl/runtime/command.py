"""`hpdsl run`: check, run, print the report, write the --out folder (report.json, trials.csv, model.json).

An edge of the pipeline: it reads the workflow, prints diagnostics with render.format_text
(on stderr, so that `--json` output stays clean), and picks the exit code: 0 ok, 1 check
errors (or warnings under --strict, including the run-time HP209), 2 usage (including an --out folder that cannot be
used, found before the first step), 3 runtime error, 130 on Ctrl-C, 143 on SIGTERM.
The --out folder is written only when the run succeeds, as one transaction
(runtime/outputs.py): it holds this run's files or the previous run's, never a mixture.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import time

from .. import EXIT_ERRORS, EXIT_OK, EXIT_RUNTIME, EXIT_TERMINATED, EXIT_USAGE
from ..checker import check_bytes
from ..files import read_regular
from ..render import format_line, format_text
from . import memory
from .errors import RunError, UsageError
from .outputs import OutputError, OutputFolder, signals_held

# One BLAS thread unless the environment already chooses (numpy is not loaded yet, see
# __init__.py): hpdsl's matrix products are small or memory-bound, where threads gain
# little and lose badly on a busy machine, and a fixed thread count keeps report.json
# the same on machines with different numbers of cores.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def run_command(args) -> int:
    # SIGTERM unwinds like Ctrl-C, so the staged output folder and the lock are cleaned up
    # (only the main thread may set a handler; a caller in another thread keeps its own).
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        return _checked_run(args)
    except Terminated:
        print("hpdsl: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _checked_run(args) -> int:
    if args.plots and not args.out:
        print("hpdsl: --plots writes PNG files into the --out folder; give --out DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.plots:
        from .plots import missing_matplotlib

        problem = missing_matplotlib()
        if problem:
            print(f"hpdsl: {problem}", file=sys.stderr)
            return EXIT_USAGE
    scheduler = getattr(args, "scheduler", None) or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if scheduler is not None and importlib.util.find_spec("distributed") is None:
        print(f"hpdsl: --scheduler {scheduler} needs Dask's distributed package (the dask extra): "
              "pip install '.[dask]' in a checkout of hpdsl",
              file=sys.stderr)
        return EXIT_USAGE
    budget = None
    if getattr(args, "memory", None) is not None:
        try:
            budget = memory.parse(args.memory)
        except ValueError as error:
            print(f"hpdsl: --memory {error}", file=sys.stderr)
            return EXIT_USAGE
    stdin_name = getattr(args, "stdin_filename", None)
    try:
        if args.file == "-":
            data, shown = sys.stdin.buffer.read(), stdin_name or "<stdin>"
        else:
            data, shown = read_regular(args.file), args.file
    except OSError as error:
        print(f"hpdsl: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    analysis = check_bytes(data, shown, overrides=args.overrides)
    color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    shown_diagnostics = analysis.diagnostics if not args.quiet else analysis.errors
    if args.strict and args.quiet:
        shown_diagnostics = analysis.diagnostics
    if shown_diagnostics:
        sys.stderr.write(format_text(shown_diagnostics, analysis.source, color=color))
    if analysis.errors or (args.strict and analysis.diagnostics):
        return EXIT_ERRORS

    out = None
    if args.out:
        try:
            out = OutputFolder(args.out).open()
        except OutputError as error:
            print(f"hpdsl: {error}", file=sys.stderr)
            return EXIT_USAGE
    try:
        return _run(args, analysis, data, shown, stdin_name, color, out, budget)
    finally:
        if out is not None:
            out.close()


class Terminated(BaseException):
    """SIGTERM, raised where the process is so that cleanup runs (like KeyboardInterrupt)."""


def _terminate(signum, frame):
    raise Terminated()


def _run(args, analysis, data: bytes, shown: str, stdin_name, color: bool, out, budget) -> int:
    with signals_held():
        from . import Options, run

    if shown == "<stdin>" or args.file == "-":
        base_dir = os.path.dirname(stdin_name) if stdin_name else "."
    else:
        base_dir = os.path.dirname(args.file) or "."
    from ..ledger import record
    from ..ledger.store import LedgerError

    try:
        recorder = record.recorder_for(args, shown, base_dir)
    except (UsageError, LedgerError) as error:
        print(f"hpdsl: {error}" if isinstance(error, UsageError) else f"hpdsl: cannot open the test-use ledger: "
              f"{error}; choose another with --ledger PATH", file=sys.stderr)
        return EXIT_USAGE
    progress = Progress() if sys.stderr.isatty() and not args.quiet else None
    scheduler = getattr(args, "scheduler", None) or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    options = Options(base_dir=base_dir, max_trials=args.max_trials, progress=progress,
                      workflow_bytes=data, overrides=args.overrides, ledger=recorder,
                      stream=getattr(args, "stream", False), scheduler=scheduler, memory=budget)
    try:
        try:
            report = run(analysis, options)
        finally:  # before anything else is printed on stderr
            if progress is not None:
                progress.clear()
    except RunError as error:
        sys.stderr.write(format_text([error.diagnostic], analysis.source, color=color))
        problem = record.close(recorder, error=error)
        if problem:
            print(f"hpdsl: {problem}", file=sys.stderr)
        return EXIT_RUNTIME
    except UsageError as error:
        print(f"hpdsl: {error}", file=sys.stderr)
        record.close(recorder, error=error)
        return EXIT_USAGE
    except LedgerError as error:
        print(f"hpdsl: cannot use the test-use ledger: {error}", file=sys.stderr)
        record.close(recorder)
        return EXIT_RUNTIME
    except MemoryError as error:
        print(format_line(shown, "the run ran out of memory", code="HP302"), file=sys.stderr)
        record.close(recorder, error=error)
        return EXIT_RUNTIME
    problem = record.close(recorder, report)
    if problem:
        print(f"hpdsl: {problem}", file=sys.stderr)
        return EXIT_RUNTIME
    if out is not None:
        try:
            out.commit(output_files(report, args.plots))
        except (OSError, OutputError) as error:
            kept = "it still holds the previous run" if os.path.isdir(out.path) else "it was not created"
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            print(f"hpdsl: cannot write --out {args.out}: {reason}; {kept}", file=sys.stderr)
            return EXIT_RUNTIME
    if report.streamed and not options.stream and not args.quiet:  # streamed by itself: say why
        print(f"hpdsl: streamed the data: {report.streamed}", file=sys.stderr)
    if args.json:
        sys.stdout.write(report.to_json())
    elif not args.quiet:
        sys.stdout.write(report.summary())
    # Run-time warnings (HP209) after the report they explain; --strict fails the run on
    # them, though its results were written and recorded.
    if report.warnings and (args.strict or not args.quiet):
        sys.stdout.flush()
        sys.stderr.write(format_text(report.warnings, analysis.source, color=color))
    return EXIT_ERRORS if args.strict and report.warnings else EXIT_OK


def output_files(report, plots: bool) -> dict[str, bytes]:
    """Everything the --out folder holds, name -> bytes: adding a file is one line here."""
    files = {
        "report.json": report.to_json().encode("utf-8"),
        "trials.csv": report.trials_csv().encode("utf-8"),
    }
    from .model import model_json

    model = model_json(report)
    if model is not None:  # a workflow that trains nothing leaves no model beside its report
        files["model.json"] = model
    if plots:
        from .plots import write_plots

        with signals_held():  # it imports matplotlib
            files.update(write_plots(report))
    return files


class Progress:
    """A one-line progress bar on stderr for work that lasts: it appears after half a
    second of one task and is redrawn at most ten times a second."""

    WIDTH = 30
    DELAY = 0.5

    def __init__(self) -> None:
        self.label = None
        self.began = 0.0
        self.last = 0.0
        self.shown = False

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label != self.label:
            self.label, self.began = label, now
        if now - self.began < self.DELAY or (done < total and now - self.last < 0.1):
            return
        self.last = now
        filled = int(self.WIDTH * done / total) if total else self.WIDTH
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False
