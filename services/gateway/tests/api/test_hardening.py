"""Web hardening: security headers everywhere, CSRF on every form, rate limits that lock nobody else out."""

from __future__ import annotations

from pathlib import Path

from gateway_testing import ANNA, KAREL, gateway_env, login

from gateway.bootstrap import SERVICE
from gateway.settings import GatewaySettings
from gateway.web import security_headers

TEMPLATES = Path(SERVICE.root) / "src" / "gateway" / "templates"


def test_every_response_carries_the_security_headers(gateway_app, provider):
    client = gateway_app.test_client()
    for path in ("/", "/login", "/.well-known/jwks.json", "/no/such/page", "/api/openapi.json", "/account"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp, path
        assert f"form-action 'self' {provider}" in csp and "base-uri 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # development: plain http on this machine
        assert headers["Server"] == "meemaken"  # names no software and no version (the server keeps it)


def test_outside_development_the_browser_is_told_to_use_https_only():
    keys = str(Path(__file__).parents[1] / "no-signing-keys.json")  # a file is all the settings check at start
    production = {
        "MEEMAKEN_ENV": "production",
        "MEEMAKEN_TOKEN_ISSUER": "https://gw",
        "MEEMAKEN_SIGNING_KEYS_FILE": keys,
    }
    settings = GatewaySettings.from_env(gateway_env(None, **production))
    assert security_headers(settings)["Strict-Transport-Security"].startswith("max-age=31536000")
    assert settings.secure_cookies


def test_the_pages_have_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert "<script" not in text and "<style" not in text and " style=" not in text and "onclick" not in text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(gateway_app):
    client = gateway_app.test_client()
    login(client, KAREL)
    refused = client.post("/desk", data={"reference": "K7QF3MZPX2", "district": "noord"})
    assert refused.status_code == 400 and "formulier is verlopen" in refused.get_data(as_text=True)
    engine = gateway_app.extensions["gateway"].engine
    from gateway_testing import rows

    assert rows(engine, "verified_attributes") == [] and rows(engine, "outbox") == []


def test_login_is_rate_limited_per_address_with_retry_after(make_gateway, provider):
    # the limiter counts in fixed windows: a minute's boundary between the requests would start a new count
    app = make_gateway(provider, MEEMAKEN_RATELIMIT_LOGIN="3/day")
    client = app.test_client()
    statuses = [client.get("/login").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    limited = client.get("/login")
    assert int(limited.headers["Retry-After"]) > 0 and "Even geduld" in limited.get_data(as_text=True)
    other = app.test_client()
    assert other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302  # another address


def test_logins_are_limited_per_account_too_but_only_for_the_account_that_logged_in(make_gateway, provider):
    app = make_gateway(provider, MEEMAKEN_RATELIMIT_LOGIN_ACCOUNT="2/day")  # a day's window: see above
    statuses = [login(app.test_client(), ANNA).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert login(app.test_client(), KAREL).status_code == 302  # nobody can lock another person out


def test_pages_and_styles_are_compressed_and_styles_cached_while_the_api_passes_as_sent(gateway_app):
    import gzip

    client = gateway_app.test_client()
    plain = client.get("/logged-out")
    page = client.get("/logged-out", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    assert gzip.decompress(page.get_data()) == plain.get_data()
    css = client.get("/static/meemaken.css", headers={"Accept-Encoding": "br, gzip"})
    assert css.headers["Content-Encoding"] == "br" and "max-age=3600" in css.headers["Cache-Control"]
    raw_css = client.get("/static/meemaken.css")
    zipped_css = client.get("/static/meemaken.css", headers={"Accept-Encoding": "gzip"})
    assert zipped_css.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped_css.get_data()) == raw_css.get_data()
    assert int(zipped_css.headers["Content-Length"]) < len(raw_css.get_data()) / 3
    assert client.get("/static/meemaken.css", headers={"If-None-Match": raw_css.headers["ETag"]}).status_code == 304
    api = client.get("/.well-known/jwks.json", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in api.headers and api.get_json()["keys"]
