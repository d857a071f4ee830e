"""Test support for the Excel UDFs (salesplan.udfs.functions).

1. xlwings' own UDF machinery on Linux. ``xlwings.udfs`` imports three
   Windows-only modules at import time (``pythoncom``, ``pywintypes``,
   ``win32com.client``); :func:`xlwings_udfs` stubs exactly those three (only
   what the import touches; nothing COM is ever called), imports the *real*
   ``xlwings.udfs`` and takes the stubs out of ``sys.modules`` again.
   :func:`load_udf_module` executes a fresh copy of the UDF module while
   ``xlwings.func/arg/ret`` are the real ``xlfunc/xlarg/xlret``, so every UDF
   carries the ``__xlfunc__`` metadata Excel registration uses.

2. The generated VBA wrapper module (what xlwings' "Import Functions" or the
   add-in build puts into the workbook) is kept as a reviewed reference file,
   tests/reference/udfs_vba_wrapper.bas. Regenerate it after changing a UDF's
   name or arguments, and review the diff:

       python tests/udf_support.py            # or
       SALESPLAN_UPDATE_REFERENCE=1 pytest tests/test_udfs_registration.py

3. :func:`simulate_call` runs a UDF the way ``xlwings.udfs.call_udf`` does on
   Windows (argument conversion with each argument's options, missing optional
   arguments, result conversion), with a stand-in "excel" engine whose cell
   cleaning mirrors xlwings' Windows engine.

4. :func:`formulas_functions` adapts the UDFs to the ``formulas`` package so a
   workbook whose cells call =KPI_SCORE(...) evaluates headlessly.
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import math
import os
import sys
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

UDF_MODULE = "salesplan.udfs.functions"
ADDIN_BOOK = "salesplan.xlam"          # an add-in: the wrapper calls ActiveWorkbook
VBA_MODULE_NAME = "xlwings_udfs"        # the VBA module xlwings' import_udfs creates
REFERENCE = Path(__file__).parent / "reference" / "udfs_vba_wrapper.bas"
UPDATE_ENV = "SALESPLAN_UPDATE_REFERENCE"
WINDOWS_ONLY = ("pythoncom", "pywintypes", "win32com.client")


# ----------------------------------------------------------------------------- xlwings.udfs

def _stubs() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None          # ThreadPoolExecutor initializer
    pythoncom.IID_IDispatch = None
    pywintypes = types.ModuleType("pywintypes")

    class com_error(Exception):  # noqa: N801 - pywintypes' own name
        pass

    pywintypes.com_error = com_error
    client = types.ModuleType("win32com.client")

    def Dispatch(*args, **kwargs):  # noqa: N802 - win32com's own name
        raise RuntimeError("COM is not available in the test stub")

    client.Dispatch = Dispatch
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com.client": client}


def xlwings_udfs() -> types.ModuleType:
    """The real ``xlwings.udfs`` module, importable on Linux."""
    if "xlwings.udfs" in sys.modules:
        return sys.modules["xlwings.udfs"]
    import xlwings  # noqa: F401 - first, so it sees the real platform

    added = []
    for name, module in _stubs().items():
        if name not in sys.modules:
            sys.modules[name] = module
            added.append(name)
    try:
        return importlib.import_module("xlwings.udfs")
    finally:
        for name in added:
            sys.modules.pop(name, None)


@contextmanager
def real_decorators() -> Iterator[types.ModuleType]:
    """``xlwings.func/arg/ret/sub/script`` are xlwings' real UDF decorators inside the block."""
    import xlwings

    udfs = xlwings_udfs()
    real = {"func": udfs.xlfunc, "arg": udfs.xlarg, "ret": udfs.xlret, "sub": udfs.xlsub, "script": udfs.xlsub}
    saved = {name: getattr(xlwings, name) for name in real if hasattr(xlwings, name)}
    for name, fn in real.items():
        setattr(xlwings, name, fn)
    try:
        yield udfs
    finally:
        for name in real:
            if name in saved:
                setattr(xlwings, name, saved[name])
            else:
                delattr(xlwings, name)


def load_udf_module(module_name: str = UDF_MODULE) -> types.ModuleType:
    """A fresh copy of the UDF module, decorated by xlwings' real decorators.

    The copy is not left in ``sys.modules``: the normal import (plain functions)
    stays what other tests see.
    """
    spec = importlib.util.find_spec(module_name)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module
    try:
        with real_decorators():
            spec.loader.exec_module(module)
    finally:
        if previous is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = previous
    return module


def registered(module: types.ModuleType) -> dict[str, Any]:
    """name -> function for every attribute carrying ``__xlfunc__`` (what xlwings registers)."""
    return {name: getattr(module, name) for name in dir(module) if hasattr(getattr(module, name), "__xlfunc__")}


class _Book:
    """All ``generate_vba_wrapper`` reads from the workbook: its name."""

    def __init__(self, name: str):
        self.Name = name


