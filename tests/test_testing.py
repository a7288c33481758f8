import pytest

from assetmap.testing import assert_access, assert_assets, assert_units


def test_sample_frames_pass(sample_atlas):
    assert_units(sample_atlas.units)
    assert_assets(sample_atlas.assets)
    assert_access(sample_atlas.access)


def test_messages_say_what_differs(sample_atlas):
    with pytest.raises(AssertionError, match="index must be named 'unit_id'"):
        assert_units(sample_atlas.units.reset_index())
    bad = sample_atlas.assets.copy()
    bad.loc[bad.index[0], "domain"] = "astrology"
    with pytest.raises(AssertionError, match="astrology"):
        assert_assets(bad)
    with pytest.raises(AssertionError, match="more than one row"):
        assert_access(sample_atlas.access.iloc[[0, 0]])
