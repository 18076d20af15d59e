"""The cold first load with and without compression: the app served directly by
`streamlit run` (which does not compress) and through Caddy on 127.0.0.1 with
`encode zstd gzip` in front of it (the websocket proxied too), as production will sit behind
a reverse proxy (a later issue sets that up; docs/deploy-proxy.md).

Each repetition opens the app in a fresh browser context both ways, alternately: bytes on the
wire and requests (`request.sizes()`: headers and body as transferred), first contentful
paint, time until the sign-in form is ready, and the Content-Encoding of each response.
Without the `caddy` binary the part is recorded as not measured, not failed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.browser_nav import context_options
from bench.browser_steps import cold_load, describe, summarise_cold
from bench.server_process import wait_healthy
from tests.support.postgres import free_port

NOT_INSTALLED = "not measured: caddy not installed (apt-get install caddy)"


def caddyfile(port: int, upstream: int) -> str:
    """Caddy on 127.0.0.1:`port` in front of the app on 127.0.0.1:`upstream`: no admin API,
    no automatic HTTPS (plain HTTP on loopback), zstd or gzip as the browser accepts."""
    return (
        "{\n"
        "\tadmin off\n"
        "\tauto_https off\n"
        "}\n"
        f"http://127.0.0.1:{port} {{\n"
        "\tbind 127.0.0.1\n"
        "\tencode zstd gzip\n"
        f"\treverse_proxy 127.0.0.1:{upstream}\n"
        "}\n"
    )


@contextmanager
def caddy_proxy(upstream: int, logs: Path) -> Iterator[str]:
    """Caddy in front of the app on 127.0.0.1:`upstream`; yields its URL. Its state and
    config go to a temporary folder (XDG_*), never /etc/caddy or the home folder."""
    binary = shutil.which("caddy")
    if binary is None:
        raise FileNotFoundError(NOT_INSTALLED)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cartwheel-caddy-") as folder:
        config = Path(folder) / "Caddyfile"
        config.write_text(caddyfile(port, upstream))
        env = {"HOME": folder, "XDG_DATA_HOME": folder, "XDG_CONFIG_HOME": folder}
        with (logs / "caddy.log").open("wb") as handle:
            process = subprocess.Popen(  # noqa: S603 - the caddy binary, fixed arguments
                [binary, "run", "--config", str(config), "--adapter", "caddyfile"],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_healthy(f"{url}/_stcore/health", process, logs / "caddy.log", "caddy", 30)
                yield url
            finally:
                process.terminate()
                process.wait(timeout=10)


def compare(
    browser: Any, direct: str, proxied: str, viewport: dict[str, int], reps: int
) -> dict[str, Any]:
    """`reps` cold loads of the sign-in page each way, alternately."""
    loads: dict[str, list[dict[str, float]]] = {"direct": [], "caddy": []}
    errors: dict[str, list[str]] = {"direct": [], "caddy": []}
    encodings: dict[str, Counter[str]] = {"direct": Counter(), "caddy": Counter()}
    for _ in range(reps):
        for way, url in (("direct", direct), ("caddy", proxied)):
            context = browser.new_context(**context_options(viewport))
            page = context.new_page()
            seen = encodings[way]
            page.on("response", lambda r, seen=seen: seen.update([_encoding(r)]))
            try:
                loads[way].append(cold_load(page, url, page.get_by_label("E-mail")))
            except Exception as failed:  # kept with its message
                errors[way].append(describe(failed))
            finally:
                context.close()
    return {
        way: {**summarise_cold(loads[way], errors[way]), "encodings": dict(encodings[way])}
        for way in loads
    }


def _encoding(response: Any) -> str:
    return response.headers.get("content-encoding", "none")
