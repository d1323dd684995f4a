#!/usr/bin/env python3
"""Checks that native artifacts load on every Linux x86_64 with glibc 2.17 or newer.

Usage: check_portable.py FILE...

FILE is a shared object (`*.node`, `*.so`), a wheel (`*.whl`) or an npm tarball
(`*.tgz`); the shared objects inside wheels and tarballs are checked. For each one:

* the highest `GLIBC_x.y` symbol version it needs (`readelf --version-info`) is at most
  2.17, the glibc of manylinux2014 (CentOS 7, Amazon Linux 2, RHEL 8, Debian 11,
  Ubuntu 20.04 all have it or newer);
* it links only against the system libraries every such Linux has (`readelf -d`);
* a wheel is also shown to `auditwheel show`, which must call it consistent with the
  platform tag manylinux_2_17_x86_64, and the wheel's file name must carry that tag.

Prints one line per shared object; exits 1 on the first artifact that fails, naming the
symbols that need a newer glibc (`objdump -T`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

MAX_GLIBC = (2, 17)
PLATFORM_TAG = "manylinux_2_17_x86_64"
# The libraries manylinux2014 allows that a Rust extension may use (libc and friends).
ALLOWED_LIBRARIES = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "librt.so.1",
    "libpthread.so.0",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def glibc_versions(path: Path) -> list[tuple[int, ...]]:
    """The GLIBC_ versions named in the version-needs section, sorted."""
    names = re.findall(r"Name: GLIBC_([0-9.]+)", run("readelf", "--version-info", "--wide", str(path)))
    return sorted({version(n) for n in names})


def needed_libraries(path: Path) -> list[str]:
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", "--wide", str(path)))


def too_new_symbols(path: Path) -> list[str]:
    """Dynamic symbols bound to a glibc newer than MAX_GLIBC (for the error message)."""
    found = []
    for line in run("objdump", "-T", str(path)).splitlines():
        m = re.search(r"GLIBC_([0-9.]+)\)?\s+(\S+)$", line)
        if m and version(m.group(1)) > MAX_GLIBC:
            found.append(f"{m.group(2)}@GLIBC_{m.group(1)}")
    return sorted(set(found))


def check_shared_object(path: Path, label: str) -> list[str]:
    problems = []
    versions = glibc_versions(path)
    highest = ".".join(map(str, versions[-1])) if versions else "none"
    if versions and versions[-1] > MAX_GLIBC:
        symbols = ", ".join(too_new_symbols(path)[:20])
        problems.append(f"needs GLIBC_{highest} > 2.17 ({symbols})")
    libraries = needed_libraries(path)
    stray = sorted(set(libraries) - ALLOWED_LIBRARIES)
    if stray:
        problems.append(f"links against libraries outside manylinux2014: {', '.join(stray)}")
    status = "OK" if not problems else "FAILED"
    print(f"{label}: highest GLIBC_{highest}, links {', '.join(libraries)}: {status}")
    return problems


def check_wheel(path: Path, scratch: Path) -> list[str]:
    problems = []
    if PLATFORM_TAG not in path.name:
        problems.append(f"the file name does not carry the tag {PLATFORM_TAG}")
    auditwheel = shutil.which("auditwheel")
    command = [auditwheel] if auditwheel else [sys.executable, "-m", "auditwheel"]
    shown = subprocess.run([*command, "show", str(path)], capture_output=True, text=True)
    text = " ".join((shown.stdout + shown.stderr).split())
    consistent = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if shown.returncode != 0 or not consistent or consistent.group(1) != PLATFORM_TAG:
        problems.append(f"auditwheel show does not accept it as {PLATFORM_TAG}: {text}")
    else:
        print(f"{path.name}: auditwheel show: consistent with {consistent.group(1)}")
    with zipfile.ZipFile(path) as wheel:
        members = [m for m in wheel.namelist() if m.endswith(".so")]
        if not members:
            problems.append("no shared object inside")
        for member in members:
            problems += check_shared_object(Path(wheel.extract(member, scratch)), f"{path.name}:{member}")
    return problems


def check_tarball(path: Path, scratch: Path) -> list[str]:
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".node")]
        if not members:
            return ["no .node file inside"]
        problems = []
        for member in members:
            tar.extract(member, scratch, filter="data")
            problems += check_shared_object(scratch / member.name, f"{path.name}:{member.name}")
        return problems


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = False
    for name in paths:
        path = Path(name)
        with tempfile.TemporaryDirectory() as scratch:
            if path.suffix == ".whl":
                problems = check_wheel(path, Path(scratch))
            elif path.suffix == ".tgz":
                problems = check_tarball(path, Path(scratch))
            else:
                problems = check_shared_object(path, path.name)
        for p in problems:
            print(f"NOT PORTABLE: {path.name}: {p}", file=sys.stderr)
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
