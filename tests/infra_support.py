"""Package the app as `make package` does, for the tests that read the deploy template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra import build

ROOT = Path(__file__).resolve().parents[1]
# Not resolved: a venv's python is a symlink, and its console scripts sit next to the link.
BIN = Path(sys.executable).parent


def package_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELF_")}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    # chalice imports app.py with the prod stage's environment, and settings refuse to load a
    # deployed stage without its secrets. These placeholders never reach the template (it holds
    # Refs to the NoEcho parameters); a secret settings requires that build.SECRETS lacks makes
    # the packaging fail here, which is the point.
    for _, env_var, _ in build.SECRETS:
        env[env_var] = "packaging-placeholder-" + "x" * 32
    return env


def package_app(out: Path) -> dict:
    """`chalice package --stage prod --merge-template infra/resources.json <out>`: sam.json."""
    packaged = subprocess.run(
        [str(BIN / "chalice"), "package", "--stage", "prod",
         "--merge-template", "infra/resources.json", str(out)],
        cwd=ROOT, env=package_env(), capture_output=True, text=True, timeout=600,
    )
    sam = out / "sam.json"
    assert packaged.returncode == 0 and sam.exists(), packaged.stdout + packaged.stderr
    return json.loads(sam.read_text(encoding="utf-8"))
