/*
 * sitmap vector-tile mode: large claim layers come from OGC API - Tiles instead of one data file.
 *
 * A layer whose config carries `tiles` (the server sets it above SITMAP_MAP_TILES_THRESHOLD
 * claims) is fed from the Mapbox Vector Tiles of the current view: on every move the
 * tiles at the view's zoom are fetched (at most 6 at a time, each once), decoded here
 * (a small protobuf reader: no library, no CDN) and handed to the map as the same
 * compact columns /maps/{id}/data.json has, so drawing, uncertainty circles, popups,
 * the day stepper and the list work unchanged on the claims in view. Grid clusters
 * of crowded tiles (`<id>-clusters`) are drawn as count markers; zoom in to see claims.
 */
(function () {
  'use strict';

  /* ---------------------------------------------------------------- protobuf */

  function Reader(buf) { this.buf = buf; this.pos = 0; }
  Reader.prototype.varint = function () {
    var b, result = 0, shift = 0;
    do {
      b = this.buf[this.pos++];
      result += (b & 0x7f) * Math.pow(2, shift);
      shift += 7;
    } while (b >= 0x80);
    return result;
  };
  Reader.prototype.svarint = function () { var n = this.varint(); return n % 2 === 1 ? (n + 1) / -2 : n / 2; };
  Reader.prototype.bytes = function () { var n = this.varint(), s = this.pos; this.pos += n; return this.buf.subarray(s, s + n); };
  Reader.prototype.string = function () { return new TextDecoder('utf-8').decode(this.bytes()); };
  Reader.prototype.double = function () { var v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true); this.pos += 8; return v; };
  Reader.prototype.float = function () { var v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true); this.pos += 4; return v; };
  Reader.prototype.skip = function (wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new Error('unknown wire type ' + wire);
  };
  Reader.prototype.fields = function (end, fn) {
    while (this.pos < end) {
      var key = this.varint();
      if (fn(key >> 3, key & 7) === false) this.skip(key & 7);
    }
  };

  function readValue(r) {
    var end = r.varint() + r.pos, v = null;
    r.fields(end, function (f, w) {
      if (f === 1) v = r.string();
      else if (f === 2) v = r.float();
      else if (f === 3) v = r.double();
      else if (f === 4 || f === 5) v = r.varint();
      else if (f === 6) v = r.svarint();
      else if (f === 7) v = r.varint() === 1;
      else return false;
    });
    return v;
  }

  function packed(r) { var end = r.varint() + r.pos, out = []; while (r.pos < end) out.push(r.varint()); return out; }

  /** The first point of a feature's geometry commands, in tile units (points are all sitmap needs here). */
  function firstPoint(cmds) {
    var x = 0, y = 0;
    if (!cmds.length || (cmds[0] & 7) !== 1) return null;
    x += (cmds[1] >> 1) ^ -(cmds[1] & 1);
    y += (cmds[2] >> 1) ^ -(cmds[2] & 1);
    return [x, y];
  }

  /** {layerName: {extent, features: [{props, x, y}]}} of an MVT buffer (point features). */
  function decode(buf) {
    var r = new Reader(new Uint8Array(buf)), layers = {};
    r.fields(r.buf.length, function (f) {
      if (f !== 3) return false;
      var end = r.varint() + r.pos, name = '', extent = 4096, keys = [], values = [], raw = [];
      r.fields(end, function (lf) {
        if (lf === 1) name = r.string();
        else if (lf === 5) extent = r.varint();
        else if (lf === 3) keys.push(r.string());
        else if (lf === 4) values.push(readValue(r));
        else if (lf === 2) {
          var fend = r.varint() + r.pos, tags = [], geom = [];
          r.fields(fend, function (ff) {
            if (ff === 2) tags = packed(r);
            else if (ff === 4) geom = packed(r);
            else return false;
          });
          raw.push({ tags: tags, geom: geom });
        } else return false;
      });
      layers[name] = {
        extent: extent,
        features: raw.map(function (ft) {
          var props = {};
          for (var i = 0; i + 1 < ft.tags.length; i += 2) props[keys[ft.tags[i]]] = values[ft.tags[i + 1]];
          var p = firstPoint(ft.geom);
          return { props: props, x: p ? p[0] : null, y: p ? p[1] : null };
        })
      };
    });
    return layers;
  }

  /* ------------------------------------------------------------ tile geometry */

  function toLonLat(z, col, row, px, py, extent) {
    var n = Math.pow(2, z), x = (col + px / extent) / n, y = (row + py / extent) / n;
    var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180 / Math.PI;
    return [x * 360 - 180, lat];
  }

  function tilesInView(map, z) {
    var b = map.getBounds(), n = Math.pow(2, z), out = [];
    function col(lon) { return Math.max(0, Math.min(n - 1, Math.floor((lon + 180) / 360 * n))); }
    function row(lat) {
      var r = lat * Math.PI / 180;
      return Math.max(0, Math.min(n - 1, Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n)));
    }
    var c0 = col(b.getWest()), c1 = col(b.getEast()), r0 = row(b.getNorth()), r1 = row(b.getSouth());
    for (var r = r0; r <= r1; r++) for (var c = c0; c <= c1; c++) out.push([z, r, c]);
    return out;
  }

  /* -------------------------------------------------------- columns from tiles */

  function Columns() {
    this.d = { kind: 'claims', ids: [], x: [], y: [], r: [], t0: [], t1: [], p: [], e: [], s: [], pl: [], c: [], src: [], m: [], f: [], inc: [],
      event_types: [], precisions: [], statuses: [], places: [], claimants: [], sources: [], methods: [], incidents: [], regions: {}, unlocated: 0 };
    this.index = {};
    this.seen = {};
  }
  Columns.prototype.code = function (list, value) {
    var key = list + '\u0000' + value;
    if (!(key in this.index)) { this.index[key] = this.d[list].length; this.d[list].push(value); }
    return this.index[key];
  };
  function seconds(iso) { var t = iso ? Date.parse(iso) : NaN; return isNaN(t) ? null : Math.floor(t / 1000); }
  Columns.prototype.add = function (z, row, col, layer) {
    var d = this.d;
    for (var i = 0; i < layer.features.length; i++) {
      var ft = layer.features[i], p = ft.props;
      if (ft.x === null || this.seen[p.id]) continue;
      this.seen[p.id] = true;
      var ll = toLonLat(z, col, row, ft.x, ft.y, layer.extent);
      d.ids.push(p.id); d.x.push(ll[0]); d.y.push(ll[1]);
      d.r.push(Math.round(p.uncertainty_m || 0));
      d.t0.push(seconds(p.valid_from)); d.t1.push(seconds(p.valid_to));
      d.p.push(this.code('precisions', p.time_precision || 'unknown'));
      d.e.push(this.code('event_types', p.event_type || 'other'));
      d.s.push(this.code('statuses', p.status || 'reported'));
      d.pl.push(this.code('places', null));
      d.c.push(this.code('claimants', p.claimant || ''));
      d.src.push(this.code('sources', null));
      d.m.push(this.code('methods', p.coarsened_to ? 'coarsened' : 'gazetteer'));
      d.f.push(null); d.inc.push(-1);
      var a = d.t0[d.t0.length - 1], b = d.t1[d.t1.length - 1];
      if (a !== null && (this.lo === undefined || a < this.lo)) this.lo = a;
      if (b !== null && (this.hi === undefined || b > this.hi)) this.hi = b;
    }
    d.count = d.ids.length;
    if (this.lo !== undefined && this.hi !== undefined) {
      d.time_span = [new Date(this.lo * 1000).toISOString().slice(0, 10), new Date(this.hi * 1000).toISOString().slice(0, 10)];
    }
  };

  /* ------------------------------------------------------------------ the mode */

  /**
   * Feed `meta`'s claims from its tiles into `controller` (sitmap-map.js's Controller).
   * `show(data)` replaces the layer's claims; `clusters` is a Leaflet layer group for
   * the count markers of crowded tiles.
   */
  function TileFeed(controller, meta, show) {
    this.c = controller; this.meta = meta; this.show = show;
    this.cache = {}; this.inflight = 0; this.queue = [];
    this.clusters = L.layerGroup().addTo(controller.map);
    var self = this;
    controller.map.on('moveend', function () { self.refresh(); });
  }
  TileFeed.prototype.url = function (t) {
    return this.meta.tiles.replace('{z}', t[0]).replace('{y}', t[1]).replace('{x}', t[2]);
  };
  TileFeed.prototype.refresh = function () {
    var map = this.c.map, z = Math.max(0, Math.min(22, Math.round(map.getZoom())));
    var want = tilesInView(map, z), self = this;
    this.want = want;
    want.forEach(function (t) {
      var key = t.join('/');
      if (self.cache[key] === undefined) { self.cache[key] = null; self.queue.push(t); }
    });
    this.pump();
    this.draw();
  };
  TileFeed.prototype.pump = function () {
    var self = this;
    while (this.inflight < 6 && this.queue.length) {
      var t = this.queue.shift();
      this.inflight++;
      (function (t) {
        fetch(self.url(t), { credentials: 'same-origin', mode: 'cors' }).then(function (r) {
          if (r.status === 204) return new ArrayBuffer(0);
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.arrayBuffer();
        }).then(function (buf) { self.cache[t.join('/')] = buf.byteLength ? decode(buf) : {}; })
          .catch(function (err) { self.cache[t.join('/')] = {}; self.c.errors.push(self.meta.title + ': ' + err.message); })
          .then(function () { self.inflight--; self.pump(); if (!self.inflight && !self.queue.length) self.draw(); });
      })(t);
    }
  };
  TileFeed.prototype.ready = function () {
    var self = this;
    return (this.want || []).every(function (t) { return self.cache[t.join('/')] !== null && self.cache[t.join('/')] !== undefined; });
  };
  /** Screen pixels per side of the cells tile clusters are merged into (the map's own cluster cell). */
  var MERGE_PX = 56;

  TileFeed.prototype.draw = function () {
    if (!this.ready()) return;
    var cols = new Columns(), id = this.meta.id, self = this, map = this.c.map, cells = {}, order = [];
    this.clusters.clearLayers();
    this.want.forEach(function (t) {
      var tile = self.cache[t.join('/')] || {};
      if (tile[id]) cols.add(t[0], t[1], t[2], tile[id]);
      var cl = tile[id + '-clusters'];
      // a crowded tile's grid (64 x 64, 4 px cells) is far finer than a marker: its clusters
      // are merged per MERGE_PX screen cell (count-weighted mean position), so a view draws a
      // few hundred markers whatever the number of claims behind them
      if (cl) cl.features.forEach(function (ft) {
        var ll = toLonLat(t[0], t[2], t[1], ft.x, ft.y, cl.extent), n = ft.props.count || 0;
        if (!n) return;
        var pt = map.project([ll[1], ll[0]], t[0]);
        var key = Math.floor(pt.x / MERGE_PX) + ':' + Math.floor(pt.y / MERGE_PX) + ':' + t[0];
        var c = cells[key];
        if (!c) { c = cells[key] = { n: 0, x: 0, y: 0, z: t[0] }; order.push(key); }
        c.n += n; c.x += pt.x * n; c.y += pt.y * n;
      });
    });
    var total = 0;
    order.forEach(function (key) {
      var c = cells[key], n = c.n, at = map.unproject([c.x / n, c.y / n], c.z);
      var size = Math.round(Math.min(44, 16 + 6 * Math.log10(Math.max(1, n))));
      total += n;
      var icon = L.divIcon({ className: 'sm-cluster sm-tile-cluster', html: '<span></span>', iconSize: [size, size] });
      var m = L.marker(at, { icon: icon, keyboard: false });
      m.on('add', function () { var s = m.getElement() && m.getElement().querySelector('span'); if (s) s.textContent = n > 9999 ? Math.round(n / 1000) + 'k' : String(n); });
      m.on('click', function () { map.setView(m.getLatLng(), Math.min(22, map.getZoom() + 2)); });
      self.clusters.addLayer(m);
    });
    // the status line counts them ("N more in clusters: zoom in"): the claims drawn are not all there is
    (this.c.tileClusters = this.c.tileClusters || {})[id] = total;
    this.show(cols.d);
  };

  window.sitmapTiles = { decode: decode, TileFeed: TileFeed, tilesInView: tilesInView };
})();
