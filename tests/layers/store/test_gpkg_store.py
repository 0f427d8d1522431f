"""GeoPackage store: file format, GDAL interop, refusing foreign files, crashes, concurrent writers."""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

from geo.errors import InvalidInput, StoreError
from layers.store import ClaimQuery, open_store
from layers.store.gpkg import GpkgStore, geometry_blob, gpkg_decode, register_functions
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def filled(gpkg_path: Path, make_claim, make_zone) -> Path:
    """A store with three claims (one edited, one unlocated) and one zone."""
    s = GpkgStore(gpkg_path)
    s.init()
    s.add_claims(
        [
            make_claim("a", x=34.30, y=31.30, fatalities=None),
            make_claim("b", x=34.50, y=31.55),
            make_claim("c", geometry=None, uncertainty=None),
        ]
    )
    s.update_claim("a", {"claimant": "Israeli military"})
    s.add_zones([make_zone("z1", bounds=(34.40, 31.45, 34.52, 31.56))])
    s.close()
    return gpkg_path


# --------------------------------------------------------------------------------------
# The file is a GeoPackage 1.3
# --------------------------------------------------------------------------------------


def test_file_is_a_geopackage_1_3(filled: Path) -> None:
    with open(filled, "rb") as f:
        head = f.read(100)
    assert head[:16] == b"SQLite format 3\x00"
    assert struct.unpack(">i", head[68:72])[0] == 0x47504B47  # application_id "GPKG"
    assert struct.unpack(">i", head[60:64])[0] == 10300  # user_version
    conn = sqlite3.connect(filled)
    try:
        srs = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        assert {-1, 0, 4326} <= srs
        contents = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
        assert contents["claims"] == "features" and contents["zones"] == "features"
        assert contents["sources"] == "attributes"
        ext = conn.execute("SELECT table_name, column_name, extension_name, scope FROM gpkg_extensions").fetchall()
        assert ("claim_versions", "geom", "gpkg_rtree_index", "write-only") in ext
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")


