"""Timing, latency, throughput and memory probes used by the benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

from bench.nlu.systems import System

LATENCY_QUERIES = 1000
BATCH = 256


def timed(action: Callable[[], None]) -> float:
    """Wall-clock seconds of ``action``."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@contextmanager
def one_core() -> Iterator[None]:
    """Pin this process to one CPU and one BLAS/torch thread, as the latency target says."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch else 0
    try:
        with threadpool_limits(1):
            if torch:
                torch.set_num_threads(1)
            yield
    finally:
        os.sched_setaffinity(0, cpus)
        if torch:
            torch.set_num_threads(threads)


def latency_ms(system: System, texts: list[str]) -> dict[str, float]:
    """p50/p99 of single-message parses on one core, wall clock and thread CPU time.

    CPU time is reported too because on a shared machine the wall-clock tail measures
    other processes preempting this one as much as it measures the parser.
    """
    sample = texts[:LATENCY_QUERIES]
    wall, cpu = [], []
    with one_core():
        for text in sample[:50]:  # warm caches and lazy initialisation
            system.predict_one(text)
        for text in sample:
            started, started_cpu = time.perf_counter(), time.thread_time()
            system.predict_one(text)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return {
        "p50_ms": float(np.percentile(wall, 50)),
        "p99_ms": float(np.percentile(wall, 99)),
        "p99_cpu_ms": float(np.percentile(cpu, 99)),
    }


def throughput(system: System, texts: list[str]) -> float:
    """Messages per second classified in batches of ``BATCH``."""
    started = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        system.predict(texts[i : i + BATCH], reject=True)
    return len(texts) / (time.perf_counter() - started)


def model_file(system: System, workdir: Path) -> Path:
    """Where a system's saved model goes."""
    return workdir / f"{abs(hash(system.name))}.model"


def peak_memory_mb(system: System, workdir: Path) -> float:
    """Peak RSS (VmHWM) of a fresh process that loads the saved model and parses once.

    ``ru_maxrss`` is not used: across fork+exec Linux can report the parent's high-water mark.
    """
    snippet = system.save(model_file(system, workdir))
    code = (
        "from pathlib import Path\n" + snippet + "\n"
        "status = Path('/proc/self/status').read_text().splitlines()\n"
        "print(next(line.split()[1] for line in status if line.startswith('VmHWM')))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024
