/* The units: their tooltip and popup, shared by the need choropleths, the gaps and the
 * search; and the hatching pattern of cells hidden to protect privacy. */
(function () {
  "use strict";
  var AM = window.assetmap;

  AM.unitTip = function (ctx, i, c) {
    var U = ctx.U;
    var T = ctx.T;
    var lines = ["<b><bdi>" + U.name[i] + "</bdi></b>"];
    var k = c.cls[i];
    lines.push(k >= 0 ? c.prefix + ": " + c.val[i] + " (" + c.words[k] + ")" : T.noData);
    lines.push(T.residents + ": " + U.pop[i]);
    if (U.flags[i]) lines.push(U.flags[i]);
    return lines.concat(U.notes[i] || []).join("<br>");
  };

  // The nearest service of each domain: [domain label, "<bdi>name</bdi>, 12 min [gap]"].
  function nearest(ctx, i) {
    var spec = ctx.spec;
    var T = ctx.T;
    return (ctx.U.near[i] || []).map(function (n) {
      var where = n[1] >= 0 ? "<bdi>" + spec.nearNames[n[1]] + "</bdi>, " : "";
      var time = n[2] === null ? T.noneFound : n[2] + " min";
      var flag = n[3] ? ' <span class="am-flag">' + T.gap + "</span>" : "";
      return [spec.domainLabels[n[0]], where + time + flag];
    });
  }

  // c: the choropleth on show (its value is added unless it is the need index itself).
  AM.unitPopup = function (ctx, i, c) {
    var U = ctx.U;
    var shading = "";
    if (c && !c.isNeed) {
      var k = c.cls[i];
      shading = [c.prefix, k >= 0 ? c.val[i] + " (" + c.words[k] + ")" : ctx.T.noData];
    }
    return AM.popup(ctx.spec.popups.neighbourhood, null, {
      name: U.name[i],
      pop: U.pop[i],
      need: U.need[i],
      shading: shading,
      near: nearest(ctx, i),
      notes: U.notes[i] || [],
    });
  };

  // Hatching of cells hidden to protect privacy (an SVG pattern the map's paths use).
  AM.hatch = function (map) {
    var id = "am-hatch-" + map.getContainer().id;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    svg.innerHTML =
      '<defs><pattern id="' + id + '" width="6" height="6" patternUnits="userSpaceOnUse"' +
      ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>' +
      '<rect width="2.5" height="6" fill="#6e6e6e"/></pattern></defs>';
    map.getContainer().appendChild(svg);
    return id;
  };
})();
