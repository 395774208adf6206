"""The Dagster IO manager of the raw assets: lands the days an asset returns, gives std assets their days back."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
from dagster_aws.s3 import S3Resource

from isone_platform.lib.lake.days import LandedDays, land_days
from isone_platform.lib.lake.storage import Lake
from isone_platform.lib.lake.url import lake_from_url
from isone_platform.lib.partitions import partition_day
from isone_platform.lib.raw import RawDay


class RawLakeIOManager(dg.ConfigurableIOManager):
    """Stores days an asset returns (any iterable of `RawDay`) in the lake, one
    at a time as they are iterated; gives std assets their landed days back lazily (`LandedDays`).

    `lake_url` is a local directory or `s3://bucket/prefix`; for S3 the client comes from `s3` (dagster-aws's
    S3Resource; when unset, one is built from the environment, see `default_s3_resource`).
    """

    lake_url: str
    s3: S3Resource | None = None

    def lake(self) -> Lake:
        """The lake this IO manager stores in: what the raw assets land their days in."""
        return lake_from_url(self.lake_url, s3=self.s3)

    @staticmethod
    def _dataset(context: dg.OutputContext | dg.InputContext) -> str:
        return context.asset_key.path[-1].removeprefix("isone__")

    def handle_output(self, context: dg.OutputContext, obj: Iterable[RawDay]) -> None:
        """Store days an asset returns (raw assets land their own days in their body and return none)."""
        if isinstance(obj, (str, bytes, RawDay)) or not isinstance(obj, Iterable):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: expected an iterable of RawDay, got {type(obj).__name__}"
            )
        landed = land_days(self.lake(), obj)
        context.add_output_metadata({"lake": self.lake_url, **landed.metadata()})

    def load_input(self, context: dg.InputContext) -> LandedDays:
        dataset = self._dataset(context)
        if not context.has_asset_partitions:
            return LandedDays(self.lake(), dataset, [None])
        return LandedDays(self.lake(), dataset, [partition_day(k) for k in context.asset_partition_keys])
