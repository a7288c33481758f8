/* Services: one layer of markers per domain, clustered when dense. */
(function () {
  "use strict";
  var AM = window.assetmap;

  function clustering(d) {
    return {
      chunkedLoading: true,
      showCoverageOnHover: false,
      // wider catchments when zoomed out, so eleven domains do not bury the map
      maxClusterRadius: function (zoom) { return zoom <= 11 ? 110 : zoom <= 13 ? 70 : 45; },
      disableClusteringAtZoom: 17,
      iconCreateFunction: function (c) {
        return L.divIcon({
          html: '<span class="am-cluster" style="background:' + d.colour + ";color:" + d.ink + '">' + c.getChildCount() + "</span>",
          className: "am-cluster-icon am-cluster-" + d.key,
          iconSize: [28, 28],
        });
      },
    };
  }

  function domainLayer(ctx, d) {
    var desc = ctx.spec.popups.service;
    var name = ctx.spec.assetFields.indexOf("name");
    var noName = ctx.T.noName;
    var popup = function (r) { return AM.popup(desc, r.slice(2), { service: d.label }); };
    var layer = AM.pointLayer(d.rows, {
      icon: L.divIcon({
        html: d.pin,
        className: "am-asset am-asset-" + d.key,
        iconSize: [18, 18],
        iconAnchor: [9, 9],
        popupAnchor: [0, -8],
      }),
      cluster: d.cluster ? clustering(d) : null,
      popup: popup,
      tip: function (r) { return "<bdi>" + (r[name] || noName) + "</bdi>"; },
    });
    ctx.map.addLayer(layer);
    return { name: d.name, layer: layer, id: "domain-" + d.key, symbol: d.pin, count: d.rows.length, spec: d, popup: popup, why: d.why };
  }

  AM.services = function (ctx) {
    ctx.spec.domains.forEach(function (d) {
      ctx.state.domains.push(domainLayer(ctx, d));
    });
    // Domains with no service to show: a greyed line of the control, no layer.
    ctx.state.notAssessed = (ctx.spec.notAssessed || []).map(function (d) {
      return { name: d.name, layer: L.layerGroup(), id: "domain-" + d.key, symbol: d.pin, count: 0, why: d.why };
    });
  };
})();
