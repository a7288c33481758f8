/* Findings: gaps (dashed outlines, per domain shown), overlaps (crowded services, over-served units) and
 * suggested new sites (stars, off at start unless the spec says so). */
(function () {
  "use strict";
  var AM = window.assetmap;

  // The domains whose services are on the map: {key: true}; "*" (a gap of no known
  // domain) always counts.
  AM.domainsShown = function (ctx) {
    var on = { "*": true };
    ctx.state.domains.forEach(function (d) {
      if (ctx.map.hasLayer(d.layer)) on[d.spec.key] = true;
    });
    return on;
  };

  // Gaps per domain: a unit is outlined while a domain it has a gap in is shown, and its
  // tooltip lists only those gaps.
  function gapsLayer(ctx, g) {
    var at = {};
    g.units.forEach(function (u, i) { at[u] = i; });
    function lines(i, on) {
      return g.lines[i].filter(function (l, j) { return on[g.keys[i][j]]; });
    }
    var layer = L.geoJSON(null, { style: function () { return g.style; } });
    layer.amRefresh = function () {
      var on = AM.domainsShown(ctx);
      layer.clearLayers();
      layer.addData({
        type: "FeatureCollection",
        features: ctx.U.fc.features.filter(function (f) {
          return at[f.id] !== undefined && lines(at[f.id], on).length > 0;
        }),
      });
    };
    layer.on("add", layer.amRefresh);
    layer.bindTooltip(function (l) {
      var i = at[l.feature.id];
      return [g.heads[i]].concat(lines(i, AM.domainsShown(ctx))).join("<br>");
    }, AM.TIP);
    layer.bindPopup(function (l) { return AM.unitPopup(ctx, l.feature.id, ctx.state.active); }, AM.POPUP);
    return { name: g.name, layer: layer, id: "gaps", symbol: '<span class="am-line" aria-hidden="true"></span>' };
  }

  function overlapsLayer(ctx, o) {
    var crowded = L.geoJSON(o.fc, {
      style: function (f) { return o.styles[f.properties.k]; },
    });
    crowded.bindTooltip(function (l) { return l.feature.properties.tip; }, AM.TIP);
    var tips = {};
    o.units.forEach(function (u) { tips[u[0]] = u[1]; });
    var served = L.geoJSON(null, { style: function () { return o.styles.over_served; } });
    AM.lazyUnits(ctx, served, function (f) { return tips[f.id] !== undefined; });
    served.bindTooltip(function (l) { return tips[l.feature.id]; }, AM.TIP);
    var layer = L.featureGroup([served, crowded]);
    return { name: o.name, layer: layer, id: "overlaps", symbol: '<span class="am-swatch am-swatch-overlap" aria-hidden="true"></span>' };
  }

  // A star per site in its domain's colour (the row's last value, our own markup), above
  // the service markers.
  function sitesLayer(ctx, s) {
    var desc = ctx.spec.popups[s.popup];
    var layer = AM.pointLayer(s.rows, {
      icon: function (r) {
        return L.divIcon({ html: r[4], className: "am-site", iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -10] });
      },
      popup: function (r) { return AM.popup(desc, r[2]); },
      tip: function (r) { return r[3]; },
      z: function () { return 1000; },
    });
    // only the sites of the domains shown
    layer.amRefresh = function () {
      var on = AM.domainsShown(ctx);
      layer.amMarkers.forEach(function (m, i) {
        var key = s.keys ? s.keys[i] : "*";
        if (on[key] && !layer.hasLayer(m)) layer.addLayer(m);
        else if (!on[key] && layer.hasLayer(m)) layer.removeLayer(m);
      });
    };
    layer.on("add", layer.amRefresh);
    return { name: s.name, layer: layer, id: "sites", symbol: s.symbol, show: s.show, points: true };
  }

  // A diamond per partner site (our own markup: the spec's symbol), off at start; only the
  // sites of a gap of a domain shown.
  function partnersLayer(ctx, p) {
    var layer = AM.pointLayer(p.rows, {
      icon: L.divIcon({ html: p.symbol, className: "am-partner", iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -8] }),
      popup: function (r) { return r[2]; },
      tip: function (r) { return r[3]; },
      z: function () { return 900; },
    });
    layer.amRefresh = function () {
      var on = AM.domainsShown(ctx);
      layer.amMarkers.forEach(function (m, i) {
        var any = p.keys[i].some(function (k) { return on[k]; });
        if (any && !layer.hasLayer(m)) layer.addLayer(m);
        else if (!any && layer.hasLayer(m)) layer.removeLayer(m);
      });
    };
    layer.on("add", layer.amRefresh);
    return { name: p.name, layer: layer, id: "partners", symbol: p.symbol, show: false, points: true };
  }

  AM.findings = function (ctx) {
    var spec = ctx.spec;
    var findings = [];
    if (spec.gaps) findings.push(gapsLayer(ctx, spec.gaps));
    if (spec.overlaps) findings.push(overlapsLayer(ctx, spec.overlaps));
    if (spec.sites) findings.push(sitesLayer(ctx, spec.sites));
    if (spec.partners) findings.push(partnersLayer(ctx, spec.partners));
    findings.forEach(function (f) {
      if (f.show !== false) ctx.map.addLayer(f.layer);
      if (!f.points) ctx.state.findings.push(f.layer);
    });
    // a domain switched on or off: the gaps and sites follow
    var domainLayers = ctx.state.domains.map(function (d) { return d.layer; });
    ctx.map.on("layeradd layerremove", function (e) {
      if (domainLayers.indexOf(e.layer) < 0) return;
      findings.forEach(function (f) {
        if (f.layer.amRefresh && ctx.map.hasLayer(f.layer)) f.layer.amRefresh();
      });
      ctx.shading.front();
    });
    return findings;
  };
})();
