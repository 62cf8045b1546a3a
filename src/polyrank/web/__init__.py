"""The web page: one static page (`index.html`, the plain scripts of `static/` it loads in
order, `static/style.css`) that reads the JSON API. `mount(app)` serves it at `/` and
at the page's own routes (`/wallet/0x…`, `/markets`, `/market/ID`), and the static files
under `/static/`. The chart library is taken from the npm registry at build time (`make
assets`, pinned by `web/package-lock.json`) into `static/vendor/` and ships with the package:
the page loads nothing from anywhere else."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
INDEX = HERE / "index.html"
VENDOR_FILES = ("uPlot.iife.min.js", "uPlot.min.css", "swagger-ui-bundle.js", "swagger-ui.css")
# the page is small and changes with the package: browsers revalidate instead of guessing
NO_CACHE = {"Cache-Control": "no-cache"}


def vendor_missing() -> list[str]:
    """Vendored files that are not there (a checkout where `make assets` did not run)."""
    return [name for name in VENDOR_FILES if not (STATIC / "vendor" / name).is_file()]


def mount(app: FastAPI) -> None:
    """Serve the page at `/`, `/wallet/{address}`, `/markets` and `/market/{id}`, the API
    explorer at `/docs`, and their files under `/static/`."""
    missing = vendor_missing()
    if missing:
        log.warning("web page: %s missing from %s (run `make assets`); the page works "
                    "without its chart", ", ".join(missing), STATIC / "vendor")

    def page() -> FileResponse:
        return FileResponse(INDEX, media_type="text/html", headers=NO_CACHE)

    def docs() -> HTMLResponse:
        """The OpenAPI explorer with its Swagger UI from the package, not a CDN (the app is
        created with docs_url=None)."""
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json",
                                   title=f"{app.title} API",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="data:,")

    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/wallet/{address}", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/markets", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/market/{market_id}", page, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
