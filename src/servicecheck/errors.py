"""Errors users catch. Each names where the problem is (file, line, field or YAML path)."""

from __future__ import annotations

from typing import Optional


class ServiceCheckError(Exception):
    """Base class of every error servicecheck raises on purpose."""


class InputError(ServiceCheckError, ValueError):
    """A transcript could not be read: names the file, the line and the field."""

    def __init__(
        self,
        problem: str,
        *,
        source: Optional[str] = None,
        line: Optional[int] = None,
        field: Optional[str] = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field {self.field}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.problem}" if prefix else self.problem


class PackError(ServiceCheckError, ValueError):
    """A rule pack is invalid: names the file and the YAML path of each problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems  # (yaml path, message)
        lines = [f"{source}: {path or '<root>'}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))
