/* sitmap-map.js: draws sitmap layers (claims with their uncertainty, zones, boundaries)
 * on a Leaflet map built by api/render/mapbuilder.py, with a day stepper that filters
 * without reloading and keeps the page URL shareable.
 *
 * Claims arrive in sitmap's compact columnar form (/maps/{id}/data.json) and are drawn
 * on one canvas per layer: uncertainty circles (fill fading as the radius grows), a
 * symbol per event type, grid clusters at low zoom when many are in view. Every
 * user-controlled string reaches the page through textContent, never innerHTML (the
 * layer control included: Leaflet's own inserts layer names as HTML), and wherever it
 * meets sitmap's own words it is isolated in a <bdi>, so a claimant or place ending in
 * a bidirectional control (U+202E) cannot reorder "± 300 m" or "said:" around it.
 */
(function () {
  'use strict';

  var DAY = 86400;
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var EARTH = 40075016.686;

  // ---------------------------------------------------------------- small helpers
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  /** User text as its own bidirectional run: a <bdi> filled through textContent. */
  function bdi(text) { var b = document.createElement('bdi'); b.textContent = String(text); return b; }
  /** A span of parts: strings are sitmap's own words, nodes (e.g. bdi(user text)) are added as they are. */
  function words(cls, parts) {
    var s = el('span', cls);
    parts.forEach(function (p) {
      if (p === null || p === undefined || p === '') return;
      s.appendChild(typeof p === 'string' ? document.createTextNode(p) : p);
    });
    return s;
  }
  /** Leaflet's layer control, except that a layer's name is text: {user, words} or a plain string. */
  var LayerControl = L.Control.Layers.extend({
    _addItem: function (obj) {
      var label = L.Control.Layers.prototype._addItem.call(this, L.extend({}, obj, { name: '' }));
      var holder = label.firstChild, name = holder && holder.lastChild;
      if (!name) return label;
      name.textContent = ' ';
      var n = obj.name;
      if (n && typeof n === 'object') { add(name, bdi(n.user)); if (n.words) add(name, document.createTextNode(' ' + tr(n.words))); }
      else name.appendChild(document.createTextNode(String(n)));
      return label;
    }
  });
  function dayStart(sec) { return Math.floor(sec / DAY) * DAY; }
  function isoDay(sec) { return new Date(sec * 1000).toISOString().slice(0, 10); }
  function parseDay(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000 : null;
  }
  // ---------------------------------------------------------------- the reader's language
  /** cfg.i18n of the page (api/render/i18n.py): messages, Babel's month names and digits, place names. */
  var I18N = {};
  /** sitmap's words in the reader's language (English when there is none), ``{fields}`` filled. */
  function tr(key, fields) {
    var text = (I18N.messages && I18N.messages[key]) || key;
    if (fields) Object.keys(fields).forEach(function (k) { text = text.split('{' + k + '}').join(String(fields[k])); });
    return text;
  }
  /** sitmap's words with nodes (user text in a <bdi>) in place of their {fields}, in the translation's order. */
  function fill(cls, key, nodes) {
    var s = el('span', cls);
    tr(key).split(/\{(\w+)\}/).forEach(function (p, k) {
      var n = k % 2 ? nodes[p] : p;
      if (n !== undefined && n !== null && n !== '') s.appendChild(typeof n === 'string' ? document.createTextNode(n) : n);
    });
    return s;
  }
  /** A number in the reader's digits and decimal sign (Babel's). */
  function num(n) {
    var s = String(n), zero = I18N.zero || '0';
    if (I18N.decimal && I18N.decimal !== '.') s = s.replace('.', I18N.decimal);
    if (zero === '0') return s;
    return s.replace(/[0-9]/g, function (d) { return String.fromCharCode(zero.charCodeAt(0) + (+d)); });
  }
  /** A place name in the reader's script where the gazetteer has it (user text otherwise stays as written). */
  function placeName(name) { return (I18N.places && I18N.places[name]) || name; }
  function month(d) { return (I18N.months || MONTHS)[d.getUTCMonth()]; }
  function fmtDay(sec) { var d = new Date(sec * 1000); return num(d.getUTCDate()) + ' ' + month(d) + ' ' + num(d.getUTCFullYear()); }
  function fmtMonth(sec) { var d = new Date(sec * 1000); return month(d) + ' ' + num(d.getUTCFullYear()); }
  function hhmm(sec) { return num(new Date(sec * 1000).toISOString().slice(11, 16)); }

  /** Event time in words; mirrors api/render/words.py::describe_time. */
  function timeWords(t0, t1, prec) {
    if (t0 === null || t0 === undefined || t1 === null || t1 === undefined) return tr('time unknown');
    var sameDay = dayStart(t0) === dayStart(t1);
    var d0 = new Date(t0 * 1000), d1 = new Date(t1 * 1000), y0 = d0.getUTCFullYear(), y1 = d1.getUTCFullYear();
    if (prec === 'hour') return sameDay ? tr('around {time} on {day} (UTC)', { time: hhmm(t0), day: fmtDay(t0) })
      : tr('between {t0} on {d0} and {t1} on {d1} (UTC)', { t0: hhmm(t0), d0: fmtDay(t0), t1: hhmm(t1), d1: fmtDay(t1) });
    if (prec === 'week') return (t1 - t0) <= 8 * DAY ? tr('in the week of {day}', { day: fmtDay(t0) }) : tr('sometime between {a} and {b}', { a: fmtDay(t0), b: fmtDay(t1) });
    if (prec === 'month') return (y0 === y1 && d0.getUTCMonth() === d1.getUTCMonth())
      ? tr('sometime in {when}', { when: fmtMonth(t0) }) : tr('sometime between {a} and {b}', { a: fmtMonth(t0), b: fmtMonth(t1) });
    if (prec === 'year') return y0 === y1 ? tr('sometime in {when}', { when: num(y0) }) : tr('sometime between {a} and {b}', { a: num(y0), b: num(y1) });
    if (sameDay) return tr('on {day}', { day: fmtDay(t0) });
    return tr('between {a} and {b}', { a: fmtDay(t0), b: fmtDay(t1) });
  }
  function radiusWords(r) {
    if (r === null || r === undefined) return '';
    if (r < 1000) return tr('\u00b1 {n} m', { n: num(Math.max(10, Math.round(r / 10) * 10)) });
    var km = r / 1000;
    return tr('\u00b1 {n} km', { n: num(km < 10 ? km.toFixed(1) : Math.round(km)) });
  }
  /** Fill opacity of an uncertainty area; mirrors words.py::fill_opacity. */
  function fillOpacity(r) {
    if (!r || r <= 100) return 0.35;
    return Math.max(0.03, 0.35 - 0.145 * Math.log10(r / 100));
  }
  function label(s) { return String(s || '').replace(/_/g, ' '); }
  function cap(s) { s = label(s); return s.charAt(0).toUpperCase() + s.slice(1); }
  function isoTime(s) { return s ? Date.parse(s) / 1000 : null; }

  // ---------------------------------------------------------------- symbols
  /** Draw the symbol of an event type centred at (x, y) with half-size s. */
  function symbolPath(ctx, shape, x, y, s) {
    ctx.beginPath();
    switch (shape) {
      case 'square': ctx.rect(x - s * 0.85, y - s * 0.85, s * 1.7, s * 1.7); break;
      case 'triangle': ctx.moveTo(x, y - s * 1.1); ctx.lineTo(x + s, y + s * 0.75); ctx.lineTo(x - s, y + s * 0.75); ctx.closePath(); break;
      case 'diamond': ctx.moveTo(x, y - s * 1.2); ctx.lineTo(x + s, y); ctx.lineTo(x, y + s * 1.2); ctx.lineTo(x - s, y); ctx.closePath(); break;
      case 'cross':
        var w = s * 0.4;
        ctx.moveTo(x - w, y - s); ctx.lineTo(x + w, y - s); ctx.lineTo(x + w, y - w); ctx.lineTo(x + s, y - w);
        ctx.lineTo(x + s, y + w); ctx.lineTo(x + w, y + w); ctx.lineTo(x + w, y + s); ctx.lineTo(x - w, y + s);
        ctx.lineTo(x - w, y + w); ctx.lineTo(x - s, y + w); ctx.lineTo(x - s, y - w); ctx.lineTo(x - w, y - w); ctx.closePath(); break;
      case 'hexagon':
        for (var k = 0; k < 6; k++) { var a = Math.PI / 3 * k; ctx[k ? 'lineTo' : 'moveTo'](x + s * Math.cos(a), y + s * Math.sin(a)); }
        ctx.closePath(); break;
      default: ctx.arc(x, y, s, 0, 2 * Math.PI);
    }
  }
  function symbolIcon(style, corroborated, faded) {
    var c = el('canvas', 'sm-icon'); var dpr = window.devicePixelRatio || 1;
    c.width = 18 * dpr; c.height = 18 * dpr; c.style.width = '18px'; c.style.height = '18px';
    c.setAttribute('data-mark', 'point');
    var ctx = c.getContext('2d'); ctx.scale(dpr, dpr);
    drawSymbol(ctx, style, 9, 9, 5, corroborated, faded);
    return c;
  }
  /** The icon of a region claim in lists and popups: the map's hollow dashed ring, never a solid symbol. */
  function regionIcon(style) {
    var c = el('canvas', 'sm-icon sm-icon-region'); var dpr = window.devicePixelRatio || 1;
    c.width = 18 * dpr; c.height = 18 * dpr; c.style.width = '18px'; c.style.height = '18px';
    c.setAttribute('data-mark', 'region');
    var ctx = c.getContext('2d'); ctx.scale(dpr, dpr);
    drawRegionMark(ctx, style, 9, 9, '', '', null);
    return c;
  }
  /** The icon of claim ``i`` of ``set``: a region's ring or a point's symbol, as the map draws it. */
  function claimIcon(set, i, style) {
    return isRegion(set.data, i) ? regionIcon(style) : symbolIcon(style, set.ring(i), set.faded[i]);
  }
  /** Draw one claim symbol; ``ring`` is 'corroborated' (solid ring), 'disputed' (dashed) or falsy. */
  function drawSymbol(ctx, style, x, y, s, ring, faded) {
    ctx.globalAlpha = faded ? 0.45 : 0.95;
    if (ring) {
      ctx.beginPath(); ctx.arc(x, y, s + 3.5, 0, 2 * Math.PI);
      ctx.lineWidth = 2; ctx.strokeStyle = ring === 'disputed' ? '#a04000' : '#111';
      if (ring === 'disputed') ctx.setLineDash([3, 2]);
      ctx.stroke(); ctx.setLineDash([]);
    }
    symbolPath(ctx, style.shape, x, y, s);
    ctx.fillStyle = style.color; ctx.fill();
    ctx.lineWidth = 1.2; ctx.strokeStyle = '#fff';
    if (faded) ctx.setLineDash([2, 2]);
    ctx.stroke(); ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  /** Claims this vague are areas, not points: radius in metres (or any claim with a region polygon). */
  var REGION_M = 5000;
  function isRegion(d, i) { return !!((d.regions && d.regions[d.ids[i]]) || (d.r[i] !== null && d.r[i] >= REGION_M)); }
  var hatches = {};
  /** A diagonal hatch in ``color`` (one small pattern canvas per colour). */
  function hatch(ctx, color) {
    if (!hatches[color]) {
      var c = document.createElement('canvas'); c.width = c.height = 8;
      var g = c.getContext('2d'); g.strokeStyle = color; g.lineWidth = 1.2;
      g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
      hatches[color] = c;
    }
    // one pattern per canvas and colour: creating it for every claim drawn cost ~60 ms per 1,000 claims
    var made = ctx.sitmapHatches || (ctx.sitmapHatches = {});
    return made[color] || (made[color] = ctx.createPattern(hatches[color], 'repeat'));
  }
  /** The mark of a region claim: a hollow dashed ring (never a solid point) and, when its area is large on screen,
   *  a label; returns the label's text when one was drawn (else null). */
  function drawRegionMark(ctx, style, x, y, place, radius, labelled) {
    ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI);
    ctx.lineWidth = 3.5; ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.stroke();
    ctx.lineWidth = 2; ctx.strokeStyle = style.color; ctx.setLineDash([3, 2]); ctx.stroke(); ctx.setLineDash([]);
    if (!labelled || !place) return null;
    var text = place + ' ' + radius;
    ctx.font = 'italic 11px system-ui, sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    var w = ctx.measureText(text).width, r = [x - w / 2, y + 8, x + w / 2, y + 22];
    for (var q = 0; q < labelled.length; q++) {
      var o = labelled[q];
      if (r[0] < o[2] && r[2] > o[0] && r[1] < o[3] && r[3] > o[1]) return null;  // one label per place on screen
    }
    labelled.push(r);
    ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.strokeText(text, x, y + 9);
    ctx.fillStyle = '#333'; ctx.fillText(text, x, y + 9);
    return text;
  }

  // ---------------------------------------------------------------- claims data
  /** A claims layer: the compact columns plus what the current filters show. */
  function ClaimSet(meta, data) {
    this.meta = meta; this.data = data;
    var n = this.n = data.ids.length;
    this.visible = new Uint8Array(n);
    this.faded = new Uint8Array(n);
    this.shown = 0;
    // Web-Mercator pixel coordinates at zoom 0, computed once.
    this.px = new Float64Array(n); this.py = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      var lat = Math.max(-85.05, Math.min(85.05, data.y[i]));
      var sin = Math.sin(lat * Math.PI / 180);
      this.px[i] = (data.x[i] + 180) / 360 * 256;
      this.py[i] = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * 256;
    }
    this.byInc = {};
    var inc = data.inc || [];
    for (var j = 0; j < inc.length; j++) if (inc[j] >= 0) (this.byInc[inc[j]] = this.byInc[inc[j]] || []).push(j);
  }
  ClaimSet.prototype.precision = function (i) { return this.data.precisions[this.data.p[i]]; };
  ClaimSet.prototype.eventType = function (i) { return this.data.event_types[this.data.e[i]]; };
  ClaimSet.prototype.incident = function (i) {
    var k = this.data.inc ? this.data.inc[i] : -1;
    return k >= 0 ? this.data.incidents[k] : null;
  };
  ClaimSet.prototype.corroborated = function (i) {
    var inc = this.incident(i);
    return this.data.statuses[this.data.s[i]] === 'corroborated' || !!(inc && inc.status === 'corroborated');
  };
  /** The ring drawn around a claim: its incident's (or its own) corroborated/disputed status. */
  ClaimSet.prototype.ring = function (i) {
    var inc = this.incident(i), own = this.data.statuses[this.data.s[i]];
    if (own === 'disputed' || (inc && inc.status === 'disputed')) return 'disputed';
    return this.corroborated(i) ? 'corroborated' : '';
  };
  /** Apply the time filter: a claim shows on a day when its interval meets that day. */
  ClaimSet.prototype.filter = function (t) {
    var d = this.data, n = this.n, shown = 0;
    for (var i = 0; i < n; i++) {
      var a = d.t0[i], b = d.t1[i], on;
      if (t.day === null) on = t.from === null || t.from === undefined || (a !== null && b !== null && a < t.to && b >= t.from);
      else on = a !== null && b !== null && a < t.day + DAY && b >= t.day;
      if (on && t.keep) on = t.keep(this, i);
      var p = d.precisions[d.p[i]];
      this.visible[i] = on ? 1 : 0;
      this.faded[i] = (p === 'week' || p === 'month' || p === 'year' || p === 'unknown') ? 1 : 0;
      if (on) shown++;
    }
    this.shown = shown;
    return shown;
  };

  // ---------------------------------------------------------------- canvas layer
  var ClaimCanvas = L.Layer.extend({
    options: { pane: 'sitmapClaims', clusterThreshold: 1500, clusterCell: 56, clusterMaxZoom: 15 },
    initialize: function (set, ctl, options) { L.setOptions(this, options); this.set = set; this.ctl = ctl; this._hits = []; },
    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create('canvas', 'sitmap-claims leaflet-zoom-animated');
      c.setAttribute('data-sitmap-layer', this.set.meta.id);
      map.getPane(this.options.pane).appendChild(c);
      map.on('moveend resize viewreset', this._reset, this);
      map.on('zoomanim', this._animateZoom, this);
      map.on('click', this._click, this);
      map.on('mousemove', this._move, this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off('moveend resize viewreset', this._reset, this);
      map.off('zoomanim', this._animateZoom, this);
      map.off('click', this._click, this);
      map.off('mousemove', this._move, this);
      this._hits = []; this.ctl.updateStatus();
    },
    _animateZoom: function (e) {
      var scale = this._map.getZoomScale(e.zoom);
      var offset = this._map._latLngBoundsToNewLayerBounds(this._map.getBounds(), e.zoom, e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _reset: function () {
      var map = this._map, size = map.getSize(), dpr = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(this._canvas, map.containerPointToLayerPoint([0, 0]));
      this._canvas.width = size.x * dpr; this._canvas.height = size.y * dpr;
      this._canvas.style.width = size.x + 'px'; this._canvas.style.height = size.y + 'px';
      this.redraw();
    },
    redraw: function () {
      if (!this._map) return;
      var map = this._map, set = this.set, d = set.data, ctl = this.ctl;
      var ctx = this._canvas.getContext('2d'), dpr = window.devicePixelRatio || 1;
      var size = map.getSize(), z = map.getZoom(), scale = Math.pow(2, z);
      var origin = map.getPixelBounds().min;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var pad = 40, inView = [], i, n = set.n;
      for (i = 0; i < n; i++) {
        if (!set.visible[i]) continue;
        var x = set.px[i] * scale - origin.x, y = set.py[i] * scale - origin.y;
        var rpx = d.r[i] / (EARTH * Math.cos(d.y[i] * Math.PI / 180) / (256 * scale));
        if (x + rpx < -pad || y + rpx < -pad || x - rpx > size.x + pad || y - rpx > size.y + pad) continue;
        inView.push([i, x, y, rpx]);
      }
      this._hits = [];
      if (this._tip) { map.removeLayer(this._tip); this._tip = null; this._tipKey = ''; }
      var cluster = inView.length > this.options.clusterThreshold && z < this.options.clusterMaxZoom;
      this.clustered = cluster;
      if (cluster) this._drawClusters(ctx, inView);
      else this._drawClaims(ctx, inView, scale, origin);
      ctl.updateStatus();
    },
    _drawClaims: function (ctx, items, scale, origin) {
      var set = this.set, d = set.data, ctl = this.ctl, regions = d.regions || {};
      items.sort(function (a, b) { return b[3] - a[3]; });
      // Uncertainty first, widest underneath, so precise claims stay on top. A region claim
      // (an admin area, or a radius of REGION_M or more) is an outlined, hatched area: it is
      // never filled like the land, and never gets a solid point symbol. ``marks`` records what
      // each claim in view got (its mark, how its area was drawn, its label), for tests and tools.
      var marks = this.marks = {};
      for (var k = 0; k < items.length; k++) {
        var it = items[k], i = it[0], st = ctl.style(set.eventType(i));
        var a = fillOpacity(d.r[i]) * (set.faded[i] ? 0.5 : 1);
        ctx.beginPath();
        var reg = regions[d.ids[i]];
        if (reg) this._regionPath(ctx, reg, scale, origin);
        else ctx.arc(it[1], it[2], Math.max(it[3], 1), 0, 2 * Math.PI);
        if (isRegion(d, i)) {
          // hatch only areas up to a city's size; wider ones (a whole country) are outlined only
          var hatched = d.r[i] < 15000;
          if (hatched) { ctx.globalAlpha = 0.22; ctx.fillStyle = hatch(ctx, st.color); ctx.fill('evenodd'); }
          ctx.globalAlpha = 0.8; ctx.strokeStyle = st.color; ctx.lineWidth = 1.4; ctx.setLineDash([6, 4]);
          ctx.stroke(); ctx.setLineDash([]);
          marks[d.ids[i]] = { mark: 'region', area: hatched ? 'hatched' : 'outlined', label: null };
          continue;
        }
        marks[d.ids[i]] = { mark: 'point', area: 'filled', label: null };
        ctx.globalAlpha = a; ctx.fillStyle = st.color; ctx.fill('evenodd');
        ctx.globalAlpha = Math.min(0.7, 2 * a + 0.08); ctx.strokeStyle = st.color; ctx.lineWidth = 1;
        if (set.faded[i]) ctx.setLineDash([4, 3]);
        ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.globalAlpha = 1;
      var labelled = [];
      for (k = items.length - 1; k >= 0; k--) {
        it = items[k]; i = it[0];
        if (isRegion(d, i)) marks[d.ids[i]].label = drawRegionMark(ctx, ctl.style(set.eventType(i)), it[1], it[2], d.places[d.pl[i]] && placeName(d.places[d.pl[i]]), radiusWords(d.r[i]), it[3] > 60 ? labelled : null);
        else drawSymbol(ctx, ctl.style(set.eventType(i)), it[1], it[2], 5, set.ring(i), set.faded[i]);
        this._hits.push({ i: i, x: it[1], y: it[2], n: 1 });
      }
    },
    _regionPath: function (ctx, geom, scale, origin) {
      var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
      for (var p = 0; p < polys.length; p++) for (var r = 0; r < polys[p].length; r++) {
        var ring = polys[p][r];
        for (var q = 0; q < ring.length; q++) {
          var pt = this._map.project([ring[q][1], ring[q][0]], this._map.getZoom());
          ctx[q ? 'lineTo' : 'moveTo'](pt.x - origin.x, pt.y - origin.y);
        }
        ctx.closePath();
      }
    },
    _drawClusters: function (ctx, items) {
      var cell = this.options.clusterCell, cells = {}, keys = [], set = this.set, ctl = this.ctl;
      var marks = this.marks = {};
      for (var k = 0; k < items.length; k++) {
        var it = items[k], key = Math.floor(it[1] / cell) + ':' + Math.floor(it[2] / cell), c = cells[key];
        if (!c) { c = cells[key] = { n: 0, sx: 0, sy: 0, first: it[0], corr: 0 }; keys.push(key); }
        c.n++; c.sx += it[1]; c.sy += it[2];
      }
      for (k = 0; k < keys.length; k++) {
        c = cells[keys[k]];
        var x = c.sx / c.n, y = c.sy / c.n;
        if (c.n === 1) {
          // a claim alone in its cell is drawn as it would be unclustered: a region never as a solid point
          var region = isRegion(set.data, c.first), st = ctl.style(set.eventType(c.first));
          if (region) drawRegionMark(ctx, st, x, y, '', '', null);
          else drawSymbol(ctx, st, x, y, 5, set.ring(c.first), set.faded[c.first]);
          marks[set.data.ids[c.first]] = { mark: region ? 'region' : 'point', area: 'none', label: null };
          this._hits.push({ i: c.first, x: x, y: y, n: 1 });
          continue;
        }
        var rad = 9 + Math.min(14, 2.3 * Math.log(c.n));
        ctx.beginPath(); ctx.arc(x, y, rad + 3, 0, 2 * Math.PI);
        ctx.fillStyle = 'rgba(40,40,40,0.25)'; ctx.fill();
        ctx.beginPath(); ctx.arc(x, y, rad, 0, 2 * Math.PI);
        ctx.fillStyle = 'rgba(35,35,35,0.8)'; ctx.fill();
        ctx.fillStyle = '#fff'; ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
        ctx.fillText(c.n > 9999 ? Math.round(c.n / 1000) + 'k' : String(c.n), x, y);
        this._hits.push({ x: x, y: y, n: c.n, rad: rad });
      }
    },
    _hitAt: function (pt) {
      var best = [], bestCluster = null;
      for (var k = 0; k < this._hits.length; k++) {
        var h = this._hits[k], dx = h.x - pt.x, dy = h.y - pt.y, d2 = dx * dx + dy * dy;
        if (h.n > 1) { if (d2 <= h.rad * h.rad) bestCluster = h; } else if (d2 <= 81) best.push([d2, h.i]);
      }
      best.sort(function (a, b) { return a[0] - b[0]; });
      return { claims: best.map(function (b) { return b[1]; }), cluster: bestCluster };
    },
    _move: function (e) {
      var hit = this._hitAt(e.containerPoint);
      var over = hit.claims.length || hit.cluster;
      if (over) this._map.getContainer().classList.add('sm-pointer');
      else if (this._over) this._map.getContainer().classList.remove('sm-pointer');
      this._over = !!over;
      var key = hit.claims.length ? 'c' + hit.claims[0] : hit.cluster ? 'k' + hit.cluster.x + ':' + hit.cluster.y : '';
      if (key === this._tipKey) return;
      this._tipKey = key;
      if (this._tip) { this._map.removeLayer(this._tip); this._tip = null; }
      if (!key) return;
      var set = this.set, d = set.data, box;
      if (hit.claims.length) {
        var i = hit.claims[0], st = this.ctl.style(set.eventType(i)), place = d.places[d.pl[i]];
        box = words(null, [(st.label || cap(set.eventType(i))) + ' \u00b7 ' + timeWords(d.t0[i], d.t1[i], set.precision(i)) + ' \u00b7 ',
          place ? bdi(placeName(place)) : tr('unnamed place'), ' ' + radiusWords(d.r[i]),
          hit.claims.length > 1 ? ' ' + tr('(+{n} more)', { n: num(hit.claims.length - 1) }) : '']);
      } else {
        box = el('span', null, tr('{n} claims here: zoom in to see them', { n: num(hit.cluster.n) }));
      }
      this._tip = L.tooltip({ direction: 'top', offset: [0, -8], className: 'sm-tip' })
        .setLatLng(this._map.containerPointToLatLng([hit.claims.length ? this._hitXY(hit.claims[0]).x : hit.cluster.x,
          hit.claims.length ? this._hitXY(hit.claims[0]).y : hit.cluster.y]))
        .setContent(box).addTo(this._map);
    },
    _hitXY: function (i) {
      for (var k = 0; k < this._hits.length; k++) if (this._hits[k].i === i) return this._hits[k];
      return { x: 0, y: 0 };
    },
    _click: function (e) {
      var hit = this._hitAt(e.containerPoint);
      if (hit.cluster) { this._map.setView(e.latlng, Math.min(this._map.getZoom() + 2, 18)); return; }
      if (!hit.claims.length) return;
      var i = hit.claims[0], d = this.set.data;
      var content = this.ctl.claimPopup(this.set, hit.claims.slice(0, 6));
      this.ctl.openPopup([d.y[i], d.x[i]], content, this.set, hit.claims.slice(0, 6));
    }
  });

  /** Run ``fn`` once the browser has painted the current frame (or after 100 ms where frames are throttled). */
  function afterPaint(fn) {
    var done = false;
    function go() { if (!done) { done = true; setTimeout(fn, 0); } }
    requestAnimationFrame(go);
    setTimeout(go, 100);
  }

  // ---------------------------------------------------------------- the controller
  function Controller(map, cfg) {
    this.map = map; this.cfg = cfg; this.sets = []; this.layers = []; this.zoneLayers = [];
    this.pending = 0; this.errors = [];
    var init = cfg.initial || {};
    this.span = [parseDay(init.span_start), parseDay(init.span_end)];
    this.t = { day: init.date ? parseDay(init.date) : null };
    map.createPane('sitmapBoundaries').style.zIndex = 350;
    map.createPane('sitmapZones').style.zIndex = 380;
    map.createPane('sitmapClaims').style.zIndex = 420;
    map.getPane('sitmapBoundaries').style.pointerEvents = 'none';
    map.getContainer().setAttribute('data-sitmap', 'loading');
    if (cfg.no_basemap) map.getContainer().classList.add('sm-nobasemap');
    this.layerControl = new LayerControl(null, null, { collapsed: true }).addTo(map);
    var toggle = this.layerControl._layersLink;
    if (toggle) { toggle.title = tr('Layers'); toggle.setAttribute('aria-label', toggle.title); }
    this._statusControl();
    this._timeControl();
    this._legendControl();
    if (cfg.newer) this._newerControl(cfg.newer);
    this._viewFromHash();
    map.on('moveend', this._writeHash, this);
  }

  Controller.prototype.style = function (type) {
    return this.cfg.palette[type] || this.cfg.palette.other || { color: '#555', shape: 'circle', label: type };
  };

  Controller.prototype.load = function () {
    var self = this;
    // The basemap and the boundaries come after the claims' first frame: they orient, the claims
    // are what the reader came for (their bytes are preloaded meanwhile).
    this.map.getContainer().addEventListener('sitmap:drawn', function () {
      afterPaint(function () {
        if (self.cfg.offline_basemap) self._loadBasemap(self.cfg.offline_basemap);
        if (self.cfg.boundaries) self._loadBoundaries(self.cfg.boundaries);
      });
    }, { once: true });
    (this.cfg.layers || []).forEach(function (meta) {
      self.pending++;
      if (meta.tiles && window.sitmapTiles) return self._tileLayer(meta);
      var got = meta.data ? Promise.resolve(meta.data) : fetch(meta.data_url, { credentials: 'same-origin', mode: 'cors' }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      });
      got.then(function (data) { self._addLayer(meta, data); })
        .catch(function (err) { self.errors.push([meta.title, err.message]); })
        .then(function () { self.pending--; self._loaded(); });
    });
    if (!this.pending) this._loaded();
  };

  /** sitmap's offline basemap (sitmap-basemap.js): land, sea, neighbourhoods, Wadi Gaza, labels.
   *  Drawn once the claims are; the map container's data-basemap says 'drawn' or 'error'. */
  Controller.prototype._loadBasemap = function (src) {
    var self = this, c = this.map.getContainer();
    if (!window.SitmapBasemap) return;
    window.SitmapBasemap.load(this.map, src, { lang: this.cfg.lang })
      .then(function (group) {
        self.basemap = group;
        if (self._fitAttribution) self._fitAttribution();  // its credits lengthen the attribution
      })
      .catch(function (err) { self.errors.push([tr('Basemap'), err.message]); c.setAttribute('data-basemap', 'error'); });
  };

  /** The context boundaries (drawn once the claims are); the map container's data-boundaries says 'drawn' or 'error'. */
  Controller.prototype._loadBoundaries = function (b) {
    var self = this, c = this.map.getContainer();
    var got = typeof b === 'string' ? fetch(b, { credentials: 'same-origin', mode: 'cors' }).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); }) : Promise.resolve(b);
    got.then(function (fc) {
      var lyr = L.geoJSON(fc, {
        pane: 'sitmapBoundaries', interactive: false, attribution: typeof fc.attribution === 'string' ? fc.attribution.replace(/[<>&]/g, '') : '',
        style: function (f) {
          var lvl = f.properties && f.properties.level;
          var land = !!self.cfg.no_basemap && !self.cfg.offline_basemap && lvl !== 'adm2';
          return lvl === 'country' ? { color: '#777', weight: 1, fill: land, fillColor: '#fbfbf7', fillOpacity: 1, dashArray: '4 3' }
            : lvl === 'adm1' || lvl === 'adm0' ? { color: '#333', weight: 2.2, fill: land, fillColor: '#fbfbf7', fillOpacity: 1 }
            : { color: '#555', weight: 1, fill: false, opacity: 0.8 };
        }
      }).addTo(self.map);
      self.layerControl.addOverlay(lyr, tr('Boundaries'));
      self.boundsLayer = lyr;
      c.setAttribute('data-boundaries', 'drawn');
      if (self._fitAttribution) self._fitAttribution();  // their credits lengthen the attribution
    }).catch(function (err) { self.errors.push([tr('Boundaries'), err.message]); c.setAttribute('data-boundaries', 'error'); });
  };

  Controller.prototype._addLayer = function (meta, data) {
    if (data.kind === 'zones') return this._addZones(meta, data);
    var set = new ClaimSet(meta, data);
    this.sets.push(set);
    set.filter(this.t);
    var lyr = new ClaimCanvas(set, this, { clusterThreshold: this.cfg.cluster_threshold || 1500 });
    lyr.addTo(this.map);
    this.layers.push(lyr);
    this.layerControl.addOverlay(lyr, { user: meta.title, words: '(claims)' });
    if (data.time_span) this._widenSpan(data.time_span);
  };

  /** A large claims layer fed from its vector tiles (sitmap-tiles.js): its claims are those in view. */
  Controller.prototype._tileLayer = function (meta) {
    var self = this, first = true, current = null;
    new window.sitmapTiles.TileFeed(this, meta, function (data) {
      if (current) {
        self.map.removeLayer(current.lyr);
        self.layerControl.removeLayer(current.lyr);
        self.sets.splice(self.sets.indexOf(current.set), 1);
        self.layers.splice(self.layers.indexOf(current.lyr), 1);
      }
      self._addLayer(meta, data);
      current = { set: self.sets[self.sets.length - 1], lyr: self.layers[self.layers.length - 1] };
      if (first) { first = false; self._viewSet = true; self.pending--; self._loaded(); } else { self.updateStatus(); }
    }).refresh();
  };

  Controller.prototype._addZones = function (meta, fc) {
    var self = this;
    var lyr = L.geoJSON(fc, {
      pane: 'sitmapZones',
      style: function (f) { return self._zoneStyle(f); },
      // through openPopup, so a phone shows an order in the bottom sheet as it shows a claim
      onEachFeature: function (f, l) { l.on('click', function (e) { self.openPopup(e.latlng, self.zonePopup(f)); }); }
    }).addTo(this.map);
    lyr.sitmapMeta = meta;
    this.zoneLayers.push(lyr);
    this.gaps = (this.gaps || []).concat(fc.known_gaps || []);
    this.layerControl.addOverlay(lyr, { user: meta.title, words: '(zones)' });
    if (fc.time_span) this._widenSpan(fc.time_span);
  };

  Controller.prototype._zoneState = function (p) {
    if (p.status === 'retracted') return 'hidden';
    var from = isoTime(p.effective_from), lifted = isoTime(p.lifted_at);
    if (this.t.day === null) return lifted !== null ? 'lifted' : 'active';
    var a = this.t.day, b = this.t.day + DAY;
    if (from !== null && from >= b) return 'hidden';
    if (lifted !== null && lifted <= a) return 'lifted';
    return 'active';
  };
  Controller.prototype._zoneStyle = function (f) {
    var p = f.properties || {}, st = this._zoneState(p);
    var zs = (this.cfg.zone_palette || {})[p.order_type] || { color: '#7b3294' };
    if (st === 'hidden') return { opacity: 0, fillOpacity: 0, interactive: false };
    if (st === 'lifted') return { color: zs.color, weight: 1.2, dashArray: '5 4', fillColor: zs.color, fillOpacity: 0.04, opacity: 0.7 };
    return { color: zs.color, weight: 2, fillColor: zs.color, fillOpacity: 0.22, opacity: 0.95 };
  };
  Controller.prototype._restyleZones = function () {
    var self = this, shown = 0;
    this.zoneLayers.forEach(function (lyr) {
      lyr.eachLayer(function (l) {
        var st = self._zoneState(l.feature.properties || {});
        l.setStyle(self._zoneStyle(l.feature));
        var path = l.getElement && l.getElement();
        if (path) path.style.pointerEvents = st === 'hidden' ? 'none' : '';
        if (st !== 'hidden') shown++;
      });
    });
    this.zonesShown = shown;
  };

  Controller.prototype._widenSpan = function (span) {
    var a = parseDay(span[0]), b = parseDay(span[1]);
    if (a !== null && (this.span[0] === null || a < this.span[0])) this.span[0] = a;
    if (b !== null && (this.span[1] === null || b > this.span[1])) this.span[1] = b;
  };

  Controller.prototype._loaded = function () {
    if (this.pending > 0) return;
    this._restyleZones();
    this._setupSlider();
    this._legendFromData();
    if (!this._viewSet) this._fitData();
    this.updateStatus();
    var c = this.map.getContainer();
    c.setAttribute('data-sitmap', this.errors.length ? 'error' : 'drawn');
    window.sitmapDrawnAt = performance.now();
    c.dispatchEvent(new CustomEvent('sitmap:drawn', { bubbles: true }));
  };

  /** Fit the view to what is shown: the claims of the day (2nd-98th percentile when many) and shown zones. */
  Controller.prototype._fitData = function () {
    var xs = [], ys = [], self = this;
    this.sets.forEach(function (s) {
      for (var i = 0; i < s.n; i++) if (s.visible[i]) { xs.push(s.data.x[i]); ys.push(s.data.y[i]); }
    });
    var b = null;
    if (xs.length > 2) {
      // A talk in Doha or a statement from Cairo should not zoom the map out to half a
      // continent: fit to the points within ~3 degrees of the median, when there are any.
      var mx = xs.slice().sort(function (a, c) { return a - c; })[xs.length >> 1];
      var my = ys.slice().sort(function (a, c) { return a - c; })[ys.length >> 1];
      var nx = [], ny = [];
      for (var j = 0; j < xs.length; j++) {
        if (Math.abs(xs[j] - mx) < 3 && Math.abs(ys[j] - my) < 3) { nx.push(xs[j]); ny.push(ys[j]); }
      }
      if (nx.length) { xs = nx; ys = ny; }
    }
    if (xs.length) {
      xs.sort(function (a, c) { return a - c; }); ys.sort(function (a, c) { return a - c; });
      var k = xs.length > 20 ? Math.floor(xs.length * 0.02) : 0, m = xs.length - 1 - k;
      b = L.latLngBounds([ys[k], xs[k]], [ys[m], xs[m]]);
    }
    this.zoneLayers.forEach(function (lyr) {
      lyr.eachLayer(function (l) {
        if (self._zoneState(l.feature.properties || {}) === 'hidden') return;
        var lb = l.getBounds();
        if (lb.isValid()) b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
      });
    });
    if (b && b.isValid()) this.map.fitBounds(b.pad(0.1), { maxZoom: 14, animate: false });
  };

  /** Open a popup with ``content`` at ``latlng`` for claims ``idx`` of ``set`` (sitmap-reader.js may show a sheet instead). */
  Controller.prototype.openPopup = function (latlng, content) {
    var p = L.popup({ maxWidth: 420, minWidth: 240, className: 'sm-popup', autoPanPaddingTopLeft: [10, 40] }).setLatLng(latlng).setContent(content).openOn(this.map);
    if (p._closeButton) p._closeButton.setAttribute('aria-label', tr('Close'));
    return p;
  };

  Controller.prototype.drawnCount = function () {
    var n = 0, map = this.map;
    this.layers.forEach(function (l) { if (map.hasLayer(l)) n += l.set.shown; });
    return n;
  };

  // ---------------------------------------------------------------- time control
  Controller.prototype._timeControl = function () {
    var self = this;
    var C = L.Control.extend({
      options: { position: 'bottomleft' },
      onAdd: function () {
        var box = el('div', 'sm-time leaflet-bar');
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        var prev = add(box, el('button', 'sm-step', '\u25c0')); prev.type = 'button'; prev.title = tr('Previous day'); prev.setAttribute('aria-label', prev.title);
        var range = add(box, el('input', 'sm-range')); range.type = 'range'; range.min = 0; range.max = 0; range.value = 0;
        range.setAttribute('aria-label', tr('Day shown'));
        var next = add(box, el('button', 'sm-step', '\u25b6')); next.type = 'button'; next.title = tr('Next day'); next.setAttribute('aria-label', next.title);
        var lab = add(box, el('span', 'sm-date', ''));
        var allLab = add(box, el('label', 'sm-all'));
        var all = add(allLab, el('input')); all.type = 'checkbox';
        add(allLab, document.createTextNode(' ' + tr('all dates')));
        self.ui = { prev: prev, next: next, range: range, label: lab, all: all };
        range.addEventListener('input', function () { self.setDay(self.span[0] + (+range.value) * DAY); });
        prev.addEventListener('click', function () { self.step(-1); });
        next.addEventListener('click', function () { self.step(1); });
        all.addEventListener('change', function () {
          if (all.checked) self.setDay(null); else self.setDay(self.span[0] + (+range.value) * DAY);
        });
        return box;
      }
    });
    new C().addTo(this.map);
  };
  Controller.prototype._setupSlider = function () {
    var ui = this.ui, a = this.span[0], b = this.span[1];
    if (a === null || b === null) {
      // Nothing dated to step through: keep the requested day (or all dates) as it is.
      ui.range.disabled = ui.prev.disabled = ui.next.disabled = true;
      ui.all.checked = this.t.day === null; ui.all.disabled = true;
      this._labelTime();
      return;
    }
    ui.range.max = Math.round((b - a) / DAY);
    if (this.t.day !== null) ui.range.value = Math.round((Math.min(Math.max(this.t.day, a), b) - a) / DAY);
    ui.all.checked = this.t.day === null;
    this._labelTime();
  };
  Controller.prototype._labelTime = function () {
    var init = this.cfg.initial || {};
    if (this.t.day !== null) this.ui.label.textContent = fmtDay(this.t.day);
    else if (init.interval && init.span_start && init.span_end) this.ui.label.textContent = fmtDay(parseDay(init.span_start)) + ' \u2013 ' + fmtDay(parseDay(init.span_end));
    else if (init.interval) this.ui.label.textContent = init.interval;
    else if (this.span[0] !== null) this.ui.label.textContent = fmtDay(this.span[0]) + ' \u2013 ' + fmtDay(this.span[1]);
    else this.ui.label.textContent = tr('all dates');
  };
  Controller.prototype.step = function (k) {
    if (this.span[0] === null) return;
    var cur = this.t.day === null ? (k > 0 ? this.span[0] - DAY : this.span[1] + DAY) : this.t.day;
    var d = Math.min(Math.max(cur + k * DAY, this.span[0]), this.span[1]);
    this.ui.range.value = Math.round((d - this.span[0]) / DAY);
    this.setDay(d);
  };
  /** Show one UTC day (seconds since epoch of its midnight) or, with null, every date. */
  Controller.prototype.setDay = function (day) {
    this.t.day = day;
    this.ui.all.checked = day === null;
    var t = this.t;
    this.sets.forEach(function (s) { s.filter(t); });
    this.layers.forEach(function (l) { l.redraw(); });
    this._restyleZones();
    this._labelTime();
    this.updateStatus();
    this._writeUrl();
  };

  // ---------------------------------------------------------------- URL state
  Controller.prototype._writeUrl = function () {
    if (!window.history || !history.replaceState) return;
    var u = new URL(window.location.href);
    if (this.t.day !== null) u.searchParams.set('datetime', isoDay(this.t.day));
    else if ((this.cfg.initial || {}).datetime_interval) u.searchParams.set('datetime', this.cfg.initial.datetime_interval);
    else u.searchParams.delete('datetime');
    history.replaceState(null, '', u.toString());
    if (this.onUrl) this.onUrl(u);
    document.dispatchEvent(new CustomEvent('sitmap:view', { detail: { datetime: u.searchParams.get('datetime') } }));
  };
  Controller.prototype._writeHash = function () {
    if (!window.history || !history.replaceState) return;
    var c = this.map.getCenter(), z = this.map.getZoom();
    var u = new URL(window.location.href);
    u.hash = z + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5);
    history.replaceState(null, '', u.toString());
    if (this.onUrl) this.onUrl(u);
  };
  Controller.prototype._viewFromHash = function () {
    var m = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(window.location.hash || '');
    var bb = (this.cfg.initial || {}).bbox;
    if (m) { this.map.setView([+m[2], +m[3]], +m[1], { animate: false }); this._viewSet = true; }
    else if (bb) { this.map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]], { animate: false }); this._viewSet = true; }
  };

  // ---------------------------------------------------------------- status, legend, newer
  Controller.prototype._statusControl = function () {
    var self = this;
    var C = L.Control.extend({
      options: { position: 'topright' },
      onAdd: function () { var d = el('div', 'sm-status', tr('Loading\u2026')); d.setAttribute('role', 'status'); self.statusEl = d; return d; }
    });
    new C().addTo(this.map);
  };
  /** Claims without a place in the data (the reader narrows this to the day and filters shown). */
  Controller.prototype.unlocatedCount = function () {
    var n = 0;
    this.sets.forEach(function (s) { n += s.data.unlocated || 0; });
    return n;
  };
  Controller.prototype.updateStatus = function () {
    if (!this.statusEl) return;
    if (this.pending > 0) { this.statusEl.textContent = tr('Loading\u2026'); return; }
    var n = this.drawnCount(), parts = [];
    if (this.layers.length || !this.zoneLayers.length) parts.push(n === 1 && !this.translated ? '1 claim' : tr('{n} claims', { n: num(n) }));
    var unlocated = this.unlocatedCount();
    if (this.zoneLayers.length) parts.push(tr('{n} zones', { n: num(this.zonesShown || 0) }));
    parts.push(this.t.day !== null ? fmtDay(this.t.day) : tr('all dates'));
    if (this.cfg.as_of_label) parts.push(tr('as known {when}', { when: this.cfg.as_of_label }));
    if (unlocated) parts.push(tr('{n} without a place, not drawn', { n: num(unlocated) }));
    var clustered = 0, tc = this.tileClusters || {};
    Object.keys(tc).forEach(function (k) { clustered += tc[k]; });
    if (clustered) parts.push(tr('{n} more in clusters: zoom in', { n: num(clustered) }));
    var gap = this.gapWords();
    if (gap) parts.push(gap);
    this.statusEl.textContent = parts.join(' \u00b7 ');
    if (this.errors.length) {
      var msg = el('span', 'sm-error');
      this.errors.forEach(function (e, k) { if (k) add(msg, document.createTextNode('; ')); add(msg, fill(null, 'Could not load {what}: {error}', { what: bdi(e[0]), error: e[1] })); });
      add(this.statusEl, msg).style.display = 'block';
    }
    var c = this.map.getContainer();
    c.setAttribute('data-drawn-claims', String(n));
    c.setAttribute('data-drawn-zones', String(this.zonesShown || 0));
  };
  /** Words saying the day's record of orders is known to be incomplete ('' when it is not known to be). */
  Controller.prototype.gapWords = function () {
    // the known gaps are evacuation orders (issued on or before the day, never lifted): said while those are shown
    var day = this.t.day, o = this.filters && this.filters.orders;
    var n = (o && !o.evacuate ? [] : this.gaps || []).filter(function (g) { return day === null || parseDay(g.date) <= day; }).length;
    return !n ? '' : n === 1 ? tr('record incomplete: 1 known order not drawn') : tr('record incomplete: {n} known orders not drawn', { n: num(n) });
  };
  Controller.prototype._newerControl = function (newer) {
    var C = L.Control.extend({
      options: { position: 'topright' },
      onAdd: function () {
        var d = el('div', 'sm-newer');
        var a = add(d, el('a', null, tr(newer.text || 'Newer reports exist: open the current map')));
        a.href = newer.url; a.target = '_blank'; a.rel = 'noopener noreferrer';
        return d;
      }
    });
    new C().addTo(this.map);
  };
  Controller.prototype._legendControl = function () {
    var self = this, cfg = this.cfg;
    var C = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        var box = el('details', 'sm-legend');
        if (!cfg.embed && self.map.getSize().y >= 600) box.open = true;
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        add(box, el('summary', null, tr('Legend')));
        self.legendBody = add(box, el('div', 'sm-leg-body'));
        self._fillLegend(cfg.legend_types || Object.keys(cfg.palette), true);
        return box;
      }
    });
    new C().addTo(this.map);
  };
  /** (Re)build the legend: the event types drawn (all of them until data is known). */
  Controller.prototype._fillLegend = function (types, withZones) {
    var self = this, cfg = this.cfg, box = this.legendBody;
    box.textContent = '';
    // types and order types in two columns, "lifted" said once and the page's own note not
    // repeated: one long column covered a third of a desktop map
    var grid = add(box, el('div', 'sm-leg-grid'));
    types.forEach(function (t) {
      var row = add(grid, el('div', 'sm-leg-row'));
      add(row, symbolIcon(self.style(t), false, false));
      add(row, el('span', null, self.style(t).label || cap(t)));
    });
    var grey = { color: '#888', shape: 'circle' };
    // how claims are drawn: said only where claims are (a map of orders alone has none)
    [['corroborated', false, 'corroborated: 2+ independent sources'],
      ['disputed', false, 'disputed: claimants contradict each other'],
      ['', true, 'time known only to a week or month']].forEach(function (r) {
      if (!types.length) return;
      var row = add(box, el('div', 'sm-leg-row'));
      add(row, symbolIcon(grey, r[0], r[1]));
      add(row, el('span', null, tr(r[2])));
    });
    var r3 = types.length && add(box, el('div', 'sm-leg-row'));
    if (r3) { add(r3, el('span', 'sm-sw sm-sw-unc')); add(r3, el('span', null, tr('shaded circle or area: where it may have happened (paler = vaguer)'))); }
    if (withZones) {
      var zgrid = add(box, el('div', 'sm-leg-grid'));
      Object.keys(cfg.zone_palette || {}).forEach(function (k) {
        var zs = cfg.zone_palette[k];
        var row = add(zgrid, el('div', 'sm-leg-row'));
        row.setAttribute('data-order-type', k);
        var sw = add(row, el('span', 'sm-sw')); sw.style.background = zs.color; sw.style.borderColor = zs.color;
        add(row, el('span', null, zs.label || cap(k)));
      });
      var lifted = add(zgrid, el('div', 'sm-leg-row'));
      add(lifted, el('span', 'sm-sw sm-sw-lifted'));
      add(lifted, el('span', null, tr('lifted')));
    }
    (cfg.layers || []).forEach(function (l) { if (l.note) add(box, el('div', 'sm-leg-note sm-leg-reviewed', l.note)); });
    // the /maps page says so in its header; an embed, a map file or a notebook only here
    if (!document.querySelector('.sm-header')) add(box, el('div', 'sm-leg-note', tr('Every feature is a claim: who says so is in its popup.')));
  };
  Controller.prototype._legendFromData = function () {
    var present = {};
    this.sets.forEach(function (s) { s.data.event_types.forEach(function (t) { present[t] = true; }); });
    var types = (this.cfg.legend_types || Object.keys(this.cfg.palette)).filter(function (t) { return present[t]; });
    this._fillLegend(types, this.zoneLayers.length > 0);
  };

  // ---------------------------------------------------------------- popups
  function row(parent, name, value) {
    var r = add(parent, el('div', 'sm-row'));
    add(r, el('span', 'sm-k', tr(name)));
    if (typeof value === 'string') add(r, el('span', 'sm-v', value)); else add(r, value);
    return r;
  }
  function link(url, text) {
    var ok = /^https?:\/\//i.test(url || '');
    var a = el(ok ? 'a' : 'span', 'sm-v');
    add(a, bdi(text || url || ''));
    if (ok) { a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    return a;
  }
  function countWords(p, k) {
    var best = p[k], lo = p[k + '_low'], hi = p[k + '_high'];
    if (best === null && lo === null && hi === null) return null;
    if (best === undefined && lo === undefined && hi === undefined) return null;
    var s = best !== null && best !== undefined ? String(best) : '';
    if ((lo !== null && lo !== undefined) || (hi !== null && hi !== undefined)) s += (s ? ' ' : '') + '(' + (lo === null || lo === undefined ? '?' : lo) + '\u2013' + (hi === null || hi === undefined ? '?' : hi) + ')';
    return s;
  }
  /** "according to X" (``colon``: before a quote), with the claimant (or source) isolated from sitmap's words. */
  function said(claimant, source, colon) {
    var who = claimant || source;
    return fill('sm-v', colon ? '{who} said:' : '{who} said so', { who: who ? bdi(who) : tr('An unnamed source') });
  }
  /** Data words (a status, a conflict, a flag) in the reader's language: a known kind before ':' is translated. */
  function dataWords(s) {
    var k = String(s || '').split(':')[0];
    return I18N.messages && I18N.messages[k] ? tr(k) + String(s).slice(k.length) : label(s);
  }

  Controller.prototype.claimPopup = function (set, idx) {
    var self = this, box = el('div', 'sm-pop');
    if (idx.length > 1) add(box, el('div', 'sm-pop-many', tr('{n} claims here', { n: num(idx.length) })));
    var seen = {};
    idx.forEach(function (i) {
      var k = set.data.inc ? set.data.inc[i] : -1;
      add(box, self._claimCard(set, i, k >= 0 && seen[k]));
      if (k >= 0) seen[k] = true;
    });
    return box;
  };

  Controller.prototype._claimCard = function (set, i, incidentShown) {
    var self = this, d = set.data, card = el('div', 'sm-card');
    var type = set.eventType(i), st = this.style(type);
    var head = add(card, el('div', 'sm-head'));
    add(head, claimIcon(set, i, st));
    add(head, el('strong', null, st.label || cap(type)));
    add(head, el('span', 'sm-badge sm-' + d.statuses[d.s[i]], tr(d.statuses[d.s[i]])));
    row(card, 'When', timeWords(d.t0[i], d.t1[i], set.precision(i)));
    var place = d.places[d.pl[i]];
    row(card, 'Where', words('sm-v', [place ? bdi(placeName(place)) : tr('unnamed place'), d.r[i] !== null ? ' ' + radiusWords(d.r[i]) : '']));
    var method = d.methods ? d.methods[d.m[i]] : null;
    if (method && this.cfg.method_words && this.cfg.method_words[method]) row(card, 'How placed', tr(this.cfg.method_words[method]));
    var claimant = d.claimants[d.c[i]], source = d.sources[d.src[i]];
    var who = row(card, 'Who says', said(claimant, source));
    var detail = add(card, el('div', 'sm-detail', tr('Loading source and quote\u2026')));
    var inc = set.incident(i);
    if (d.incidents_inline === false && set.meta.data_url) {
      var slot = add(card, el('div', 'sm-detail', tr('Checking other sources\u2026')));
      this._fetchIncident(set, i, slot);
    } else if (inc) {
      row(card, 'Sources', tr('{n} independent ({status})', { n: num(inc.independent_sources), status: tr(inc.status) }));
      var members = (set.byInc[d.inc[i]] || []).filter(function (j) { return j !== i; });
      if (!incidentShown && (members.length || (inc.conflicts && inc.conflicts.length))) add(card, this._sideBySide(set, [i].concat(members), inc));
    } else {
      row(card, 'Sources', tr('1 (single source)'));
    }
    this._details(set, d.ids[i], detail, who);
    return card;
  };

  /** For large layers: ask the server which claims are about the same event as claim i. */
  Controller.prototype._fetchIncident = function (set, i, slot) {
    var self = this, meta = set.meta, id = set.data.ids[i];
    var u = new URL(meta.data_url, window.location.href);
    u.pathname = u.pathname.replace(/\/data\.json$/, '/incident/' + encodeURIComponent(id) + '.json');
    fetch(u.toString()).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (resp) {
      slot.textContent = '';
      var inc = resp.incident;
      if (!inc) { row(slot, 'Sources', tr('1 (single source)')); return; }
      row(slot, 'Sources', tr('{n} independent ({status})', { n: num(inc.independent_sources), status: tr(inc.status) }));
      var others = new ClaimSet(meta, resp), me = resp.ids.indexOf(id), order = [me];
      for (var j = 0; j < others.n; j++) if (j !== me) order.push(j);
      if (order.length > 1 || (inc.conflicts && inc.conflicts.length)) add(slot, self._sideBySide(others, order, inc));
    }).catch(function (err) { slot.textContent = tr('Other sources unavailable ({error})', { error: err.message }); });
  };

  Controller.prototype._sideBySide = function (set, members, inc) {
    var d = set.data, wrap = el('div', 'sm-side');
    if (inc.conflicts && inc.conflicts.length) add(wrap, el('div', 'sm-conflict', tr('Claims differ on: {list}', { list: inc.conflicts.map(dataWords).join(', ') })));
    var table = add(wrap, el('table', 'sm-cmp'));
    function user(text) { return text ? bdi(text) : '?'; }
    var rows = [['Who', function (j) { return words(null, [user(d.claimants[d.c[j]] || d.sources[d.src[j]])]); }],
      ['Source', function (j) { return words(null, [user(d.sources[d.src[j]])]); }],
      ['When', function (j) { return timeWords(d.t0[j], d.t1[j], set.precision(j)); }],
      ['Where', function (j) { return words(null, [user(d.places[d.pl[j]] && placeName(d.places[d.pl[j]])), ' ' + radiusWords(d.r[j])]); }],
      ['Killed (claimed)', function (j) { return d.f && d.f[j] !== null ? num(d.f[j]) : '\u2013'; }],
      ['Status', function (j) { return tr(d.statuses[d.s[j]]); }]];
    members = members.slice(0, 4);
    rows.forEach(function (r) {
      var line = add(table, el('tr'));
      add(line, el('th', null, tr(r[0])));
      // each value in its own cell (a node used to land in the row itself, outside any cell)
      members.forEach(function (j) { var v = r[1](j), td = add(line, el('td')); if (typeof v === 'string') td.textContent = v; else add(td, v); });
    });
    return wrap;
  };

  Controller.prototype._details = function (set, id, target, who) {
    var meta = set.meta;
    if (!meta.items_url) { target.textContent = ''; return; }
    var u = meta.items_url + '/' + encodeURIComponent(id) + (meta.as_of ? '?as_of=' + encodeURIComponent(meta.as_of) : '');
    fetch(u, { headers: { Accept: 'application/geo+json' } }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (f) {
      var p = f.properties || {};
      target.textContent = '';
      if (p.quote) {
        who.replaceChild(said(p.claimant, p.source, true), who.lastChild);
        var q = add(target, el('blockquote', 'sm-quote'));
        q.setAttribute('dir', 'auto');
        add(q, words(null, ['\u201c', bdi(p.quote), '\u201d']));
      }
      var counts = [['Killed (as claimed)', 'fatalities'], ['Injured (as claimed)', 'injured']];
      counts.forEach(function (c) {
        var w = countWords(p, c[1]), said = p[c[1] + '_text'];
        // the words as written ("dozens") first: a range alone would read as a figure someone gave
        if (w) row(target, c[0], said ? words('sm-v', [bdi(said), ' \u00b7 ' + w]) : w);
      });
      var src = el('span', 'sm-v');
      add(src, link(p.url, p.source || p.url || tr('source')));
      if (p.report_id) { add(src, document.createTextNode(' ')); add(src, fill('sm-muted', 'report {id}', { id: bdi(p.report_id) })); }
      row(target, 'Source', src);
      if (p.coarsened_to) row(target, 'Published as', fill('sm-v', 'location coarsened to {place}', { place: bdi(placeName(p.coarsened_to)) }));
      row(target, 'Checked', tr(p.review && p.review !== 'machine' ? 'checked by an editor' : 'machine reading, not yet checked'));
      if (p.status === 'disputed') row(target, 'Status', tr('disputed: another account in the reports contradicts this one'));
      // how the claim was read (an inferred claimant, a place taken from the sentence before ...)
      if (p.notes) row(target, 'How it was read', words('sm-v sm-muted', [bdi(p.notes)]));
      var at = p.recorded_at ? isoTime(p.recorded_at) : null;
      row(target, 'Recorded', tr('{time} UTC, version {v}, {review} review', { time: at === null ? '?' : fmtDay(at) + ' ' + hhmm(at), v: num(p.version || 1), review: tr(p.review || 'machine') }));
    }).catch(function (err) { target.textContent = tr('Details unavailable ({error})', { error: err.message }); });
  };

  Controller.prototype.zonePopup = function (f) {
    var p = f.properties || {}, box = el('div', 'sm-pop'), card = add(box, el('div', 'sm-card'));
    var zs = (this.cfg.zone_palette || {})[p.order_type] || {};
    var head = add(card, el('div', 'sm-head'));
    add(head, el('strong', null, zs.label || cap(p.order_type)));
    var st = this._zoneState(p);
    add(head, el('span', 'sm-badge', tr(st === 'active' ? 'in force' : st)));
    if (p.title) row(card, 'Order', words('sm-v', [bdi(p.title)]));
    row(card, 'Issued', p.issued_at ? fmtDay(isoTime(p.issued_at)) : '?');
    row(card, 'In force', (p.effective_from ? fmtDay(isoTime(p.effective_from)) : '?') + ' \u2013 ' + (p.lifted_at ? fmtDay(isoTime(p.lifted_at)) : tr('not lifted')));
    row(card, 'Who says', fill('sm-v', '{who} ordered this', { who: p.issuer ? bdi(p.issuer) : tr('unknown issuer') }));
    if (p.block_ids && p.block_ids.length) row(card, 'Blocks', words('sm-v', [bdi(p.block_ids.join(', '))]));
    if (p.approx_block_ids && p.approx_block_ids.length) row(card, 'Approximate', words('sm-v', [bdi(p.approx_block_ids.join(', ')), ' ' + tr('(parent block used)')]));
    if (p.area_km2 !== null && p.area_km2 !== undefined) row(card, 'Area', tr('{n} km\u00b2', { n: num(Number(p.area_km2).toFixed(1)) }) + (p.stated_area_km2 ? ' ' + tr('(stated {n} km\u00b2)', { n: num(p.stated_area_km2) }) : ''));
    if (p.flags && p.flags.length) row(card, 'Flags', p.flags.map(dataWords).join(', '));
    var src = el('span', 'sm-v'); add(src, link(p.url, p.source || p.url || tr('source')));
    row(card, 'Source', src);
    return box;
  };

  // ---------------------------------------------------------------- entry point
  /** Attach sitmap layers to a Leaflet ``map`` according to ``cfg`` (built by mapbuilder.py). */
  function init(map, cfg) {
    if (cfg.i18n) I18N = cfg.i18n;
    var ctl = new Controller(map, cfg);
    window.sitmapMaps = window.sitmapMaps || [];
    window.sitmapMaps.push(ctl);
    ctl.load();
    return ctl;
  }

  window.SitmapMap = {
    init: init, timeWords: timeWords, radiusWords: radiusWords, fillOpacity: fillOpacity,
    // for sitmap-reader.js (list, filters, time histogram, mobile popups), which extends these
    Controller: Controller, ClaimSet: ClaimSet, symbolIcon: symbolIcon, claimIcon: claimIcon, drawSymbol: drawSymbol,
    util: { el: el, add: add, bdi: bdi, fill: fill, tr: tr, num: num, fmtDay: fmtDay, placeName: placeName, dataWords: dataWords, dayStart: dayStart, isoDay: isoDay, parseDay: parseDay, afterPaint: afterPaint }
  };
})();
