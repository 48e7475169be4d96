"""The shared test machinery: markers from fixtures, the Chromium requirement, loopback helpers."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from sanic import Sanic, response

from tests.fixtures.chromium import chromium_path, require_chromium, running_in_ci
from tests.fixtures.net import free_port, serve_aiohttp, serve_sanic, wait_http

MISSING = {"CHROMIUM_PATH": "/nonexistent/chromium-for-test"}


# ----------------------------------------------------------------------- Chromium and CI=true


def outcome(env: dict[str, str]) -> tuple[str, str]:
    """What ``require_chromium`` does in ``env``: ("skip" | "fail" | "ok", message)."""
    try:
        return "ok", require_chromium(env)
    except pytest.skip.Exception as exc:
        return "skip", str(exc)
    except pytest.fail.Exception as exc:
        return "fail", str(exc)


def test_missing_chromium_skips_outside_ci() -> None:
    kind, message = outcome(MISSING)
    assert kind == "skip"
    assert "Chromium not found at /nonexistent/chromium-for-test" in message


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_missing_chromium_fails_under_ci(value: str) -> None:
    kind, message = outcome({**MISSING, "CI": value})
    assert kind == "fail"
    assert "Chromium not found at /nonexistent/chromium-for-test" in message
    assert "CI=true" in message


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_ci_false_is_not_ci(value: str) -> None:
    assert not running_in_ci({"CI": value})
    assert outcome({**MISSING, "CI": value})[0] == "skip"


def test_an_existing_chromium_path_is_returned(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("")
    assert outcome({"CHROMIUM_PATH": str(fake), "CI": "true"}) == ("ok", str(fake))
    assert chromium_path({}) == "/usr/bin/chromium"


def test_browser_fixture_fails_under_ci_without_chromium(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared ``browser`` fixture itself: skip on a laptop, error under CI=true."""
    pytester.makeconftest('pytest_plugins = ["tests.fixtures.browser"]\n')
    pytester.makepyfile("def test_page(browser):\n    assert browser\n")
    monkeypatch.setenv("CHROMIUM_PATH", MISSING["CHROMIUM_PATH"])
    monkeypatch.delenv("CI", raising=False)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(skipped=1)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*Chromium not found at /nonexistent/chromium-for-test*CI=true*"])


# ------------------------------------------------------------------- markers from the fixtures


def test_fixtures_mark_the_tests_that_use_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest
            from tests.fixtures.markers import mark_by_fixtures, starts_server, uses_browser

            def pytest_configure(config):
                config.addinivalue_line("markers", "server: x")
                config.addinivalue_line("markers", "browser: x")

            @pytest.hookimpl(tryfirst=True)
            def pytest_collection_modifyitems(items):
                mark_by_fixtures(items)

            @pytest.fixture
            @starts_server
            def app_on_a_port():
                return "server"

            @pytest.fixture
            async def client(app_on_a_port):  # uses the server through another fixture
                return app_on_a_port

            @pytest.fixture(scope="module")
            @uses_browser
            def chrome():
                return "browser"

            @pytest.fixture
            def plain():
                return 1

            @starts_server
            def start_thing():
                return "started"

            @starts_server
            class StandIn:
                pass
            """
        )
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest
            from conftest import StandIn, start_thing

            def _helper():
                return start_thing()

            @pytest.fixture
            def via_helper():
                return _helper()

            def test_pure(plain): pass
            def test_calls_helper(): start_thing()
            def test_calls_it_in_a_nested_function():
                def inner():
                    return start_thing()
            def test_through_a_fixture_and_a_helper(via_helper): pass
            def test_uses_a_tagged_class(): StandIn()

            class App:
                async def create_server(self): pass

            async def _serve():
                await App().create_server()

            def test_serves_a_sanic_app(): _serve()
            def test_direct(app_on_a_port): pass
            def test_indirect(client): pass
            def test_browser(chrome): pass
            def test_both(chrome, app_on_a_port): pass
            @pytest.mark.server
            def test_marked_by_hand(): pass
            """
        )
    )

    def selected(expression: str) -> set[str]:
        result = pytester.runpytest_inprocess(
            "--collect-only", "-q", "-p", "no:cacheprovider", "-m", expression
        )
        return {line.split("::")[1] for line in result.outlines if "::" in line}

    assert selected("not server and not browser") == {"test_pure"}
    assert selected("server") == {
        "test_direct",
        "test_indirect",
        "test_both",
        "test_marked_by_hand",
        "test_calls_helper",
        "test_calls_it_in_a_nested_function",
        "test_through_a_fixture_and_a_helper",
        "test_uses_a_tagged_class",
        "test_serves_a_sanic_app",
    }
    assert selected("browser") == {"test_browser", "test_both"}


# ---------------------------------------------------------------------------- loopback helpers


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_wait_http_times_out_and_notices_a_dead_server() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(TimeoutError, match="did not come up"):
        wait_http(url, timeout=0.3)
    with pytest.raises(TimeoutError, match="stopped"):
        wait_http(url, timeout=30, alive=lambda: False)


async def test_serve_sanic_runs_listeners_and_serves() -> None:
    Sanic.test_mode = True
    app = Sanic("shared_fixture_test")
    events: list[str] = []

    @app.before_server_start
    async def started(*_: object) -> None:
        events.append("start")

    @app.after_server_stop
    async def stopped(*_: object) -> None:
        events.append("stop")

    @app.get("/ping")
    async def ping(_: object) -> response.HTTPResponse:
        return response.text("pong")

    async with serve_sanic(app) as base, ClientSession() as http:
        async with http.get(base + "/ping") as resp:
            assert (resp.status, await resp.text()) == (200, "pong")
        assert events == ["start"]
    assert events == ["start", "stop"]
    with pytest.raises(OSError):  # the port is closed again
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=1).close()


async def test_serve_aiohttp_serves_then_stops() -> None:
    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    async with serve_aiohttp(app) as base, ClientSession() as http:
        async with http.get(base + "/") as resp:
            assert await resp.text() == "hello"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=1).close()
