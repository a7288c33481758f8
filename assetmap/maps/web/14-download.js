/* A neighbourhood's data as a CSV file made in the page (no server): the button of its
 * popup (drawn by 01-popups.js) writes its indicators (value, margin of error, reliability),
 * need percentile, nearest service of each domain and gaps, then downloads the file.
 *
 * The spec's texts are escaped HTML: they are decoded to plain text here, never put in the
 * page. Cells are made safe for spreadsheets as assetmap.csvsafe makes them: a text cell
 * starting with = + - @ a tab or a carriage return gets a leading apostrophe (a plain
 * number is left alone), a carriage return becomes a line feed. UTF-8 with a byte order
 * mark, so that Excel reads accents. */
(function () {
  "use strict";
  var AM = window.assetmap;
  var HEAD = ["section", "item", "value", "margin_of_error", "reliability", "minutes", "residents_beyond", "note"];
  var TRIGGER = /^[=+\-@\t\r]/;
  var NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

  var decoder = null;
  // Plain text of an escaped HTML string (a textarea's content is never markup).
  function plain(html) {
    if (html === null || html === undefined) return "";
    decoder = decoder || document.createElement("textarea");
    decoder.innerHTML = String(html);
    return decoder.value;
  }

  // "56,669" -> "56669"; other words as they are.
  function count(words) {
    var s = plain(words);
    return /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s) ? s.replace(/,/g, "") : s;
  }

  AM.csvCell = function (v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (typeof v === "string" && TRIGGER.test(s) && !NUMBER.test(s)) s = "'" + s;
    s = s.replace(/\r\n?/g, "\n");
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };

  AM.csvText = function (rows) {
    return rows.map(function (r) { return r.map(AM.csvCell).join(","); }).join("\r\n") + "\r\n";
  };

  // The unit's name, residents and need; then each indicator shown on the map.
  function measures(spec, i) {
    var U = spec.units;
    var area = spec.area || {};
    var rows = [["area", "name", plain(U.name[i])]];
    if (area.ids) rows.push(["area", "id", plain(area.ids[i])]);
    rows.push(["area", "residents", count(U.pop[i])]);
    spec.choropleths.forEach(function (c) {
      var weak = c.weak && c.weak[i] ? plain(c.weakWords) : "";
      if (c.isNeed) {
        var pct = /^(\d+)\D+ percentile/.exec(c.val[i]);
        rows.push(["area", "need percentile", pct ? pct[1] : plain(U.notRanked[i] || c.val[i]), "", weak, "", "", plain(U.need[i])]);
        return;
      }
      var moe = (area.moe || {})[c.column];
      rows.push(["indicator", plain(c.name), plain(c.val[i]), moe ? plain(moe[i]) : "", weak || (moe && moe[i] ? "reliable" : "")]);
    });
    return rows;
  }

  // The nearest service of each domain with its minutes, then the unit's gaps.
  function services(spec, i) {
    var rows = [];
    (spec.units.near[i] || []).forEach(function (n) {
      var name = n[1] >= 0 ? plain(spec.nearNames[n[1]]) : plain(spec.text.noneFound);
      rows.push(["nearest service", plain(spec.domainLabels[n[0]]), name, "", "", n[2] === null ? "" : count(n[2]), "", n[3] ? plain(spec.text.gap) : ""]);
    });
    ((spec.area || {}).gaps || []).forEach(function (g) {
      if (g[0] === i) rows.push(["gap", plain(spec.domainLabels[g[1]]), plain(g[2]), "", "", "", g[3]]);
    });
    return rows;
  }

  AM.unitCsv = function (spec, i) {
    var rows = measures(spec, i).concat(services(spec, i)).map(function (r) {
      while (r.length < HEAD.length) r.push("");
      return r;
    });
    return AM.csvText([HEAD].concat(rows));
  };

  // A file name from the unit's name: letters and digits of ASCII, joined by dashes.
  AM.csvName = function (name) {
    var s = plain(name);
    s = s.normalize ? s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "") : s;
    s = s.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
    return (s || "area") + "-data.csv";
  };

  AM.saveText = function (fileName, text) {
    var blob = new window.Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
    var url = window.URL.createObjectURL(blob);
    var a = AM.el("a", null, document.body);
    a.href = url;
    a.download = fileName;
    a.style.display = "none";
    a.click();
    window.setTimeout(function () {
      window.URL.revokeObjectURL(url);
      a.parentNode.removeChild(a);
    }, 1000);
  };

  // One listener for every map of the page: the button knows its unit, its map the spec.
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest(".am-download-button") : null;
    var root = button ? button.closest(".leaflet-container") : null;
    var state = root ? AM.maps[root.id] : null;
    if (!state) return;
    e.preventDefault();
    var i = Number(button.getAttribute("data-am-unit"));
    AM.saveText(AM.csvName(state.spec.units.name[i]), AM.unitCsv(state.spec, i));
  });
})();
