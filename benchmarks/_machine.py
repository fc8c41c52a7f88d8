"""A description of the machine a benchmark ran on, for the record in the docs."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

__all__ = ["Machine", "describe"]


@dataclass(frozen=True)
class Machine:
    """CPU, cores, memory, OS, library versions and the load average when the run began."""

    cpu: str
    cores: int
    memory_gb: float
    os: str
    python: str
    pandas: str
    pyarrow: str
    load: tuple[float, float, float]

    def lines(self) -> list[str]:
        """Markdown bullet lines."""
        one, five, fifteen = self.load
        return [
            f"- CPU: {self.cpu}, {self.cores} cores",
            f"- Memory: {self.memory_gb:.1f} GB",
            f"- OS: {self.os}",
            f"- Python {self.python}, pandas {self.pandas}, pyarrow {self.pyarrow}",
            f"- Load average at start: {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"
            + (" — the machine was busy with other work" if one >= 0.5 * self.cores else ""),
        ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def _os_name() -> str:
    try:
        release = platform.freedesktop_os_release()
        return f"{release.get('PRETTY_NAME', 'Linux')} (kernel {platform.release()})"
    except OSError:
        return platform.platform()


def describe() -> Machine:
    """The machine now; call it before the runs so the load average is the starting one."""
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gb=_memory_gb(),
        os=_os_name(),
        python=platform.python_version(),
        pandas=pd.__version__,
        pyarrow=pa.__version__,
        load=os.getloadavg(),
    )
