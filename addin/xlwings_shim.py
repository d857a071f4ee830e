"""Use xlwings' own UDF machinery (``xlwings.udfs``) on Linux and macOS.

``xlwings.udfs`` imports pywin32 at module level and, off Windows,
``xlwings.func``/``arg``/``ret`` are no-ops that record nothing. The build
needs the real decorators' metadata (``__xlfunc__``) and xlwings'
``generate_vba_wrapper``, so this module:

* imports ``xlwings.udfs`` with stand-ins for ``pythoncom``, ``pywintypes`` and
  ``win32com.client`` (only what its import touches; nothing COM is ever
  called), then removes the stand-ins from ``sys.modules`` again;
* loads a UDF module into a fresh module object while ``xlwings.func``,
  ``arg``, ``ret``, ``sub`` and ``script`` are the real decorators, without
  touching the copy of that module other code may already have imported.
"""
from __future__ import annotations

import importlib
import importlib.util
import io
import sys
import types
from contextlib import contextmanager
from typing import Any, Iterator

__all__ = ["xlwings_udfs", "load_udf_module", "udf_functions", "generate_udf_wrapper"]

UDF_VBA_MODULE = "xlwings_udfs"


def _stub_modules() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # used as a thread-pool initializer
    pythoncom.IID_IDispatch = None

    pywintypes = types.ModuleType("pywintypes")

    class com_error(Exception):  # noqa: N801 - mirrors pywintypes' name
        pass

    pywintypes.com_error = com_error

    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")

    def Dispatch(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
        raise RuntimeError("COM is not available: this is the build-time xlwings shim")

    client.Dispatch = Dispatch
    win32com.client = client
    return {
        "pythoncom": pythoncom,
        "pywintypes": pywintypes,
        "win32com": win32com,
        "win32com.client": client,
    }


def xlwings_udfs() -> types.ModuleType:
    """``xlwings.udfs``, importable on any platform."""
    if "xlwings.udfs" in sys.modules:
        return sys.modules["xlwings.udfs"]
    import xlwings  # noqa: F401 - import before stubbing so it sees the real platform

    stubs = _stub_modules()
    saved = {name: sys.modules.get(name) for name in stubs}
    for name, mod in stubs.items():
        if saved[name] is None:
            sys.modules[name] = mod
    try:
        return importlib.import_module("xlwings.udfs")
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)


@contextmanager
def _real_decorators() -> Iterator[None]:
    import xlwings

    udfs = xlwings_udfs()
    real = {
        "func": udfs.xlfunc,
        "arg": udfs.xlarg,
        "ret": udfs.xlret,
        "sub": udfs.xlsub,
        "script": udfs.xlsub,
    }
    saved = {name: getattr(xlwings, name, None) for name in real}
    for name, fn in real.items():
        setattr(xlwings, name, fn)
    try:
        yield
    finally:
        for name, fn in saved.items():
            if fn is None:
                delattr(xlwings, name)
            else:
                setattr(xlwings, name, fn)


def load_udf_module(module_name: str) -> types.ModuleType:
    """A fresh copy of ``module_name`` whose UDFs carry xlwings' ``__xlfunc__``
    metadata. Raises ModuleNotFoundError if the module does not exist."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {module_name!r}", name=module_name)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module  # for dataclasses, pickling, self-imports
    try:
        with _real_decorators():
            spec.loader.exec_module(module)
    finally:
        if previous is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = previous
    return module


def udf_functions(module: types.ModuleType) -> list[dict[str, Any]]:
    """The ``__xlfunc__`` metadata of every UDF in ``module``, sorted by name
    (the order ``generate_vba_wrapper`` uses, as it walks ``dir(module)``)."""
    out = []
    for attr in dir(module):
        meta = getattr(getattr(module, attr), "__xlfunc__", None)
        if meta is not None:
            out.append(meta)
    return out


class _BookName:
    """What ``generate_vba_wrapper`` reads from the workbook: its name, to
    choose ActiveWorkbook (add-ins) over ThisWorkbook."""

    def __init__(self, name: str):
        self.Name = name


def generate_udf_wrapper(module_name: str, module: types.ModuleType, book_name: str) -> str:
    """The VBA module xlwings' "Import Functions" would create, as text with
    CRLF line ends, header included."""
    udfs = xlwings_udfs()
    buf = io.StringIO()
    # Same header as xlwings.udfs.import_udfs writes.
    buf.write(f'Attribute VB_Name = "{UDF_VBA_MODULE}"\n')
    buf.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    buf.write("#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel\n")
    udfs.generate_vba_wrapper(module_name, module, buf, _BookName(book_name))
    text = buf.getvalue().replace("\r\n", "\n")
    return text.replace("\n", "\r\n")
