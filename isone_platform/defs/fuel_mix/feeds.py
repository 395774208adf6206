"""The generation fuel mix: MW by fuel category, in snapshots ISO-NE publishes every few minutes.

ISO-NE quirks, handled in `lib/parse/fuel_mix.py` or here:
- Snapshots are irregular, not 5-minute intervals: `BeginDate` carries seconds (`16:07:59`), about 190-270
  snapshots a day. A snapshot has no end in the feed: it holds until the next one of the day, the last one for
  5 minutes within the day (`snapshot_ends`, run on the day's merged rows).
- The set of fuels varies per snapshot (Solar absent at night, Coal/Oil only when running, Other sometimes
  missing), and several fuels can be marginal (`MarginalFlag: "Y"`) at once.
- `FuelCategoryRollup` folds Landfill Gas, Refuse, Solar, Wind and Wood into `Renewables`; the data also uses
  `Other`, which the published rollup vocabulary omits.
- `GenMw` is a JSON integer in every recording: cast to DOUBLE.
- No fixed grain: completeness asks for a snapshot in every hour, and polling fills a gap when two snapshots are
  more than `POLL_GAP` apart; the day path returns everything published so far.
"""

from datetime import timedelta

from isone_platform.lib.feed import Dataset, Polling, RuleSet, ValueRange, single, whole_day
from isone_platform.lib.parse.fuel_mix import parse_fuel_mix, snapshot_ends
from isone_platform.lib.schemas import FUEL_MIX

FUEL_MIX_DAY = "/genfuelmix/day/{d}"
POLL_GAP = timedelta(minutes=15)
"""Snapshots come every few minutes at irregular times: a stretch longer than this without one is a gap."""

FUEL_MIX_FEED = Dataset(
    "fuel_mix",
    "fuel_mix",
    FUEL_MIX,
    parse_fuel_mix,
    single(FUEL_MIX_DAY),
    polling=Polling("/genfuelmix/current", whole_day(FUEL_MIX_DAY), gap=POLL_GAP),
    post_parse=snapshot_ends,
    rules=RuleSet(ranges=(ValueRange("fuel_mw_non_negative", ("gen_mw",), (0.0, None), "MW"),)),
)

FEEDS = (FUEL_MIX_FEED,)
