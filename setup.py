"""Only the optional C helpers live here; everything else is in pyproject.toml.

``optional=True``: where no C compiler (or, for _leanzip, no zlib headers) is at hand
the build goes on without them and the pure-Python code runs instead (same results,
slower).
"""
from setuptools import Extension, setup

setup(ext_modules=[
    Extension("salesplan.regional._cellscan", ["salesplan/regional/_cellscan.c"], optional=True),
    Extension("salesplan.deals._leanzip", ["salesplan/deals/_leanzip.c"], libraries=["z"], optional=True),
])
