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
  more than `POLL_GAP` (25 minutes; real days have gaps of up to 17.5) apart; the day path returns everything
  published so far.
"""

from datetime import timedelta

from isone_platform.lib.feed import Dataset, Polling, RuleSet, ValueRange, single, whole_day
from isone_platform.lib.parse.fuel_mix import parse_fuel_mix, snapshot_ends
from isone_platform.lib.schemas import FUEL_MIX

FUEL_MIX_DAY = "/genfuelmix/day/{d}"
POLL_GAP = timedelta(minutes=25)
"""A stretch longer than this without a snapshot is a gap that a poll fills (`lib/poll.first_missing`).

Snapshots come every few minutes at irregular times, but not always: across all six real ISO-NE fuel-mix days
on record (1426 gaps between consecutive snapshots, in UTC; `test_fuel_mix_gap.py` reads them) the median gap is
6.2 min, p99 12.1 min, p99.9 17.0 min and the largest 17 min 29 s (2024-03-09); 4 gaps exceed 15 minutes
(2024-03-09 and 2024-11-03). With a threshold below the largest real gap, every later poll of such a day finds the
same "gap" and re-fetches the whole day: with the previous 15 minutes, 129 of 287 and 243 of 299 five-minute polls
of those two days did. 25 minutes is the largest real gap rounded up to 18 plus a 7-minute margin (about 40 %),
since six days say little about the tail. It stays well below the one-hour completeness slot
(`lib/dq/rules/completeness.FUEL_MIX_SLOT`): any stretch that could leave an hour without a snapshot is a polling
gap too, so an outage or polls missed for half an hour are re-fetched by polling, not first found by the check.
Pinned by `isone_platform_tests/test_fuel_mix_gap.py` on the real days."""

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
