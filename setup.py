"""Build hook: every wheel carries the grammar, the parse tables generated from it, and
the language reference.

`grammar/hpdsl.lark` is copied into the package (hpdsl/grammar/), and lark turns it
into hpdsl/syntax/_tables.py, so that a cold `hpdsl check` needs neither lark nor
table construction. An editable install writes the tables into the source tree.
The reference (`docs/*.md`, the design of record) is copied into hpdsl/reference/, so
an installed hpdsl carries the documentation of its own version.
"""

import importlib.util
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR = os.path.join(HERE, "grammar", "hpdsl.lark")
REFERENCE = os.path.join(HERE, "docs")


def _generator():
    path = os.path.join(HERE, "hpdsl", "syntax", "_generate.py")
    spec = importlib.util.spec_from_file_location("_hpdsl_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithParser(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            target = os.path.join(HERE, "hpdsl")
        else:
            target = os.path.join(self.build_lib, "hpdsl")
            os.makedirs(os.path.join(target, "grammar"), exist_ok=True)
            shutil.copyfile(GRAMMAR, os.path.join(target, "grammar", "hpdsl.lark"))
            os.makedirs(os.path.join(target, "reference"), exist_ok=True)
            for name in sorted(os.listdir(REFERENCE)):
                if name.endswith(".md"):
                    shutil.copyfile(os.path.join(REFERENCE, name), os.path.join(target, "reference", name))
        _generator().write(GRAMMAR, os.path.join(target, "syntax", "_tables.py"))


setup(cmdclass={"build_py": BuildWithParser})
