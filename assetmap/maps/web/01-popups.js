/* Every popup of the map, drawn by one function from its description in spec.popups
 * (written by assetmap.maps._popups): a heading, a table of labelled values, then
 * paragraphs. Values are escaped text; this only wraps them in fixed markup. */
(function () {
  "use strict";
  var AM = window.assetmap;

  function bdi(v) {
    return "<bdi>" + v + "</bdi>";
  }

  // [[name or [name, after], ...], how many more]
  function names(v, sep) {
    var shown = v[0].map(function (p) {
      return typeof p === "string" ? bdi(p) : bdi(p[0]) + (p[1] ? ", " + p[1] : "");
    });
    return shown.join(sep) + (v[1] ? " and " + v[1] + " more" : "");
  }

  var CELLS = {
    bdi: bdi,
    names: function (v) { return names(v, ", "); },
    link: function (v) {
      if (!Array.isArray(v)) return v;
      return '<a href="' + v[0] + '" target="_blank" rel="noopener noreferrer">' + v[0] + "</a>";
    },
    tel: function (v) {
      return Array.isArray(v) ? '<a href="tel:' + v[0] + '">' + v[1] + "</a>" : v;
    },
  };

  var BLOCKS = {
    section: function (v, label) {
      return "<h4>" + label + "</h4>" + AM.table(v);
    },
    // a neighbourhood's data as CSV (v: its position; the click is handled by 14-download.js)
    download: function (v, label) {
      return '<p class="am-download"><button type="button" class="am-download-button" data-am-unit="' +
        Number(v) + '">' + label + "</button></p>";
    },
    hosts: function (v, label) {
      var gaps = v.map(function (g) { return g[0] + " (gap in " + names([g[1], g[2]], "; ") + ")"; });
      return '<p class="am-hosts"><b>' + label + "</b> " + gaps.join(", ") + "</p>";
    },
  };

  function block(fmt) {
    if (BLOCKS[fmt]) return BLOCKS[fmt];
    if (fmt.indexOf("p-") !== 0) return null;
    return function (v) {
      return '<p class="am-' + fmt.slice(2) + '">' + (Array.isArray(v) ? v.join("<br>") : v) + "</p>";
    };
  }

  /* desc: {title, untitled, keys, fields: [[label, key, format, empty], ...]};
   * values: the row's values in the order of desc.keys (or null); given: values by key. */
  AM.popup = function (desc, values, given) {
    function get(key) {
      if (given && Object.prototype.hasOwnProperty.call(given, key)) return given[key];
      var at = values ? desc.keys.indexOf(key) : -1;
      return at >= 0 ? values[at] : "";
    }
    var rows = [];
    var after = "";
    desc.fields.forEach(function (f) {
      var v = get(f[1]);
      if (AM.isEmpty(v)) v = f[3];
      if (AM.isEmpty(v)) return;
      var draw = block(f[2]);
      if (draw) after += draw(v, f[0]);
      else if (f[2] === "pair") rows.push(v);
      else rows.push([f[0], CELLS[f[2]] ? CELLS[f[2]](v) : v]);
    });
    var title = get(desc.title) || desc.untitled;
    return '<div class="am-popup"><h3>' + bdi(title) + "</h3>" + AM.table(rows) + after + "</div>";
  };
})();
