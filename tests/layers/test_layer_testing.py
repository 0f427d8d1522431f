"""assert_layer_equal: passes on equal layers, fails with a readable diff naming feature and property."""

from __future__ import annotations

import pytest

from layers.export import claim_feature
from layers.testing import assert_layer_equal, make_claim, make_zone


def layer() -> list:
    return [make_claim("c-1", fatalities=3), make_claim("c-2", event_type="shelling"), make_zone("z-1")]


def test_equal_layers_pass_records_or_features() -> None:
    assert_layer_equal(layer(), layer())
    assert_layer_equal(layer()[:2], [claim_feature(r) for r in layer()[:2]])
    assert_layer_equal(layer(), list(reversed(layer())), check_order=False)


def test_order_is_checked_by_default() -> None:
    with pytest.raises(AssertionError, match="order differs at position 0: left 'c-1', right 'z-1'"):
        assert_layer_equal(layer(), list(reversed(layer())))


def test_property_and_geometry_differences_are_named() -> None:
    right = [make_claim("c-1", fatalities=4, lon=34.5), make_claim("c-2", event_type="shelling"), make_zone("z-1")]
    with pytest.raises(AssertionError) as err:
        assert_layer_equal(layer(), right)
    text = str(err.value)
    assert "feature 'c-1': fatalities: 3 != 4" in text
    assert "feature 'c-1': geometry differs" in text
    assert "c-2" not in text
    assert_layer_equal(layer(), [*right[:1], *layer()[1:]], ignore=("fatalities",), geom_tolerance=0.1)


def test_missing_and_extra_features() -> None:
    with pytest.raises(AssertionError) as err:
        assert_layer_equal(layer(), [*layer()[:2], make_claim("c-9")])
    text = str(err.value)
    assert "only in left: z-1" in text and "only in right: c-9" in text


def test_float_tolerance() -> None:
    a = make_claim("c-1", radius_m=500.0)
    b = make_claim("c-1", radius_m=500.001)
    assert_layer_equal([a], [b], rel_tolerance=1e-5)
    with pytest.raises(AssertionError, match="uncertainty_m"):
        assert_layer_equal([a], [b])
