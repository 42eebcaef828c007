"""Cold start: `import app` registers the routes and loads only what every request needs.

Services, domain rules, stores and view builders load inside the first view that uses them
(chalicelib/routes/*: imports inside the view functions), so a container serving one route
never pays for the others. make bench measures the time; this keeps the shape.
"""

import subprocess
import sys
from pathlib import Path

# What every request needs: the HTTP layer, auth, settings, errors, logging, the clock and ids
# (tokens and request ids), the retry budget.
ALLOWED = {
    "chalicelib", "chalicelib.auth", "chalicelib.cors", "chalicelib.errors",
    "chalicelib.observability", "chalicelib.queues", "chalicelib.settings",
    "chalicelib.signatures", "chalicelib.domain", "chalicelib.domain.clock",
    "chalicelib.domain.ids", "chalicelib.store", "chalicelib.store.base", "chalicelib.routes",
}


def _loaded_by_import_app() -> set[str]:
    probe = ("import sys, app; "
             "print('\\n'.join(m for m in sys.modules if m.startswith('chalicelib')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    return set(result.stdout.split())


def test_import_app_loads_route_modules_and_the_request_essentials_only():
    loaded = _loaded_by_import_app()
    routes = {m for m in loaded if m.startswith("chalicelib.routes.")}
    assert "chalicelib.routes.orders" in routes  # the probe did import the app
    assert loaded - routes - ALLOWED == set()
