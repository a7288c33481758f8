/* assetmap map runtime: draws a study on a Leaflet map from the JSON written by
 * assetmap.maps.make_map. The files of this folder are joined in a fixed order
 * (assetmap.maps._element.RUNTIME); each adds its part to window.assetmap.
 *
 * Safety: every string of the spec that can reach the page was HTML-escaped by assetmap
 * (Python) before it was written; these files only join those strings with their own fixed
 * markup, and never build a URL, a style or an attribute from data except the escaped,
 * http(s)-only links and the hex colours that assetmap checked.
 *
 * Speed: one copy of the unit polygons serves every choropleth (each is built the first
 * time it is shown), popups and tooltips are bound once per layer and written when opened,
 * and dense service layers are clustered.
 */
(function () {
  "use strict";
  var AM = (window.assetmap = window.assetmap || {});
  AM.maps = AM.maps || {};

  AM.POPUP = { maxWidth: 320, minWidth: 200, maxHeight: 380, autoPanPadding: [20, 20] };
  AM.TIP = { sticky: true, className: "am-tip", direction: "auto", opacity: 0.95 };

  AM.el = function (tag, cls, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  };

  AM.isEmpty = function (v) {
    return v === "" || v === null || v === undefined || (Array.isArray(v) && !v.length);
  };

  // A two-column table of [label, value] rows; rows without a value are left out.
  AM.table = function (rows) {
    var out = "";
    for (var i = 0; i < rows.length; i++) {
      if (!AM.isEmpty(rows[i][1])) {
        out += '<tr><th scope="row">' + rows[i][0] + "</th><td>" + rows[i][1] + "</td></tr>";
      }
    }
    return out ? "<table>" + out + "</table>" : "";
  };

  // Plain lower-case text of an escaped HTML string, for matching a search.
  var decoder = null;
  AM.plain = function (html) {
    decoder = decoder || document.createElement("textarea");
    decoder.innerHTML = html;
    var s = decoder.value.toLowerCase();
    return s.normalize ? s.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : s;
  };

  // The unit polygons of a layer, added the first time the layer is shown.
  AM.lazyUnits = function (ctx, layer, filter) {
    var built = false;
    var fc = ctx.U.fc;
    layer.on("add", function () {
      if (built) return;
      built = true;
      layer.addData(filter ? { type: "FeatureCollection", features: fc.features.filter(filter) } : fc);
    });
    return layer;
  };

  // A layer of markers, one per row ([lon, lat, ...]), with a popup and a tooltip each.
  AM.pointLayer = function (rows, o) {
    var markers = rows.map(function (r, i) {
      var m = L.marker([r[1], r[0]], {
        icon: typeof o.icon === "function" ? o.icon(r) : o.icon,
        riseOnHover: true,
        zIndexOffset: o.z ? o.z(r) : 0,
      });
      m.amRow = i;
      return m;
    });
    var layer = o.cluster ? L.markerClusterGroup(o.cluster) : L.featureGroup();
    if (o.cluster) layer.addLayers(markers);
    else markers.forEach(function (m) { layer.addLayer(m); });
    layer.bindPopup(function (m) { return o.popup(rows[m.amRow]); }, AM.POPUP);
    layer.bindTooltip(function (m) { return o.tip(rows[m.amRow]); }, { className: "am-tip", direction: "top", offset: [0, -8] });
    layer.amMarkers = markers;
    return layer;
  };
})();
