/* One shading at a time: a hospital area layer replaces the need choropleth (the need
 * group then says "No shading"), and the choropleth comes back when it is turned off.
 * The legend's need part shows the legend of the shading on show. */
(function () {
  "use strict";
  var AM = window.assetmap;

  AM.shading = function (ctx) {
    var map = ctx.map;
    var state = ctx.state;
    var shades = []; // the hospital's area layers
    var before = null; // the choropleth to restore
    var switching = false;
    var self = { noShading: L.layerGroup(), legendBox: null, shades: shades };

    self.showLegend = function (c) {
      self.shown = c;
      if (self.legendBox) self.legendBox.innerHTML = c ? c.legend : "";
    };
    self.front = function () {
      state.findings.forEach(function (l) {
        if (map.hasLayer(l)) l.bringToFront();
      });
    };
    self.hospitalOff = function () {
      before = null;
      switching = true;
      shades.forEach(function (l) { if (map.hasLayer(l)) map.removeLayer(l); });
      switching = false;
    };
    self.on = function (layer, a) {
      switching = true;
      var other = shades.filter(function (l) { return l !== layer && map.hasLayer(l); });
      if (!other.length) before = state.activeLayer || null;
      other.forEach(function (l) { map.removeLayer(l); });
      state.choropleths.forEach(function (c) { if (map.hasLayer(c.layer)) map.removeLayer(c.layer); });
      if (!map.hasLayer(self.noShading)) map.addLayer(self.noShading);
      switching = false;
      self.showLegend(a);
      self.front();
    };
    self.off = function () {
      if (switching) return;
      if (shades.some(function (l) { return map.hasLayer(l); })) return;
      if (state.choropleths.some(function (c) { return map.hasLayer(c.layer); })) return;
      var back = before;
      before = null;
      if (back) {
        if (map.hasLayer(self.noShading)) map.removeLayer(self.noShading);
        map.addLayer(back);
      } else self.showLegend(null);
    };
    self.noShading.on("add", function () {
      state.active = null;
      state.activeLayer = null;
      self.showLegend(null);
    });
    return self;
  };
})();
