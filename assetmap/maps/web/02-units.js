/* The units: their tooltip and popup, shared by the need choropleths, the gaps and the
 * search; and the hatching pattern of cells hidden to protect privacy. */
(function () {
  "use strict";
  var AM = window.assetmap;

  // A unit's value on choropleth c in words, its class, and the hatch's words if unreliable;
  // a unit with no class says why it is not ranked.
  AM.unitValue = function (ctx, i, c) {
    var k = c.cls[i];
    if (k < 0) return ctx.U.notRanked[i] || ctx.T.noData;
    var weak = c.weak && c.weak[i] ? ' <span class="am-weak">' + c.weakWords + "</span>" : "";
    return c.val[i] + " (" + c.words[k] + ")" + weak;
  };

  AM.unitTip = function (ctx, i, c) {
    var U = ctx.U;
    var T = ctx.T;
    var lines = ["<b><bdi>" + U.name[i] + "</bdi></b>"];
    lines.push(c.cls[i] >= 0 ? c.prefix + ": " + AM.unitValue(ctx, i, c) : AM.unitValue(ctx, i, c));
    lines.push(T.residents + ": " + U.pop[i]);
    if (U.flags[i]) lines.push(U.flags[i]);
    if (c.isNeed && U.restsOn[i]) lines.push(U.restsOn[i]);
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
    if (c && !c.isNeed) shading = [c.prefix, AM.unitValue(ctx, i, c)];
    return AM.popup(ctx.spec.popups.neighbourhood, null, {
      name: U.name[i],
      pop: U.pop[i],
      need: U.need[i],
      shading: shading,
      restsOn: U.restsOn[i],
      near: nearest(ctx, i),
      notes: U.notes[i] || [],
      download: i,
    });
  };

  // Stripes over a class colour for an unreliable estimate: one SVG pattern per fill and ink
  // (hex colours assetmap checked), made the first time a unit is drawn with them.
  AM.stripes = function (ctx, fill, ink) {
    var made = (ctx.stripes = ctx.stripes || { n: 0, ids: {} });
    var key = fill + ink;
    if (made.ids[key]) return made.ids[key];
    var id = "am-weak-" + ctx.map.getContainer().id + "-" + made.n++;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    svg.innerHTML =
      '<defs><pattern id="' + id + '" width="7" height="7" patternUnits="userSpaceOnUse"' +
      ' patternTransform="rotate(45)"><rect width="7" height="7" fill="' + fill + '"/>' +
      '<rect width="2" height="7" fill="' + ink + '"/></pattern></defs>';
    ctx.root.appendChild(svg);
    made.ids[key] = id;
    return id;
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