def test_gdal_geopackage_validator_finds_nothing(filled: Path, make_report, reuters) -> None:
    """GDAL's validate_gpkg.py (python3-gdal), strict: extra content checks, warnings are errors."""
    if not VALIDATOR.exists() or not Path("/usr/bin/python3").exists():
        pytest.skip("GDAL's validate_gpkg.py (Debian python3-gdal) is not installed")
    s = GpkgStore(filled)
    s.add_sources([reuters])
    s.add_reports([make_report(published_at=datetime(2023, 12, 1, tzinfo=UTC))])
    s.close()
    res = subprocess.run(
        ["/usr/bin/python3", str(VALIDATOR), "--extra", "--warning-as-error", str(filled)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_geometry_blobs_have_the_gpkg_header_with_envelope() -> None:
    blob = geometry_blob(box(34.2, 31.2, 34.6, 31.6))
    magic, version, flags, srs = struct.unpack_from("<2sBBi", blob)
    assert (magic, version, srs) == (b"GP", 0, 4326)
    assert flags & 1 == 1 and (flags >> 1) & 7 == 1  # little-endian, XY envelope
    assert struct.unpack_from("<4d", blob, 8) == (34.2, 34.6, 31.2, 31.6)  # minx, maxx, miny, maxy
    assert gpkg_decode([blob, None])[0].equals(box(34.2, 31.2, 34.6, 31.6))


def test_rtree_follows_every_version_and_raw_sql_edits(filled: Path) -> None:
    conn = sqlite3.connect(filled)
    register_functions(conn)  # the spec's triggers call ST_IsEmpty / ST_MinX ...: as in GDAL and QGIS
    try:
        n_geoms = conn.execute("SELECT count(*) FROM claim_versions WHERE geom IS NOT NULL").fetchone()[0]
        assert n_geoms == 3  # a v1, a v2, b
        assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom").fetchone()[0] == n_geoms
        fid = conn.execute("SELECT fid FROM claim_versions WHERE id = 'b'").fetchone()[0]
        conn.execute("UPDATE claim_versions SET geom = ? WHERE fid = ?", (geometry_blob(Point(34.21, 31.21)), fid))
        conn.commit()
        row = conn.execute(
            "SELECT minx, maxx, miny, maxy FROM rtree_claim_versions_geom WHERE id = ?", (fid,)
        ).fetchone()
        assert row == pytest.approx((34.21, 34.21, 31.21, 31.21), abs=1e-5)
        conn.execute("UPDATE claim_versions SET geom = NULL WHERE fid = ?", (fid,))
        conn.commit()
        assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom WHERE id = ?", (fid,)).fetchone()[0] == 0
    finally:
        conn.close()


def test_bulk_batch_fills_the_rtree_and_keeps_the_trigger(gpkg_path: Path, make_claim) -> None:
    s = GpkgStore(gpkg_path)
    claims = [make_claim(f"bulk-{i:04d}", x=34.2 + i * 0.0004, y=31.2 + i * 0.0004) for i in range(600)]
    claims.append(make_claim("bulk-unlocated", geometry=None, uncertainty=None))
    s.add_claims(claims)
    s.add_claims([make_claim("single", x=34.25, y=31.25)])  # small batch: through the trigger
    conn = s._conn()
    assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom").fetchone()[0] == 601
    trig = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_claim%'")
    assert trig.fetchone()[0] == 6
    got = s.query_claims(ClaimQuery(bbox=(34.2, 31.2, 34.2401, 31.2401)))
    assert [c.id for c in got.items] == [f"bulk-{i:04d}" for i in range(101)]
    assert got.total == 101
    s.close()


# --------------------------------------------------------------------------------------
# GDAL sees the layers
# --------------------------------------------------------------------------------------


def test_gdal_lists_claims_and_zones_with_fields_count_and_extent(filled: Path) -> None:
    layers = dict(pyogrio.list_layers(filled))
    assert {"claims", "zones", "claim_versions", "zone_versions"} <= set(layers)
    assert layers["zones"] == "Unknown"  # Polygon or MultiPolygon: declared GEOMETRY, as the spec requires
    info = pyogrio.read_info(filled, layer="claims", force_feature_count=True, force_total_bounds=True)
    assert info["features"] == 3  # current versions only
    assert info["crs"] == "EPSG:4326"
    for field in (
        "id",
        "version",
        "event_type",
        "status",
        "claimant",
        "source",
        "uncertainty_m",
        "geo_precision",
        "where_prec",
        "valid_from",
        "valid_to",
        "time_precision",
        "recorded_at",
        "superseded_at",
    ):
        assert field in list(info["fields"]), field
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["valid_from"] == "OFTDateTime" and types["uncertainty_m"] == "OFTReal"
    assert tuple(info["total_bounds"]) == pytest.approx((34.30, 31.30, 34.50, 31.55))
    versions = pyogrio.read_info(filled, layer="claim_versions", force_feature_count=True)
    assert versions["features"] == 4
    zinfo = pyogrio.read_info(filled, layer="zones", force_feature_count=True, force_total_bounds=True)
    assert zinfo["features"] == 1
    assert tuple(zinfo["total_bounds"]) == pytest.approx((34.40, 31.45, 34.52, 31.56))


def test_gdal_reads_the_values_without_warnings(filled: Path, recwarn: pytest.WarningsRecorder) -> None:
    df = pyogrio.read_dataframe(filled, layer="claims")
    assert [w for w in recwarn if "Non-conformant" in str(w.message)] == []
    row = df.set_index("id").loc["a"]
    assert row["claimant"] == "Israeli military" and row["version"] == 2
    assert str(row["valid_from"]).startswith("2023-12-01 00:00:00")
    assert row.geometry.equals(Point(34.30, 31.30))
    # GDAL's own spatial filter goes through the R-tree of the versions table
    sub = pyogrio.read_dataframe(filled, layer="claim_versions", bbox=(34.29, 31.29, 34.31, 31.31))
    assert sorted(sub["version"]) == [1, 2]


def test_ogrinfo_summary(filled: Path) -> None:
    require(shutil.which("ogrinfo") is not None, "GDAL's ogrinfo is not installed")
    out = subprocess.run(["ogrinfo", "-al", "-so", str(filled)], capture_output=True, text=True, check=True).stdout
    assert "Layer name: claims" in out and "Layer name: zones" in out
    assert "Extent: (34.300000, 31.300000) - (34.500000, 31.550000)" in out
    assert "valid_from: DateTime" in out


def test_store_still_works_after_gdal_wrote_into_the_file(filled: Path, make_claim) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"note": ["checkpoint"]}, geometry=[Point(34.4, 31.4)], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, filled, layer="analyst_notes", driver="GPKG", append=False)
    s = open_store(filled)
    try:
        s.add_claims([make_claim("after-gdal", x=34.41, y=31.41)])
        assert s.query_claims(ClaimQuery(bbox=(34.40, 31.40, 34.42, 31.42))).total == 1
    finally:
        s.close()
    assert "analyst_notes" in dict(pyogrio.list_layers(filled))


