/* sitmap review desk: keyboard shortcuts and the small map of the queue page.
   Values from the page are read from data- attributes and written back only as text. */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    var key = ev.key;
    var target = null;
    if (key === "a") target = document.getElementById("accept");
    else if (key === "n" || key === "j") target = document.getElementById("next");
    else if (key === "p" || key === "k") target = document.getElementById("prev");
    if (target) {
      ev.preventDefault();
      target.click();
    }
  });

  function number(value) {
    if (value === null || value === undefined || value === "") return null;
    var n = Number(value);
    return isFinite(n) ? n : null;
  }

  function drawMap() {
    var el = document.getElementById("desk-map");
    if (!el || typeof L === "undefined") return;
    var lon = number(el.dataset.lon), lat = number(el.dataset.lat), radius = number(el.dataset.radius);
    var map = L.map(el, { attributionControl: true, keyboard: true }).setView([31.42, 34.38], 10);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "basemap" }).addTo(map);
    } else if (window.SitmapBasemap) {
      // sitmap's own offline basemap (land, neighbourhoods, place names), as on the public map
      window.SitmapBasemap.load(map, "/static/sitmap/basemap.geojson", {}).catch(function () { /* boundaries still show */ });
    }
    fetch("/static/boundaries.geojson").then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      var pane = map.getPane("deskContext") || map.createPane("deskContext");
      pane.style.zIndex = 405; // above the basemap's land, below the claim
      L.geoJSON(data, { pane: "deskContext", style: { color: "#777", weight: 1, fill: false }, interactive: false }).addTo(map);
    }).catch(function () { /* the map still shows the claim */ });
    var bounds = [];
    if (lon !== null && lat !== null) {
      var here = [lat, lon];
      L.circleMarker(here, { radius: 6, color: "#c0392b", fillOpacity: 0.9 }).addTo(map).bindTooltip("the machine's place");
      if (radius) {
        L.circle(here, { radius: radius, color: "#c0392b", weight: 1, fillOpacity: 0.1 }).addTo(map);
        var box = L.latLng(here).toBounds(radius * 2);
        bounds.push(box.getSouthWest(), box.getNorthEast());
      } else {
        bounds.push(here);
      }
    }
    document.querySelectorAll(".alternatives li[data-lat]").forEach(function (li) {
      var alat = number(li.dataset.lat), alon = number(li.dataset.lon);
      if (alat === null || alon === null) return;
      var marker = L.circleMarker([alat, alon], { radius: 5, color: "#0b5cad", fillOpacity: 0.6 }).addTo(map);
      marker.bindTooltip(document.createTextNode(li.dataset.name || ""));
      bounds.push([alat, alon]);
    });
    if (bounds.length > 1) map.fitBounds(L.latLngBounds(bounds).pad(0.2), { maxZoom: 14 });
    else if (bounds.length === 1) map.setView(bounds[0], 12);
    else map.setView([31.42, 34.38], 10);
    var picked = null;
    map.on("click", function (ev) {
      var latInput = document.getElementById("lat"), lonInput = document.getElementById("lon");
      if (!latInput || !lonInput) return;
      latInput.value = ev.latlng.lat.toFixed(5);
      lonInput.value = ev.latlng.lng.toFixed(5);
      var r = number(document.getElementById("radius_m").value) || 1000;
      if (picked) map.removeLayer(picked);
      picked = L.circle(ev.latlng, { radius: r, color: "#1f6f3a", weight: 2, fillOpacity: 0.15 }).addTo(map);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawMap);
  else drawMap();
})();
