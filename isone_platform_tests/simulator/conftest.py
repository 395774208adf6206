import re
from pathlib import Path

import httpx
import pytest

from isone_platform.simulator import SimulatorServer

REPO = Path(__file__).resolve().parents[2]
REAL = (REPO / ".." / "shared" / "isone_real").resolve()
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000-0[45]:00$")
FIXED_NOW = "fixed:2024-11-21T12:00:00-05:00"


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/isone_real (recorded ISO-NE bodies) is not available")
    return REAL


@pytest.fixture
def simulator():
    sim = SimulatorServer(port=0, clock=FIXED_NOW, seed=1)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def make_client(sim, **kw) -> httpx.Client:
    headers = {"Accept": "application/json"}
    headers.update(kw.pop("headers", {}))
    return httpx.Client(
        base_url=sim.base_url, auth=("demo", "demo"), headers=headers, timeout=kw.pop("timeout", 20), **kw
    )


@pytest.fixture
def client(simulator):
    with make_client(simulator) as c:
        yield c


def records(doc: dict) -> list:
    """Normalise any ISO-NE wrapper to a list of records."""
    if "isone_web_services" in doc:
        (inner,) = doc["isone_web_services"].values()
        if not inner:
            return []
        (val,) = inner.values()
    else:
        ((key, val),) = doc.items()
        if (
            isinstance(val, dict)
            and len(val) == 1
            and isinstance(next(iter(val.values())), (list, dict))
            and key.endswith("s")
            and key != "ServiceInfo"
        ):
            val = next(iter(val.values()))
        elif val in ("", {}):
            return []
    return val if isinstance(val, list) else [val]
