"""Only the optional C tokenizer lives here; everything else is in pyproject.toml.

``optional=True``: where no C compiler is at hand the build goes on without it and the
raw reader uses its regular expression instead (same results, slower).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("salesplan.regional._cellscan", ["salesplan/regional/_cellscan.c"], optional=True)])
