"""``kill -9`` during a rebuild, and two builds at once, never leave a mixed output folder.

A subprocess builds the sample into a folder that already holds a complete previous
build (written without figures, so the old and the new sets differ in their file
lists). It is killed with SIGKILL at seeded points of the write; after the recovery the
next build would do, the folder must hold exactly the files of one manifest, each with
its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assetmap._outdir import lock_path, recover
from assetmap.errors import ConfigError

pytestmark = pytest.mark.slow

SCRIPT = """
import os, sys, time
import assetmap as am
import assetmap._outdir as outdir

out, mode = sys.argv[1], sys.argv[2]
if mode == "slow-swap":  # no atomic exchange; pause between the two renames
    outdir._exchange = lambda a, b: False
    real = os.rename
    def rename(a, b):
        real(a, b)
        if str(b).endswith("assetmap-old"):
            print("swapping", flush=True)
            time.sleep(30)
    outdir.os.rename = rename
atlas = am.load_sample().build()
print("built", flush=True)
atlas.to_folder(out, figures=True, pdf=False)
print("done", flush=True)
"""


def _start(out: Path, mode: str = "plain") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out), mode],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def _wait_for(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    got = proc.stdout.readline().strip()
    assert got == line, got


def _one_whole_set(out: Path) -> bool:
    """Assert ``out`` holds exactly the files of its manifest, intact; True for a new set."""
    prov = json.loads((out / "provenance.json").read_text())
    listed = {r["path"]: r for r in prov["manifest"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(listed) | {"provenance.json"}
    for rel, row in listed.items():
        data = (out / rel).read_bytes()
        assert len(data) == row["bytes"] and hashlib.sha256(data).hexdigest() == row["sha256"]
    return "figures/food.png" in listed


def test_kill_9_at_seeded_points_leaves_the_old_or_the_new_set(sample_atlas, tmp_path):
    out = tmp_path / "out"
    sample_atlas.to_folder(out, figures=False, pdf=False)  # the previous build
    assert not _one_whole_set(out)
    rng = random.Random(13)
    delays = sorted(rng.uniform(0.0, 12.0) for _ in range(5))
    outcomes = []
    for delay in [*delays, None]:
        proc = _start(out, "plain" if delay is not None else "slow-swap")
        _wait_for(proc, "built")
        if delay is None:
            _wait_for(proc, "swapping")  # the old folder moved aside, the new not yet in
            assert not out.exists()
        else:
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        recover(out)  # what the next build does first, under its lock
        outcomes.append(_one_whole_set(out))
        assert sorted(p.name for p in tmp_path.iterdir() if "assetmap-new" not in p.name) in (
            ["out"],
            [".out.assetmap.lock", "out"],
        )
    # killed mid-swap: the previous set is back (the set in place before that build)
    assert outcomes[-1] is outcomes[-2]
    proc = _start(out)  # and the next build takes over the dead build's lock
    _wait_for(proc, "built")
    _wait_for(proc, "done")
    assert proc.wait() == 0 and _one_whole_set(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_two_builds_at_once_the_second_is_refused_naming_the_first(sample_atlas, tmp_path):
    out = tmp_path / "out"
    first = _start(out)
    try:
        _wait_for(first, "built")
        for _ in range(200):
            if lock_path(out).exists():
                break
            time.sleep(0.05)
        started = json.loads(lock_path(out).read_text())["started"]
        with pytest.raises(ConfigError) as err:
            sample_atlas.to_folder(out, figures=False, pdf=False)
        assert f"another assetmap build (pid {first.pid}, started {started}" in str(err.value)
        _wait_for(first, "done")
    finally:
        try:
            first.wait(timeout=120)  # "done" is printed before the interpreter exits
        except subprocess.TimeoutExpired:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 0 and _one_whole_set(out)  # the first build, whole
    assert not lock_path(out).exists()
