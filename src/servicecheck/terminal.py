"""Writes report and summary blocks (``servicecheck.render``) for people: on a terminal with rich
(colours, tables wrapped to the window), anywhere else as the plain text of ``render.plain``, so what
is redirected to a file or piped to grep has no escape codes, no box characters and no wrapping.

rich is imported here, and this module only where tables are written, so ``import servicecheck`` and
``servicecheck --version`` do not pay for it (about 30 ms).
"""

from __future__ import annotations

from typing import IO, Iterable, Optional

from .render import Block, Line, plain


def _is_terminal(file: IO[str]) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class BlockWriter:
    """Writes blocks to ``file``; ``terminal`` forces (True) or refuses (False) the rich rendering."""

    def __init__(self, file: IO[str], terminal: Optional[bool] = None) -> None:
        self.file = file
        self._console = None
        if terminal if terminal is not None else _is_terminal(file):
            try:
                from rich.console import Console
            except ImportError:  # pragma: no cover - rich is a dependency; plain text will do without it
                return
            self._console = Console(
                file=file, highlight=False, markup=False, emoji=False, force_terminal=terminal or None
            )

    def write(self, blocks: Iterable[Block]) -> None:
        if self._console is None:
            self.file.write(plain(blocks) + "\n")
            return
        from rich import box
        from rich.table import Table
        from rich.text import Text

        for block in blocks:
            if isinstance(block, Line):
                self._console.print(Text(block.text, style=block.style or ""))
            else:
                grid = Table(
                    title=Text(block.title, style="bold") if block.title else None,
                    title_justify="left",
                    box=box.SIMPLE_HEAD,
                    header_style="bold",
                    pad_edge=False,
                )
                for i, header in enumerate(block.headers):
                    grid.add_column(  # the first column names things (ids): others wrap first
                        header, justify="right" if i in block.right else "left", overflow="fold", no_wrap=i == 0
                    )
                for row in block.rows:
                    grid.add_row(*(Text(cell) for cell in row))
                self._console.print(grid)
            self._console.print()
