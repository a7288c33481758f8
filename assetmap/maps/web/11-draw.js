/* assetmap.draw(map, spec, extras): the whole study on one map, part by part. */
(function () {
  "use strict";
  var AM = window.assetmap;

  // Background maps: the spec's tile layers and any a user added to the map, first shown.
  function basemaps(ctx, extras) {
    var map = ctx.map;
    var bases = [];
    var noted = false;
    function tileProblem() {
      if (noted) return;
      noted = true;
      var note = document.querySelector("#" + ctx.root.id + " .am-offline");
      if (note) note.hidden = false;
    }
    ctx.spec.basemaps.forEach(function (b, i) {
      var layer = b.url
        ? L.tileLayer(b.url, { attribution: b.attribution, maxZoom: b.maxZoom, maxNativeZoom: b.maxNativeZoom, subdomains: b.subdomains })
        : L.layerGroup();
      if (b.url) layer.on("tileerror", tileProblem);
      bases.push({ name: b.name, layer: layer, id: "base-" + i });
    });
    (extras.bases || []).forEach(function (b, i) {
      var layer = window[b.ref];
      if (layer) bases.unshift({ name: b.name, layer: layer, id: "own-base-" + i });
    });
    bases.forEach(function (b, i) {
      if (i === 0) map.addLayer(b.layer);
      else if (map.hasLayer(b.layer)) map.removeLayer(b.layer);
    });
    return bases;
  }

  function layerGroups(ctx, layers) {
    var T = ctx.T;
    var own = (layers.extras.overlays || [])
      .map(function (o, i) { return { name: o.name, layer: window[o.ref], id: "own-" + i }; })
      .filter(function (o) { return !!o.layer; });
    var groups = [
      { id: "base", title: T.groupBase, radio: true, items: layers.bases },
      { id: "need", title: T.groupNeed, radio: true, items: AM.needItems(ctx) },
      { id: "services", title: T.groupServices, items: ctx.state.domains.concat(ctx.state.notAssessed || []) },
      { id: "findings", title: T.groupFindings, items: layers.findings },
      { id: "hospital", title: T.groupHospital, items: layers.hospital },
      { id: "own", title: T.groupOwn, items: own },
    ].filter(function (g) { return g.items.length > 0; });
    groups.forEach(function (g) {
      g.items.forEach(function (it) { ctx.state.items[it.id] = it; });
    });
    return groups;
  }

  // The layer control, kept in step with the layers on the map; the choropleth shown
  // first goes on last, so the map opens with its legend.
  function controls(ctx, groups) {
    var map = ctx.map;
    var state = ctx.state;
    var first = state.choropleths.filter(function (c) { return c.spec.show; })[0];
    AM.fullscreen(ctx);
    AM.focusControl(ctx);
    var layers = AM.layerControl(ctx, groups);
    if (first) map.addLayer(first.layer);
    else if (state.choropleths.length) map.addLayer(ctx.shading.noShading);
    ctx.shading.front();
    function sync() {
      groups.forEach(function (g) {
        g.items.forEach(function (it) {
          if (it.input) it.input.checked = map.hasLayer(it.layer);
        });
      });
    }
    layers.addTo(map);
    sync();
    map.on("layeradd layerremove", sync);
  }

  AM.draw = function (map, spec, extras) {
    var state = { map: map, spec: spec, choropleths: [], domains: [], findings: [], items: {} };
    AM.maps[map.getContainer().id] = state;
    var ctx = { map: map, spec: spec, U: spec.units, T: spec.text, state: state, root: map.getContainer() };
    ctx.narrow = !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
    var bases = basemaps(ctx, extras);
    ctx.shading = AM.shading(ctx);
    AM.choropleths(ctx);
    ctx.hatchId = AM.hatch(map);
    AM.services(ctx);
    var findings = AM.findings(ctx);
    var hospital = AM.hospital(ctx);
    var groups = layerGroups(ctx, { extras: extras, bases: bases, findings: findings, hospital: hospital });
    AM.titlePanel(ctx);
    AM.search(ctx);
    controls(ctx, groups);
    AM.legendAndFooter(ctx);
    var linked = AM.linkState(ctx);
    if (spec.bounds && !linked) map.fitBounds(spec.bounds, { padding: [10, 10] });
    ctx.root.setAttribute("data-assetmap", "ready");
    if (window.performance && performance.mark) performance.mark("assetmap-ready");
    return state;
  };
})();
