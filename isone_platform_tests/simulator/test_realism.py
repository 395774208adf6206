"""Magnitudes and shapes of the generated data (checked on the generators directly, for speed)."""

from datetime import date, timedelta

import numpy as np

from isone_platform.simulator import data


def test_load_magnitudes_and_zonal_residual():
    for d in (date(2024, 1, 16), date(2024, 4, 20), date(2024, 7, 17), date(2024, 11, 3)):
        s = data.sysload_day(0, d)
        load = s.load / 1000
        assert 8_000 < load.min() and load.max() < 26_000
        assert np.all(s.native == s.load - s.ard)
        z = data.zonal_day(0, d)
        resid = z.load.sum(axis=1) / s.load - 1
        assert 0.002 < resid.min() and resid.max() < 0.02
    summer = data.sysload_day(0, date(2024, 7, 17)).load.max() / 1000
    shoulder = data.sysload_day(0, date(2024, 4, 17)).load.max() / 1000
    assert summer > 19_000 and shoulder < 16_000
    weekday = data.sysload_day(0, date(2024, 10, 16)).load.mean()
    sunday = data.sysload_day(0, date(2024, 10, 20)).load.mean()
    assert sunday < weekday


def test_lmp_properties_over_a_month():
    negative = spikes = cong = 0
    for k in range(30):
        d = date(2024, 3, 1) + timedelta(days=k)
        rt = data.rt_lmp_day(0, d)
        total = rt.total()
        negative += int((rt.energy < 0).any())
        spikes += int((rt.energy > 20_000).any())
        cong += int((rt.cong != 0).any())
        assert np.median(rt.energy) > 1_000
        assert (rt.cong == 0).mean() > 0.5
        da = data.da_lmp_day(0, d)
        assert len(da.energy) * 12 == len(rt.energy)
        assert total.shape[1] == 1206
    assert negative >= 1 and spikes >= 1 and cong >= 15


def test_fuel_mix_snapshots():
    snaps = data.fuelmix_day(0, date(2024, 7, 15))
    assert 190 <= len(snaps) <= 290
    secs = {s.stamp[17:19] for s in snaps}
    assert len(secs) > 20  # seconds in the timestamps
    night = [s for s in snaps if s.stamp[11:13] in ("01", "02", "03")]
    assert night and all("Solar" not in {f[0] for f in s.fuels} for s in night)
    noon = [s for s in snaps if s.stamp[11:13] == "12"]
    assert all(dict((f[0], f[1]) for f in s.fuels).get("Solar", 0) > 0 for s in noon)
    assert any(
        sum(f[2] == "Y" for f in s.fuels) >= 2
        for d in range(10)
        for s in data.fuelmix_day(0, date(2024, 7, 1) + timedelta(days=d))
    )
