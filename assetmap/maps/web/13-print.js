/* The printed page (Ctrl-P, letter or A4 landscape): the title with the print date on
 * top, the map fitted to the study area, the legend in a column beside it, the sources
 * underneath, a scale bar and a north arrow on the map; the controls hidden (CSS,
 * @media print). When the page turns to print media the map is measured again and fitted
 * to the study; when it turns back the view the user had returns. */
(function () {
  "use strict";
  var AM = window.assetmap;
  var draw = AM.draw;

  // A north arrow, shown on paper only (CSS).
  function northArrow(map) {
    var North = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = AM.el("div", "am-north");
        box.setAttribute("aria-hidden", "true");
        box.innerHTML = '<svg viewBox="0 0 24 36" width="24" height="36"><path d="M12 2 20 22 12 17 4 22Z" fill="#222" stroke="#222" stroke-width="1"/><text x="12" y="34" text-anchor="middle" font-family="Arial, sans-serif" font-size="11" font-weight="700" fill="#222">N</text></svg>';
        return box;
      },
    });
    new North().addTo(map);
  }

  // The legend's text shrinks until the legend fits its column (never below 7 px).
  function fitLegend(root) {
    var legend = root.querySelector(".am-legend");
    if (!legend) return;
    var size = 12;
    legend.style.fontSize = size + "px";
    while (size > 7 && legend.scrollHeight > legend.clientHeight + 1) {
      size -= 0.5;
      legend.style.fontSize = size + "px";
    }
  }

  function printDate(root) {
    var slot = root.querySelector(".am-print-date");
    if (!slot) {
      var title = root.querySelector(".am-title");
      if (!title) return;
      slot = AM.el("p", "am-print-date", title);
    }
    var now = new Date();
    var words = now.toLocaleDateString ? now.toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric" }) : now.toDateString();
    slot.textContent = "Printed " + words;
  }

  AM.printView = function (state) {
    var map = state.map;
    var root = map.getContainer();
    var saved = null;
    northArrow(map);

    function toPaper() {
      if (!saved) saved = { center: map.getCenter(), zoom: map.getZoom(), snap: map.options.zoomSnap };
      root.querySelectorAll(".am-fold").forEach(function (d) { d.open = true; });
      printDate(root);
      var title = root.querySelector(".am-title");
      var footer = root.querySelector(".am-footer");
      var top = title ? title.getBoundingClientRect().height + 6 : 0;
      var bottom = footer ? footer.getBoundingClientRect().height + 6 : 0;
      document.documentElement.style.setProperty("--am-print-top", top + "px");
      document.documentElement.style.setProperty("--am-print-bottom", bottom + "px");
      fitLegend(root);
      map.invalidateSize({ animate: false, pan: false });
      if (state.spec.bounds) {
        map.options.zoomSnap = 0; // exactly the study area, not the zoom level below it
        map.fitBounds(state.spec.bounds, { animate: false, padding: [6, 6] });
      }
      root.setAttribute("data-print", "ready");
    }

    function toScreen() {
      if (!saved) return;
      var back = saved;
      saved = null;
      var legend = root.querySelector(".am-legend");
      if (legend) legend.style.fontSize = "";
      map.options.zoomSnap = back.snap;
      map.invalidateSize({ animate: false, pan: false });
      map.setView(back.center, back.zoom, { animate: false });
      root.removeAttribute("data-print");
    }

    window.addEventListener("beforeprint", toPaper);
    window.addEventListener("afterprint", toScreen);
    if (window.matchMedia) {
      var media = window.matchMedia("print");
      var changed = function (e) { if (e.matches) toPaper(); else toScreen(); };
      if (media.addEventListener) media.addEventListener("change", changed);
      else if (media.addListener) media.addListener(changed);
    }
  };

  AM.draw = function (map, spec, extras) {
    var state = draw(map, spec, extras);
    AM.printView(state);
    return state;
  };
})();
