"""Record <-> row mapping and query semantics shared by the GeoPackage and PostGIS stores.

Both backends keep claims and zones in one table each, every version a row, with
bitemporal ``recorded_at``/``superseded_at`` columns. What differs between backends
(placeholders, how a timestamp or a geometry is bound and read back, the spatial
filter) is a :class:`Dialect`; the logic that must behave identically lives here
once, written against a tiny :class:`Tx` interface each backend implements over its
own transaction. The backends use it as ``from layers.store import rows as R``; the
rooms:

- ``columns``: the version tables' columns and types, in INSERT order;
- ``dialect``: :class:`Dialect`, :class:`Tx`, time and WKB conversions;
- ``records``: claims, zones and reports to rows and back;
- ``features``: the cold path, claim rows straight to GeoJSON Features (the contract's order);
- ``checks``: the first bad record of a batch, a malformed query;
- ``versions``: versioned upserts, edits and retractions, the store clock;
- ``sources``: sources and reports (not versioned);
- ``layer_versions``: layer definitions as versions;
- ``queries``: which versions a query sees, filters, order, cached totals.
"""

from __future__ import annotations

from layers.store.rows.checks import (
    bbox_geometry,
    check_bbox,
    check_claim_query,
    check_claims,
    check_reports,
    check_zone_query,
    check_zones,
)
from layers.store.rows.columns import (
    BOOKKEEPING,
    CLAIM_COLUMNS,
    CLAIM_NAMES,
    CLAIM_TABLE,
    LAYER_COLUMNS,
    LAYER_NAMES,
    LAYER_TABLE,
    TIME_COLUMNS,
    ZONE_COLUMNS,
    ZONE_NAMES,
    ZONE_TABLE,
)
from layers.store.rows.dialect import (
    CHUNK,
    Dialect,
    Tx,
    bind_times,
    chunks,
    epoch_us,
    from_epoch_us,
    from_wkb_or_none,
    insert_columns,
    iso_ms,
    marks,
    parse_iso,
    wkb_or_none,
)
from layers.store.rows.features import (
    FEATURE_NAMES,
    claim_feature_select,
    claim_features_from_rows,
)
from layers.store.rows.layer_versions import (
    current_layer_version,
    delete_layer,
    deleted_layer_ids,
    layer_history,
    put_layer,
    seed_layer_versions,
)
from layers.store.rows.queries import (
    CountCache,
    cached_total,
    claim_order,
    claim_where,
    version_filter,
    zone_order,
    zone_where,
)
from layers.store.rows.records import (
    REPORT_NAMES,
    build_model,
    claim_rows,
    claim_select,
    claims_from_rows,
    report_from_row,
    report_select,
    select_list,
    zone_rows,
    zone_select,
    zones_from_rows,
)
from layers.store.rows.sources import (
    insert_reports,
    upsert_sources,
)
from layers.store.rows.versions import (
    SPAN_KEY,
    VERSIONED_TABLES,
    current_claim,
    next_timestamp,
    retract_changes,
    revise_claim,
    supersede_current,
    upsert_claims,
    upsert_zones,
    widen_claim_span,
)

__all__ = [
    "BOOKKEEPING",
    "CHUNK",
    "CLAIM_COLUMNS",
    "CLAIM_NAMES",
    "CLAIM_TABLE",
    "FEATURE_NAMES",
    "LAYER_COLUMNS",
    "LAYER_NAMES",
    "LAYER_TABLE",
    "REPORT_NAMES",
    "SPAN_KEY",
    "TIME_COLUMNS",
    "VERSIONED_TABLES",
    "ZONE_COLUMNS",
    "ZONE_NAMES",
    "ZONE_TABLE",
    "CountCache",
    "Dialect",
    "Tx",
    "bbox_geometry",
    "bind_times",
    "build_model",
    "cached_total",
    "check_bbox",
    "check_claim_query",
    "check_claims",
    "check_reports",
    "check_zone_query",
    "check_zones",
    "chunks",
    "claim_feature_select",
    "claim_features_from_rows",
    "claim_order",
    "claim_rows",
    "claim_select",
    "claim_where",
    "claims_from_rows",
    "current_claim",
    "current_layer_version",
    "delete_layer",
    "deleted_layer_ids",
    "epoch_us",
    "from_epoch_us",
    "from_wkb_or_none",
    "insert_columns",
    "insert_reports",
    "iso_ms",
    "layer_history",
    "marks",
    "next_timestamp",
    "parse_iso",
    "put_layer",
    "report_from_row",
    "report_select",
    "retract_changes",
    "revise_claim",
    "seed_layer_versions",
    "select_list",
    "supersede_current",
    "upsert_claims",
    "upsert_sources",
    "upsert_zones",
    "version_filter",
    "widen_claim_span",
    "wkb_or_none",
    "zone_order",
    "zone_rows",
    "zone_select",
    "zone_where",
    "zones_from_rows",
]
