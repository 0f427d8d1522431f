"""Where a claim is drawn when a text names several places or situates one by another (issue 12).

* Two places far apart never merge into one region with a radius above 100 km: the consistent,
  most specific places are kept and the others become alternatives of the placement.
* "al-Mawasi, west of Khan Younis" (and the Arabic and Hebrew phrasings) narrows al-Mawasi to its
  part in the western half of Khan Younis's extent.
"""

from __future__ import annotations

import geo
from geo.events import Event
from geo.metric import anchor_point
from geo.model import Mention
from geo.placement import MAX_REGION_RADIUS_M, consistent_places, place_event
from geo.resolve import mentions


def _places(text: str) -> list[Mention]:
    return [m for m in mentions(text) if m.geometry is not None]


def test_far_apart_places_are_not_merged_into_one_region() -> None:
    """Khan Younis, Rafah and Beirut: the two Gaza towns are drawn, Beirut is an alternative."""
    places = _places("Khan Younis, Rafah and Beirut")
    kept, dropped = consistent_places(places)
    assert [m.place_text for m in kept] == ["Khan Younis", "Rafah"]
    assert [m.place_text for m in dropped] == ["Beirut"]
    ev = Event(event_type="airstrike", sentences=[], paragraph=0, places=places)
    notes: list[str] = []
    geometry, unc, placement, _ = place_event(ev, None, notes)
    assert geometry is not None and unc is not None
    assert unc.radius_m <= MAX_REGION_RADIUS_M
    assert "geonames:276781" in {c.gazetteer_id for c in placement.rejected}  # Beirut kept as an alternative
    assert any("not merged" in n and "Beirut" in n for n in notes)


def test_two_far_places_keep_the_more_specific_one() -> None:
    """Jabalia camp and Tyre: no majority, so the more specific place (the camp) is drawn alone."""
    places = _places("Jabalia camp and Tyre")
    ev = Event(event_type="airstrike", sentences=[], paragraph=0, places=places)
    notes: list[str] = []
    _, unc, placement, _ = place_event(ev, None, notes)
    assert placement.gazetteer_id == "sitmap:jabalia-camp"
    assert unc is not None and unc.radius_m < 5_000
    assert [c.name for c in placement.rejected][:1] == ["Tyre"]


def test_near_places_still_make_one_region() -> None:
    places = _places("Khan Younis and Rafah")
    kept, dropped = consistent_places(places)
    assert len(kept) == 2 and not dropped


def _claim_at(text: str, place_word: str) -> geo.Claim:
    claims = [c for c in geo.parse(text, published="2024-07-09", source="test") if c.geometry is not None]
    [claim] = [c for c in claims if place_word in (c.place_text or "")]
    return claim


def test_west_of_khan_younis_narrows_al_mawasi() -> None:
    whole = _claim_at("Shelling hit tents in al-Mawasi on Tuesday, medics said.", "Mawasi")
    for text, word in [
        ("Shelling hit tents in al-Mawasi, west of Khan Younis, on Tuesday, medics said.", "Mawasi"),
        ("قصف مدفعي على خيام النازحين في المواصي غرب خان يونس يوم الثلاثاء.", "المواصي"),
        ('צה"ל תקף במוואסי ממערב לחאן יונס ביום שלישי.', "מוואסי"),
    ]:
        part = _claim_at(text, word)
        assert part.uncertainty is not None and whole.uncertainty is not None
        assert part.uncertainty.radius_m < 0.8 * whole.uncertainty.radius_m, text
        assert part.uncertainty.region is not None and whole.uncertainty.region is not None
        assert whole.uncertainty.region.buffer(1e-6).contains(part.uncertainty.region), text
        assert anchor_point(part.geometry).x < 34.306  # west of Khan Younis's point


def test_a_direction_that_misses_the_place_leaves_it_whole() -> None:
    """East of Khan Younis holds no part of the coastal strip: "al-Mawasi, east of Khan Younis" stays whole."""
    whole = _claim_at("Shelling hit tents in al-Mawasi on Tuesday, medics said.", "Mawasi")
    claim = _claim_at("Shelling hit tents in al-Mawasi, east of Khan Younis, on Tuesday, medics said.", "Mawasi")
    assert claim.uncertainty is not None and whole.uncertainty is not None
    assert claim.uncertainty.radius_m == whole.uncertainty.radius_m


def test_a_quarter_named_as_the_container_of_its_part_is_not_a_second_place() -> None:
    """ "the Asqoula area of Zeitoun", "عسقولة في حي الزيتون": one claim, at Asqoula."""
    for text in [
        "On 3 March 2024, Israeli aircraft struck a house in the Asqoula area of Zeitoun, medics said.",
        "قصفت مدفعية الاحتلال مساء الاثنين مفترق عسقولة في حي الزيتون، وفق شهود عيان.",
    ]:
        claims = [c for c in geo.parse(text, published="2024-03-04", source="test") if c.geometry is not None]
        assert [c.placement.gazetteer_id for c in claims if c.placement] == ["sitmap:asqoula"], text


def test_a_site_next_to_a_quarter_widened_by_area_of_is_not_swallowed() -> None:
    """ "the Sheikh Ijlin area ... and Gaza port": 'area' widens Sheikh Ijlin by 3 km, which must not
    make the port (4 km away) a part of it."""
    text = "On 1 December 2024, Israeli forces shelled the Sheikh Ijlin area and the coast at Gaza port, WAFA said."
    ids = {c.placement.gazetteer_id for c in geo.parse(text, published="2024-12-02", source="test") if c.placement}
    assert {"sitmap:sheikh-ijlin", "sitmap:gaza-port"} <= ids


def test_evacuation_orders_for_a_quarter_place_the_order_there() -> None:
    """ "evacuation orders for X": X is the area ordered out, not a destination."""
    text = (
        "On 10 July, the Israeli military issued evacuation orders for the Tuffah and Daraj neighbourhoods, OCHA said."
    )
    ids = {c.placement.gazetteer_id for c in geo.parse(text, published="2024-07-11", source="test") if c.placement}
    assert {"sitmap:tuffah", "sitmap:daraj"} <= ids
