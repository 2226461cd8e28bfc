"""`hpdsl run`: check, run, print the report, write DIR/report.json and trials.csv.

An edge of the pipeline: it reads the workflow, prints diagnostics with render.format_text
(on stderr, so that `--json` output stays clean), and picks the exit code: 0 ok, 1 check
errors (or warnings under --strict), 2 usage, 3 runtime error. Nothing is written to
--out unless the run succeeds, and then atomically (a temporary file in DIR, renamed).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from ..checker import check_bytes
from ..render import format_text
from .errors import RunError, UsageError

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3

# One BLAS thread unless the environment already chooses (numpy is not loaded yet, see
# __init__.py): hpdsl's matrix products are small or memory-bound, where threads gain
# little and lose badly on a busy machine, and a fixed thread count keeps report.json
# the same on machines with different numbers of cores.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def run_command(args) -> int:
    if args.plots and not args.out:
        print("hpdsl: --plots writes PNG files into the --out folder; give --out DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.plots:
        from .plots import missing_matplotlib

        problem = missing_matplotlib()
        if problem:
            print(f"hpdsl: {problem}", file=sys.stderr)
            return EXIT_USAGE
    stdin_name = getattr(args, "stdin_filename", None)
    try:
        if args.file == "-":
            data, shown = sys.stdin.buffer.read(), stdin_name or "<stdin>"
        else:
            with open(args.file, "rb") as handle:
                data, shown = handle.read(), args.file
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
    options = Options(base_dir=base_dir, max_trials=args.max_trials, progress=progress,
                      workflow_bytes=data, overrides=args.overrides, ledger=recorder)
    try:
        report = run(analysis, options)
    except RunError as error:
        if progress is not None:
            progress.clear()
        sys.stderr.write(format_text([error.diagnostic], analysis.source, color=color))
        problem = record.close(recorder, error=error)
        if problem:
            print(f"hpdsl: {problem}", file=sys.stderr)
        return EXIT_RUNTIME
    except UsageError as error:
        if progress is not None:
            progress.clear()
        print(f"hpdsl: {error}", file=sys.stderr)
        record.close(recorder, error=error)
        return EXIT_USAGE
    except LedgerError as error:
        if progress is not None:
            progress.clear()
        print(f"hpdsl: cannot use the test-use ledger: {error}", file=sys.stderr)
        record.close(recorder)
        return EXIT_RUNTIME
    except MemoryError:
        print(f"{shown}: error[HP302] data-error: the run ran out of memory", file=sys.stderr)
        return EXIT_RUNTIME
    if progress is not None:
        progress.clear()
    problem = record.close(recorder, report)
    if problem:
        print(f"hpdsl: {problem}", file=sys.stderr)
        return EXIT_RUNTIME
    if args.out:
        try:
            write_outputs(report, args.out, args.plots)
        except OSError as error:
            print(f"{shown}: error[HP302] data-error: cannot write into {args.out}: {error.strerror or error}",
                  file=sys.stderr)
            return EXIT_RUNTIME
    if args.json:
        sys.stdout.write(report.to_json())
    elif not args.quiet:
        sys.stdout.write(report.summary())
    return EXIT_OK


def write_outputs(report, folder: str, plots: bool) -> None:
    os.makedirs(folder, exist_ok=True)
    atomic_write(os.path.join(folder, "report.json"), report.to_json().encode("utf-8"))
    atomic_write(os.path.join(folder, "trials.csv"), report.trials_csv().encode("utf-8"))
    if plots:
        from .plots import write_plots

        for name, png in write_plots(report):
            atomic_write(os.path.join(folder, name), png)


def atomic_write(path: str, content: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    folder = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is not
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
