/* sitmap-basemap.js: sitmap's offline basemap (api/render/basemap.py) drawn with Leaflet.
 *
 * Land is filled over a sea-coloured map background, neighbourhood outlines and Wadi
 * Gaza are drawn as thin lines, and place labels are placed biggest first, skipping any
 * that would overlap one already placed, each only from its own zoom on. Labels show the
 * reader's script (name_ar / name_he) where the data has it. Every name reaches the page
 * through textContent. Nothing here fetches anything but the basemap file itself.
 */
(function () {
  'use strict';

  var STYLE = {
    land: { stroke: true, color: '#8fb0c9', weight: 0.8, opacity: 1, fill: true, fillColor: '#f2efe6', fillOpacity: 1 },
    neighbourhood: { color: '#a39e92', weight: 0.8, opacity: 0.9, dashArray: '2 3', fill: false },
    wadi: { color: '#5d8fb8', weight: 2.2, opacity: 0.9, fill: false }
  };

  function plain(s) { return String(s || '').replace(/[<>&"]/g, ''); }

  /** The label text of a feature in ``lang`` ('ar', 'he' or anything else for the shipped name). */
  function labelText(p, lang) {
    return (lang && p['name_' + lang]) || p.name || '';
  }

  /** Place labels as DOM text in their own pane, greedily, without overlaps. */
  var Labels = L.Layer.extend({
    initialize: function (features, lang) { this.features = features; this.lang = lang; },
    onAdd: function (map) {
      this._map = map;
      var pane = map.getPane('sitmapLabels') || map.createPane('sitmapLabels');
      pane.style.zIndex = 410; pane.style.pointerEvents = 'none';
      this._box = L.DomUtil.create('div', 'sm-labels', pane);
      map.on('zoomend moveend resize', this._update, this);
      this._update();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._box);
      map.off('zoomend moveend resize', this._update, this);
    },
    _update: function () {
      var map = this._map, z = map.getZoom(), size = map.getSize(), placed = [], box = this._box;
      box.textContent = '';
      L.DomUtil.setPosition(box, map.containerPointToLayerPoint([0, 0]));
      for (var k = 0; k < this.features.length; k++) {
        var f = this.features[k], p = f.properties;
        if (z < (p.minzoom || 0)) continue;
        var c = f.geometry.coordinates, pt = map.latLngToContainerPoint([c[1], c[0]]);
        if (pt.x < -40 || pt.y < -20 || pt.x > size.x + 40 || pt.y > size.y + 20) continue;
        var text = labelText(p, this.lang);
        if (!text) continue;
        var big = p.place === 'city' && (p.minzoom || 0) <= 10;
        var w = text.length * (big ? 7.4 : 6.4) + 6, h = big ? 16 : 14;
        var r = [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
        var clash = false;
        for (var j = 0; j < placed.length && !clash; j++) {
          var q = placed[j];
          clash = r[0] < q[2] && r[2] > q[0] && r[1] < q[3] && r[3] > q[1];
        }
        if (clash) continue;
        placed.push(r);
        var span = L.DomUtil.create('span', 'sm-label sm-label-' + (p.place || 'place') + (big ? ' sm-label-big' : ''), box);
        span.textContent = text;
        span.setAttribute('dir', 'auto');
        span.style.left = Math.round(pt.x) + 'px'; span.style.top = Math.round(pt.y) + 'px';
      }
      this.placed = placed.length;
    }
  });

  /** Draw the basemap collection ``fc`` on ``map``; returns the Leaflet layer group. */
  function draw(map, fc, opts) {
    opts = opts || {};
    var pane = map.getPane('sitmapBase') || map.createPane('sitmapBase');
    pane.style.zIndex = 250; pane.style.pointerEvents = 'none';
    var group = L.layerGroup();
    var byKind = { land: [], neighbourhood: [], wadi: [], label: [] };
    (fc.features || []).forEach(function (f) {
      var k = (f.properties || {}).kind;
      if (byKind[k]) byKind[k].push(f);
    });
    var attribution = plain(fc.attribution);
    var land = L.geoJSON({ type: 'FeatureCollection', features: byKind.land }, { pane: 'sitmapBase', interactive: false, style: STYLE.land, attribution: attribution });
    group.addLayer(land);
    var hoods = L.geoJSON({ type: 'FeatureCollection', features: byKind.neighbourhood }, { pane: 'sitmapBase', interactive: false, style: STYLE.neighbourhood });
    var wadi = L.geoJSON({ type: 'FeatureCollection', features: byKind.wadi }, { pane: 'sitmapBase', interactive: false, style: STYLE.wadi });
    group.addLayer(wadi);
    var wadiLabels = byKind.wadi.map(function (f) {
      var cs = f.geometry.coordinates, mid = cs[Math.floor(cs.length / 2)];
      return { type: 'Feature', geometry: { type: 'Point', coordinates: mid }, properties: { kind: 'label', place: 'wadi', minzoom: 11, name: f.properties.name, name_ar: f.properties.name_ar, name_he: f.properties.name_he } };
    });
    var labels = new Labels(byKind.label.concat(wadiLabels), opts.lang);
    group.addLayer(labels);
    function zoomed() {
      var show = map.getZoom() >= 12;
      if (show && !group.hasLayer(hoods)) group.addLayer(hoods);
      if (!show && group.hasLayer(hoods)) group.removeLayer(hoods);
    }
    map.on('zoomend', zoomed);
    group.addTo(map);
    zoomed();
    map.getContainer().classList.add('sm-basemap');
    map.getContainer().setAttribute('data-basemap', 'drawn');
    group.labels = labels;
    return group;
  }

  /** Fetch the basemap at ``url`` (or take an inline collection) and draw it. */
  function load(map, src, opts) {
    var got = typeof src === 'string'
      ? fetch(src, { credentials: 'same-origin' }).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      : Promise.resolve(src);
    return got.then(function (fc) { return draw(map, fc, opts); });
  }

  window.SitmapBasemap = { load: load, draw: draw, labelText: labelText };
})();
