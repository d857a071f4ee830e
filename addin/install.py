"""Install SalesPlan.xlam where Excel loads it at start-up, with the xlwings
settings it needs (``salesplan.conf``).

* Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART\\SalesPlan.xlam``; user
  config ``%USERPROFILE%\\.salesplan\\salesplan.conf``.
* macOS: ``~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/
  Startup.localized/Excel/SalesPlan.xlam``; user config
  ``~/Library/Containers/com.microsoft.Excel/Data/salesplan.conf``; plus
  xlwings' AppleScript in ``~/Library/Application Scripts/com.microsoft.Excel``
  (what ``xlwings runpython install`` does), which RunPython needs on a Mac.

The config paths are the ones xlwings' VBA (``GetConfigFilePath`` with
PROJECT_NAME "salesplan") reads. The add-in's own ``salesplan.conf`` sheet
gets the interpreter too, so the add-in works even without the file.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Callable, Mapping

from salesplan.errors import SalesPlanError

from .build import ADDIN_FILENAME, CONFIG_NAME, DEFAULT_UDF_MODULE, build_addin

__all__ = ["AddinInstallError", "InstallPlan", "plan_install", "install_addin", "detect_platform"]

MAC_STARTUP = ("Library", "Group Containers", "UBF8T346G9.Office", "User Content.localized",
               "Startup.localized", "Excel")
MAC_CONFIG_DIR = ("Library", "Containers", "com.microsoft.Excel", "Data")
MAC_SCRIPTS_DIR = ("Library", "Application Scripts", "com.microsoft.Excel")


class AddinInstallError(SalesPlanError):
    """The add-in cannot be installed on this machine as asked."""


@dataclass
class InstallPlan:
    platform: str  # "windows" or "mac"
    addin_path: Path
    config_path: Path
    config: dict[str, str]
    udf_module: str | None
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # extra files (src, dst)

    def describe(self) -> list[str]:
        import xlwings

        lines = [
            f"build the add-in for this Python's xlwings {xlwings.__version__} (UDF module: "
            f"{self.udf_module or 'none'}) with a {CONFIG_NAME}.conf sheet:",
            *[f"    {k} = {v}" for k, v in self.config.items()],
            f"write {self.addin_path}",
            f"update {self.config_path}:",
            *[f'    "{k.upper()}","{v}"' for k, v in self.config.items()],
        ]
        lines += [f"copy {src} -> {dst}" for src, dst in self.copies]
        return lines


def detect_platform(sys_platform: str | None = None) -> str:
    p = sys_platform or sys.platform
    if p.startswith("win"):
        return "windows"
    if p == "darwin":
        return "mac"
    raise AddinInstallError(
        f"Excel add-ins are installed on Windows or macOS, this is {p!r}; "
        "pass --platform windows|mac (with --dry-run or --path) to prepare one elsewhere."
    )


def _win_path(p: str) -> Path:
    # On a non-Windows machine (tests, dry runs) keep Windows paths readable.
    return Path(p) if os.name == "nt" else Path(PureWindowsPath(p).as_posix())


def _conda_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Run from an activated conda environment on Windows, the add-in must activate it
    too (its DLLs): xlwings' ``CONDA PATH`` (the conda installation) and ``CONDA ENV``."""
    exe, name = env.get("CONDA_EXE"), env.get("CONDA_DEFAULT_ENV")
    if not exe or not name:
        return {}
    return {"CONDA PATH": str(PureWindowsPath(exe).parent.parent), "CONDA ENV": name}


def plan_install(
    *,
    platform: str | None = None,
    target_dir: Path | str | None = None,
    interpreter: str | None = None,
    pythonpath: str | None = None,
    udf_module: str | None = DEFAULT_UDF_MODULE,
    home: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> InstallPlan:
    """Work out what ``install_addin`` would do; touches nothing."""
    env = dict(os.environ if env is None else env)
    platform = platform or detect_platform()
    if platform not in ("windows", "mac"):
        raise AddinInstallError(f"platform must be 'windows' or 'mac', not {platform!r}")
    interpreter = interpreter or sys.executable
    config: dict[str, str] = {}
    if platform == "windows":
        home_dir = Path(home) if home else _win_path(env.get("USERPROFILE") or str(Path.home()))
        appdata = _win_path(env["APPDATA"]) if env.get("APPDATA") and not home else home_dir / "AppData" / "Roaming"
        startup = appdata / "Microsoft" / "Excel" / "XLSTART"
        config_path = home_dir / f".{CONFIG_NAME}" / f"{CONFIG_NAME}.conf"
        config["Interpreter_Win"] = interpreter
        config.update(_conda_settings(env))
        copies: list[tuple[Path, Path]] = []
    else:
        home_dir = Path(home) if home else Path.home()
        startup = home_dir.joinpath(*MAC_STARTUP)
        config_path = home_dir.joinpath(*MAC_CONFIG_DIR) / f"{CONFIG_NAME}.conf"
        config["Interpreter_Mac"] = interpreter
        import xlwings

        script = Path(xlwings.__file__).with_name(f"xlwings-{xlwings.__version__}.applescript")
        copies = [(script, home_dir.joinpath(*MAC_SCRIPTS_DIR) / script.name)]
    if pythonpath:
        config["PYTHONPATH"] = pythonpath
    target = Path(target_dir) if target_dir else startup
    return InstallPlan(platform, target / ADDIN_FILENAME, config_path, config, udf_module, copies)


def _write_user_config(path: Path, values: Mapping[str, str], newline: str) -> None:
    """Update ``"KEY","value"`` lines (the format VBA's ``Input #`` reads),
    keeping other keys already in the file."""
    lines: list[str] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key = line.split(",", 1)[0].strip().strip('"').upper()
            if key and key not in {k.upper() for k in values}:
                lines.append(line)
    lines += [f'"{k.upper()}","{v}"' for k, v in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(newline.join(lines) + newline)


def install_addin(
    *,
    dry_run: bool = False,
    echo: Callable[[str], object] = print,
    **kwargs,
) -> InstallPlan:
    """Install the add-in (see module docstring). With ``dry_run`` only print
    the plan. Keyword arguments are those of :func:`plan_install`."""
    plan = plan_install(**kwargs)
    prefix = "would " if dry_run else ""
    for line in plan.describe():
        echo(prefix + line if not line.startswith("    ") else line)
    if dry_run:
        return plan
    build_addin(plan.addin_path, udf_module=plan.udf_module, config=plan.config)
    _write_user_config(plan.config_path, plan.config, "\r\n" if plan.platform == "windows" else "\n")
    for src, dst in plan.copies:
        if not src.is_file():
            raise AddinInstallError(f"{src} is missing: reinstall xlwings")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    echo(f"installed {plan.addin_path}; restart Excel to load it. After upgrading xlwings or Python, "
         "run 'salesplan addin install' again: the add-in must match this Python's xlwings.")
    return plan
