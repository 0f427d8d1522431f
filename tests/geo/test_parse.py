"""geo.parse: report text -> located, dated, attributed claims (events, places, blocks, bad input)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyproj
import pytest
from shapely.geometry import Point

import geo
from geo.errors import InvalidInput
from geo.model import Claim, Mention, Uncertainty
from geo.parser import anchor_point, check_text, claim_to_feature, claims_from_mentions, mention_to_feature, parse

_GEOD = pyproj.Geod(ellps="WGS84")

KHAN_YOUNIS = (34.30627, 31.34018)
RAFAH = (34.24357, 31.29722)


def km_from(claim: Claim, lonlat: tuple[float, float]) -> float:
    assert claim.geometry is not None
    p = anchor_point(claim.geometry)
    return float(_GEOD.inv(p.x, p.y, lonlat[0], lonlat[1])[2]) / 1000


# --------------------------------------------------------------------------------------
# Hand-made mentions: the event logic on its own
# --------------------------------------------------------------------------------------

_PLACES = {
    "Gaza City": (34.4667, 31.5016, 4000.0, "city"),
    "Zeitoun": (34.4560, 31.4900, 900.0, "neighbourhood"),
    "Khan Younis": (*KHAN_YOUNIS, 4000.0, "city"),
    "Rafah": (*RAFAH, 3500.0, "city"),
    "Sderot": (34.5969, 31.5250, 2000.0, "city"),
}


def hand_mentions(text: str) -> list[Mention]:
    """Mentions of the five places above, found by plain search (no gazetteer)."""
    out = []
    for name, (lon, lat, radius, kind) in _PLACES.items():
        start = text.find(name)
        while start >= 0:
            inside = any(o.start <= start < o.end for o in out)
            if not inside:
                unc = Uncertainty(radius_m=radius, geo_precision=1, where_prec=2, method="gazetteer")
                out.append(
                    Mention(
                        place_text=name,
                        start=start,
                        end=start + len(name),
                        gazetteer_id=f"test:{name}",
                        place_name=name,
                        kind=kind,
                        geometry=Point(lon, lat),
                        uncertainty=unc,
                        confidence=0.9,
                    )
                )
            start = text.find(name, start + 1)
    return sorted(out, key=lambda m: m.start)


def test_nested_places_give_the_most_specific() -> None:
    text = "An air strike hit a house in Zeitoun, Gaza City, on Thursday, the civil defence said."
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-07-12", source="Wire")
    assert c.event_type == "airstrike"
    assert c.place_text == "Zeitoun" and c.gazetteer_id == "test:Zeitoun"
    assert c.placement is not None and c.placement.method == "gazetteer"
    assert c.claimant == "Gaza civil defence"
    assert "claimant as written: 'the civil defence'" in (c.notes or "")
    assert (c.valid_from, c.time_precision) == (datetime(2024, 7, 11, tzinfo=UTC), "day")
    assert "most specific" in (c.notes or "")


def test_separate_places_of_one_event_give_a_claim_each() -> None:
    """Issue 12: "struck A and B" is two claims, one at each place, never one region over both."""
    text = "Israeli jets struck Khan Younis and Rafah on Saturday, medics said."
    ky, rafah = claims_from_mentions(text, hand_mentions(text), published="2023-12-02")
    assert (ky.place_text, rafah.place_text) == ("Khan Younis", "Rafah")
    assert km_from(ky, KHAN_YOUNIS) < 0.1 and km_from(rafah, RAFAH) < 0.1
    for c in (ky, rafah):
        assert c.event_type == "airstrike" and c.claimant == "medics"
        assert c.uncertainty is not None and c.uncertainty.radius_m < 10_000
        assert "one of 2 places named for this event (Khan Younis, Rafah)" in (c.notes or "")


def test_several_events_several_claims_each_with_its_own_place_and_time() -> None:
    text = (
        "Israeli strikes killed 11 people in Rafah on Wednesday, medics said. "
        "On Thursday, rockets were fired at Sderot, Magen David Adom said."
    )
    claims = claims_from_mentions(text, hand_mentions(text), published="2024-02-29", source="Wire")
    assert [(c.event_type, c.place_text, c.claimant) for c in claims] == [
        ("airstrike", "Rafah", "medics"),
        ("rocket_launch", "Sderot", "Magen David Adom"),
    ]
    assert claims[0].valid_from == datetime(2024, 2, 28, tzinfo=UTC)
    assert claims[1].valid_from == datetime(2024, 2, 29, tzinfo=UTC)
    assert claims[0].fatalities is not None and claims[0].fatalities.best == 11
    assert claims[0].quote == "Israeli strikes killed 11 people in Rafah on Wednesday, medics said."


def test_follow_up_sentences_join_their_event() -> None:
    text = (
        "A strike hit a house in Khan Younis on Monday. Dozens were wounded in the strike, doctors said. "
        "Twelve people were killed."
    )
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-01-09")
    assert c.injured is not None and (c.injured.low, c.injured.high) == (24, 99)
    assert c.fatalities is not None and c.fatalities.best == 12
    assert c.claimant == "medics"
    assert c.quote is not None and c.quote.endswith("Twelve people were killed.")


def test_unattributed_sentences_inherit_and_say_so() -> None:
    text = "Shells hit Rafah on Monday."
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-01-09", source="Sitmap Wire")
    assert c.claimant == "Sitmap Wire" and "claimant is the source" in (c.notes or "")
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-01-09", source="IDF Arabic spokesperson")
    assert c.claimant == "Israeli military"  # a known source is named canonically
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-01-09")
    assert c.claimant is None and "unattributed" in (c.notes or "").replace("not attributed", "unattributed")
    text = "Medics said strikes hit Rafah on Monday. Shells also hit Khan Younis on Tuesday."
    claims = claims_from_mentions(text, hand_mentions(text), published="2024-01-10", source="Wire")
    assert [c.claimant for c in claims] == ["medics", "medics"]
    assert "paragraph's claimant" in (claims[1].notes or "")


def test_time_defaults() -> None:
    text = "Shells hit Rafah."
    [c] = claims_from_mentions(text, hand_mentions(text), published="2024-01-10")
    assert (c.valid_from, c.valid_to, c.time_precision) == (
        datetime(2024, 1, 9, tzinfo=UTC),
        datetime(2024, 1, 10, 23, 59, 59, 999999, tzinfo=UTC),
        "day",
    )
    [c] = claims_from_mentions(text, hand_mentions(text))
    assert (c.valid_from, c.valid_to, c.time_precision) == (None, None, "unknown")
    assert "time unknown" in (c.notes or "")


def test_an_event_with_no_known_place_is_unresolved_never_guessed() -> None:
    text = "Shells hit the village of Nowhere on Monday, residents said."
    unresolved = Mention(
        place_text="Nowhere", start=text.index("Nowhere"), end=text.index("Nowhere") + 7, confidence=0.1
    )
    [c] = claims_from_mentions(text, [unresolved], published="2024-01-10")
    assert c.geometry is None and c.uncertainty is None
    assert c.placement is not None and c.placement.method == "unresolved" and c.place_text == "Nowhere"
    assert claim_to_feature(c)["geometry"] is None


# --------------------------------------------------------------------------------------
# The real gazetteer
# --------------------------------------------------------------------------------------


def test_parse_with_the_gazetteer() -> None:
    text = (
        "An Israeli air strike on a house in Khan Younis on Thursday killed at least 12 people, "
        "the Gaza health ministry said."
    )
    [c] = parse(text, published="2023-12-08", source="Wire", url="https://example.org/a")
    assert c.event_type == "airstrike" and c.claimant == "Gaza health ministry"
    assert c.source == "Wire" and c.url == "https://example.org/a"
    assert km_from(c, KHAN_YOUNIS) < 3
    assert c.gazetteer_id is not None and c.place_text == "Khan Younis"
    assert c.uncertainty is not None and c.uncertainty.geo_precision in (1, 2)
    assert c.fatalities is not None and (c.fatalities.low, c.fatalities.high) == (12, None)
    assert c.valid_from == datetime(2023, 12, 7, tzinfo=UTC)
    assert 0 < c.confidence <= 1
    assert c.quote == text


@pytest.mark.parametrize("spelling", ["Khan Younis", "Khan Yunis", "Khan Yunus", "خان يونس"])
def test_spellings_of_khan_younis(spelling: str) -> None:
    [c] = parse(f"Tank shelling hit {spelling} on Sunday, witnesses said.", published="2024-01-14")
    assert c.event_type == "shelling" and km_from(c, KHAN_YOUNIS) < 3


def test_organisation_names_are_not_event_places() -> None:
    text = "Troops operating in Shuja'iyya killed a commander of Hamas's Khan Younis Brigade on Monday, the IDF said."
    [c] = parse(text, published="2024-01-08")
    assert c.place_text is not None and "Khan" not in c.place_text
    assert km_from(c, KHAN_YOUNIS) > 10


def test_claimant_location_is_not_the_event_place() -> None:
    text = (
        "Israel's negotiating team held talks in Cairo this week, and a Hamas official in Doha said they had stalled."
    )
    [c] = parse(text, published="2024-06-20")
    assert c.event_type == "negotiation" and c.claimant == "Hamas"
    assert c.place_name is not None and "Cairo" in c.place_name


def test_across_the_strip_is_the_strip_polygon() -> None:
    [c] = parse("Airstrikes were reported across the Gaza Strip in the past day.", published="2024-02-04")
    assert c.uncertainty is not None and c.uncertainty.method == "admin_fallback"
    region = c.uncertainty.region
    assert region is not None and region.covers(Point(*KHAN_YOUNIS)) and region.covers(Point(34.5358, 31.5353))
    assert c.uncertainty.radius_m > 15_000


def test_block_list_evacuation_order() -> None:
    text = (
        "Urgent warning to residents of Khan Younis: residents of blocks 55, 56 and 62 must evacuate "
        "immediately towards the shelters in Rafah."
    )
    [c] = parse(text, published="2023-12-02", source="IDF Arabic spokesperson")
    assert c.event_type == "evacuation_order"
    assert c.block_ids == ("55", "56", "62")
    assert c.uncertainty is not None and c.uncertainty.method == "block_list"
    assert c.placement is not None and c.placement.method == "block_list"
    from geo.blocks import BlockGrid

    union = BlockGrid.load().resolve(["55", "56", "62"]).geometry
    assert union is not None and c.geometry is not None and c.geometry.equals(union)
    assert km_from(c, KHAN_YOUNIS) < 3
    feature = claim_to_feature(c)
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["block_ids"] == ["55", "56", "62"]


def test_block_list_with_a_sub_block_is_approximate_and_says_so() -> None:
    text = "Evacuation order: the residents of areas numbered 2231.2 and 2232 in Deir al-Balah must leave now."
    [c] = parse(text, published="2024-08-16")
    assert c.event_type == "evacuation_order"
    assert c.block_ids == ("2231.2", "2232")
    assert "2231.2 (drawn as block 2231)" in (c.notes or "")


def test_block_list_in_a_following_sentence_joins_the_order() -> None:
    text = (
        "Warning to everyone in the centre of Rafah: move at once to the shelters. Blocks 1, 2 and 3 are a combat zone."
    )
    [c] = parse(text, published="2025-03-23")
    assert c.event_type == "evacuation_order" and c.block_ids == ("1", "2", "3")
    assert km_from(c, RAFAH) < 2


def test_no_event_and_empty_texts() -> None:
    assert parse("", published="2024-01-01") == []
    assert parse("   \n\n ") == []
    assert parse("Prices of flour in Rafah have risen tenfold since January, traders said.") == []
    assert parse("The night in Nuseirat was quiet, residents said, and no strikes were reported.") == []


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_bytes_must_be_utf8() -> None:
    assert parse(b"Shells hit Rafah on Monday.", published="2024-01-10")
    with pytest.raises(InvalidInput, match=r"not valid UTF-8 \(byte 0xff at offset 6\)"):
        parse(b"Shells\xff hit Rafah.")


def test_binary_is_refused() -> None:
    with pytest.raises(InvalidInput, match="binary"):
        parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InvalidInput, match="binary"):
        check_text("".join(chr(i % 20 + 1) for i in range(500)))


def test_size_limit_is_a_parameter() -> None:
    with pytest.raises(InvalidInput, match="over the limit of 100 bytes"):
        parse("Shells hit Rafah. " * 10, max_bytes=100)
    with pytest.raises(InvalidInput, match="over the limit"):
        parse(b"x" * 101, max_bytes=100)


def test_bad_published_names_the_format() -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse("Shells hit Rafah.", published="12/01/2024")


def test_not_text_is_refused() -> None:
    with pytest.raises(InvalidInput, match="str or UTF-8 bytes"):
        parse(12345)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------


def test_geo_parse_is_the_function_however_the_modules_were_imported() -> None:
    import geo.parser as module

    claims = geo.parse("Shells hit Rafah on Monday.", published="2024-01-10")
    assert claims and isinstance(claims[0], Claim)
    assert geo.parse is module.parse
    assert callable(geo.mentions)


def test_mention_feature_properties() -> None:
    [m] = [m for m in geo.mentions("Shells hit Rafah.") if m.place_text == "Rafah"]
    f = mention_to_feature(m)
    assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
    for key in (
        "place_text",
        "place_name",
        "gazetteer_id",
        "start",
        "end",
        "uncertainty_m",
        "confidence",
        "alternatives",
    ):
        assert key in f["properties"]
    assert (f["properties"]["start"], f["properties"]["end"]) == (11, 16)


def test_talks_are_placed_where_they_are_held() -> None:
    text = (
        "CIA Director William Burns and Qatar's prime minister met Egyptian officials in Cairo on Tuesday to discuss "
        "a ceasefire in Gaza, Egyptian security sources said."
    )
    [c] = parse(text, published="2024-02-13")
    assert c.event_type == "negotiation" and c.place_name is not None and "Cairo" in c.place_name
    text = "Qatar's foreign ministry said in Doha on Monday that an agreement had been reached to extend the truce."
    [c] = parse(text, published="2023-11-27")
    assert c.event_type == "negotiation" and c.claimant == "Qatar foreign ministry"
    assert c.place_name is not None and "Doha" in c.place_name


def test_the_statement_day_is_not_the_event_day() -> None:
    text = (
        "The Israeli military said on Thursday that Hamas leader Yahya Sinwar was killed by troops in Rafah "
        "on Wednesday."
    )
    [c] = parse(text, published="2024-10-17")
    assert c.valid_from == datetime(2024, 10, 16, tzinfo=UTC)


def test_a_later_paragraph_going_back_over_an_event_does_not_count_it_twice() -> None:
    text = (
        "Israeli strikes on Rafah killed 20 people on Monday, medics said.\n\n"
        "The strikes in Rafah hit two houses near the main mosque, residents said. Thirty people were wounded.\n\n"
        "Separately, shells hit Khan Younis."
    )
    claims = claims_from_mentions(text, hand_mentions(text), published="2024-02-13", source="Wire")
    assert [(c.event_type, c.place_text) for c in claims] == [("airstrike", "Rafah"), ("shelling", "Khan Younis")]
    rafah = claims[0]
    assert rafah.fatalities is not None and rafah.fatalities.best == 20
    assert rafah.injured is not None and rafah.injured.best == 30
    assert rafah.claimant == "medics" and claims[1].claimant == "Wire"


def test_an_unknown_place_next_to_a_known_one_is_noted() -> None:
    text = "Shells hit the village of Nowhere near Rafah on Monday, residents said."
    nowhere = Mention(place_text="Nowhere", start=text.index("Nowhere"), end=text.index("Nowhere") + 7, confidence=0.1)
    mentions = sorted([nowhere, *hand_mentions(text)], key=lambda m: m.start)
    [c] = claims_from_mentions(text, mentions, published="2024-01-10")
    assert c.place_text == "Rafah"
    assert "not in the gazetteer: 'Nowhere'" in (c.notes or "")


def test_a_strip_wide_toll_is_not_placed_at_the_next_place_named() -> None:
    text = (
        "Between the afternoon of 12 March and 14:00 on 13 March, according to the Ministry of Health in Gaza, "
        "69 Palestinians were killed and 102 injured. On 12 March, a UNRWA food distribution centre in eastern "
        "Rafah was hit, killing one staff member and injuring 22 others, UNRWA said.\n\n"
        "On 11 March, the Israeli military ordered residents of blocks 2220 to 2225 in Al Bureij to move to "
        "shelters in Deir al Balah."
    )
    toll, rafah, order = parse(text, published="2024-03-13", source="UN OCHA")
    assert toll.geometry is None and toll.fatalities is not None and toll.fatalities.best == 69
    assert (toll.valid_from.date().isoformat(), toll.valid_to.date().isoformat()) == ("2024-03-12", "2024-03-13")
    assert rafah.place_text == "Rafah" and rafah.claimant == "UNRWA"
    assert rafah.fatalities is not None and rafah.fatalities.best == 1
    assert order.event_type == "evacuation_order" and order.place_text == "blocks 2220 to 2225"
    assert order.block_ids == ("2220", "2221", "2222", "2223", "2224", "2225")
    assert order.claimant == "Israeli military"  # an order's claimant is the body that issues it, not the reporter
