"""The location universe: core locations with their real ids/names, and ~1,190 synthetic network nodes.

The topology is fixed (independent of the simulator seed) so that ids and names stay stable across
runs. Network-node names are generated in ISO-NE style (``UN.<station><kV><unit>``, ``LD.<station><kV>``);
they are plausible, not real.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

HUB_ID = 4000
SYSTEM_AREA = (32, "NEPOOL AREA")

LOAD_ZONES: tuple[tuple[int, str], ...] = (
    (4001, ".Z.MAINE"),
    (4002, ".Z.NEWHAMPSHIRE"),
    (4003, ".Z.VERMONT"),
    (4004, ".Z.CONNECTICUT"),
    (4005, ".Z.RHODEISLAND"),
    (4006, ".Z.SEMASS"),
    (4007, ".Z.WCMASS"),
    (4008, ".Z.NEMASSBOST"),
)
ZONE_IDS = tuple(z for z, _ in LOAD_ZONES)
ZONE_NAMES = dict(LOAD_ZONES)
# average share of system load per zone (sums to 1)
ZONE_SHARES = (0.092, 0.128, 0.046, 0.247, 0.063, 0.131, 0.121, 0.172)

EXT_NODES: tuple[tuple[int, str], ...] = (
    (4010, ".I.SALBRYNB345 1"),
    (4011, ".I.ROSETON 345 1"),
    (4012, ".I.HQ_P1_P2345 5"),
    (4013, ".I.HQHIGATE120 2"),
    (4014, ".I.SHOREHAM138 99"),
    (4017, ".I.NRTHPORT138 5"),
    (4018, ".I.HQMRL_RD345 1"),
)

# /locations (core list, as served in 2024: 4018 absent)
CORE_LOCATIONS: tuple[tuple[int, str, str, str], ...] = (
    ((HUB_ID, "HUB", ".H.INTERNAL_HUB", "INTERNAL"),)
    + tuple((i, "LOAD ZONE", n, "INTERNAL") for i, n in LOAD_ZONES)
    + tuple((i, "EXT. NODE", n, "EXTERNAL") for i, n in EXT_NODES if i != 4018)
    + (
        (7000, "SYSTEM", "ROS", "INTERNAL"),
        (7001, "RESERVE ZONE", "SWCT", "INTERNAL"),
        (7002, "RESERVE ZONE", "CT", "INTERNAL"),
        (7003, "RESERVE ZONE", "NEMABSTN", "INTERNAL"),
    )
)

RELIABILITY_REGIONS = (
    (9001, ".R.MAINE"),
    (9002, ".R.NEWHAMPSHIRE"),
    (9003, ".R.VERMONT"),
    (9004, ".R.CONNECTICUT"),
    (9005, ".R.RHODEISLAND"),
    (9006, ".R.SEMASS"),
    (9007, ".R.WCMASS"),
    (9008, ".R.NEMASS&BOST"),
)
EXT_AREAS = ((33, "PTF AREA"), (34, "EXTERNAL AREA"), (35, "NB AREA 25"), (36, "HQ AREA"), (1740, "CSC AREA"))
CAPACITY_ZONES = (
    "Rest-of-Pool",
    "Connecticut",
    "NEMA-Boston",
    "Maine",
    "SEMA-RI",
    "Northern New England",
    "Southeast New England",
)
DISPATCH_ZONES = (
    "Eastern CT",
    "Northern CT",
    "Norwalk - Stamford",
    "Western CT",
    "Bangor Hydro",
    "Maine",
    "Portland Maine",
    "Boston",
    "North Shore",
    "Central MA",
    "Springfield MA",
    "Western MA",
    "New Hampshire",
    "Seacoast",
    "Northwest Vermont",
    "Vermont",
    "Lower SEMA",
    "SEMA",
    "Rhode Island",
)
_DR_STEMS = (
    "CT",
    "CT",
    "CT",
    "CT",
    "ME",
    "ME",
    "ME",
    "NEMA",
    "NEMA",
    "WCMA",
    "WCMA",
    "WCMA",
    "NH",
    "NH",
    "VT",
    "VT",
    "SEMA",
    "SEMA",
    "RI",
    "CT",
)

# station stems for synthetic network nodes (8 characters max, ISO-NE style abbreviations)
_STEMS = (
    "ABNGTN",
    "ACTON",
    "AGAWAM",
    "AMHERST",
    "ANDOVER",
    "ASHLAND",
    "AUBURN",
    "AVON",
    "BARNSTBL",
    "BATH",
    "BEDFORD",
    "BELFAST",
    "BERLIN",
    "BETHEL",
    "BEVERLY",
    "BILLRCA",
    "BLCKSTNE",
    "BOLTON",
    "BRAINTRE",
    "BRANFORD",
    "BRATTLBO",
    "BRIDGPRT",
    "BRISTOL",
    "BROCKTON",
    "BRKFIELD",
    "BRNSWICK",
    "BUCKSPRT",
    "BURLNGTN",
    "CANAAN",
    "CANTON",
    "CARVER",
    "CHARLSTN",
    "CHELSEA",
    "CHESHIRE",
    "CHICOPEE",
    "CLINTON",
    "COLCHSTR",
    "CONCORD",
    "CORNISH",
    "COVENTRY",
    "CRANSTON",
    "DANBURY",
    "DANVERS",
    "DARIEN",
    "DEDHAM",
    "DERBY",
    "DEVON",
    "DOVER",
    "DRACUT",
    "DUXBURY",
    "EASTON",
    "EDGARTWN",
    "ELLSWRTH",
    "ENFIELD",
    "EPPING",
    "ESSEX",
    "EXETER",
    "FALMOUTH",
    "FARMNGTN",
    "FITCHBRG",
    "FRAMNGHM",
    "FRANKLIN",
    "GARDNER",
    "GLSTNBRY",
    "GORHAM",
    "GRANBY",
    "GREENFLD",
    "GROTON",
    "GUILFORD",
    "HADLEY",
    "HALIFAX",
    "HAMDEN",
    "HANOVER",
    "HARTFORD",
    "HAVRHILL",
    "HINGHAM",
    "HOLYOKE",
    "HOPKNTON",
    "HUDSON",
    "KEENE",
    "KILLNGLY",
    "KINGSTON",
    "LACONIA",
    "LEBANON",
    "LEEDS",
    "LEWISTON",
    "LINCOLN",
    "LISBON",
    "LOWELL",
    "LUDLOW",
    "LYNN",
    "MADISON",
    "MANCHSTR",
    "MARLBORO",
    "MEDFORD",
    "MERIDEN",
    "MERRIMAC",
    "METHUEN",
    "MIDDLTWN",
    "MILFORD",
    "MILLBURY",
    "MONTVILL",
    "NASHUA",
    "NATICK",
    "NEWBURY",
    "NEWINGTN",
    "NEWPORT",
    "NORWALK",
    "NORWICH",
    "ORANGE",
    "ORRINGTN",
    "OXFORD",
    "PALMER",
    "PEABODY",
    "PITTSFLD",
    "PLAINFLD",
    "PLYMOUTH",
    "PORTLAND",
    "PUTNAM",
    "QUINCY",
    "RANDOLPH",
    "READING",
    "ROCHESTR",
    "RUMFORD",
    "RUTLAND",
    "SALEM",
    "SANFORD",
    "SAUGUS",
    "SCITUATE",
    "SEABROOK",
    "SHELTON",
    "SHREWSBY",
    "SOMERSET",
    "STAMFORD",
    "STRATFRD",
    "SUDBURY",
    "SUFFIELD",
    "SWANSEA",
    "TAUNTON",
    "TIVERTON",
    "TORRNGTN",
    "UXBRIDGE",
    "WAKEFLD",
    "WALPOLE",
    "WALTHAM",
    "WAREHAM",
    "WARWICK",
    "WATRBURY",
    "WATRFORD",
    "WESTBORO",
    "WESTERLY",
    "WEYMOUTH",
    "WILTON",
    "WINDHAM",
    "WINDSOR",
    "WOBURN",
    "WORCSTR",
    "YARMOUTH",
)
_VOLTS = ("13.8", "13.8", "13.8", "34.5", "23", "115", "115", "115", "69", "345", "4.16", "12.5")
# which load zone a stem belongs to is drawn at random (fixed topology seed)

N_NETWORK_NODES = 1190
N_HUB_NODES = 32


@dataclass(frozen=True)
class Location:
    id: int
    name: str
    type: str  # LocationType, e.g. "NETWORK NODE"
    area: str  # AreaType: INTERNAL / EXTERNAL
    node_type: str | None = None  # NetworkNodeType: UNIT / LOAD / None
    zone: int | None = None  # load zone of a network node (for LMP correlation)


@dataclass(frozen=True)
class Universe:
    all: tuple[Location, ...]  # every location (/locations/all), sorted by id
    priced: tuple[Location, ...]  # hub + zones + ext nodes + network nodes, sorted by id
    by_id: dict

    def priced_index(self) -> dict[int, int]:
        return {loc.id: i for i, loc in enumerate(self.priced)}


def _node_name(rng: random.Random, kind: str | None, stem: str) -> str:
    volt = rng.choice(_VOLTS)
    station = f"{stem:<8}"
    if kind == "UNIT":
        suffix = rng.choice(("CC", "GT", "ST", "WF", "SOL", "HYD", "BES", "1", "2", "UN1", "UN2", "G1", "G2", "CT1"))
        return f"UN.{station}{volt}{stem[:2]}{suffix}" if rng.random() < 0.25 else f"UN.{station}{volt}{suffix}"
    if kind == "LOAD":
        return f"LD.{station}{volt}"
    return f"{rng.choice(('DRR.', 'ND.'))}{station}{volt}"


@functools.lru_cache(maxsize=1)
def universe() -> Universe:
    rng = random.Random(20241103)  # fixed topology, independent of the simulator seed
    locs: list[Location] = []
    locs.append(Location(SYSTEM_AREA[0], SYSTEM_AREA[1], "INT. AREA", "INTERNAL"))
    for i, n in EXT_AREAS:
        locs.append(Location(i, n, "EXT. AREA", "EXTERNAL"))
    locs.append(Location(HUB_ID, ".H.INTERNAL_HUB", "HUB", "INTERNAL"))
    for i, n in LOAD_ZONES:
        locs.append(Location(i, n, "LOAD ZONE", "INTERNAL"))
    for i, n in EXT_NODES:
        locs.append(Location(i, n, "EXT. NODE", "EXTERNAL"))
    hub_stems = rng.sample(_STEMS, N_HUB_NODES)
    for k, stem in enumerate(hub_stems):
        locs.append(Location(6352 + k + (k // 16), f"HC.{stem:<8}{rng.choice(('115', '345'))}", "HUB NODE", "INTERNAL"))
    locs.append(Location(7000, "ROS", "SYSTEM", "INTERNAL"))
    for i, n in ((7001, "SWCT"), (7002, "CT"), (7003, "NEMABSTN")):
        locs.append(Location(i, n, "RESERVE ZONE", "INTERNAL"))
    for k, n in enumerate(DISPATCH_ZONES):
        locs.append(Location(7500 + k, n, "DISPATCH ZONE", "INTERNAL"))
    for k, (stem, dz) in enumerate(zip(_DR_STEMS, DISPATCH_ZONES + ("Southwest CT",), strict=True)):
        locs.append(Location(7600 + k, f"DR.{stem}_{dz.replace(' ', '_').replace('_-_', '-')}", "DRRAZ", "INTERNAL"))
    for k, n in enumerate(CAPACITY_ZONES):
        locs.append(Location(8500 + k, n, "CAPACITY ZONE", "INTERNAL"))
    for i, n in RELIABILITY_REGIONS:
        locs.append(Location(i, n, "RELIABILITY REGION", "INTERNAL"))

    # network nodes: ids 321... in small steps, then a sparse block of newer ids 10000-77616
    ids: list[int] = []
    cur = 321
    for _ in range(880):
        ids.append(cur)
        cur += rng.choice((1, 1, 1, 1, 2, 3))
    ids.extend(sorted(rng.sample(range(10_000, 77_617), N_NETWORK_NODES - len(ids))))
    stem_zone = {s: rng.choices(ZONE_IDS, weights=ZONE_SHARES)[0] for s in _STEMS}
    seen: set[str] = set()
    for k, nid in enumerate(ids):
        r = rng.random()
        kind = None if k % 74 == 37 else ("UNIT" if r < 0.335 else "LOAD")
        stem = rng.choice(_STEMS)
        name = _node_name(rng, kind, stem)
        n = 2
        base = name
        while name in seen:
            name = f"{base}{n}" if kind != "LOAD" else f"{base}_{n}"
            n += 1
        seen.add(name)
        locs.append(Location(nid, name, "NETWORK NODE", "INTERNAL", kind, stem_zone[stem]))

    locs.sort(key=lambda loc: loc.id)
    priced = tuple(loc for loc in locs if loc.type in ("HUB", "LOAD ZONE", "EXT. NODE", "NETWORK NODE"))
    return Universe(tuple(locs), priced, {loc.id: loc for loc in locs})
