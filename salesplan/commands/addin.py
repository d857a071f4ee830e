"""``salesplan addin build|install``: the Excel add-in (SalesPlan.xlam)."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "addin",
        help="build or install the Excel add-in (SalesPlan.xlam, ribbon tab 销售作战)",
        description="Build SalesPlan.xlam from text sources, or install it where Excel loads it.",
    )
    sub = p.add_subparsers(dest="addin_command", metavar="ACTION")
    sub.required = True

    b = sub.add_parser("build", help="write SalesPlan.xlam (reproducible bytes)")
    b.add_argument("-o", "--output", default="SalesPlan.xlam",
                   help="output file or directory (default: ./SalesPlan.xlam)")
    b.add_argument("--udf-module", default=None,
                   help="Python module with the @xw.func UDFs (default: salesplan.udfs.functions)")
    b.set_defaults(handler=_build)

    i = sub.add_parser("install", help="install the add-in for Excel on Windows or Mac")
    i.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    i.add_argument("--path", type=Path, default=None,
                   help="install into this folder instead of Excel's start-up folder")
    i.add_argument("--platform", choices=("windows", "mac"), default=None,
                   help="target platform (default: this machine's)")
    i.add_argument("--interpreter", default=None,
                   help="Python interpreter Excel should run (default: this one)")
    i.add_argument("--pythonpath", default=None, help="PYTHONPATH for the add-in's config")
    i.add_argument("--udf-module", default=None, help="UDF module (default: salesplan.udfs.functions)")
    i.set_defaults(handler=_install)


def _udf_module(args: argparse.Namespace) -> str:
    from salesplan.addin.build import DEFAULT_UDF_MODULE

    return args.udf_module or DEFAULT_UDF_MODULE


def _build(args: argparse.Namespace) -> int:
    from salesplan.addin.build import build_addin

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = build_addin(args.output, udf_module=_udf_module(args))
    for w in caught:
        print(f"salesplan: warning: {w.message}")
    import xlwings

    print(f"wrote {out} (for xlwings {xlwings.__version__}: Excel's Python needs the same version)")
    return 0


def _install(args: argparse.Namespace) -> int:
    from salesplan.addin.install import install_addin

    install_addin(
        dry_run=args.dry_run,
        platform=args.platform,
        target_dir=args.path,
        interpreter=args.interpreter,
        pythonpath=args.pythonpath,
        udf_module=_udf_module(args),
    )
    return 0
