"""Starting the dashboard: `isone-platform dashboard` (and `make demo`, next to the Dagster UI).

The page is a Streamlit script (`app.py`) served by `streamlit run` in its own process, on 127.0.0.1 by default,
with telemetry, the file watcher and the browser launch off (a server, not a development session).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from isone_platform.lib.settings import current_settings

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
REFRESH_ENV = "ISONE_DASHBOARD_REFRESH_SECONDS"
DEFAULT_REFRESH_SECONDS = 60


def refresh_seconds() -> int:
    """The page's cache lifetime and auto-refresh period, from `ISONE_DASHBOARD_REFRESH_SECONDS` (default 60)."""
    return current_settings().isone_dashboard_refresh_seconds


def check_port(port: int) -> int:
    """A TCP port number, with an error naming the bad value."""
    if not 1 <= port <= 65535:
        raise ValueError(f"dashboard port {port} is not a TCP port (1-65535)")
    return port


def command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """The `streamlit run` command line serving the dashboard on host:port."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(check_port(port)),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--theme.base",
        "light",
    ]


def url(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    return f"http://{host}:{port}"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Replace this process with the Streamlit server (Ctrl-C and SIGTERM then stop it directly). The settings
    are checked first, so a bad value is an error here rather than a traceback on the page."""
    refresh_seconds()
    cmd = command(host, port)
    print(f"ISO-NE dashboard: {url(host, port)}  (Ctrl-C to stop)", flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached: execv does not return
