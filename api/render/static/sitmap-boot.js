/* sitmap-boot.js: builds the Leaflet map of a /maps or /embed page from its configuration.
 *
 * The page carries its configuration as a JSON data block
 * (a script element of type application/json, id sitmap-config), which browsers never run, and
 * this served file reads it, so the pages' Content-Security-Policy allows scripts from
 * sitmap's own origin only: no inline script, no 'unsafe-inline'.
 */
(function () {
  'use strict';
  function boot() {
    var node = document.getElementById('sitmap-config'), box = document.getElementById('sitmap-map');
    if (!node || !box || !window.L || !window.SitmapMap) return;
    var cfg = JSON.parse(node.textContent);
    var view = cfg.view || {};
    var map = L.map(box, {
      center: view.center || [31.42, 34.38],
      zoom: view.zoom || 11,
      zoomControl: false,
      preferCanvas: true
    });
    var words = (cfg.i18n || {}).messages || {};  // Leaflet's own button titles in the reader's language
    L.control.zoom({ zoomInTitle: words['Zoom in'] || 'Zoom in', zoomOutTitle: words['Zoom out'] || 'Zoom out' }).addTo(map);
    L.control.scale().addTo(map);
    var base = cfg.basemap;
    if (base && base.url) {
      var opts = { attribution: base.attribution || '', maxZoom: base.max_zoom || 19 };
      if (base.max_native_zoom !== null && base.max_native_zoom !== undefined) opts.maxNativeZoom = base.max_native_zoom;
      L.tileLayer(base.url, opts).addTo(map);
    }
    window.SitmapMap.init(map, cfg);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