# --------------------------------------------------------------------------------------
# Refusing what is not a sitmap store
# --------------------------------------------------------------------------------------


def test_text_file_is_not_a_geopackage(tmp_path: Path) -> None:
    p = tmp_path / "notes.gpkg"
    p.write_text("this is not a database, just some text that happens to end in .gpkg\n" * 20)
    with pytest.raises(StoreError, match="is not a GeoPackage"):
        open_store(p)


def test_plain_sqlite_database_is_not_a_geopackage(tmp_path: Path) -> None:
    p = tmp_path / "other.gpkg"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"is not a GeoPackage \(SQLite application_id 0x0"):
        open_store(p)


def test_foreign_geopackage_is_refused_not_modified(tmp_path: Path) -> None:
    import geopandas as gpd

    p = tmp_path / "roads.gpkg"
    gdf = gpd.GeoDataFrame({"name": ["Salah al-Din"]}, geometry=[LineString([(34.3, 31.3), (34.4, 31.4)])], crs=4326)
    pyogrio.write_dataframe(gdf, p, layer="roads", driver="GPKG")
    before = p.read_bytes()
    with pytest.raises(StoreError, match="is a GeoPackage but not a sitmap store"):
        open_store(p)
    assert p.read_bytes() == before


def test_newer_schema_is_refused(filled: Path) -> None:
    conn = sqlite3.connect(filled)
    conn.execute("UPDATE sitmap_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99, newer than this sitmap"):
        open_store(filled)


def test_missing_file_without_create_and_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "absent.gpkg", create=False)
    assert not (tmp_path / "absent.gpkg").exists()
    (tmp_path / "dir.gpkg").mkdir()
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path / "dir.gpkg")


# --------------------------------------------------------------------------------------
# Crashes and concurrent writers
# --------------------------------------------------------------------------------------

