"""GeoJSON import: sitmap's own exports round-trip byte for byte; bad features named by index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from geo.errors import InvalidInput
from geo.model import CountEstimate, Placement
from layers.export import iter_geojson
from layers.importers.common import ImportFailed
from layers.importers.geojson import import_geojson, parse_mapping, records_from_geojson
from layers.model import Report, Source, content_sha256
from layers.store import open_store
from layers.store.base import ClaimQuery, ZoneQuery
from layers.testing import assert_layer_equal, make_claim, make_zone

CW = Polygon([(34.40, 31.40), (34.40, 31.45), (34.45, 31.45), (34.45, 31.40)])  # clockwise on purpose


def sample_claims() -> list:
    return [
        make_claim(
            "c-1",
            lon=34.306123456789,
            lat=31.345678912345,
            fatalities=12,
            place_name="Khan Younis",
            notes="reviewer: checked against a second outlet",
            placement=Placement(method="gazetteer", place_text="Khan Younis", qualifier=None),
        ),
        make_claim(
            "c-2",
            event_type="shelling",
            days=7,
            region=CW,
            radius_m=3000,
            claimant="Witnesses \u202eRTL\u200b",
            injured=CountEstimate(low=24, best=36, high=99, text="dozens"),
        ),
        make_claim("c-3", lon=None, day=None, source="Agency"),
        make_claim("c-4", event_type="negotiation", lon=51.53, lat=25.29, status="disputed", block_ids=("5", "37.1")),
    ]


def sample_zones() -> list:
    return [make_zone("z-1", block_ids=("5", "6"), title="Order of 1 Dec", stated_area_km2=20.0, flags=("mismatch",))]


def export_bytes(store, *, include_region: bool = False) -> bytes:
    claims = store.query_claims(ClaimQuery(statuses=("reported", "corroborated", "disputed", "retracted"))).items
    zones = store.query_zones(ZoneQuery(include_retracted=True)).items
    return b"".join(iter_geojson([*claims, *zones], include_region=include_region))


@pytest.mark.parametrize("include_region", [False, True])
def test_read_back_exports_the_same_bytes(include_region: bool) -> None:
    data = b"".join(iter_geojson([*sample_claims(), *sample_zones()], include_region=include_region))
    claims, zones, errors = records_from_geojson(json.loads(data))
    assert errors == []
    assert b"".join(iter_geojson([*claims, *zones], include_region=include_region)) == data


def test_store_round_trip_is_byte_stable(tmp_path: Path, store) -> None:
    store.add_claims(sample_claims())
    store.add_zones(sample_zones())
    first = export_bytes(store)
    path = tmp_path / "export.geojson"
    path.write_bytes(first)

    again = import_geojson(store, path)  # re-import into the same store: nothing changes
    assert (again.inserted, again.updated, again.unchanged, again.error_count) == (0, 0, 5, 0)
    assert export_bytes(store) == first
    assert store.get_claim("c-1").notes == "reviewer: checked against a second outlet"  # kept, not exported
    assert store.get_claim("c-2").injured.text == "dozens"

    other = open_store(tmp_path / "other.gpkg")
    try:
        fresh = import_geojson(other, path)
        assert (fresh.inserted, fresh.error_count) == (5, 0)
        second = export_bytes(other)
        ignore = ("recorded_at", "superseded_at", "version")
        assert_layer_equal(json.loads(first)["features"], json.loads(second)["features"], ignore=ignore)
        path2 = tmp_path / "export2.geojson"
        path2.write_bytes(second)
        assert import_geojson(other, path2).unchanged == 5
        assert export_bytes(other) == second  # export -> import -> export: byte for byte
    finally:
        other.close()


def test_changed_feature_becomes_new_version(tmp_path: Path, store) -> None:
    store.add_claims(sample_claims())
    doc = json.loads(export_bytes(store))
    doc["features"][0]["properties"]["fatalities"] = 15
    result = import_geojson(store, doc)
    assert (result.updated, result.unchanged) == (1, 3)
    changed_id = doc["features"][0]["id"]
    history = store.claim_history(changed_id)
    assert [h.version for h in history] == [1, 2]
    assert history[-1].fatalities.best == 15


def test_bad_features_are_named_and_good_ones_kept(store) -> None:
    good = json.loads(b"".join(iter_geojson(sample_claims()[:2])))["features"]
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    bad = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [200, 31]},
            "properties": {**good[0]["properties"], "id": "b-range"},
        },
        {"type": "Feature", "geometry": None, "properties": {"event_type": "bombing", "id": "b-type"}},
        {
            "type": "Feature",
            "geometry": bowtie,
            "properties": {
                "order_type": "evacuate",
                "issuer": "X",
                "effective_from": "2023-12-01T00:00:00Z",
                "id": "b-bowtie",
            },
        },
        {"type": "Feature", "geometry": None, "properties": {"name": "what am I"}},
        {"type": "Feature", "geometry": None, "properties": {"claim_ids": ["c-1"], "event_type": "airstrike"}},
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [34.4, 31.5]},
            "properties": {"event_type": "airstrike", "id": "b-unc"},
        },
        "not a feature",
        good[0],
    ]
    doc = {"type": "FeatureCollection", "features": [good[0], *bad, good[1]]}
    with pytest.raises(ImportFailed) as err:
        import_geojson(store, doc, strict=True)
    assert "nothing stored" in str(err.value)
    assert store.query_claims(ClaimQuery()).total == 0
    result = import_geojson(store, doc)
    assert result.inserted == 2 and result.error_count == 8
    reasons = {e.line: str(e) for e in result.errors}
    assert "longitude out of range" in reasons[1] and "(b-range)" in reasons[1]
    assert "event_type" in reasons[2]
    assert "not valid" in reasons[3] and "Self-intersection" in reasons[3]
    assert "neither a claim" in reasons[4]
    assert "incident" in reasons[5]
    assert "uncertainty_m" in reasons[6]
    assert "not a GeoJSON Feature" in reasons[7]
    assert "appears twice" in reasons[8]
    repaired = import_geojson(store, {"type": "FeatureCollection", "features": [bad[2]]}, repair=True)
    assert repaired.inserted == 1 and store.get_zone("b-bowtie").geometry.is_valid


def test_features_without_ids_get_stable_ids(store) -> None:
    feature = json.loads(b"".join(iter_geojson(sample_claims()[:1])))["features"][0]
    feature.pop("id")
    feature["properties"].pop("id")
    doc = {"type": "FeatureCollection", "features": [feature]}
    assert import_geojson(store, doc).inserted == 1
    assert import_geojson(store, doc).unchanged == 1
    assert store.query_claims(ClaimQuery()).total == 1


def test_unknown_report_is_dropped_with_notice(tmp_path: Path, store) -> None:
    src = Source(name="Example Wire")
    report = Report(source_id=src.id, content_sha256=content_sha256("a report text"))
    store.add_sources([src])
    store.add_reports([report])
    store.add_claims([make_claim("c-r", report_id=report.id)])
    doc = json.loads(export_bytes(store))
    assert import_geojson(store, doc).unchanged == 1  # same store: the report is known
    other = open_store(tmp_path / "o.gpkg")
    try:
        result = import_geojson(other, doc)
        assert result.inserted == 1 and "report_id was left empty" in result.notices[0]
        assert other.get_claim("c-r").report_id is None
    finally:
        other.close()


def test_foreign_geojson_points_and_3d(store) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [34.45, 31.5, 12.0]},
                "properties": {"event_type": "airstrike", "geo_precision": 2, "claimant": "X", "source": "Y"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [list(CW.exterior.coords)]},
                "properties": {"event_type": "shelling", "claimant": "X", "source": "Y"},
            },
        ],
    }
    result = import_geojson(store, doc, allow_undated=True)
    assert result.inserted == 2, result.errors
    assert result.undated == 2
    recs = store.query_claims(ClaimQuery()).items
    point = next(r for r in recs if r.event_type == "airstrike")
    assert not point.geometry.has_z and point.uncertainty.geo_precision == 2
    area = next(r for r in recs if r.event_type == "shelling")
    assert area.uncertainty.region is not None and area.uncertainty.radius_m > 2000


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (b"{not json", "not JSON"),
        (b'{"type": "Point", "coordinates": [0, 0]}', "'Point'"),
        (b"[1, 2]", "not a GeoJSON object"),
    ],
)
def test_unreadable_files(tmp_path: Path, store, text: bytes, fragment: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_bytes(text)
    with pytest.raises(InvalidInput, match=fragment):
        import_geojson(store, path)
    with pytest.raises(InvalidInput, match="no such file"):
        import_geojson(store, tmp_path / "missing.geojson")


def foreign_feature(**props: object) -> dict:
    base = {"event_type": "airstrike", "claimant": "X", "source": "Y", "uncertainty_m": 250.0}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [34.45, 31.5]},
        "properties": {**base, **props},
    }


def test_a_claim_without_its_date_column_is_an_error_naming_row_and_field(store) -> None:
    doc = {"type": "FeatureCollection", "features": [foreign_feature(event_date="2023-12-01T00:00:00Z")]}
    result = import_geojson(store, doc)
    assert result.inserted == 0 and result.error_count == 1
    assert str(result.errors[0]).startswith("feature 0: no valid_from property")
    assert "--map valid_from=" in str(result.errors[0])
    assert store.query_claims(ClaimQuery()).total == 0


def test_map_names_the_files_columns_and_unmapped_ones_are_reported(store) -> None:
    feats = [
        foreign_feature(id=f"f-{i}", event_date="2023-12-01T00:00:00Z", end="2023-12-01T23:59:59Z", colour="red")
        for i in range(3)
    ]
    for f in feats:
        f["properties"]["time_precision"] = "day"
    doc = {"type": "FeatureCollection", "features": feats}
    result = import_geojson(store, doc, mapping=parse_mapping("valid_from=event_date,valid_to=end"))
    assert result.inserted == 3, result.errors
    assert result.unmapped == {"colour": 3}
    assert result.columns["event_date"] == "valid_from (--map)" and result.columns["colour"] is None
    assert "colour (3)" in result.summary()
    assert store.get_claim("f-0").valid_from.isoformat() == "2023-12-01T00:00:00+00:00"


def test_allow_undated_stores_the_gap_and_counts_it(store) -> None:
    doc = {"type": "FeatureCollection", "features": [foreign_feature(id="u-1")]}
    assert import_geojson(store, doc).error_count == 1
    result = import_geojson(store, doc, allow_undated=True)
    assert (result.inserted, result.undated) == (1, 1)
    assert "1 stored without a time" in result.summary()
    assert store.get_claim("u-1").valid_from is None


def test_the_files_precision_codes_are_kept_and_disagreement_counted(store) -> None:
    # 250 m from coordinates derives geo_precision 1, where_prec 1; the file says 2 and 3.
    feature = foreign_feature(id="p-1", geo_precision=2, where_prec=3, valid_from=None, time_precision="unknown")
    result = import_geojson(store, {"type": "FeatureCollection", "features": [feature]})
    assert result.inserted == 1, result.errors
    unc = store.get_claim("p-1").uncertainty
    assert (unc.geo_precision, unc.where_prec) == (2, 3)
    assert result.warnings == {"geo_precision": 1, "where_prec": 1}
    only_gp = foreign_feature(id="p-2", geo_precision=3, valid_from=None, time_precision="unknown")
    import_geojson(store, {"type": "FeatureCollection", "features": [only_gp]})
    assert store.get_claim("p-2").uncertainty.geo_precision == 3  # not overwritten from the radius


def test_dry_run_stores_nothing_and_says_what_each_column_becomes(store) -> None:
    doc = {"type": "FeatureCollection", "features": [foreign_feature(id="d-1", when="2023-12-01T00:00:00Z")]}
    result = import_geojson(store, doc, mapping={"valid_from": "when"}, dry_run=True)
    assert result.dry_run and store.query_claims(ClaimQuery()).total == 0
    assert result.columns == {
        "event_type": "event_type",
        "claimant": "claimant",
        "source": "source",
        "uncertainty_m": "uncertainty_m",
        "id": "id",
        "when": "valid_from (--map)",
    }
    assert result.summary().startswith("dry run, nothing stored")


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_streamed_reading_matches_a_whole_file_parse(tmp_path: Path, monkeypatch, chunk: int) -> None:
    import layers.importers.geojson as gj

    monkeypatch.setattr(gj, "CHUNK_CHARS", chunk)
    data = b"".join(iter_geojson([*sample_claims(), *sample_zones()], include_region=True))
    # members after "features", a BOM, pretty-printing and numbers split across chunks
    doc = json.loads(data)
    doc = {"features": doc["features"], "numberMatched": 123456789, "type": "FeatureCollection"}
    path = tmp_path / "x.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, indent=2).encode())
    assert gj.load_geojson(path) == doc["features"]
    claims, zones, errors = records_from_geojson(path)
    assert (len(claims), len(zones), errors) == (4, 1, [])


@pytest.mark.parametrize("chunk", [1, 5, 64, 1 << 20])
def test_streamed_elements_give_each_value_and_its_exact_text(monkeypatch, chunk: int) -> None:
    """The array loop's texts (what the re-import digest hashes) are each element's text, across chunk ends."""
    import io

    import layers.importers.geojson as gj

    monkeypatch.setattr(gj, "CHUNK_CHARS", chunk)
    items = ['{"a": [1, 2], "b": "x,]"}', "12345", '"q\\\\"', "[ ]", '{"c":{"d":null}}', "-7"]
    text = '{"type": "FeatureCollection", "features": [ ' + " ,\n ".join(items) + "\n ] }"
    got = list(gj.iter_features(gj._JsonStream(io.StringIO(text), "t")))
    assert got == [(json.loads(item), item) for item in items]
    for bad, found in (('[{"a": 1} {"b": 2}]', "'{'"), ('[{"a": 1},', "the end of the file"), ("[1 }", "'}'")):
        stream = gj._JsonStream(io.StringIO('{"type": "FeatureCollection", "features": ' + bad + "}"), "t")
        with pytest.raises(InvalidInput, match=f"expected ',' or ']' in features, found {found}|is not JSON"):
            list(gj.iter_features(stream))


def test_map_refuses_unknown_properties() -> None:
    with pytest.raises(InvalidInput, match="not a property sitmap reads"):
        parse_mapping("when=event_date")
    with pytest.raises(InvalidInput, match="PROPERTY=COLUMN"):
        parse_mapping("valid_from")


def test_cli_map_dry_run_and_allow_undated(tmp_path: Path, capsys) -> None:
    from api.cli import main

    feature = foreign_feature(id="k-1", event_date="2023-12-01T00:00:00Z", colour="red", time_precision="day")
    feature["properties"]["end"] = "2023-12-01T23:59:59Z"
    path = tmp_path / "foreign.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    db = str(tmp_path / "s.gpkg")
    assert (
        main(["import", "geojson", str(path), "--db", db, "--map", "valid_from=event_date,valid_to=end", "--dry-run"])
        == 0
    )
    out = capsys.readouterr().out
    assert "event_date -> valid_from (--map)" in out and "colour -> nothing" in out
    assert out.strip().splitlines()[-1].startswith("dry run, nothing stored") and not Path(db).exists()
    assert main(["import", "geojson", str(path), "--db", db]) == 0
    captured = capsys.readouterr()
    assert "feature 0 (k-1): no valid_from property" in captured.err and "0 new" in captured.out
    assert (
        main(["import", "geojson", str(path), "--db", db, "--map", "valid_from=event_date", "--map", "valid_to=end"])
        == 0
    )
    assert "1 new" in capsys.readouterr().out
    assert main(["import", "geojson", str(path), "--db", db, "--map", "when=event_date"]) == 2


def test_reimport_skips_unchanged_features_by_digest_until_the_record_changes(tmp_path: Path, store) -> None:
    store.add_claims(sample_claims())
    store.add_zones(sample_zones())
    path = tmp_path / "export.geojson"
    path.write_bytes(export_bytes(store))
    first = import_geojson(store, path)  # the stored records are the file's: unchanged, digests recorded
    assert (first.unchanged, first.skipped) == (5, 0)
    again = import_geojson(store, path)
    assert (again.inserted, again.updated, again.unchanged, again.skipped, again.error_count) == (0, 0, 5, 5, 0)
    store.update_claim("c-1", {"place_name": "edited by a reviewer"})
    after_edit = import_geojson(store, path)  # the edit made c-1's digest stale: the file's version returns
    assert (after_edit.updated, after_edit.skipped) == (1, 4)
    assert store.get_claim("c-1").place_name == "Khan Younis"
    mapped = import_geojson(store, path, mapping={"quote": "place_text"})  # other options: read afresh
    assert mapped.skipped == 0


def _one_per_line(features: list[dict]) -> str:
    """A FeatureCollection with one feature a line, as sitmap's exports and most writers lay it out."""
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(json.dumps(f) for f in features) + "\n]}\n"


