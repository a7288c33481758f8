/* A domain view and a shareable link. The "Domain view" list focuses one domain: its
 * services, its gaps and its suggested sites, the need shading underneath and the legend
 * reduced to it; "All domains" brings back the layers shown before. The focused domain,
 * the layers on the map and the view are written to the page address (#...), so the same
 * link, opened again, shows the same map. */
(function () {
  "use strict";
  var AM = window.assetmap;

  AM.focus = function (ctx, key) {
    var map = ctx.map;
    var state = ctx.state;
    var sites = state.items.sites;
    if (key && !state.focus) {
      state.before = Object.keys(state.items).filter(function (id) {
        return map.hasLayer(state.items[id].layer);
      });
    }
    state.focus = key || null;
    if (key) {
      state.domains.forEach(function (d) {
        if (d.spec.key === key) map.addLayer(d.layer);
        else if (map.hasLayer(d.layer)) map.removeLayer(d.layer);
      });
      if (sites) map.addLayer(sites.layer);
      if (state.items.gaps) map.addLayer(state.items.gaps.layer);
    } else if (state.before) {
      AM.showOnly(ctx, state.before);
      state.before = null;
    }
    ctx.root.querySelectorAll(".am-legend [data-domain]").forEach(function (row) {
      row.hidden = !!key && row.getAttribute("data-domain") !== key;
    });
    ctx.root.classList.toggle("am-focused", !!key);
    if (state.focusSelect) state.focusSelect.value = key || "";
  };

  // Show exactly the layers of these control ids (those of radio groups included).
  AM.showOnly = function (ctx, ids) {
    var map = ctx.map;
    var items = ctx.state.items;
    Object.keys(items).forEach(function (id) {
      if (ids.indexOf(id) < 0 && map.hasLayer(items[id].layer)) map.removeLayer(items[id].layer);
    });
    ids.forEach(function (id) {
      if (items[id] && !map.hasLayer(items[id].layer)) map.addLayer(items[id].layer);
    });
  };

  AM.focusControl = function (ctx) {
    var domains = ctx.state.domains;
    if (domains.length < 2) return;
    var Focus = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = AM.el("div", "am-panel am-focus");
        var label = AM.el("label", "", box);
        AM.el("span", "am-focus-label", label).textContent = ctx.T.focusLabel + " ";
        var select = AM.el("select", "am-focus-select", label);
        AM.el("option", "", select).textContent = ctx.T.allDomains;
        select.options[0].value = "";
        domains.forEach(function (d) {
          var o = AM.el("option", "", select);
          o.value = d.spec.key;
          o.innerHTML = d.spec.label; // escaped in Python: entities only, no markup
        });
        select.addEventListener("change", function () { AM.focus(ctx, select.value); });
        ctx.state.focusSelect = select;
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Focus().addTo(ctx.map);
  };

  // #domain=food&layers=base-0,need-need_pct,domain-food&view=40.84,-73.9,14
  function parse(hash) {
    var out = {};
    hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2) out[kv[0]] = decodeURIComponent(kv[1]);
    });
    return out;
  }

  function write(ctx) {
    var map = ctx.map;
    var state = ctx.state;
    var on = Object.keys(state.items).filter(function (id) { return map.hasLayer(state.items[id].layer); });
    var c = map.getCenter();
    var parts = [
      "domain=" + encodeURIComponent(state.focus || ""),
      "layers=" + on.map(encodeURIComponent).join(","),
      "view=" + c.lat.toFixed(5) + "," + c.lng.toFixed(5) + "," + map.getZoom(),
    ];
    try {
      window.history.replaceState(null, "", "#" + parts.join("&"));
    } catch (err) {
      state.linkError = String(err); // a page that may not change its address (a notebook frame)
    }
  }

  // Returns true when the address gave a view (the map is not fitted to the study then).
  AM.linkState = function (ctx) {
    var map = ctx.map;
    var state = ctx.state;
    var got = parse(window.location.hash || "");
    var keys = state.domains.map(function (d) { return d.spec.key; });
    if (got.layers !== undefined) AM.showOnly(ctx, got.layers ? got.layers.split(",") : []);
    if (got.domain && keys.indexOf(got.domain) >= 0) AM.focus(ctx, got.domain);
    var view = (got.view || "").split(",").map(Number);
    var hasView = view.length === 3 && view.every(function (v) { return isFinite(v); });
    if (hasView) map.setView([view[0], view[1]], view[2], { animate: false });
    var pending = null;
    map.on("moveend layeradd layerremove", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () { write(ctx); }, 150);
    });
    return hasView;
  };
})();
