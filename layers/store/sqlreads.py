"""Reads shared by the SQL backends: one implementation over a dialect and a fetch.

GpkgStore and PostgisStore differ in how they connect, write and filter by bbox; the
reads that only compose SQL from :mod:`layers.store.rows` and map rows back to records
are the same, and live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geo.contract import CLAIM_CSV_COLUMNS
from geo.errors import NotFound
from layers.model import ClaimRecord, Report, Source, Zone
from layers.store import rows as R
from layers.store.base import ClaimQuery, Page, ReportQuery, ZoneQuery
from layers.store.rows import encoded as E
from layers.store.rows import feature_sql as F

#: Matching rows a page counts at most for its ``numberMatched``: past this many the
#: number is left out (OGC API - Features allows it), so a page over a million claims
#: costs what its rows cost, not a count of everything it matches.
COUNT_BUDGET = 10_000
#: Rows written per statement while a download walks its matches by key.
WALK_CHUNK = 2000
#: Versions per block while a download reads kept texts (see :mod:`layers.store.rows.encoded`):
#: a block of GeoJSON is about 4 MB, few enough statements and sends to cost nothing.
ENCODED_CHUNK = 5000
#: Texts written by a download are kept this many at a time (each a short write transaction):
#: fewer, larger transactions rewrite fewer pages of the text table (SQLite) than one per block.
KEEP_ROWS = 25_000


@dataclass(frozen=True)
class FeatureTexts:
    """One page of claim features as GeoJSON texts (see :mod:`layers.store.rows.feature_sql`).

    ``total``: the number matched, exact, or ``None`` when more than the count budget
    matched (not counted); ``more``: whether rows follow this page.
    """

    texts: list[str]
    total: int | None
    more: bool


def bounded_total(
    cache: R.CountCache,
    clock: Callable[[], Any],
    key: tuple[Any, ...],
    count: Callable[[int], int],
    budget: int,
) -> int | None:
    """The exact total of a query if it is cached or at most ``budget``, else ``None``.

    ``count(n)`` counts matching rows, stopping after ``n``; an exact total is kept in
    ``cache`` under the write ``clock`` (see :class:`~layers.store.rows.CountCache`),
    and so is the budget a count overran, so the next page does not count again.
    """
    before = clock()
    hit = cache.get(key, before)
    if hit is not None:
        return hit
    over = ("over budget", *key)
    if budget <= 0 or (cache.get(over, before) or 0) >= budget:
        return None
    n = count(budget + 1)
    if clock() == before:
        cache.put(key if n <= budget else over, before, n if n <= budget else budget)
    return n if n <= budget else None


def last_page_total(page: Sequence[Any], limit: int | None, offset: int) -> int | None:
    """The total of a query whose page was fetched with ``LIMIT limit + 1``, if the page shows it; else ``None``.

    A page with no row beyond ``limit`` is the last one, so the total is ``offset`` plus
    its rows (unless it is empty past the start: the offset may overshoot the total).
    Only the other pages need a ``count(*)``, and a by-id read never does.
    """
    if limit is not None and len(page) > limit:
        return None
    if page or offset == 0:
        return offset + len(page)
    return None


def write_meta(tx: R.Tx, values: dict[str, str | None]) -> None:
    """Store or remove ``app:`` values of ``sitmap_meta`` in the caller's transaction (both backends)."""
    for key, value in values.items():
        if not key.startswith("app:") or len(key) > 300:
            raise ValueError(f"application meta keys start with 'app:' and are short, not {key[:20]!r}")
        tx.run("DELETE FROM sitmap_meta WHERE key = ?", [key])
        if value is not None:
            tx.run("INSERT INTO sitmap_meta (key, value) VALUES (?, ?)", [key, value])


