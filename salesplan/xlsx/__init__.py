"""Reading .xlsx files: the preflight every untrusted file passes (:mod:`.preflight`), one
small reader interface (:mod:`.base`) and its engines by name (:mod:`.registry`).
Nothing outside this package opens an .xlsx to read it."""
from salesplan.xlsx.base import BaseReader, BookReader
from salesplan.xlsx.registry import ENGINES, open_book

__all__ = ["BaseReader", "BookReader", "ENGINES", "open_book"]
