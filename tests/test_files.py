"""hpdsl.files: the one atomic writer (fmt, predict --out, the parser-table generator use it)."""

from __future__ import annotations

import os
import stat

import pytest

from hpdsl.files import PendingFile, current_umask, write_atomic


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    write_atomic(str(target), b"new contents\n")
    assert target.read_bytes() == b"new contents\n"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_a_new_file_gets_what_open_would_give_and_explicit_permissions_are_kept(tmp_path):
    fresh = tmp_path / "fresh.txt"
    write_atomic(str(fresh), b"x")
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~current_umask()
    kept = tmp_path / "kept.txt"
    write_atomic(str(kept), b"x", permissions=0o640)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640


def test_a_failure_before_publish_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "p.csv"
    target.write_text("row,prediction\n0,1.0\n")
    with pytest.raises(RuntimeError):
        with PendingFile(str(target), "w+", encoding="utf-8", newline="") as pending:
            pending.file.write("row,prediction\n")
            pending.file.seek(0)
            assert pending.file.read() == "row,prediction\n"  # a "+" mode reads back what it wrote
            raise RuntimeError("the predictions failed half-way")
    assert target.read_text() == "row,prediction\n0,1.0\n"
    assert os.listdir(tmp_path) == ["p.csv"]


def test_publish_renames_over_the_target_at_once(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("before")
    with PendingFile(str(target), "w", encoding="utf-8") as pending:
        pending.file.write("after")
        assert target.read_text() == "before"  # nothing visible until publish
        pending.publish()
    assert target.read_text() == "after"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_folder_that_cannot_be_written_raises_before_anything_is_written(tmp_path):
    with pytest.raises(OSError):
        write_atomic(str(tmp_path / "missing" / "x.txt"), b"x")
    assert os.listdir(tmp_path) == []
