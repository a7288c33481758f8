/* The hospital (anchor institution): its site, spaces and open positions as points, and
 * its measures as area layers of the units (one shading at a time, see shading). */
(function () {
  "use strict";
  var AM = window.assetmap;

  function pointsLayer(ctx, a) {
    var icon = L.divIcon({ html: a.pin, className: a.css, iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10] });
    var sized = function (r) {
      // proportional symbol: the row's last value is its diameter in pixels
      var d = r[4];
      return L.divIcon({
        html: '<span class="am-disc" style="width:' + d + "px;height:" + d + 'px"></span>',
        className: a.css,
        iconSize: [d, d],
        iconAnchor: [d / 2, d / 2],
        popupAnchor: [0, -d / 2],
      });
    };
    var sizedRows = a.rows.length && typeof a.rows[0][4] === "number";
    var desc = ctx.spec.popups[a.popup];
    return AM.pointLayer(a.rows, {
      icon: sizedRows ? sized : icon,
      popup: function (r) { return AM.popup(desc, r[2]); },
      tip: function (r) { return r[3]; },
      // the site above everything, big proportional symbols below small ones
      z: function (r) { return sizedRows ? -2000 - 10 * r[4] : a.css === "am-hospital" ? 2000 : 0; },
    });
  }

  function cellsLayer(ctx, a) {
    var U = ctx.U;
    var cells = {};
    a.cells.forEach(function (c) { cells[c[0]] = c; });
    var layer = L.geoJSON(null, {
      style: function (f) {
        var k = cells[f.id][1];
        return {
          fillColor: k >= 0 ? a.colours[k] : k === -2 ? "url(#" + ctx.hatchId + ")" : ctx.spec.missingColour,
          fillOpacity: k >= 0 ? 0.75 : k === -2 ? 0.85 : 0.45,
          color: "#444444",
          weight: 0.8,
        };
      },
    });
    AM.lazyUnits(ctx, layer, function (f) { return cells[f.id] !== undefined; });
    layer.bindTooltip(function (l) {
      var c = cells[l.feature.id];
      return "<b><bdi>" + U.name[c[0]] + "</bdi></b><br>" + a.label + ": " + c[2];
    }, AM.TIP);
    layer.bindPopup(function (l) {
      var c = cells[l.feature.id];
      var i = c[0];
      return AM.popup(ctx.spec.popups.area, null, { name: U.name[i], value: [a.label, c[2]], pop: U.pop[i], need: U.need[i] });
    }, AM.POPUP);
    ctx.shading.shades.push(layer);
    layer.on("add", function () { ctx.shading.on(layer, a); });
    layer.on("remove", ctx.shading.off);
    return layer;
  }

  AM.hospital = function (ctx) {
    return (ctx.spec.anchor || []).map(function (a, i) {
      var layer = a.kind === "points" ? pointsLayer(ctx, a) : cellsLayer(ctx, a);
      if (a.show) ctx.map.addLayer(layer);
      return { name: a.name, layer: layer, id: "anchor-" + i, symbol: a.symbol || "" };
    });
  };
})();
