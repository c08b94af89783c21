"""Debian tools the benchmarks compare against (ripgrep, nginx, wrk): installed on demand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# command -> Debian package
PACKAGES = {"rg": "ripgrep", "nginx": "nginx", "wrk": "wrk"}


def ensure_tools(*commands: str) -> None:
    """Install the Debian packages of any missing ``commands`` (needs root); exit with a clear
    message when that is not possible."""
    missing = [c for c in commands if shutil.which(c) is None]
    if not missing:
        return
    packages = [PACKAGES[c] for c in missing]
    if os.geteuid() != 0:
        sys.exit(
            f"missing {', '.join(missing)}: run `sudo apt-get install -y {' '.join(packages)}`"
        )
    print(f"installing {' '.join(packages)} ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)
