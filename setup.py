"""Build hook: every wheel carries the grammar and the language reference.

Both live outside the package in a checkout, so package data cannot name them:
`grammar/hpdsl.lark` (the definition of the language, which the lark fallback
parser reads) is copied into hpdsl/grammar/, and the reference (`docs/*.md`, the
design of record) into hpdsl/reference/, so an installed hpdsl carries the grammar
and documentation of its own version. An editable install reads both from the
checkout. The parse tables (hpdsl/syntax/_tables.py) are committed source, not built
here: tests/test_syntax.py regenerates them and compares.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR = os.path.join(HERE, "grammar", "hpdsl.lark")
REFERENCE = os.path.join(HERE, "docs")


class BuildWithGrammar(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = os.path.join(self.build_lib, "hpdsl")
        os.makedirs(os.path.join(target, "grammar"), exist_ok=True)
        shutil.copyfile(GRAMMAR, os.path.join(target, "grammar", "hpdsl.lark"))
        os.makedirs(os.path.join(target, "reference"), exist_ok=True)
        for name in sorted(os.listdir(REFERENCE)):
            if name.endswith(".md"):
                shutil.copyfile(os.path.join(REFERENCE, name), os.path.join(target, "reference", name))


setup(cmdclass={"build_py": BuildWithGrammar})