def test_reimport_reads_no_unchanged_feature_yet_reports_its_columns(tmp_path: Path, store, monkeypatch) -> None:
    """Features the store knows by digest are skipped undecoded; their unmapped columns are still counted."""
    features = [
        foreign_feature(id=f"k-{n}", colour="red", valid_from="2023-12-01", valid_to="2023-12-01") for n in range(7)
    ]
    features[3]["properties"]["size"] = "big"  # a second set of property names
    path = tmp_path / "foreign.geojson"
    path.write_text(_one_per_line(features), encoding="utf-8")
    first = import_geojson(store, path)
    assert (first.inserted, first.error_count) == (7, 0), first.errors
    assert first.unmapped == {"colour": 7, "size": 1}

    decoded: list[str] = []
    original = json.JSONDecoder.raw_decode

    def counting(self, s, idx=0):
        obj, end = original(self, s, idx)
        decoded.append(s[idx:end])
        return obj, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    again = import_geojson(store, path)
    assert (again.inserted, again.unchanged, again.skipped, again.error_count) == (0, 7, 7, 0)
    assert again.unmapped == first.unmapped and again.columns == first.columns
    assert not [text for text in decoded if '"Feature"' in text]  # no feature was decoded

    # digests recorded without their names (by an older sitmap) are still skipped, their names read
    store._fetch("SELECT 1")  # the store's connection is open
    if store.backend == "gpkg":
        with store._conn() as conn:
            conn.execute("UPDATE sitmap_import_digests SET keyset = NULL")
    else:
        store._run(lambda tx: tx.run("UPDATE sitmap_import_digests SET keyset = NULL"), write=True)
    older = import_geojson(store, path)
    assert (older.unchanged, older.skipped, older.unmapped) == (7, 7, first.unmapped)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_recognised_lines_are_only_trusted_where_they_are_whole_elements(monkeypatch, chunk: int) -> None:
    """A prefilter recognising any whole JSON value (as a digest taken of one would): only those lines are skipped."""
    import io

    import layers.importers.geojson as gj

    monkeypatch.setattr(gj, "CHUNK_CHARS", chunk)
    items = ['{"a": 1}', '{"b": "x,]}"}', '{"c": 3}', '{"d"\n: 4}', '{"e": {"f": 5}}', '{"g": 6}', '{"h": 7}']
    # one a line; two on a line; one over two lines; a comma on a line of its own; tabs and CRs
    text = (
        '{"type": "FeatureCollection", "features": [\n'
        f" {items[0]},\n{items[1]}, {items[2]},\n{items[3]}\n,\t{items[4]},\r\n"
        f"\t{items[5]} ,\r\n{items[6]}\n]}}"
    )
    asked: list[str] = []

    def everything(texts: list[str]) -> dict[int, str]:
        asked.extend(texts)
        out = {}
        for n, t in enumerate(texts):
            try:
                json.loads(t)
            except ValueError:
                continue
            out[n] = "known"
        return out

    stream = gj._JsonStream(io.StringIO(text), "t")
    stream.skip_known(everything)
    got = list(gj.iter_features(stream))
    assert [t for _, t in got] == items
    assert all(obj == json.loads(item) for obj, item in got if obj != "known")
    # recognised: only elements alone on the rest of their line (c follows b only on a cut buffer)
    known = {t for obj, t in got if obj == "known"}
    assert known <= {items[0], items[2], items[5], items[6]} and known <= set(asked)
    if chunk > 64:
        assert known == {items[0], items[5], items[6]}


def test_a_plain_end_date_is_the_end_of_that_day_not_its_first_instant(store) -> None:
    """5-7 January written as dates covers the 7th: read as midnight, the last day would be lost."""
    feature = foreign_feature(id="w-1", valid_from="2024-01-05", valid_to="2024-01-07", time_precision="day")
    result = import_geojson(store, {"type": "FeatureCollection", "features": [feature]})
    assert result.inserted == 1, result.errors
    claim = store.get_claim("w-1")
    assert claim.valid_from.isoformat() == "2024-01-05T00:00:00+00:00"
    assert (claim.valid_to.date().isoformat(), claim.valid_to.hour, claim.valid_to.minute) == ("2024-01-07", 23, 59)
    noon = claim.valid_to.replace(hour=12, minute=0)
    assert [c.id for c in store.query_claims(ClaimQuery(start=noon, end=noon)).items] == ["w-1"]


def test_a_given_precision_is_kept_when_the_dates_are_plain(store) -> None:
    feature = foreign_feature(id="w-2", valid_from="2024-01-01", valid_to="2024-01-31", time_precision="month")
    assert import_geojson(store, {"type": "FeatureCollection", "features": [feature]}).inserted == 1
    assert store.get_claim("w-2").time_precision == "month"
