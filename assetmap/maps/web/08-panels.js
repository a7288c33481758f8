/* Panels: the title, the legend and the footer (folded away on a phone). */
(function () {
  "use strict";
  var AM = window.assetmap;

  // A panel; with a fold title, it can be folded away (and starts folded on a phone, or
  // always when ``folded``).
  AM.panel = function (ctx, position, cls, label, html, fold, folded) {
    var el = AM.el;
    var C = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = el("div", "am-panel " + cls);
        div.setAttribute("role", "region");
        div.setAttribute("aria-label", label);
        if (fold) {
          var box = el("details", "am-fold", div);
          box.open = !ctx.narrow && !folded;
          el("summary", "", box).textContent = fold;
          el("div", "am-fold-body", box).innerHTML = html;
        } else div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    var c = new C();
    c.addTo(ctx.map);
    return c.getContainer();
  };

  AM.titlePanel = function (ctx) {
    var title = AM.panel(ctx, "topleft", "am-title", ctx.T.titleLabel, ctx.spec.panels.title);
    title.parentNode.insertBefore(title, title.parentNode.firstChild);
    var printButton = title.querySelector(".am-print-button");
    if (printButton) printButton.addEventListener("click", function () { window.print(); });
  };

  // Only rows of what the map draws: the cluster's row when markers are clustered, the
  // overlap rows of the kinds the study has.
  function legendRows(ctx, legend) {
    var o = ctx.spec.overlaps;
    legend.querySelectorAll("[data-overlap]").forEach(function (row) {
      var k = row.getAttribute("data-overlap");
      var n = !o ? 0 : o.fc.features.filter(function (f) { return f.properties.k === k; }).length;
      if (o && k === "over_served") n += o.units.length;
      row.hidden = n === 0;
    });
    var ring = legend.querySelector("[data-cluster]");
    if (ring) ring.hidden = !ctx.state.clusters;
  }

  AM.legendAndFooter = function (ctx) {
    var T = ctx.T;
    var legend = AM.panel(ctx, "bottomleft", "am-legend", T.legendLabel, ctx.spec.panels.legend, T.legendLabel);
    ctx.shading.legendBox = legend.querySelector(".am-legend-need");
    legendRows(ctx, legend);
    ctx.shading.showLegend(ctx.state.active || null);
    var goals = null;
    if (ctx.spec.panels.goals) {
      goals = AM.panel(ctx, "bottomright", "am-goals-panel", T.goalsLabel, ctx.spec.panels.goals, T.goalsLabel, true);
    }
    var footer = AM.panel(ctx, "bottomright", "am-footer", T.footerLabel, ctx.spec.panels.footer, T.footerLabel);
    // the goals and the sources share the corner: opening one folds the other, so the
    // pair never grows into the layer list above them
    if (goals) {
      var pair = [goals.querySelector(".am-fold"), footer.querySelector(".am-fold")];
      pair.forEach(function (box, i) {
        box.addEventListener("toggle", function () {
          if (ctx.root.hasAttribute("data-print")) return; // printing opens every fold
          if (box.open && pair[1 - i].open) pair[1 - i].open = false;
        });
      });
    }
    // print every folded panel open
    window.addEventListener("beforeprint", function () {
      ctx.root.querySelectorAll(".am-fold").forEach(function (d) { d.open = true; });
    });
  };
})();
