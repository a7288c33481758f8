/* Controls: full screen, and the grouped layer control (radio groups for the background
 * map and the need shading, check boxes for the rest, indicators folded). */
(function () {
  "use strict";
  var AM = window.assetmap;

  AM.fullscreen = function (ctx) {
    var root = ctx.root;
    if (!(document.fullscreenEnabled && root.requestFullscreen)) return;
    var Full = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = AM.el("div", "leaflet-bar am-fullscreen");
        var a = AM.el("a", "am-fullscreen-button", bar);
        a.href = "#";
        a.setAttribute("role", "button");
        a.title = ctx.T.fullscreen;
        a.setAttribute("aria-label", ctx.T.fullscreen);
        a.innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="currentColor" stroke-width="2"/></svg>';
        L.DomEvent.on(a, "click", function (e) {
          L.DomEvent.preventDefault(e);
          if (document.fullscreenElement) document.exitFullscreen();
          else root.requestFullscreen();
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      },
    });
    new Full().addTo(ctx.map);
    document.addEventListener("fullscreenchange", function () {
      root.classList.toggle("am-is-fullscreen", document.fullscreenElement === root);
      ctx.map.invalidateSize();
    });
  };

  // One line of the control: a radio button or check box that shows its layer.
  function item(ctx, g, it, into) {
    var map = ctx.map;
    var el = AM.el;
    var lab = el("label", "am-item", into);
    var input = el("input", "", lab);
    input.type = g.radio ? "radio" : "checkbox";
    if (g.radio) input.name = "am-" + g.id + "-" + ctx.root.id;
    input.setAttribute("data-layer", it.id);
    var count = it.count !== undefined ? ' <span class="am-count">' + it.count + "</span>" : "";
    el("span", "am-item-text", lab).innerHTML = (it.symbol || "") + '<span class="am-name">' + it.name + "</span>" + count;
    // A domain the inventory cannot speak for: greyed, said in words, the reason on hover.
    if (it.why) {
      lab.className += " am-not-assessed";
      el("span", "am-note", lab).textContent = ctx.T.notAssessed;
      var reason = document.createElement("span");
      reason.innerHTML = it.why; // escaped in Python: entities only, no markup
      lab.title = reason.textContent;
      if (!it.count) input.disabled = true;
    }
    input.addEventListener("change", function () {
      if (g.radio) {
        g.items.forEach(function (o) {
          if (o !== it && map.hasLayer(o.layer)) map.removeLayer(o.layer);
        });
        if (!map.hasLayer(it.layer)) map.addLayer(it.layer);
      } else if (input.checked) map.addLayer(it.layer);
      else map.removeLayer(it.layer);
    });
    it.input = input;
  }

  function group(ctx, g, box) {
    var el = AM.el;
    var det = el("details", "am-group am-group-" + g.id, box);
    det.open = true;
    el("summary", "", det).innerHTML = g.title;
    var list = el("div", "am-items", det);
    if (g.radio) list.setAttribute("role", "radiogroup");
    var sub = null;
    g.items.forEach(function (it) {
      var into = list;
      if (it.sub) {
        if (!sub) {
          var subBox = el("details", "am-sub", list);
          el("summary", "", subBox).textContent = ctx.T.indicators;
          sub = el("div", "am-items", subBox);
        }
        into = sub;
        if (ctx.map.hasLayer(it.layer)) sub.parentNode.open = true;
      }
      item(ctx, g, it, into);
    });
  }

  AM.layerControl = function (ctx, groups) {
    var Layers = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = AM.el("details", "am-panel am-layers");
        box.open = !ctx.narrow;
        AM.el("summary", "am-layers-title", box).textContent = ctx.T.layers;
        groups.forEach(function (g) { group(ctx, g, box); });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });
    return new Layers();
  };
})();
