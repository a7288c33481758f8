/* The need index and each indicator: choropleths of the shared unit polygons. */
(function () {
  "use strict";
  var AM = window.assetmap;

  function choropleth(ctx, c) {
    var spec = ctx.spec;
    var state = ctx.state;
    var layer = L.geoJSON(null, {
      style: function (f) {
        var k = c.cls[f.id];
        var weak = k >= 0 && c.weak && c.weak[f.id];
        var fill = k >= 0 ? c.colours[k] : spec.missingColour;
        return {
          // an unreliable estimate: its class colour hatched, and a firmer outline
          fillColor: weak ? "url(#" + AM.stripes(ctx, fill, c.hatch[k]) + ")" : fill,
          fillOpacity: weak ? Math.max(c.opacity, 0.8) : k >= 0 ? c.opacity : c.missingOpacity,
          color: weak ? "#222222" : "#555555",
          weight: weak ? 1.2 : 0.6,
        };
      },
    });
    layer.bindTooltip(function (l) { return AM.unitTip(ctx, l.feature.id, c); }, AM.TIP);
    layer.bindPopup(function (l) { return AM.unitPopup(ctx, l.feature.id, c); }, AM.POPUP);
    AM.lazyUnits(ctx, layer);
    layer.on("add", function () {
      state.active = c;
      state.activeLayer = layer;
      ctx.shading.hospitalOff();
      ctx.shading.showLegend(c);
      ctx.shading.front();
    });
    return { name: c.name, layer: layer, id: "need-" + c.id, spec: c, sub: !c.isNeed };
  }

  AM.choropleths = function (ctx) {
    ctx.spec.choropleths.forEach(function (c) {
      ctx.state.choropleths.push(choropleth(ctx, c));
    });
  };

  // The need group of the layer control: need index, "No shading", then indicators.
  AM.needItems = function (ctx) {
    var all = ctx.state.choropleths;
    if (!all.length) return [];
    var main = all.filter(function (c) { return !c.sub; });
    var subs = all.filter(function (c) { return c.sub; });
    return main.concat([{ name: ctx.T.noShading, layer: ctx.shading.noShading, id: "need-none" }], subs);
  };
})();