def fetch_page(
    tx: R.Tx,
    cache: R.CountCache,
    clock: Callable[[], Any],
    query: tuple[str, str, str, list[Any], str],
    limit: int | None,
    offset: int,
    budget: int,
    *,
    no_limit: Any,
    keys_first: bool = False,
) -> tuple[list[tuple[Any, ...]], int | None, bool]:
    """A page of ``SELECT select FROM table c WHERE cond ORDER BY order``, its total when cheap, whether rows follow.

    ``query`` is (table, select, cond, params, order); one row beyond the page tells
    whether it is the last one, whose total needs no count; other pages count within
    ``budget`` (:func:`bounded_total`). ``no_limit`` is the dialect's LIMIT for "all".
    ``keys_first``: pick the page's keys first and compute ``select`` for those rows
    only. Wanted where the order may be a sort (an ``as_of`` query has no index in
    its order; a bbox or time window may drive from another index), as both databases
    compute the select list of every row they sort (a bbox over a million claims wrote
    25,000 texts for a page of 100), and in PostgreSQL past an offset, as it computes
    the select list of the rows it skips.
    """
    table, select, cond, params, order = query
    sql = f"SELECT {select} FROM {table} c WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?"
    if keys_first:
        keys = f"SELECT c.fid FROM {table} c WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?"
        sql = f"SELECT {select} FROM {table} c WHERE c.fid IN ({keys}) ORDER BY {order}"
    page = tx.fetch(sql, [*params, no_limit if limit is None else limit + 1, offset])
    more = limit is not None and len(page) > limit
    if more:
        del page[limit:]
    if not more and (page or offset == 0):
        return page, offset + len(page), False
    bounded = f"SELECT count(*) FROM (SELECT 1 FROM {table} c WHERE {cond} LIMIT ?) s"
    total = bounded_total(
        cache, clock, (table, cond, *params), lambda n: int(tx.fetch(bounded, [*params, n])[0][0]), budget
    )
    return page, total, more


def sorted_query(query: ClaimQuery) -> bool:
    """Whether the database may sort the matches of ``query`` rather than read them in an index's order.

    True for an as-of query (no index in its order) and for a bbox or time window (the
    plan may drive from the spatial or the time index and sort what it found).
    """
    return query.as_of is not None or query.bbox is not None or query.start is not None or query.end is not None