_CHILD_HELPERS = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime, timedelta
    from geo.model import Uncertainty
    from layers.model import ClaimRecord
    from layers.store.gpkg import GpkgStore

    U = Uncertainty(radius_m=500, geo_precision=1, where_prec=2, method="gazetteer")
    T0 = datetime(2023, 12, 1, tzinfo=UTC)

    def claims(prefix, n):
        return [
            ClaimRecord(id=f"{prefix}-{i:05d}", event_type="airstrike", claimant="c", source="s",
                        geometry={"type": "Point", "coordinates": [34.2 + (i % 400) * 1e-3, 31.2 + (i // 400) * 1e-3]},
                        uncertainty=U, valid_from=T0 + timedelta(hours=i), valid_to=T0 + timedelta(hours=i + 1),
                        time_precision="hour")
            for i in range(n)
        ]
    """
)


def _run_child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _CHILD_HELPERS + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=240,
    )


_KILL_CHILD = """
    path, size, mode, point = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = GpkgStore(path)
    store.init()
    conn = store._conn()
    ticks = [0]
    def tick():
        ticks[0] += 1
        if mode == "progress" and ticks[0] >= point:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0
    def trace(sql):
        if mode == "commit" and sql.strip().upper() == "COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)
    conn.set_progress_handler(tick, 20)
    conn.set_trace_callback(trace)
    store.add_claims(claims("victim", size))
    print(ticks[0])
"""


def _assert_intact_without_victims(path: Path, first_batch: int) -> None:
    conn = sqlite3.connect(path)
    register_functions(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM claim_versions WHERE id LIKE 'victim-%'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM claim_versions").fetchone()[0] == first_batch
        assert conn.execute("SELECT count(*) FROM rtree_claim_versions_geom").fetchone()[0] == first_batch
        trig = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_claim%'")
        assert trig.fetchone()[0] == 6  # the bulk path's dropped trigger came back with the rollback
    finally:
        conn.close()


@pytest.mark.parametrize("size", [40, 700], ids=["trigger-path", "bulk-path"])
def test_sigkill_mid_batch_leaves_store_readable_without_any_of_the_batch(tmp_path: Path, size: int) -> None:
    base = tmp_path / "base.gpkg"
    first = GpkgStore(base)
    first.add_claims([c.model_copy(update={"id": f"first-{i:05d}"}) for i, c in enumerate(_batch_like(30))])
    first.close()
    # a full run, to learn how many progress ticks the batch takes
    dry = tmp_path / "dry.gpkg"
    shutil.copy(base, dry)
    done = _run_child(_KILL_CHILD, str(dry), str(size), "none", "0")
    assert done.returncode == 0, done.stderr
    total_ticks = int(done.stdout.strip())
    assert total_ticks > 10
    points = sorted({1, total_ticks // 4, total_ticks // 2, (3 * total_ticks) // 4, total_ticks - 1})
    runs = [("progress", p) for p in points] + [("commit", 0)]
    for mode, point in runs:
        victim = tmp_path / f"victim-{mode}-{point}.gpkg"
        shutil.copy(base, victim)
        res = _run_child(_KILL_CHILD, str(victim), str(size), mode, str(point))
        assert res.returncode == -9, (mode, point, res.returncode, res.stderr[-500:])
        _assert_intact_without_victims(victim, 30)
        s = open_store(victim)  # still writable: the same batch goes in whole
        try:
            assert len(s.add_claims(_batch_like(size)).inserted) == size
            assert s.query_claims(ClaimQuery(limit=0)).total == 30 + size
        finally:
            s.close()


def _batch_like(n: int) -> list:
    from datetime import UTC, datetime, timedelta

    from geo.model import Uncertainty
    from layers.model import ClaimRecord

    u = Uncertainty(radius_m=500, geo_precision=1, where_prec=2, method="gazetteer")
    t0 = datetime(2023, 12, 1, tzinfo=UTC)
    return [
        ClaimRecord(
            id=f"victim-{i:05d}",
            event_type="airstrike",
            geometry=Point(34.3, 31.3),
            uncertainty=u,
            valid_from=t0,
            valid_to=t0 + timedelta(hours=1),
            time_precision="hour",
        )
        for i in range(n)
    ]


_WRITER_CHILD = """
    path, name = sys.argv[1], sys.argv[2]
    store = GpkgStore(path)
    store.init()
    for b in range(25):
        store.add_claims(claims(f"{name}-{b:02d}", 8))
        store.update_claim("shared", {"notes": f"{name} edit {b}"})
    print("ok")
"""


def test_two_processes_writing_at_once_every_write_lands_once(gpkg_path: Path, make_claim) -> None:
    s = GpkgStore(gpkg_path)
    s.add_claims([make_claim("shared")])
    s.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD_HELPERS + textwrap.dedent(_WRITER_CHILD), str(gpkg_path), name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        for name in ("p1", "p2")
    ]  # fmt: skip
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-2000:]
        assert out.strip() == "ok"
    s = open_store(gpkg_path)
    try:
        page = s.query_claims(ClaimQuery())
        names = [c.id for c in page.items]
        assert len(names) == len(set(names)) == 1 + 2 * 25 * 8
        hist = s.claim_history("shared")
        assert [h.version for h in hist] == list(range(1, 52))
        notes = {h.notes for h in hist[1:]}
        assert notes == {f"{n} edit {b}" for n in ("p1", "p2") for b in range(25)}
        for older, newer in itertools.pairwise(hist):
            assert older.superseded_at == newer.recorded_at
            assert older.recorded_at < newer.recorded_at
        assert hist[-1].superseded_at is None
    finally:
        s.close()


def test_threads_share_one_store(gpkg_path: Path, make_claim) -> None:
    from concurrent.futures import ThreadPoolExecutor

    s = GpkgStore(gpkg_path)
    s.add_claims([make_claim(f"t-{i}", day=i % 5) for i in range(20)])

    def read(i: int) -> int:
        return s.query_claims(ClaimQuery(limit=5, offset=i % 3)).total

    def write(i: int) -> str:
        return s.update_claim(f"t-{i}", {"notes": f"thread {i}"}).id

    with ThreadPoolExecutor(max_workers=4) as pool:
        totals = list(pool.map(read, range(20)))
        written = list(pool.map(write, range(20)))
    assert totals == [20] * 20 and sorted(written) == sorted(f"t-{i}" for i in range(20))
    assert all(s.get_claim(f"t-{i}").version == 2 for i in range(20))
    s.close()


def test_time_filter_still_finds_long_claims_in_a_store_without_the_span_record(gpkg_path: Path, make_claim) -> None:
    """The longest-interval record bounds time queries; a store without it must be measured, not guessed."""
    s = GpkgStore(gpkg_path)
    s.add_claims([make_claim("season", day=0, days=90, time_precision="month")])
    conn = s._conn()
    conn.execute("DELETE FROM sitmap_meta WHERE key = 'max_claim_span_us'")  # as written by an older sitmap
    q = ClaimQuery(start=datetime(2024, 2, 1, tzinfo=UTC))
    assert [c.id for c in s.query_claims(q).items] == ["season"]  # no record: no bound
    s.add_claims([make_claim("short", day=70)])  # the first write measures what is stored
    assert [c.id for c in s.query_claims(q).items] == ["season", "short"]
    span = conn.execute("SELECT value FROM sitmap_meta WHERE key = 'max_claim_span_us'").fetchone()[0]
    assert int(span) == 90 * 86_400_000_000 - 1
    s.close()


def test_writer_gives_up_with_store_busy_while_another_holds_the_lock(
    gpkg_path: Path, make_claim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.errors import StoreBusy
    from layers.store import gpkg as gpkg_module

    GpkgStore(gpkg_path).init()
    monkeypatch.setattr(gpkg_module, "BUSY_TIMEOUT_S", 0.05)
    blocker = sqlite3.connect(gpkg_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process's long write
    s = GpkgStore(gpkg_path)
    try:
        with pytest.raises(StoreBusy, match="stayed locked by another writer"):
            s.add_claims([make_claim("waiting")])
        assert s.query_claims(ClaimQuery()).total == 0  # readers are not blocked (WAL)
        blocker.execute("ROLLBACK")
        assert s.add_claims([make_claim("waiting")]).inserted == ["waiting"]
    finally:
        blocker.close()
        s.close()


def test_stable_ids_from_a_seed() -> None:
    from layers.store.base import new_claim_id, new_zone_id

    assert new_claim_id("acled:PSE12345") == new_claim_id("acled:PSE12345") != new_claim_id("acled:PSE12346")
    assert new_claim_id().startswith("c-") and new_claim_id() != new_claim_id()
    assert new_zone_id("idf:2023-12-01:5").startswith("z-")


def test_a_batch_that_changes_nothing_leaves_last_change_alone(gpkg_path: Path, make_claim) -> None:
    """GIS clients poll gpkg_contents.last_change: an idempotent re-import must not make it move."""
    store = GpkgStore(gpkg_path)
    batch = [make_claim(f"c-{i}") for i in range(3)]
    store.add_claims(batch)

    def stamps() -> list[tuple[str, str]]:
        with sqlite3.connect(gpkg_path) as conn:
            return conn.execute("SELECT table_name, last_change FROM gpkg_contents ORDER BY table_name").fetchall()

    before = stamps()
    time.sleep(0.01)  # last_change has millisecond resolution
    try:
        assert store.add_claims(batch).unchanged == ["c-0", "c-1", "c-2"]
        assert stamps() == before
        store.add_claims([make_claim("c-3")])
        assert stamps() != before
    finally:
        store.close()


@pytest.mark.parametrize("text", ["dbname=sitmap user=me", "host=127.0.0.1 dbname=x", " USER=me"])
def test_libpq_connection_string_is_refused_not_taken_for_a_file(tmp_path: Path, text: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput, match="libpq connection string; give PostGIS as a URL"):
        open_store(text)
    assert list(tmp_path.iterdir()) == []  # no stray GeoPackage named after it


def test_unsupported_store_url_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unsupported store URL"):
        open_store("https://example.org/store")