def generate_vba(module: types.ModuleType | None = None, module_name: str = UDF_MODULE,
                 book_name: str = ADDIN_BOOK) -> str:
    """The VBA module xlwings' import_udfs would import: same header, then
    ``xlwings.udfs.generate_vba_wrapper`` writing into a StringIO. LF line ends."""
    udfs = xlwings_udfs()
    module = module or load_udf_module(module_name)
    buf = io.StringIO()
    buf.write(f'Attribute VB_Name = "{VBA_MODULE_NAME}"\n')
    buf.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    buf.write("#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel\n")
    udfs.generate_vba_wrapper(module_name, module, buf, _Book(book_name))
    return normalise_newlines(buf.getvalue())


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_reference(text: str | None = None) -> Path:
    """Write the reference wrapper with CRLF line ends (as VBA modules are)."""
    text = normalise_newlines(text if text is not None else generate_vba())
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return REFERENCE


def update_requested() -> bool:
    return os.environ.get(UPDATE_ENV, "").strip() not in ("", "0", "false", "no")


# ----------------------------------------------------------------------------- call_udf on Linux

COM_ERRORS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
              -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!"}
MISSING = -2147352572  # what VBA passes for an omitted Optional argument


class FakeComEngine:
    """Stand-in for ``xlwings._xlwindows.engine``: the same cell cleaning for reading
    (empty -> ``empty``, COM error ints -> None or their text with err_to_str) and
    writing (None/NaN -> "", numpy numbers -> float)."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v in ("", None):
                return empty_as
            if isinstance(v, dt.datetime):
                return datetime_builder(v) if datetime_builder is not dt.datetime else v
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            if isinstance(v, int) and not isinstance(v, bool) and v in COM_ERRORS:
                return COM_ERRORS[v] if err_to_str else None
            return v

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        import numpy as np

        if isinstance(x, (dt.date, dt.datetime)):
            return x
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return ""
        if isinstance(x, np.floating) and np.isnan(x):
            return ""
        if isinstance(x, np.number):
            return float(x)
        return x


@contextmanager
def fake_excel_engine() -> Iterator[None]:
    import xlwings
    from xlwings.main import Engine

    engines = xlwings.engines
    if "excel" in engines.engines_by_name:  # pragma: no cover - a real Windows Excel
        yield
        return
    engine = Engine(impl=FakeComEngine())
    engines.add(engine)
    try:
        yield
    finally:
        engines.engines.remove(engine)
        engines.engines_by_name.pop("excel", None)


def simulate_call(func, *raw_args) -> Any:
    """What ``xlwings.udfs.call_udf`` does for a synchronous, non-legacy-array UDF, minus COM.

    ``raw_args`` are what VBA hands over: scalars, tuples of tuples for arrays and
    ranges (pywin32 passes ranges' values the same way), COM error ints for error
    cells, and :data:`MISSING` or nothing for omitted optional arguments.
    """
    from xlwings import conversion

    info = func.__xlfunc__
    args_info = info["args"]
    args = list(raw_args) + [MISSING] * (len(args_info) - len(raw_args))
    with fake_excel_engine():
        for i, arg in enumerate(args):
            arg_info = args_info[min(i, len(args_info) - 1)]
            if isinstance(arg, int) and arg == MISSING:
                args[i] = arg_info.get("optional", None)
            else:
                args[i] = conversion.read(None, arg, arg_info["options"])
        ret = func(*args)
        return conversion.write(ret, None, info["ret"]["options"])


# ----------------------------------------------------------------------------- formulas bridge

def _from_formulas(value: Any) -> Any:
    """A ``formulas`` argument as xlwings would hand it over: scalars, lists of lists,
    None for empty cells, error values as their text."""
    import numpy as np
    import schedula as sh
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError

    if isinstance(value, Ranges):
        value = value.value

    def cell(v):
        if v is sh.EMPTY or v is None:
            return None
        if isinstance(v, XlError):
            return str(v)
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return float(v)
        if isinstance(v, np.str_):
            return str(v)
        return v

    if isinstance(value, np.ndarray):
        rows = [[cell(v) for v in row] for row in np.atleast_2d(value).tolist()]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows
    return cell(value)


def _to_formulas(value: Any) -> Any:
    import numpy as np

    def cell(v):
        if isinstance(v, dt.date):
            from salesplan.udfs.convert import date_to_serial

            return date_to_serial(v if not isinstance(v, dt.datetime) else v.date())
        return v

    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [value]
        return np.array([[cell(v) for v in row] for row in rows], dtype=object)
    return cell(value)


def formulas_adapter(udf):
    """Wrap one UDF for ``formulas.get_functions()``."""
    import functools

    @functools.wraps(udf)
    def adapter(*args):
        return _to_formulas(udf(*[_from_formulas(a) for a in args]))

    return adapter


@contextmanager
def formulas_functions(module: types.ModuleType | None = None) -> Iterator[dict]:
    """Register every UDF of the module with ``formulas`` for the duration of the block."""
    import formulas

    if module is None:
        module = importlib.import_module(UDF_MODULE)
    table = formulas.get_functions()
    names = list(module.__all__)
    saved = {n: table[n] for n in names if n in table}
    for name in names:
        table[name] = formulas_adapter(getattr(module, name))
    try:
        yield table
    finally:
        for name in names:
            if name in saved:
                table[name] = saved[name]
            else:
                table.pop(name, None)


if __name__ == "__main__":
    path = write_reference()
    print(f"wrote {path} ({len(registered(load_udf_module()))} functions); review the diff before committing")