class SqlReads:
    """Mixin: the Store protocol's reads for a backend with ``_dialect``, ``_fetch`` and ``_query``."""

    _dialect: R.Dialect

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _query(
        self,
        table: str,
        select: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
    ) -> tuple[list[tuple[Any, ...]], int]:
        raise NotImplementedError

    def get_source(self, source_id: str) -> Source:
        """The source, or ``NotFound``."""
        rows = self._fetch("SELECT id, name, kind, url FROM sources WHERE id = ?", [source_id])
        if not rows:
            raise NotFound(f"source {source_id!r} not found")
        i, name, kind, url = rows[0]
        return Source(id=i, name=name, kind=kind, url=url)

    def list_sources(self) -> list[Source]:
        """All sources, by id."""
        rows = self._fetch("SELECT id, name, kind, url FROM sources ORDER BY id")
        return [Source(id=i, name=n, kind=k, url=u) for i, n, k, u in rows]

    def query_reports(self, query: ReportQuery) -> Page[Report]:
        """Reports matching ``query``, newest first (undated last, then by id), with the total count."""
        d = self._dialect
        where: list[str] = []
        params: list[Any] = []
        for column, values in (("r.id", query.ids), ("r.source_id", query.source_ids), ("r.url", query.urls)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        published = d.tc("published_at", "r")
        if query.start is not None:
            where.append(f"{published} >= ?")
            params.append(d.ts(query.start))
        if query.end is not None:
            where.append(f"{published} <= ?")
            params.append(d.ts(query.end))
        if query.unreviewed:
            where.append(
                f"EXISTS (SELECT 1 FROM {R.CLAIM_TABLE} c WHERE c.report_id = r.id AND c.superseded_at IS NULL "
                "AND c.review = 'machine' AND c.status <> 'retracted')"
            )
        sql_where = f" WHERE {' AND '.join(where)}" if where else ""
        select = ", ".join(f"r.{c}" for c in R.report_select(d).split(", "))
        page = "" if query.limit is None else f" LIMIT {int(query.limit)}"
        page += f" OFFSET {int(query.offset)}" if query.offset else ""
        rows = self._fetch(
            f"SELECT {select} FROM reports r{sql_where} ORDER BY {published} IS NULL, {published} DESC, r.id{page}",
            params,
        )
        last = query.limit is None or len(rows) < query.limit
        if last and (rows or not query.offset):
            total = query.offset + len(rows)  # the last page shows the total; other pages count
        else:
            total = int(self._fetch(f"SELECT count(*) FROM reports r{sql_where}", params)[0][0])
        return Page(items=[R.report_from_row(d, row) for row in rows], total=total)

    def get_meta(self, prefix: str) -> dict[str, str]:
        """Every ``app:`` value whose key starts with ``prefix``, by key (the schema's own keys stay hidden)."""
        if not prefix.startswith("app:"):
            raise ValueError(f"meta keys read by the application start with 'app:', not {prefix[:20]!r}")
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._fetch("SELECT key, value FROM sitmap_meta WHERE key LIKE ? ESCAPE '\\' ORDER BY key", [like])
        return {str(k): str(v) for k, v in rows}

    def get_report(self, report_id: str) -> Report:
        """The report, or ``NotFound``."""
        rows = self._fetch(f"SELECT {R.report_select(self._dialect)} FROM reports WHERE id = ?", [report_id])
        if not rows:
            raise NotFound(f"report {report_id!r} not found")
        return R.report_from_row(self._dialect, rows[0])

    def get_claim(self, claim_id: str, *, as_of: datetime | None = None) -> ClaimRecord:
        """The claim version current at ``as_of`` (default now), any status, or ``NotFound``."""
        term, params = R.version_filter(self._dialect, as_of)
        rows = self._fetch(
            f"SELECT {R.claim_select(self._dialect)} FROM {R.CLAIM_TABLE} WHERE id = ? AND {term}", [claim_id, *params]
        )
        if not rows:
            when = f" as of {as_of.isoformat()}" if as_of else ""
            raise NotFound(f"claim {claim_id!r} not found{when}")
        return R.claims_from_rows(self._dialect, rows)[0]

    def get_zone(self, zone_id: str, *, as_of: datetime | None = None) -> Zone:
        """The zone version current at ``as_of`` (default now), any status, or ``NotFound``."""
        term, params = R.version_filter(self._dialect, as_of)
        rows = self._fetch(
            f"SELECT {R.zone_select(self._dialect)} FROM {R.ZONE_TABLE} WHERE id = ? AND {term}", [zone_id, *params]
        )
        if not rows:
            when = f" as of {as_of.isoformat()}" if as_of else ""
            raise NotFound(f"zone {zone_id!r} not found{when}")
        return R.zones_from_rows(self._dialect, rows)[0]

    def claim_history(self, claim_id: str) -> list[ClaimRecord]:
        """Every version of a claim, oldest first, or ``NotFound``."""
        rows = self._fetch(
            f"SELECT {R.claim_select(self._dialect)} FROM {R.CLAIM_TABLE} WHERE id = ? ORDER BY version", [claim_id]
        )
        if not rows:
            raise NotFound(f"claim {claim_id!r} not found")
        return R.claims_from_rows(self._dialect, rows)

    def zone_history(self, zone_id: str) -> list[Zone]:
        """Every version of a zone, oldest first, or ``NotFound``."""
        rows = self._fetch(
            f"SELECT {R.zone_select(self._dialect)} FROM {R.ZONE_TABLE} WHERE id = ? ORDER BY version", [zone_id]
        )
        if not rows:
            raise NotFound(f"zone {zone_id!r} not found")
        return R.zones_from_rows(self._dialect, rows)

    def query_claims(self, query: ClaimQuery) -> Page[ClaimRecord]:
        """Claims matching ``query`` in (valid_from, id) order, with the total count."""
        rows, total = self._claim_rows(query)
        return Page(items=R.claims_from_rows(self._dialect, rows), total=total)

    def query_claim_features(self, query: ClaimQuery, *, include_region: bool = False) -> Page[dict[str, Any]]:
        """Like :meth:`query_claims`, as GeoJSON Features built straight from the rows (fast path for big pages).

        Each feature equals ``layers.export.claim_feature(record, include_region=...)``.
        """
        select = R.claim_feature_select(self._dialect, "c", include_region=include_region)
        rows, total = self._claim_rows(query, select)
        return Page(items=R.claim_features_from_rows(self._dialect, rows, include_region=include_region), total=total)

    def _page(
        self,
        table: str,
        select: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
        budget: int,
        *,
        sorted_rows: bool = False,
    ) -> tuple[list[tuple[Any, ...]], int | None, bool]:
        """One page of rows, the total if it is cheap (see :func:`bounded_total`), and whether rows follow.

        ``sorted_rows``: the matches may be sorted (see :func:`sorted_query`), so the page's
        keys are picked before its ``select`` is computed (see :func:`fetch_page`).
        """
        raise NotImplementedError

    def _keys(
        self,
        table: str,
        where: list[str],
        params: list[Any],
        bbox: tuple[float, float, float, float] | None,
        order: str,
        limit: int | None,
        offset: int,
    ) -> list[int]:
        """The row keys (``fid``) of every match, in query order."""
        raise NotImplementedError

    def _rows_by_key(self, table: str, select: str, fids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The ``select`` rows of ``fids``, in their order."""
        raise NotImplementedError

    def _walk_rows(self, query: ClaimQuery, select: str) -> Iterator[list[tuple[Any, ...]]]:
        """Every match of ``query`` as ``select`` rows, a chunk at a time: keys in one sorted read, then rows by key.

        A download sorts its matches once (an as-of query has no index in its order) and
        writes each row's text once, whatever its size.
        """
        d = self._dialect
        where, params = R.claim_where(d, query, "c")
        fids = self._keys(R.CLAIM_TABLE, where, params, query.bbox, R.claim_order(d, "c"), query.limit, query.offset)
        for i in range(0, len(fids), WALK_CHUNK):
            yield self._rows_by_key(R.CLAIM_TABLE, select, fids[i : i + WALK_CHUNK])

    def iter_claim_texts(self, query: ClaimQuery, *, properties: frozenset[str] | None = None) -> Iterator[str]:
        """Every match of ``query`` as feature texts (as :meth:`claim_feature_page` writes them), for downloads."""
        for block in self.iter_claim_text_blocks(query, properties=properties):
            yield from (text.decode() for text in block)

    def iter_claim_text_blocks(
        self, query: ClaimQuery, *, properties: frozenset[str] | None = None
    ) -> Iterator[list[bytes]]:
        """Every match of ``query`` as feature texts (UTF-8), a block (list) at a time, in query order.

        With every property, each version's text is written once and kept (see
        :mod:`layers.store.rows.encoded`); a selection of properties is written each time.
        """
        d = self._dialect
        select = F.claim_feature_text_select(d, "c", properties)
        if properties is not None:
            for rows in self._walk_rows(query, select):
                yield [text.encode() for text in F.claim_feature_texts(d, rows)]
            return
        yield from self._encoded_walk(query, "geojson", select, lambda rows: F.claim_feature_texts(d, rows))

    def iter_claim_csv_blocks(self, query: ClaimQuery, columns: tuple[str, ...]) -> Iterator[list[bytes]]:
        """Every match of ``query`` as CSV lines (UTF-8, ``\\r\\n``-terminated, no header), a block at a time.

        The lines ``csv.writer`` writes for :meth:`iter_claim_csv_rows`; with every column,
        each version's line is written once and kept (see :mod:`layers.store.rows.encoded`).
        """
        d = self._dialect
        select = F.claim_csv_select(d, "c", columns)
        if columns != tuple(CLAIM_CSV_COLUMNS):
            for rows in self._walk_rows(query, select):
                yield [line.encode() for line in E.csv_lines(F.claim_csv_rows(d, rows, columns))]
            return
        yield from self._encoded_walk(
            query, "csv", select, lambda rows: E.csv_lines(F.claim_csv_rows(d, rows, columns))
        )

    def _encoded_walk(
        self, query: ClaimQuery, kind: str, select: str, encode: Callable[[list[tuple[Any, ...]]], list[str]]
    ) -> Iterator[list[bytes]]:
        """Every match of ``query`` as kept ``kind`` texts (UTF-8), a block at a time; missing ones written and kept.

        Keys first, in one sorted read (as :meth:`_walk_rows`); then, per block, the kept
        texts by key, and ``select`` rows (``encode`` makes their texts) for the others.
        Those are kept when the store can write at once; a busy or read-only store serves
        them all the same.
        """
        d = self._dialect
        fp = E.fingerprint(d, kind)
        stored = self._encoded_fingerprint(kind)  # None: no tables (a read-only file from before them)
        usable = stored == fp
        keep, reset = stored is not None, not usable
        where, params = R.claim_where(d, query, "c")
        fids = self._keys(R.CLAIM_TABLE, where, params, query.bbox, R.claim_order(d, "c"), query.limit, query.offset)
        with_sup = f"{select}, {d.tc('superseded_at', 'c')}"
        pending: list[tuple[int, bytes, Any]] = []
        for i in range(0, len(fids), ENCODED_CHUNK):
            chunk = fids[i : i + ENCODED_CHUNK]
            got = self._encoded_bodies(E.TABLES[kind], chunk) if usable else {}
            missing = [f for f in chunk if f not in got]
            if missing:
                rows = self._rows_by_key(R.CLAIM_TABLE, with_sup, missing)
                texts = [text.encode() for text in encode([r[:-1] for r in rows])]
                got.update(zip(missing, texts, strict=True))
                if keep:
                    pending += [(f, t, r[-1]) for f, t, r in zip(missing, texts, rows, strict=True)]
            if len(pending) >= KEEP_ROWS:
                if self._keep_encoded(kind, fp, pending, reset=reset):
                    reset = False
                pending = []
            yield [got[f] for f in chunk]
        if pending:
            self._keep_encoded(kind, fp, pending, reset=reset)

    def _encoded_fingerprint(self, kind: str) -> str | None:
        """The fingerprint of the kept ``kind`` texts ("" when none is recorded), or ``None`` without the tables."""
        raise NotImplementedError

    def _encoded_bodies(self, table: str, fids: Sequence[int]) -> dict[int, bytes]:
        """The kept texts (UTF-8) of ``fids`` that ``table`` holds, by fid."""
        raise NotImplementedError

    def _keep_encoded(self, kind: str, fp: str, items: Sequence[tuple[int, bytes, Any]], *, reset: bool) -> bool:
        """Keep (fid, text, superseded_at as read) texts of ``kind``; whether the store took them.

        Only a version whose ``superseded_at`` is still the one its text was written from
        is kept, checked under a lock its change must wait for (the trigger then drops the
        text). ``reset``: first empty the table and record ``fp`` (texts of other code).
        A store that cannot write at once (busy, read-only) keeps nothing: ``False``.
        """
        raise NotImplementedError

    def iter_claim_csv_rows(self, query: ClaimQuery, columns: tuple[str, ...]) -> Iterator[list[Any]]:
        """Every match of ``query`` as CSV rows (as :meth:`claim_csv_page` writes them), for downloads."""
        d = self._dialect
        for rows in self._walk_rows(query, F.claim_csv_select(d, "c", columns)):
            yield from F.claim_csv_rows(d, rows, columns)

    def claim_feature_page(
        self,
        query: ClaimQuery,
        *,
        properties: frozenset[str] | None = None,
        count_budget: int | None = None,
    ) -> FeatureTexts:
        """A page of :meth:`query_claim_features` as feature texts the database writes, no dict per feature.

        Each text parses to ``layers.export.claim_feature(record)`` (with ``properties``:
        only those, as ``layers.export.select_properties`` keeps them). The number matched
        is exact on the last page, when cached, or when at most ``count_budget`` rows
        match (default :data:`COUNT_BUDGET`); otherwise ``None`` (not counted).
        """
        d = self._dialect
        budget = COUNT_BUDGET if count_budget is None else count_budget
        where, params = R.claim_where(d, query, "c")
        rows, total, more = self._page(
            R.CLAIM_TABLE, F.claim_feature_text_select(d, "c", properties), where, params, query.bbox,
            R.claim_order(d, "c"), query.limit, query.offset, budget, sorted_rows=sorted_query(query),
        )  # fmt: skip
        return FeatureTexts(F.claim_feature_texts(d, rows), total, more)

    def claim_csv_page(self, query: ClaimQuery, columns: tuple[str, ...]) -> tuple[list[list[Any]], bool]:
        """A page of claims as CSV rows (``columns`` of ``CLAIM_CSV_COLUMNS``) the database writes; whether more follow.

        Each row holds the values ``layers.export.claim_csv_row`` gives (text already
        formula-escaped), so ``csv.writer`` writes the same line; no count is made.
        """
        d = self._dialect
        where, params = R.claim_where(d, query, "c")
        rows, _, more = self._page(
            R.CLAIM_TABLE, F.claim_csv_select(d, "c", columns), where, params, query.bbox,
            R.claim_order(d, "c"), query.limit, query.offset, 0, sorted_rows=sorted_query(query),
        )  # fmt: skip
        return F.claim_csv_rows(d, rows, columns), more

    def last_recorded_at(self) -> datetime | None:
        raise NotImplementedError

    def claim_features_and_clock(
        self, query: ClaimQuery, *, include_region: bool = False
    ) -> tuple[list[dict[str, Any]], datetime | None]:
        """The features of :meth:`query_claim_features` (no total) and :meth:`last_recorded_at`, read together.

        The clock is read first (PostGIS reads both in one statement, one round trip):
        the service's by-id route checks with it that its cached layer definition is
        still current, and puts it in the ETag.
        """
        clock = self.last_recorded_at()
        select = R.claim_feature_select(self._dialect, "c", include_region=include_region)
        rows, _ = self._claim_rows(query, select)
        return R.claim_features_from_rows(self._dialect, rows, include_region=include_region), clock

    def _claim_rows(self, query: ClaimQuery, select: str | None = None) -> tuple[list[tuple[Any, ...]], int]:
        where, params = R.claim_where(self._dialect, query, "c")
        return self._query(
            R.CLAIM_TABLE, select or R.claim_select(self._dialect, "c"), where, params, query.bbox,
            R.claim_order(self._dialect, "c"), query.limit, query.offset,
        )  # fmt: skip

    def query_zones(self, query: ZoneQuery) -> Page[Zone]:
        """Zones matching ``query`` in (effective_from, id) order, with the total count."""
        where, params = R.zone_where(self._dialect, query, "c")
        rows, total = self._query(
            R.ZONE_TABLE,
            R.zone_select(self._dialect, "c"),
            where,
            params,
            query.bbox,
            R.zone_order(self._dialect, "c"),
            query.limit,
            query.offset,
        )
        return Page(items=R.zones_from_rows(self._dialect, rows), total=total)
