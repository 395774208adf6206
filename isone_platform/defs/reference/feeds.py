"""Reference data: every ISO-NE location (`/locations/all`), the dimension the LMP tables join to.

ISO-NE quirks, handled in `lib/parse/locations.py`:
- `/locations` lists only the core locations (19 in 2024); `/locations/all` lists every one (1 302 in 2026), of
  many types (NETWORK NODE, HUB NODE, DRRAZ, DISPATCH ZONE, LOAD ZONE, …). LMPs price the HUB, LOAD ZONE,
  EXT. NODE and NETWORK NODE ones.
- `LocationID` is a JSON integer here, while the LMP feeds send `@LocId` as a string.
- Some external nodes (e.g. the NECEC `.I.HQMRL_RD345 1`) were absent from `/locations` in 2024.
- Not partitioned: one request, refreshed on demand; no polling.
"""

from isone_platform.lib.feed import Dataset, single
from isone_platform.lib.parse.locations import parse_locations
from isone_platform.lib.schemas import LOCATIONS

LOCATIONS_FEED = Dataset("locations", "reference", LOCATIONS, parse_locations, single("/locations/all"))

FEEDS = (LOCATIONS_FEED,)
