"""Response headers that make every page secure by default, and the proxy set-up.

One ``after_request`` hook adds them to every response the app sends: pages,
htmx fragments, redirects, error pages and static files. The policy allows
only our own scripts and styles (no inline code, no ``eval``), which is why
``static/js/htmx-config.js`` turns off htmx's injected indicator ``<style>``
and its ``eval``.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: Sent with every response (a view may set its own value of any of them).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def init_security(app: Flask) -> None:
    """Add the security headers to every response; trust ``TRUSTED_PROXIES`` hops.

    ``TRUSTED_PROXIES`` (default 0) is how many reverse proxies sit in front of
    the app; with it set, ``X-Forwarded-For``/``-Proto``/``-Host`` from that
    many hops are believed, so the sign-in rate limit counts the client's
    address rather than the proxy's.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """The headers above, plus ``Cache-Control: no-store`` on everything but static files.

    Pages carry personal schedules and CSRF tokens, and the centre's computers
    are shared: neither the browser nor a proxy should keep a copy.
    """
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
