/* sitmap-reader.js: reading aids on top of sitmap-map.js's controller.
 *
 * - framing: the opening view fits where most claims are, clear of the legend;
 * - filters in the page (event type from the clickable legend, claimant, source, review
 *   state, corroborated/disputed), kept in the URL, the embed snippet, the downloads and
 *   the caption line ("filtered: claimant = Israeli military");
 * - a list of the claims in view and in time beside the map (below it on phones): newest
 *   first, one focusable row per claim carrying data-claim-id, in step with the map both
 *   ways, and the claims without a place, which the map cannot draw;
 * - permalinks (?claim=ID opens that claim; every popup offers its link);
 * - time at a glance: claims per day as a histogram (click a day, drag an interval),
 *   previous/next day with claims, play/pause; popups group by day when all dates show;
 * - phones: popups as a bottom sheet, the attribution behind an (i) button, the legend
 *   collapsed;
 * - sitmap's words in English, Arabic or Hebrew (cfg.i18n, from api/render/i18n.py).
 *
 * Every user string reaches the page through textContent, inside a <bdi> where it meets
 * sitmap's own words. No inline script: this file is served by sitmap.
 */
(function () {
  'use strict';

  var SM = window.SitmapMap;
  if (!SM || !SM.Controller) return;
  var C = SM.Controller.prototype, DAY = 86400;
  var PHONE = 600;
  var MAX_ROWS = 150;

  // ---------------------------------------------------------------- small helpers (sitmap-map.js's own)
  var U = SM.util, el = U.el, add = U.add, bdi = U.bdi, fill = U.fill, place = U.placeName, dayStart = U.dayStart, isoDay = U.isoDay, parseDay = U.parseDay;
  function phone() { return window.innerWidth <= PHONE; }

  /** sitmap's words in the reader's language (sitmap-map.js's tr; ``cfg`` is kept for the callers' sake). */
  function T(cfg, key, fields) { return U.tr(key, fields); }
  function num(cfg, n) { return U.num(n); }
  function fmtDay(cfg, sec) { return U.fmtDay(sec); }
  function label(s) { s = String(s || '').replace(/_/g, ' '); return s.charAt(0).toUpperCase() + s.slice(1); }

  // ---------------------------------------------------------------- per-claim facts
  function claimant(set, i) { var d = set.data; return d.claimants[d.c[i]] || d.sources[d.src[i]] || ''; }
  function review(set, i) { var d = set.data; return d.reviews ? d.reviews[d.rv ? d.rv[i] : 0] : 'machine'; }
  function standing(set, i) {
    var ring = set.ring(i);
    return ring || set.data.statuses[set.data.s[i]];
  }
  function typeStyle(ctl, t) { return ctl.style(t); }

  // ---------------------------------------------------------------- framing
  /** Fit where most claims are: the densest 0.25-degree neighbourhood, clear of the legend and the time bar. */
  C._fitData = function () {
    var pts = [], self = this;
    var vague = [];
    this.sets.forEach(function (s) {
      var step = Math.max(1, Math.floor(s.n / 800));
      // an area claim ("Israel +- 243 km") says little about where things happen: frame the precise ones
      for (var i = 0; i < s.n; i += step) if (s.visible[i]) (s.data.r[i] < 5000 ? pts : vague).push([s.data.x[i], s.data.y[i]]);
    });
    if (!pts.length) pts = vague;
    var b = null;
    if (pts.length) {
      // the densest point among at most 200 candidates (the 0.25-degree count over all is O(candidates x points))
      var best = 0, bi = 0, every = Math.max(1, Math.floor(pts.length / 200));
      for (var a = 0; a < pts.length; a += every) {
        var n = 0;
        for (var c = 0; c < pts.length; c++) if (Math.abs(pts[a][0] - pts[c][0]) < 0.25 && Math.abs(pts[a][1] - pts[c][1]) < 0.25) n++;
        if (n > best) { best = n; bi = a; }
      }
      var cx = pts[bi][0], cy = pts[bi][1], xs = [], ys = [];
      // most claims in one neighbourhood: frame it; scattered few: frame them all (within 3 degrees)
      var near = best >= 0.6 * pts.length ? 0.35 : 3;
      pts.forEach(function (p) { if (Math.abs(p[0] - cx) < near && Math.abs(p[1] - cy) < near) { xs.push(p[0]); ys.push(p[1]); } });
      xs.sort(function (p, q) { return p - q; }); ys.sort(function (p, q) { return p - q; });
      var k = xs.length > 20 ? Math.floor(xs.length * 0.03) : 0, m = xs.length - 1 - k;
      b = L.latLngBounds([ys[k], xs[k]], [ys[m], xs[m]]);
    } else {
      this.zoneLayers.forEach(function (lyr) {
        lyr.eachLayer(function (l) {
          if (self._zoneState(l.feature.properties || {}) === 'hidden') return;
          var lb = l.getBounds();
          if (lb.isValid()) b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
        });
      });
    }
    if (!b || !b.isValid()) return;
    var legend = this.map.getContainer().querySelector('.sm-legend[open]');
    var right = legend ? legend.offsetWidth + 20 : 20;
    var time = this.map.getContainer().querySelector('.sm-time');
    var bottom = (time ? time.offsetHeight + 20 : 20) + (this.hist ? 0 : 40);  // room for the histogram still to come
    this.map.fitBounds(b.pad(0.08), { maxZoom: 13, animate: false, paddingTopLeft: [20, 40], paddingBottomRight: [right, bottom] });
  };

  // ---------------------------------------------------------------- legend: collapsed on small maps, clickable types
  var legendControl = C._legendControl;
  C._legendControl = function () {
    var size = this.map.getSize();
    this._legendSmall = size.x < 700 || size.y < 520;
    legendControl.call(this);
    var box = this.legendBody && this.legendBody.parentNode;
    if (!box) return;
    box.open = !this.cfg.embed && !this._legendSmall;
    if (size.x < PHONE && box.parentNode) {
      // on phones the legend sits under the status line, away from the time bar
      var corner = this.map.getContainer().querySelector('.leaflet-top.leaflet-right');
      if (corner) corner.appendChild(box);
    }
    var summary = box.querySelector('summary');
    if (summary) summary.textContent = T(this.cfg, 'Legend');
  };

  var fillLegend = C._fillLegend;
  C._fillLegend = function (types, withZones) {
    fillLegend.call(this, types, withZones);
    var self = this, rows = this.legendBody.querySelectorAll('.sm-leg-row');
    function clickable(row, key, value) {
      row.classList.add('sm-leg-type');
      row.setAttribute('role', 'checkbox');
      row.setAttribute('tabindex', '0');
      row.setAttribute(key === 'types' ? 'data-event-type' : 'data-order-type', value);
      var chosen = self.filters && self.filters[key];
      row.setAttribute('aria-checked', !chosen || chosen[value] ? 'true' : 'false');
      function toggle(e) { e.preventDefault(); self.toggleType(value, key); }
      row.addEventListener('click', toggle);
      row.addEventListener('keydown', function (e) { if (e.key === ' ' || e.key === 'Enter') toggle(e); });
    }
    types.forEach(function (t, k) { if (rows[k]) clickable(rows[k], 'types', t); });
    // zone order types filter the zones as event types filter the claims
    var orders = this.legendBody.querySelectorAll('[data-order-type]');
    for (var k = 0; k < orders.length; k++) clickable(orders[k], 'orders', orders[k].getAttribute('data-order-type'));
  };

  // ---------------------------------------------------------------- filters
  var FILTER_PARAMS = ['event_type', 'claimant', 'source', 'status', 'review', 'order_type'];
  function chosen(list) { var o = null; list.forEach(function (t) { (o = o || {})[t] = true; }); return o; }

  C._readFilters = function () {
    var q = new URL(window.location.href).searchParams;
    var f = { types: null, claimant: q.get('claimant') || '', source: q.get('source') || '', status: q.get('status') || '', review: q.get('review') || '' };
    var types = q.getAll('event_type'), orders = q.getAll('order_type');
    f.types = chosen(types); f.orders = chosen(orders);
    // what the server already narrowed the data by (a loosening reloads the page)
    f.server = { claimant: f.claimant, source: f.source, status: f.status, types: types.slice(), orders: orders.slice() };
    this.filters = f;
    var self = this;
    this.t.keep = function (set, i) { return self._keep(set, i); };
  };

  C._keep = function (set, i) {
    var f = this.filters;
    if (f.types && !f.types[set.eventType(i)]) return false;
    if (f.claimant && f.claimant !== f.server.claimant && claimant(set, i) !== f.claimant) return false;
    if (f.source && f.source !== f.server.source && set.data.sources[set.data.src[i]] !== f.source) return false;
    if (f.review && review(set, i) !== f.review) return false;
    if (f.status && f.status !== f.server.status) {
      var st = standing(set, i);
      if (f.status === 'corroborated' ? !set.corroborated(i) : st !== f.status) return false;
    }
    return true;
  };

  /** Show or hide one event type (``key`` 'types') or zone order type (``key`` 'orders'). */
  C.toggleType = function (t, key) {
    key = key || 'types';
    var f = this.filters, all = key === 'types' ? this.cfg.legend_types || Object.keys(this.cfg.palette) : Object.keys(this.cfg.zone_palette || {});
    if (!f[key]) { f[key] = {}; all.forEach(function (x) { f[key][x] = true; }); }
    f[key][t] = !f[key][t];
    if (all.every(function (x) { return f[key][x]; })) f[key] = null;
    this.applyFilters();
  };
  var zoneState = C._zoneState;
  C._zoneState = function (p) {
    var o = this.filters && this.filters.orders;
    return o && !o[p.order_type] ? 'hidden' : zoneState.call(this, p);
  };

  /** Re-filter, redraw, and carry the filters into the URL, snippet, downloads and caption. */
  C.applyFilters = function () {
    var f = this.filters, s = f.server, self = this;
    function wider(served, now) { return served.length && served.some(function (t) { return !now || !now[t] || Object.keys(now).filter(function (k) { return now[k]; }).length > served.length; }); }
    var loosened = (s.claimant && f.claimant !== s.claimant) || (s.source && f.source !== s.source) ||
      (s.status && f.status !== s.status) || wider(s.types, f.types) || wider(s.orders, f.orders);
    var u = this._filterUrl();
    if (loosened) { window.location.assign(u.toString()); return; }  // the data was narrowed by the server
    history.replaceState(null, '', u.toString());
    this.setDay(this.t.day);
    this._legendRows();
    this._syncFilterForm();
    this._updateHistogram();
    this.refreshList();
    this.updateCaption();
    document.dispatchEvent(new CustomEvent('sitmap:filters', { detail: { params: self._filterParams() } }));
  };

  C._filterParams = function () {
    var f = this.filters, out = [];
    if (f.types) Object.keys(f.types).forEach(function (t) { if (f.types[t]) out.push(['event_type', t]); });
    if (f.claimant) out.push(['claimant', f.claimant]);
    if (f.source) out.push(['source', f.source]);
    if (f.status) out.push(['status', f.status]);
    if (f.review) out.push(['review', f.review]);
    if (f.orders) Object.keys(f.orders).forEach(function (t) { if (f.orders[t]) out.push(['order_type', t]); });
    return out;
  };
  C._filterUrl = function () {
    var u = new URL(window.location.href);
    FILTER_PARAMS.forEach(function (k) { u.searchParams.delete(k); });
    this._filterParams().forEach(function (p) { u.searchParams.append(p[0], p[1]); });
    return u;
  };
  C._legendRows = function () {
    var f = this.filters, rows = this.legendBody ? this.legendBody.querySelectorAll('.sm-leg-type') : [];
    for (var k = 0; k < rows.length; k++) {
      var t = rows[k].getAttribute('data-event-type'), o = rows[k].getAttribute('data-order-type');
      var on = t ? !f.types || !!f.types[t] : !f.orders || !!f.orders[o];
      rows[k].setAttribute('aria-checked', on ? 'true' : 'false');
    }
  };

  /** Words for the filters in force, with claimant aliases resolved ("claimant = Israeli military"). */
  C.filterWords = function () {
    var f = this.filters, cfg = this.cfg, self = this, parts = [];
    if (f.types) parts.push(T(cfg, 'Event type') + ' = ' + Object.keys(f.types).filter(function (t) { return f.types[t]; })
      .map(function (t) { return typeStyle(self, t).label || label(t); }).join(', '));
    if (f.claimant) {
      var names = {};
      if (f.claimant === f.server.claimant) this.sets.forEach(function (s) { s.data.claimants.forEach(function (n) { if (n) names[n] = true; }); });
      var shown = Object.keys(names);
      parts.push(T(cfg, 'Claimant') + ' = ' + (shown.length && shown.length <= 3 ? shown.join(', ') : f.claimant));
    }
    if (f.source) parts.push(T(cfg, 'Source') + ' = ' + f.source);
    if (f.status) parts.push(T(cfg, 'Status') + ' = ' + T(cfg, f.status));
    if (f.review) parts.push(T(cfg, 'Review') + ' = ' + T(cfg, f.review));
    if (f.orders) parts.push(T(cfg, 'Order type') + ' = ' + Object.keys(f.orders).filter(function (t) { return f.orders[t]; })
      .map(function (t) { return ((cfg.zone_palette || {})[t] || {}).label || label(t); }).join(', '));
    return parts;
  };

  C._filterForm = function (parent) {
    var self = this, cfg = this.cfg, form = add(parent, el('form', 'sm-filters'));
    form.setAttribute('aria-label', T(cfg, 'Filters'));
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    function select(name, title, values) {
      var lab = add(form, el('label', 'sm-filter'));
      add(lab, el('span', null, title));
      var sel = add(lab, el('select')); sel.name = name;
      var any = add(sel, el('option', null, T(cfg, 'any'))); any.value = '';
      values.forEach(function (v) { var o = add(sel, el('option')); o.value = v[0]; o.textContent = v[1]; });
      sel.addEventListener('change', function () { self.filters[name] = sel.value; self.applyFilters(); });
      return sel;
    }
    var claimants = {}, sources = {};
    this.sets.forEach(function (s) {
      s.data.claimants.forEach(function (n) { if (n) claimants[n] = true; });
      s.data.sources.forEach(function (n) { if (n) sources[n] = true; });
    });
    function opts(o) { return Object.keys(o).sort().map(function (v) { return [v, v]; }); }
    this.form = {
      claimant: select('claimant', T(cfg, 'Claimant'), opts(claimants)),
      source: select('source', T(cfg, 'Source'), opts(sources)),
      review: select('review', T(cfg, 'Review'), [['machine', T(cfg, 'machine')], ['reviewed', T(cfg, 'reviewed')]]),
      status: select('status', T(cfg, 'Status'), [['corroborated', T(cfg, 'corroborated')], ['disputed', T(cfg, 'disputed')], ['reported', T(cfg, 'reported')]])
    };
    var clear = add(form, el('button', 'sm-clear', T(cfg, 'Clear filters'))); clear.type = 'button';
    clear.addEventListener('click', function () {
      var f = self.filters; f.types = null; f.claimant = f.source = f.status = f.review = '';
      self.applyFilters();
    });
    this._syncFilterForm();
  };
  C._syncFilterForm = function () {
    if (!this.form) return;
    var f = this.filters, form = this.form;
    ['claimant', 'source', 'review', 'status'].forEach(function (k) {
      var sel = form[k], v = f[k] || '';
      if (v && !Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) {
        var o = add(sel, el('option')); o.value = v; o.textContent = v;
      }
      sel.value = v;
    });
  };

  // ---------------------------------------------------------------- the list beside the map
  C._listPanel = function () {
    var panel = document.querySelector('.sm-panel');
    // a map of orders alone has no claims to list or filter by claimant (its legend filters the orders)
    if (!panel || this.cfg.embed || !(this.cfg.layers || []).some(function (l) { return l.kind !== 'zones'; })) return;
    var cfg = this.cfg, box = el('section', 'sm-reader');
    panel.insertBefore(box, panel.firstChild);
    add(box, el('h2', null, T(cfg, 'Filters')));
    this._filterForm(box);
    var h = add(box, el('h2', 'sm-list-head'));
    h.id = 'sm-list-head';
    add(h, document.createTextNode(T(cfg, 'Claims in view') + ' '));
    this.listCount = add(h, el('span', 'sm-list-count'));
    this.list = add(box, el('ol', 'sm-list'));
    this.list.setAttribute('aria-labelledby', 'sm-list-head');
    this.listMore = add(box, el('p', 'sm-muted'));
    var unplaced = [];
    this.sets.forEach(function (s) { (s.data.unplaced || []).forEach(function (u) { unplaced.push([s, u]); }); });
    if (unplaced.length) {
      this.unplacedHead = add(box, el('h2', null, T(cfg, 'Without a place (not drawn)')));
      this.unplacedList = add(box, el('ol', 'sm-list sm-unplaced'));
      this.unplaced = unplaced;
    }
    var self = this;
    this.list.addEventListener('keydown', function (e) { self._listKey(e); });
    if (this.unplacedList) this.unplacedList.addEventListener('keydown', function (e) { self._listKey(e); });
  };

  C._listKey = function (e) {
    var row = e.target.closest && e.target.closest('[data-claim-id]');
    if (!row) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); row.click(); return; }
    var next = e.key === 'ArrowDown' ? row.nextElementSibling : e.key === 'ArrowUp' ? row.previousElementSibling : null;
    if (next) { e.preventDefault(); next.focus(); }
  };

  /** One row: type, when, where +- radius, who says, source. */
  C._row = function (set, i) {
    var d = set.data, cfg = this.cfg, self = this, type = set.eventType(i), st = typeStyle(this, type);
    var li = el('li', 'sm-item');
    li.setAttribute('tabindex', '0');
    li.setAttribute('role', 'button');
    li.setAttribute('data-claim-id', d.ids[i]);
    add(li, SM.claimIcon(set, i, st));
    var body = add(li, el('span', 'sm-item-body'));
    add(body, el('strong', null, st.label || label(type)));
    add(body, document.createTextNode(' \u00b7 ' + SM.timeWords(d.t0[i], d.t1[i], set.precision(i))));
    var where = add(body, el('span', 'sm-item-where'));
    add(where, bdi(d.places[d.pl[i]] ? place(d.places[d.pl[i]]) : '?'));
    add(where, document.createTextNode(' ' + SM.radiusWords(d.r[i])));
    var who = add(body, el('span', 'sm-item-who'));
    var c = claimant(set, i);
    if (c) add(who, fill(null, '{who} \u2014 says', { who: bdi(c) }));
    var src = d.sources[d.src[i]];
    if (src && src !== c) { add(who, document.createTextNode(' \u00b7 ')); add(who, bdi(src)); }
    li.addEventListener('mouseenter', function () { self.highlight(set, i); });
    li.addEventListener('focus', function () { self.highlight(set, i); });
    li.addEventListener('mouseleave', function () { self.highlight(null); });
    li.addEventListener('click', function () { self.openClaim(set, i, true); });
    return li;
  };

  C.refreshList = function () {
    if (!this.list) return;
    var self = this, rows = [], bounds = this.map.getBounds().pad(0.02);
    this.sets.forEach(function (s, k) {
      if (!self.map.hasLayer(self.layers[k])) return;
      var d = s.data;
      for (var i = 0; i < s.n; i++) if (s.visible[i] && bounds.contains([d.y[i], d.x[i]])) rows.push([s, i, d.t1[i] || d.t0[i] || 0]);
    });
    rows.sort(function (a, b) { return b[2] - a[2]; });
    this.list.textContent = '';
    rows.slice(0, MAX_ROWS).forEach(function (r) { add(self.list, self._row(r[0], r[1])); });
    this.listCount.textContent = '(' + num(this.cfg, rows.length) + ')';
    this.listMore.textContent = rows.length > MAX_ROWS ? T(this.cfg, '{n} more: zoom in or filter to list them', { n: num(this.cfg, rows.length - MAX_ROWS) }) :
      rows.length ? '' : T(this.cfg, 'No claims in view for this time.');
    if (this.unplacedList) {
      this.unplacedList.textContent = '';
      this.unplaced.forEach(function (p) { if (self._unplacedShown(p[1])) add(self.unplacedList, self._unplacedRow(p[0], p[1])); });
      this.unplacedHead.hidden = this.unplacedList.hidden = !this.unplacedList.firstChild;
    }
    this._markSelected();
    this.map.getContainer().setAttribute('data-listed-claims', String(rows.length));
  };

  C._unplacedShown = function (u) {
    var f = this.filters, day = this.t.day;
    if (f.types && !f.types[u.event_type]) return false;
    if (f.claimant && f.claimant !== f.server.claimant && u.claimant !== f.claimant) return false;
    if (f.source && f.source !== f.server.source && u.source !== f.source) return false;
    if (f.review && u.review && u.review !== f.review) return false;
    if (f.status && f.status !== f.server.status && u.status !== f.status) return false;
    if (day !== null && u.t0 !== null && !(u.t0 < day + DAY && u.t1 >= day)) return false;
    return true;
  };
  /** The status line's "N without a place": those of the day and filters shown, as the list
   *  below the map shows them (beyond the listed ones the data only counts them). */
  var allUnlocated = C.unlocatedCount;
  C.unlocatedCount = function () {
    if (!this.filters) return allUnlocated.call(this);
    var self = this, n = 0;
    this.sets.forEach(function (s) {
      var listed = s.data.unplaced || [];
      n += Math.max(0, (s.data.unlocated || 0) - listed.length);
      listed.forEach(function (u) { if (self._unplacedShown(u)) n++; });
    });
    return n;
  };
  C._unplacedRow = function (set, u) {
    var self = this, st = typeStyle(this, u.event_type), li = el('li', 'sm-item');
    li.setAttribute('tabindex', '0'); li.setAttribute('role', 'button'); li.setAttribute('data-claim-id', u.id);
    add(li, SM.symbolIcon(st, '', true));
    var body = add(li, el('span', 'sm-item-body'));
    add(body, el('strong', null, st.label || label(u.event_type)));
    add(body, document.createTextNode(' \u00b7 ' + SM.timeWords(u.t0, u.t1, u.precision)));
    // a place named but not found is said; none named, the heading above says it all (it read "?")
    if (u.place) { add(body, document.createTextNode(' \u00b7 ')); add(body, bdi(place(u.place))); }
    var who = add(body, el('span', 'sm-item-who'));
    if (u.claimant) add(who, fill(null, '{who} \u2014 says', { who: bdi(u.claimant) }));
    if (u.source && u.source !== u.claimant) { add(who, document.createTextNode(' \u00b7 ')); add(who, bdi(u.source)); }
    li.addEventListener('click', function () { self.openUnplaced(set, u); });
    return li;
  };

  // ---------------------------------------------------------------- map <-> list
  C.highlight = function (set, i) {
    if (this._hl) { this.map.removeLayer(this._hl); this._hl = null; }
    if (!set) return;
    var d = set.data;
    this._hl = L.circleMarker([d.y[i], d.x[i]], { radius: 13, color: '#111', weight: 3, fill: false, interactive: false, pane: 'markerPane' }).addTo(this.map);
  };

  C.findClaim = function (id) {
    for (var k = 0; k < this.sets.length; k++) {
      var ids = this.sets[k].data.ids;
      for (var i = 0; i < ids.length; i++) if (ids[i] === id) return [this.sets[k], i];
    }
    return null;
  };

  /** Open one claim's popup (from the list, a permalink or the keyboard), bringing it into view and time. */
  C.openClaim = function (set, i, fromList) {
    var d = set.data;
    if (!set.visible[i] && d.t0[i] !== null && this.t.day !== null) this.setDay(dayStart(d.t0[i]));
    var ll = L.latLng(d.y[i], d.x[i]);
    if (!this.map.getBounds().contains(ll)) this.map.setView(ll, Math.max(this.map.getZoom(), 11), { animate: false });
    this._fromList = !!fromList;
    this.openPopup(ll, this.claimPopup(set, [i]), set, [i]);
  };

  var openPopup = C.openPopup;
  C.openPopup = function (latlng, content, set, idx) {
    this.selected = set && idx ? idx.map(function (i) { return set.data.ids[i]; }) : [];
    this._markSelected(true);
    if (phone()) return this.showSheet(content);
    this.hideSheet();
    var p = openPopup.call(this, latlng, content, set, idx);
    var self = this;
    if (this._fromList && p) {
      // back to the row when the popup closes, for keyboard readers
      p.once('remove', function () { self._refocus(); });
    }
    return p;
  };
  C._refocus = function () {
    var id = this.selected && this.selected[0];
    var row = id && this.list && this.list.querySelector('[data-claim-id="' + cssEscape(id) + '"]');
    if (row && this._fromList) row.focus();
  };
  C._markSelected = function (scroll) {
    if (!this.list) return;
    var sel = {}, first = null;
    (this.selected || []).forEach(function (id) { sel[id] = true; });
    var rows = document.querySelectorAll('.sm-list [data-claim-id]');
    for (var k = 0; k < rows.length; k++) {
      var on = !!sel[rows[k].getAttribute('data-claim-id')];
      rows[k].classList.toggle('sm-selected', on);
      if (on) { rows[k].setAttribute('aria-current', 'true'); first = first || rows[k]; } else rows[k].removeAttribute('aria-current');
    }
    if (scroll && first && !this._fromList && first.scrollIntoView) first.scrollIntoView({ block: 'nearest' });
  };
  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&'); }

  // ---------------------------------------------------------------- bottom sheet (phones, unplaced claims)
  C._sheet = function () {
    if (this.sheet) return this.sheet;
    var self = this, sheet = el('div', 'sm-sheet');
    sheet.setAttribute('role', 'dialog');
    sheet.setAttribute('aria-modal', 'false');
    sheet.hidden = true;
    var close = add(sheet, el('button', 'sm-sheet-close', '\u00d7'));
    close.type = 'button'; close.setAttribute('aria-label', T(this.cfg, 'Close'));
    close.addEventListener('click', function () { self.hideSheet(); self._refocus(); });
    this.sheetBody = add(sheet, el('div', 'sm-sheet-body'));
    sheet.addEventListener('keydown', function (e) { if (e.key === 'Escape') { self.hideSheet(); self._refocus(); } });
    document.body.appendChild(sheet);
    this.sheet = sheet;
    return sheet;
  };
  C.showSheet = function (content) {
    var sheet = this._sheet();
    this.map.closePopup();
    this.sheetBody.textContent = '';
    this.sheetBody.appendChild(content);
    sheet.hidden = false;
    sheet.querySelector('.sm-sheet-close').focus();
    return null;
  };
  C.hideSheet = function () { if (this.sheet) this.sheet.hidden = true; };

  C.openUnplaced = function (set, u) {
    var cfg = this.cfg, box = el('div', 'sm-pop'), card = add(box, el('div', 'sm-card'));
    var st = typeStyle(this, u.event_type), head = add(card, el('div', 'sm-head'));
    add(head, el('strong', null, st.label || label(u.event_type)));
    add(head, el('span', 'sm-badge', T(cfg, u.status)));
    function line(k, v) { var r = add(card, el('div', 'sm-row')); add(r, el('span', 'sm-k', T(cfg, k))); var s = add(r, el('span', 'sm-v')); add(s, v); return r; }
    line('When', document.createTextNode(SM.timeWords(u.t0, u.t1, u.precision)));
    line('Where', u.place ? bdi(place(u.place)) : document.createTextNode(T(cfg, 'not placed: it cannot be drawn')));
    var who = line('Who says', fill(null, '{who} said so', { who: u.claimant ? bdi(u.claimant) : T(cfg, 'An unnamed source') }));
    if (set.meta && set.meta.items_url) {
      // the quote, counts, source link, notes and review, as a drawn claim's popup reads them
      this._details(set, u.id, add(card, el('div', 'sm-detail', T(cfg, 'Loading source and quote\u2026'))), who);
    } else {
      var src = el('span');
      if (u.url && /^https?:\/\//i.test(u.url)) { var a = add(src, el('a')); a.href = u.url; a.target = '_blank'; a.rel = 'noopener noreferrer'; add(a, bdi(u.source || u.url)); }
      else if (u.source) add(src, bdi(u.source));
      line('Source', src);
    }
    add(card, this._permalink(u.id));
    this.selected = [u.id]; this._markSelected(true); this._fromList = true;
    this.showSheet(box);
  };

  // ---------------------------------------------------------------- popups: permalink, grouped by day
  C._permalink = function (id) {
    var u = new URL(window.location.href);
    u.pathname = u.pathname.replace(/^\/embed\//, '/maps/');
    var keep = new URL(u.origin + u.pathname);
    if (u.searchParams.get('lang')) keep.searchParams.set('lang', u.searchParams.get('lang'));
    if (u.searchParams.get('as_of')) keep.searchParams.set('as_of', u.searchParams.get('as_of'));
    keep.searchParams.set('claim', id);
    var a = el('a', 'sm-permalink', T(this.cfg, 'Link to this claim'));
    a.href = keep.toString();
    if (this.cfg.embed) { a.target = '_blank'; a.rel = 'noopener'; }
    return a;
  };
  var claimCard = C._claimCard;
  C._claimCard = function (set, i, incidentShown) {
    var card = claimCard.call(this, set, i, incidentShown);
    card.setAttribute('data-claim-id', set.data.ids[i]);
    card.appendChild(this._permalink(set.data.ids[i]));
    return card;
  };
  var claimPopup = C.claimPopup;
  C.claimPopup = function (set, idx) {
    var d = set.data, groups = {}, order = [];
    if (this.t.day !== null || idx.length < 2) return claimPopup.call(this, set, idx);
    idx.forEach(function (i) {
      var key = d.t0[i] === null ? 'undated' : isoDay(d.t0[i]);
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(i);
    });
    if (order.length < 2) return claimPopup.call(this, set, idx);
    order.sort().reverse();
    var self = this, box = el('div', 'sm-pop'), seen = {};
    add(box, el('div', 'sm-pop-many', T(this.cfg, '{n} claims here, on {d} different days', { n: num(this.cfg, idx.length), d: num(this.cfg, order.length) })));
    order.forEach(function (key) {
      add(box, el('h3', 'sm-pop-day', key === 'undated' ? T(self.cfg, 'time unknown') : fmtDay(self.cfg, parseDay(key))));
      groups[key].forEach(function (i) {
        var k = d.inc ? d.inc[i] : -1;
        add(box, self._claimCard(set, i, k >= 0 && seen[k]));
        if (k >= 0) seen[k] = true;
      });
    });
    return box;
  };

  // ---------------------------------------------------------------- time: days with claims, histogram, brush, play
  /** Claims per day over the span, under the filters (not the time filter). */
  C._dayCounts = function () {
    var counts = {}, self = this, a = this.span[0], b = this.span[1];
    if (a === null || b === null) return { counts: counts, days: [] };
    this.sets.forEach(function (s) {
      var d = s.data;
      for (var i = 0; i < s.n; i++) {
        if (d.t0[i] === null || d.t1[i] === null || !self._keep(s, i)) continue;
        var from = Math.max(dayStart(d.t0[i]), a), to = Math.min(dayStart(d.t1[i]), b);
        if (to - from > 40 * DAY) to = from + 40 * DAY;  // a month-long claim does not light up a season
        for (var t = from; t <= to; t += DAY) counts[t] = (counts[t] || 0) + 1;
      }
    });
    var days = Object.keys(counts).map(Number).sort(function (p, q) { return p - q; });
    return { counts: counts, days: days };
  };

  C.step = function (k) {
    var days = (this.dayCounts || this._dayCounts()).days;
    if (!days.length) return;
    var cur = this.t.day, next = null;
    if (cur === null) next = k > 0 ? days[0] : days[days.length - 1];
    else if (k > 0) { for (var j = 0; j < days.length; j++) if (days[j] > cur) { next = days[j]; break; } }
    else { for (var m = days.length - 1; m >= 0; m--) if (days[m] < cur) { next = days[m]; break; } }
    if (next === null) { if (this.playing) this.togglePlay(); return; }
    this.t.from = this.t.to = null;
    if (this.ui && this.span[0] !== null) this.ui.range.value = Math.round((next - this.span[0]) / DAY);
    this.setDay(next);
  };

  C.togglePlay = function () {
    var self = this;
    this.playing = !this.playing;
    if (this.playBtn) {
      this.playBtn.textContent = T(this.cfg, this.playing ? 'Pause' : 'Play');
      this.playBtn.setAttribute('aria-label', T(this.cfg, this.playing ? 'Pause' : 'Play'));
      this.playBtn.setAttribute('aria-pressed', this.playing ? 'true' : 'false');
    }
    clearInterval(this._timer);
    if (this.playing) this._timer = setInterval(function () { self.step(1); }, 900);
  };

  C._timeExtras = function () {
    var ui = this.ui, self = this, cfg = this.cfg;
    if (!ui || !ui.prev) return;
    var box = ui.prev.parentNode;
    ui.prev.title = T(cfg, 'Previous day with claims'); ui.prev.setAttribute('aria-label', ui.prev.title); ui.prev.textContent = '\u25c0';
    ui.next.title = T(cfg, 'Next day with claims'); ui.next.setAttribute('aria-label', ui.next.title); ui.next.textContent = '\u25b6';
    var allText = ui.all.nextSibling;
    if (allText && allText.nodeType === 3) allText.textContent = ' ' + T(cfg, 'all dates');
    var play = el('button', 'sm-step sm-play', T(cfg, 'Play'));
    play.type = 'button'; play.setAttribute('aria-label', T(cfg, 'Play')); play.setAttribute('aria-pressed', 'false');
    box.insertBefore(play, ui.next.nextSibling);
    play.addEventListener('click', function () { self.togglePlay(); });
    this.playBtn = play;
    var hist = el('canvas', 'sm-hist');
    hist.setAttribute('role', 'img');
    hist.setAttribute('tabindex', '0');
    box.insertBefore(hist, box.firstChild);
    this.hist = hist;
    this._brush(hist);
    hist.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowRight') { e.preventDefault(); self.step(1); }
      if (e.key === 'ArrowLeft') { e.preventDefault(); self.step(-1); }
    });
    this._updateHistogram();
  };

  C._histDayAt = function (x) {
    var w = this.hist.clientWidth, a = this.span[0], b = this.span[1];
    var n = Math.round((b - a) / DAY) + 1;
    return a + Math.max(0, Math.min(n - 1, Math.floor(x / w * n))) * DAY;
  };
  C._brush = function (hist) {
    var self = this, start = null;
    function x(e) { var r = hist.getBoundingClientRect(); return (e.clientX - r.left); }
    hist.addEventListener('pointerdown', function (e) {
      if (self.span[0] === null) return;
      start = self._histDayAt(x(e));
      if (hist.setPointerCapture) hist.setPointerCapture(e.pointerId);
      self._brushing = [start, start]; self._drawHistogram();
    });
    hist.addEventListener('pointermove', function (e) {
      if (start === null) return;
      var d = self._histDayAt(x(e));
      self._brushing = [Math.min(start, d), Math.max(start, d)]; self._drawHistogram();
    });
    hist.addEventListener('pointerup', function (e) {
      if (start === null) return;
      var d = self._histDayAt(x(e)), a = Math.min(start, d), b = Math.max(start, d);
      start = null; self._brushing = null;
      if (a === b) { self.t.from = self.t.to = null; self.setDay(a); }
      else self.setInterval(a, b);
    });
  };

  /** Show an interval of days [a, b] (seconds of their midnights), as the brush chose it. */
  C.setInterval = function (a, b) {
    this.t.from = a; this.t.to = b + DAY;
    this.setDay(null);
  };

  C._updateHistogram = function () {
    this.dayCounts = this._dayCounts();
    this._drawHistogram();
  };
  C._drawHistogram = function () {
    var hist = this.hist;
    if (!hist || this.span[0] === null) return;
    var legend = this.map.getContainer().querySelector('.leaflet-bottom.leaflet-right .sm-legend');
    var room = this.map.getSize().x - (legend ? legend.offsetWidth : 0) - 60;
    var w = Math.max(120, Math.min(300, room)), h = 30, dpr = window.devicePixelRatio || 1;
    hist.style.width = w + 'px'; hist.style.height = h + 'px'; hist.width = w * dpr; hist.height = h * dpr;
    hist.parentNode.style.width = (w + 12) + 'px';  // the time bar is as wide as its histogram, clear of the legend
    var ctx = hist.getContext('2d'); ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, w, h);
    var a = this.span[0], n = Math.round((this.span[1] - a) / DAY) + 1, counts = this.dayCounts.counts, max = 1;
    this.dayCounts.days.forEach(function (t) { max = Math.max(max, counts[t]); });
    var sel = this._brushing || (this.t.from !== null && this.t.from !== undefined ? [this.t.from, this.t.to - DAY] : this.t.day !== null ? [this.t.day, this.t.day] : null);
    var bw = w / n;
    if (sel) { ctx.fillStyle = 'rgba(40,90,160,0.18)'; ctx.fillRect((sel[0] - a) / DAY * bw, 0, Math.max(2, ((sel[1] - sel[0]) / DAY + 1) * bw), h); }
    ctx.fillStyle = '#555';
    this.dayCounts.days.forEach(function (t) {
      var bh = Math.max(2, Math.sqrt(counts[t] / max) * (h - 3));
      ctx.fillRect((t - a) / DAY * bw, h - bh, Math.max(1, bw - (bw > 3 ? 1 : 0)), bh);
    });
    var total = this.dayCounts.days.length;
    hist.setAttribute('aria-label', T(this.cfg, 'Claims per day') + ': ' + T(this.cfg, '{n} days with claims, {a} \u2013 {b}', { n: num(this.cfg, total), a: fmtDay(this.cfg, a), b: fmtDay(this.cfg, this.span[1]) }));
  };

  var labelTime = C._labelTime;
  C._labelTime = function () {
    if (this.t.day === null && this.t.from !== null && this.t.from !== undefined) {
      this.ui.label.textContent = fmtDay(this.cfg, this.t.from) + ' \u2013 ' + fmtDay(this.cfg, this.t.to - DAY);
    } else if (this.t.day !== null) {
      this.ui.label.textContent = fmtDay(this.cfg, this.t.day);
    } else labelTime.call(this);
    if (this.hist) this._drawHistogram();
  };

  var writeUrl = C._writeUrl;
  C._writeUrl = function () {
    if (this.t.day === null && this.t.from !== null && this.t.from !== undefined) {
      var u = new URL(window.location.href);
      u.searchParams.set('datetime', isoDay(this.t.from) + '/' + isoDay(this.t.to - DAY));
      history.replaceState(null, '', u.toString());
      document.dispatchEvent(new CustomEvent('sitmap:view', { detail: { datetime: u.searchParams.get('datetime') } }));
      return;
    }
    writeUrl.call(this);
  };

  // ---------------------------------------------------------------- caption line
  C._caption = function () {
    var cfg = this.cfg, cap = el('div', 'sm-caption');
    cap.setAttribute('role', 'note');
    if (cfg.embed) {
      document.body.insertBefore(cap, document.body.firstChild);
      document.body.classList.add('sm-with-caption');
      this.map.invalidateSize();
    } else {
      var header = document.querySelector('.sm-header');
      if (header) header.appendChild(cap); else return;
    }
    this.captionEl = cap;
    this.updateCaption();
  };
  C.updateCaption = function () {
    var cap = this.captionEl;
    if (!cap) return;
    var cfg = this.cfg, parts = [], init = cfg.initial || {};
    cap.textContent = '';
    if (cfg.embed) { add(cap, el('strong', null, '')).appendChild(bdi(cfg.title)); parts.push(' \u00b7 '); }
    var when = this.t.day !== null ? fmtDay(cfg, this.t.day) : this.t.from !== null && this.t.from !== undefined ?
      fmtDay(cfg, this.t.from) + ' \u2013 ' + fmtDay(cfg, this.t.to - DAY) : (this.ui && this.ui.label.textContent) || T(cfg, 'all dates');
    add(cap, document.createTextNode((cfg.embed ? ' \u00b7 ' : '') + when));
    var now = Math.floor(Date.now() / 1000);
    var at = cfg.as_of_time || fmtDay(cfg, now) + ' ' + num(cfg, new Date(now * 1000).toISOString().slice(11, 16)) + ' UTC';
    add(cap, document.createTextNode(' \u00b7 '));
    add(cap, fill(null, 'as of {when}', { when: bdi(at) }));  // isolated: its digits and UTC keep their order
    var gap = this.gapWords();  // an embed says plainly that the day's record of orders is incomplete
    if (gap) add(cap, el('span', 'sm-caption-filter sm-caption-gap', ' \u00b7 ' + gap));
    var filt = this.filterWords();
    if (filt.length) {
      var f = add(cap, el('span', 'sm-caption-filter'));
      add(f, document.createTextNode(' \u00b7 ' + T(cfg, 'filtered') + ': '));
      filt.forEach(function (w, k) { if (k) add(f, document.createTextNode('; ')); add(f, bdi(w)); });
    }
    if (cfg.embed) {
      add(cap, document.createTextNode(' \u00b7 ')); add(cap, bdi('sitmap')); add(cap, document.createTextNode(' \u00b7 '));
      var here = new URL(window.location.href), full = new URL(here.toString());
      full.pathname = here.pathname.replace(/^\/embed\//, '/maps/');
      var a = add(cap, el('a', null, T(cfg, 'Full map'))); a.href = full.toString(); a.target = '_blank'; a.rel = 'noopener';
      add(cap, document.createTextNode(' \u00b7 '));
      var layer = (cfg.layers || [])[0];
      if (layer) {
        var data = new URL('/collections/' + encodeURIComponent(layer.id) + '/items', here.origin);
        here.searchParams.forEach(function (v, k) {
          if (k !== 'layers' && k !== 'lang' && k !== 'claim' && (FILTER_PARAMS.indexOf(k) < 0 || applies(k, layer.kind))) data.searchParams.append(k, v);
        });
        data.searchParams.set('f', 'geojson');
        var b = add(cap, el('a', null, T(cfg, 'Data'))); b.href = data.toString(); b.target = '_blank'; b.rel = 'noopener';
      }
    }
    this.map.getContainer().setAttribute('data-filtered', filt.length ? 'true' : 'false');
  };

  // ---------------------------------------------------------------- downloads follow the filters
  /** Whether a filter parameter applies to a layer of ``kind`` (order types to zones, the rest to claims). */
  function applies(key, kind) { return key === 'order_type' ? kind === 'zones' : key !== 'review' && kind !== 'zones'; }
  function followFilters(params, kinds) {
    var links = document.querySelectorAll('a[data-sm-download]');
    for (var i = 0; i < links.length; i++) {
      var u = new URL(links[i].getAttribute('href'), window.location.href);
      var m = /^\/collections\/([^/]+)\/items/.exec(u.pathname), kind = m ? kinds[decodeURIComponent(m[1])] : 'png';
      ['event_type', 'claimant', 'source', 'status', 'order_type'].forEach(function (k) { u.searchParams.delete(k); });
      params.forEach(function (p) { if (kind === 'png' ? p[0] !== 'review' : applies(p[0], kind)) u.searchParams.append(p[0], p[1]); });
      links[i].setAttribute('href', u.pathname + u.search);
    }
  }

  // ---------------------------------------------------------------- attribution behind (i) on phones
  C._attribution = function () {
    var box = this.map.getContainer().querySelector('.leaflet-control-attribution');
    if (!box) return;
    var btn = el('button', 'sm-info', 'i');
    btn.type = 'button'; btn.setAttribute('aria-label', T(this.cfg, 'Attribution')); btn.setAttribute('aria-expanded', 'false');
    box.insertBefore(btn, box.firstChild);
    function set(open) { box.classList.toggle('sm-attr-closed', !open); btn.setAttribute('aria-expanded', open ? 'true' : 'false'); }
    btn.addEventListener('click', function (e) { e.stopPropagation(); set(box.classList.contains('sm-attr-closed')); });
    // open only where the credits fit beside the other controls at the bottom of the map
    var map = this.map;
    this._fitAttribution = function () {
      // Leaflet rewrites the control's content when a layer brings credits (the basemap, after the first draw)
      if (btn.parentNode !== box) box.insertBefore(btn, box.firstChild);
      set(true);
      var left = map.getContainer().querySelector('.leaflet-bottom.leaflet-left');
      var room = map.getSize().x - (left ? left.offsetWidth : 0) - 20;
      if (map.getSize().x <= PHONE || box.offsetWidth > room || box.offsetHeight > 24) set(false);
    };
    this._fitAttribution();
  };

  // ---------------------------------------------------------------- wiring
  var updateStatus = C.updateStatus;
  C.updateStatus = function () {
    updateStatus.call(this);
    if (!this.readerReady) return;
    var self = this;
    clearTimeout(this._listTimer);
    this._listTimer = setTimeout(function () { self.refreshList(); self.updateCaption(); }, 30);
  };

  var init = SM.init;
  SM.init = function (map, cfg) {
    if (cfg.i18n && cfg.i18n.dir) {
      document.documentElement.setAttribute('dir', cfg.i18n.dir);
      document.documentElement.setAttribute('lang', cfg.i18n.lang);
      map.getContainer().setAttribute('dir', 'ltr');  // the map itself keeps west on the left
    }
    var ctl = init(map, cfg);
    ctl.translated = !!(cfg.i18n && cfg.i18n.lang && cfg.i18n.lang !== 'en');
    ctl._readFilters();
    map.getContainer().addEventListener('sitmap:drawn', function () {
      // after the first paint, so the reading aids never delay the map
      SM.util.afterPaint(function () { ctl.readerStart(); });
    }, { once: true });
    return ctl;
  };

  C.readerStart = function () {
    var self = this;
    if (this.filters && (this.filters.types || this.filters.orders || this.filters.review || this.filters.claimant || this.filters.source || this.filters.status)) {
      this.setDay(this.t.day);
      this._legendRows();
    }
    this._timeExtras();
    this._listPanel();
    this._caption();
    this._attribution();
    this.readerReady = true;
    this.refreshList();
    this.map.on('moveend', function () { self.refreshList(); });
    var kinds = {};
    (this.cfg.layers || []).forEach(function (l) { kinds[l.id] = l.kind; });
    document.addEventListener('sitmap:filters', function (e) { followFilters(e.detail.params, kinds); });
    followFilters(this._filterParams(), kinds);
    var want = new URL(window.location.href).searchParams.get('claim');
    if (want) {
      var hit = this.findClaim(want);
      if (hit) this.openClaim(hit[0], hit[1], false);
      else (this.unplaced || []).forEach(function (p) { if (p[1].id === want) self.openUnplaced(p[0], p[1]); });
    }
    this.map.getContainer().setAttribute('data-reader', 'ready');
  };
})();
