"""`chalice local`, answering an unknown path as the deployed API Gateway does.

API Gateway answers a path (or a method) no route serves with its own 403
`{"message": "Missing Authentication Token"}`; the template's GatewayResponses
(infra/resources.json, MISSING_AUTHENTICATION_TOKEN) turn that into 404 `not_found` in the one
error shape, and this server answers the same. A wrong method on a known path reaches the app
here, which answers 405 `method_not_allowed`; API Gateway cannot tell that case from an unknown
path, so deployed stages answer it 404.

    python -m local.api_server --host 127.0.0.1 --port 8000   # then chalice local's own flags
"""

from __future__ import annotations

import json
import sys

from chalicelib.errors import UNKNOWN_ROUTE


def command(host: str, port: int) -> list[str]:
    """The command line that serves the app on host:port (stage local, no autoreload)."""
    return [sys.executable, "-m", "local.api_server", "--host", host, "--port", str(port),
            "--stage", "local", "--no-autoreload"]


def answer_unknown_routes_with_404() -> None:
    """Make chalice's local gateway answer an unmatched route as our GatewayResponses do."""
    from chalice import local

    class UnknownRoute(local.LocalGatewayException):
        CODE = 404

    serve = local.LocalGateway.handle_request
    if getattr(serve, "answers_unknown_routes", False):
        return

    def handle_request(self, method, path, headers, body):
        try:
            return serve(self, method, path, headers, body)
        except local.ForbiddenError as error:
            # chalice raises this one, marked so, only when no route matches the path
            if error.headers.get("x-amzn-ErrorType") != "UnauthorizedException":
                raise
            raise UnknownRoute(
                {"x-amzn-RequestId": error.headers.get("x-amzn-RequestId", ""),
                 "x-amzn-ErrorType": "NotFoundException",
                 "Content-Type": "application/json; charset=utf-8"},
                json.dumps(UNKNOWN_ROUTE).encode(),
            ) from None

    handle_request.answers_unknown_routes = True
    local.LocalGateway.handle_request = handle_request


def main(argv: list[str]) -> int:
    answer_unknown_routes_with_404()
    from chalice.cli import main as chalice_main

    sys.argv = ["chalice", "local", *argv]
    return chalice_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
