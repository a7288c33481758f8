/* Services: one layer of markers per domain. When the study is dense enough to load
 * Leaflet.markercluster, the markers of every domain shown share ONE cluster group, so
 * markers of different domains never pile on each other: a cluster shows how many services
 * it holds, in a ring of the colours of their domains (a cluster of one domain is filled
 * with that domain's colour). A domain's layer is then a handle: on the map, its markers
 * are in the shared group; off, they are taken out (the layer control, the domain view and
 * the link state add and remove it like any layer). Zoomed in far enough, every service
 * shows on its own. */
(function () {
  "use strict";
  var AM = window.assetmap;

  // The cluster's size grows with what it holds.
  function clusterSize(n) {
    return n < 10 ? 30 : n < 100 ? 34 : 40;
  }

  // The markers of a cluster by domain, in the order of the layer control.
  function shares(c, order) {
    var counts = {};
    c.getAllChildMarkers().forEach(function (m) {
      counts[m.amDomain.key] = (counts[m.amDomain.key] || 0) + 1;
    });
    return order.filter(function (d) { return counts[d.key]; }).map(function (d) {
      return { d: d, n: counts[d.key] };
    });
  }

  // A ring of the domains' colours (conic gradient) around the count; hex colours only.
  function ring(parts, total) {
    var at = 0;
    var stops = parts.map(function (p) {
      var from = (100 * at) / total;
      at += p.n;
      return p.d.colour + " " + from.toFixed(2) + "% " + ((100 * at) / total).toFixed(2) + "%";
    });
    return "conic-gradient(" + stops.join(",") + ")";
  }

  function clusterIcon(order) {
    return function (c) {
      var n = c.getChildCount();
      var parts = shares(c, order);
      var size = clusterSize(n);
      var one = parts.length === 1 ? parts[0].d : null;
      var html = one
        ? '<span class="am-cluster" style="background:' + one.colour + ";color:" + one.ink + '">' + n + "</span>"
        : '<span class="am-cluster am-cluster-mixed" style="background:' + ring(parts, n) + '"><span class="am-cluster-n">' + n + "</span></span>";
      return L.divIcon({
        html: html,
        className: "am-cluster-icon " + (one ? "am-cluster-" + one.key : "am-cluster-mixed-icon"),
        iconSize: [size, size],
      });
    };
  }

  // One group for every domain. Clusters are formed within a radius wider than two
  // clusters side by side, so that at any zoom no marker or cluster covers another.
  function sharedGroup(ctx) {
    var dense = ctx.spec.domains.some(function (d) { return d.cluster; });
    if (!dense || !L.markerClusterGroup) return null;
    var group = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: function (zoom) { return zoom <= 11 ? 90 : zoom <= 13 ? 60 : 50; },
      disableClusteringAtZoom: 17,
      iconCreateFunction: clusterIcon(ctx.spec.domains),
    });
    ctx.map.addLayer(group);
    return group;
  }

  // A domain's layer as a handle on the shared group: adding or removing it moves its
  // markers into or out of the group (popups and tooltips stay bound to the layer).
  function handle(layer, group) {
    var markers = layer.amMarkers;
    layer.onAdd = function () { group.addLayers(markers); };
    layer.onRemove = function () { group.removeLayers(markers); };
    layer.zoomToShowLayer = function (m, done) { group.zoomToShowLayer(m, done); };
    return layer;
  }

  function domainLayer(ctx, d, group) {
    var desc = ctx.spec.popups.service;
    var name = ctx.spec.assetFields.indexOf("name");
    var noName = ctx.T.noName;
    var popup = function (r) { return AM.popup(desc, r.slice(2), { service: d.label }); };
    var layer = AM.pointLayer(d.rows, {
      icon: L.divIcon({
        html: d.pin,
        className: "am-asset am-asset-" + d.key,
        iconSize: [20, 20],
        iconAnchor: [10, 10],
        popupAnchor: [0, -9],
      }),
      popup: popup,
      tip: function (r) { return "<bdi>" + (r[name] || noName) + "</bdi>"; },
    });
    layer.amMarkers.forEach(function (m) { m.amDomain = d; });
    if (group) handle(layer, group);
    ctx.map.addLayer(layer);
    return { name: d.name, layer: layer, id: "domain-" + d.key, symbol: d.pin, count: d.rows.length, spec: d, popup: popup, why: d.why };
  }

  AM.services = function (ctx) {
    var group = sharedGroup(ctx);
    ctx.state.clusters = group;
    ctx.spec.domains.forEach(function (d) {
      ctx.state.domains.push(domainLayer(ctx, d, group));
    });
    // Domains with no service to show: a greyed line of the control, no layer.
    ctx.state.notAssessed = (ctx.spec.notAssessed || []).map(function (d) {
      return { name: d.name, layer: L.layerGroup(), id: "domain-" + d.key, symbol: d.pin, count: 0, why: d.why };
    });
  };
})();
