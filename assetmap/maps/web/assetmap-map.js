/* assetmap map runtime: draws a study on a Leaflet map from the JSON written by
 * assetmap.maps.make_map.
 *
 * Safety: every string of the spec that can reach the page was HTML-escaped by assetmap
 * (Python) before it was written; this file only joins those strings with its own fixed
 * markup, and never builds a URL, a style or an attribute from data except the escaped,
 * http(s)-only links and the hex colours that assetmap checked.
 *
 * Speed: one copy of the unit polygons serves every choropleth (each is built the first
 * time it is shown), popups and tooltips are bound once per layer and written when opened,
 * and dense service layers are clustered.
 */
(function () {
  "use strict";
  var AM = (window.assetmap = window.assetmap || {});
  AM.maps = AM.maps || {};

  function el(tag, cls, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  function table(rows) {
    var out = "";
    for (var i = 0; i < rows.length; i++) {
      var v = rows[i][1];
      if (v !== "" && v !== null && v !== undefined) {
        out += '<tr><th scope="row">' + rows[i][0] + "</th><td>" + v + "</td></tr>";
      }
    }
    return out ? "<table>" + out + "</table>" : "";
  }

  function popupHtml(title, rows, extra) {
    return (
      '<div class="am-popup"><h3><bdi>' + title + "</bdi></h3>" + table(rows) + (extra || "") + "</div>"
    );
  }

  // Plain lower-case text of an escaped HTML string, for matching a search.
  var decoder = null;
  function plain(html) {
    decoder = decoder || document.createElement("textarea");
    decoder.innerHTML = html;
    var s = decoder.value.toLowerCase();
    return s.normalize ? s.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : s;
  }

  var POPUP = { maxWidth: 320, minWidth: 200, maxHeight: 380, autoPanPadding: [20, 20] };
  var TIP = { sticky: true, className: "am-tip", direction: "auto", opacity: 0.95 };

  AM.draw = function (map, spec, extras) {
    var U = spec.units;
    var T = spec.text;
    var state = { map: map, spec: spec, choropleths: [], domains: [], findings: [], items: {} };
    AM.maps[map.getContainer().id] = state;
    var fullscreenOn = false;

    // ---- base maps --------------------------------------------------------------------
    var bases = [];
    var tileNoted = false;
    function tileProblem() {
      if (tileNoted) return;
      tileNoted = true;
      var note = document.querySelector("#" + map.getContainer().id + " .am-offline");
      if (note) note.hidden = false;
    }
    spec.basemaps.forEach(function (b, i) {
      var layer = b.url
        ? L.tileLayer(b.url, {
            attribution: b.attribution,
            maxZoom: b.maxZoom,
            maxNativeZoom: b.maxNativeZoom,
            subdomains: b.subdomains,
          })
        : L.layerGroup();
      if (b.url) layer.on("tileerror", tileProblem);
      bases.push({ name: b.name, layer: layer, id: "base-" + i });
    });
    (extras.bases || []).forEach(function (b, i) {
      var layer = window[b.ref];
      if (layer) bases.unshift({ name: b.name, layer: layer, id: "own-base-" + i });
    });
    bases.forEach(function (b, i) {
      if (i === 0) map.addLayer(b.layer);
      else if (map.hasLayer(b.layer)) map.removeLayer(b.layer);
    });

    // ---- units and choropleths ----------------------------------------------------------
    function unitTip(i, c) {
      var lines = ["<b><bdi>" + U.name[i] + "</bdi></b>"];
      var k = c.cls[i];
      lines.push(k >= 0 ? c.prefix + ": " + c.val[i] + " (" + c.words[k] + ")" : T.noData);
      lines.push(T.residents + ": " + U.pop[i]);
      if (U.flags[i]) lines.push(U.flags[i]);
      return lines.concat(U.notes[i] || []).join("<br>");
    }

    function unitPopup(i, c) {
      var rows = [[T.residents, U.pop[i]], [T.need, U.need[i]]];
      if (c && !c.isNeed) {
        var k = c.cls[i];
        rows.push([c.prefix, k >= 0 ? c.val[i] + " (" + c.words[k] + ")" : T.noData]);
      }
      var near = (U.near[i] || []).map(function (n) {
        var where = n[1] >= 0 ? "<bdi>" + spec.nearNames[n[1]] + "</bdi>, " : "";
        var time = n[2] === null ? T.noneFound : n[2] + " min";
        var flag = n[3] ? ' <span class="am-flag">' + T.gap + "</span>" : "";
        return [spec.domainLabels[n[0]], where + time + flag];
      });
      var extra = near.length ? "<h4>" + T.nearest + "</h4>" + table(near) : "";
      var notes = U.notes[i] || [];
      if (notes.length) extra += '<p class="am-notes">' + notes.join("<br>") + "</p>";
      return popupHtml(U.name[i], rows, extra);
    }

    function lazyUnits(layer, filter) {
      var built = false;
      layer.on("add", function () {
        if (built) return;
        built = true;
        layer.addData(filter ? { type: "FeatureCollection", features: U.fc.features.filter(filter) } : U.fc);
      });
      return layer;
    }

    function front() {
      state.findings.forEach(function (l) {
        if (map.hasLayer(l)) l.bringToFront();
      });
    }

    var legendNeed = null;
    var legendShown = null;
    function showLegend(c) {
      legendShown = c;
      if (legendNeed) legendNeed.innerHTML = c ? c.legend : "";
    }

    spec.choropleths.forEach(function (c) {
      var layer = L.geoJSON(null, {
        style: function (f) {
          var k = c.cls[f.id];
          return {
            fillColor: k >= 0 ? c.colours[k] : spec.missingColour,
            fillOpacity: k >= 0 ? c.opacity : 0.4,
            color: "#555555",
            weight: 0.6,
          };
        },
      });
      layer.bindTooltip(function (l) { return unitTip(l.feature.id, c); }, TIP);
      layer.bindPopup(function (l) { return unitPopup(l.feature.id, c); }, POPUP);
      lazyUnits(layer);
      layer.on("add", function () {
        state.active = c;
        state.activeLayer = layer;
        hospitalShadesOff();
        showLegend(c);
        front();
      });
      state.choropleths.push({ name: c.name, layer: layer, id: "need-" + c.id, spec: c, sub: !c.isNeed });
    });
    var noShading = L.layerGroup();
    noShading.on("add", function () {
      state.active = null;
      state.activeLayer = null;
      showLegend(null);
    });

    // One shading at a time: a hospital area layer replaces the need choropleth (the need
    // group then says "No shading"), and the choropleth comes back when it is turned off.
    var shades = []; // the hospital's area layers
    var shadeBefore = null; // the choropleth to restore
    var switching = false;
    function hospitalShadesOff() {
      shadeBefore = null;
      switching = true;
      shades.forEach(function (l) { if (map.hasLayer(l)) map.removeLayer(l); });
      switching = false;
    }
    function shadeOn(layer, a) {
      switching = true;
      var other = shades.filter(function (l) { return l !== layer && map.hasLayer(l); });
      if (!other.length) shadeBefore = state.activeLayer || null;
      other.forEach(function (l) { map.removeLayer(l); });
      state.choropleths.forEach(function (c) { if (map.hasLayer(c.layer)) map.removeLayer(c.layer); });
      if (!map.hasLayer(noShading)) map.addLayer(noShading);
      switching = false;
      showLegend(a);
      front();
    }
    function shadeOff() {
      if (switching) return;
      if (shades.some(function (l) { return map.hasLayer(l); })) return;
      if (state.choropleths.some(function (c) { return map.hasLayer(c.layer); })) return;
      var back = shadeBefore;
      shadeBefore = null;
      if (back) {
        if (map.hasLayer(noShading)) map.removeLayer(noShading);
        map.addLayer(back);
      } else showLegend(null);
    }

    // Hatching of cells hidden to protect privacy (an SVG pattern the map's paths use).
    var hatchId = "am-hatch-" + map.getContainer().id;
    (function () {
      var ns = "http://www.w3.org/2000/svg";
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", "0");
      svg.setAttribute("height", "0");
      svg.setAttribute("aria-hidden", "true");
      svg.style.position = "absolute";
      svg.innerHTML =
        '<defs><pattern id="' + hatchId + '" width="6" height="6" patternUnits="userSpaceOnUse"' +
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>' +
        '<rect width="2.5" height="6" fill="#6e6e6e"/></pattern></defs>';
      map.getContainer().appendChild(svg);
    })();

    // ---- services ---------------------------------------------------------------------------
    var F = {};
    spec.assetFields.forEach(function (name, i) { F[name] = i; });

    function assetPopup(d, r) {
      var web = r[F.href]
        ? '<a href="' + r[F.href] + '" target="_blank" rel="noopener noreferrer">' + r[F.href] + "</a>"
        : r[F.web];
      var phone = r[F.tel] ? '<a href="tel:' + r[F.tel] + '">' + r[F.phone] + "</a>" : r[F.phone];
      return popupHtml(r[F.name] || T.noName, [
        [T.org, r[F.org]],
        [T.service, d.label],
        [T.address, r[F.address]],
        [T.phone, phone],
        [T.hours, r[F.hours]],
        [T.website, web],
        [T.capacity, r[F.capacity]],
        [T.source, r[F.source]],
        [T.verified, r[F.verified] || T.notRecorded],
        [T.note, r[F.note]],
      ]);
    }

    function pointLayer(rows, icon, cluster, popup, tip, z) {
      var markers = rows.map(function (r, i) {
        var m = L.marker([r[1], r[0]], {
          icon: typeof icon === "function" ? icon(r) : icon,
          riseOnHover: true,
          zIndexOffset: z ? z(r) : 0,
        });
        m.amRow = i;
        return m;
      });
      var layer = cluster ? L.markerClusterGroup(cluster) : L.featureGroup();
      if (cluster) layer.addLayers(markers);
      else markers.forEach(function (m) { layer.addLayer(m); });
      layer.bindPopup(function (m) { return popup(rows[m.amRow]); }, POPUP);
      layer.bindTooltip(function (m) { return tip(rows[m.amRow]); }, { className: "am-tip", direction: "top", offset: [0, -8] });
      layer.amMarkers = markers;
      return layer;
    }

    spec.domains.forEach(function (d) {
      var icon = L.divIcon({
        html: d.pin,
        className: "am-asset am-asset-" + d.key,
        iconSize: [18, 18],
        iconAnchor: [9, 9],
        popupAnchor: [0, -8],
      });
      var cluster = d.cluster
        ? {
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
          }
        : null;
      var popup = function (r) { return assetPopup(d, r); };
      var layer = pointLayer(
        d.rows,
        icon,
        cluster,
        popup,
        function (r) { return "<bdi>" + (r[F.name] || T.noName) + "</bdi>"; }
      );
      map.addLayer(layer);
      state.domains.push({ name: d.name, layer: layer, id: "domain-" + d.key, symbol: d.pin, count: d.rows.length, spec: d, popup: popup });
    });

    // ---- findings -----------------------------------------------------------------------------
    var findings = [];
    if (spec.gaps) {
      var gapTip = {};
      spec.gaps.units.forEach(function (u, i) { gapTip[u] = spec.gaps.tips[i]; });
      var gaps = L.geoJSON(null, { style: function () { return spec.gaps.style; } });
      lazyUnits(gaps, function (f) { return gapTip[f.id] !== undefined; });
      gaps.bindTooltip(function (l) { return gapTip[l.feature.id]; }, TIP);
      gaps.bindPopup(function (l) { return unitPopup(l.feature.id, state.active); }, POPUP);
      findings.push({ name: spec.gaps.name, layer: gaps, id: "gaps", symbol: '<span class="am-line" aria-hidden="true"></span>' });
    }
    if (spec.overlaps) {
      var crowded = L.geoJSON(spec.overlaps.fc, {
        style: function (f) { return spec.overlaps.styles[f.properties.k]; },
      });
      crowded.bindTooltip(function (l) { return l.feature.properties.tip; }, TIP);
      var overTip = {};
      spec.overlaps.units.forEach(function (u) { overTip[u[0]] = u[1]; });
      var served = L.geoJSON(null, { style: function () { return spec.overlaps.styles.over_served; } });
      lazyUnits(served, function (f) { return overTip[f.id] !== undefined; });
      served.bindTooltip(function (l) { return overTip[l.feature.id]; }, TIP);
      var over = L.featureGroup([served, crowded]);
      findings.push({ name: spec.overlaps.name, layer: over, id: "overlaps", symbol: '<span class="am-swatch am-swatch-overlap" aria-hidden="true"></span>' });
    }
    if (spec.sites) {
      // Suggested new sites: a star per site in its domain's colour (the row's last value,
      // our own markup), above the service markers; off at start unless the spec says so.
      var siteIcon = function (r) {
        return L.divIcon({ html: r[4], className: "am-site", iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -10] });
      };
      var sites = pointLayer(
        spec.sites.rows,
        siteIcon,
        null,
        function (r) { return r[2]; },
        function (r) { return r[3]; },
        function () { return 1000; }
      );
      findings.push({ name: spec.sites.name, layer: sites, id: "sites", symbol: spec.sites.symbol, show: spec.sites.show, points: true });
    }
    findings.forEach(function (f) {
      if (f.show !== false) map.addLayer(f.layer);
      if (!f.points) state.findings.push(f.layer);
    });

    // ---- the hospital (anchor institution) --------------------------------------------------------
    var hospital = [];
    (spec.anchor || []).forEach(function (a, ai) {
      var layer;
      if (a.kind === "points") {
        var icon = L.divIcon({ html: a.pin, className: a.css, iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10] });
        var sized = function (r) {
          // proportional symbol: the row's last value is its diameter in pixels
          var d = r[4];
          return L.divIcon({
            html: '<span class="am-disc" style="width:' + d + "px;height:" + d + 'px"></span>',
            className: a.css,
            iconSize: [d, d],
            iconAnchor: [d / 2, d / 2],
            popupAnchor: [0, -d / 2],
          });
        };
        var sizedRows = a.rows.length && typeof a.rows[0][4] === "number";
        // the site above everything, big proportional symbols below small ones
        var z = function (r) { return sizedRows ? -2000 - 10 * r[4] : a.css === "am-hospital" ? 2000 : 0; };
        layer = pointLayer(a.rows, sizedRows ? sized : icon, null, function (r) { return r[2]; }, function (r) { return r[3]; }, z);
      } else {
        var cells = {};
        a.cells.forEach(function (c) { cells[c[0]] = c; });
        layer = L.geoJSON(null, {
          style: function (f) {
            var k = cells[f.id][1];
            return {
              fillColor: k >= 0 ? a.colours[k] : k === -2 ? "url(#" + hatchId + ")" : spec.missingColour,
              fillOpacity: k >= 0 ? 0.75 : k === -2 ? 0.85 : 0.45,
              color: "#444444",
              weight: 0.8,
            };
          },
        });
        lazyUnits(layer, function (f) { return cells[f.id] !== undefined; });
        var cellTip = function (l) {
          var c = cells[l.feature.id];
          return "<b><bdi>" + U.name[c[0]] + "</bdi></b><br>" + a.label + ": " + c[2];
        };
        layer.bindTooltip(cellTip, TIP);
        layer.bindPopup(function (l) {
          var c = cells[l.feature.id];
          return popupHtml(U.name[c[0]], [[a.label, c[2]], [T.residents, U.pop[c[0]]], [T.need, U.need[c[0]]]]);
        }, POPUP);
        shades.push(layer);
        (function (layer, a) {
          layer.on("add", function () { shadeOn(layer, a); });
          layer.on("remove", shadeOff);
        })(layer, a);
      }
      if (a.show) map.addLayer(layer);
      hospital.push({ name: a.name, layer: layer, id: "anchor-" + ai, symbol: a.symbol || "" });
    });

    var own = (extras.overlays || [])
      .map(function (o, i) { return { name: o.name, layer: window[o.ref], id: "own-" + i }; })
      .filter(function (o) { return !!o.layer; });

    function needItems() {
      if (!state.choropleths.length) return [];
      var main = state.choropleths.filter(function (c) { return !c.sub; });
      var subs = state.choropleths.filter(function (c) { return c.sub; });
      return main.concat([{ name: T.noShading, layer: noShading, id: "need-none" }], subs);
    }

    // The choropleth shown first goes on last, so it opens with its legend.
    var first = state.choropleths.filter(function (c) { return c.spec.show; })[0];

    var groups = [
      { id: "base", title: T.groupBase, radio: true, items: bases },
      { id: "need", title: T.groupNeed, radio: true, items: needItems() },
      { id: "services", title: T.groupServices, items: state.domains },
      { id: "findings", title: T.groupFindings, items: findings },
      { id: "hospital", title: T.groupHospital, items: hospital },
      { id: "own", title: T.groupOwn, items: own },
    ].filter(function (g) { return g.items.length > 0; });
    groups.forEach(function (g) {
      g.items.forEach(function (it) { state.items[it.id] = it; });
    });

    // ---- panels ---------------------------------------------------------------------------------
    var narrow = !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);

    // A panel; with a fold title, it can be folded away (and starts folded on a phone).
    function panel(position, cls, label, html, fold) {
      var C = L.Control.extend({
        options: { position: position },
        onAdd: function () {
          var div = el("div", "am-panel " + cls);
          div.setAttribute("role", "region");
          div.setAttribute("aria-label", label);
          if (fold) {
            var box = el("details", "am-fold", div);
            box.open = !narrow;
            el("summary", "", box).textContent = fold;
            el("div", "am-fold-body", box).innerHTML = html;
          } else div.innerHTML = html;
          L.DomEvent.disableClickPropagation(div);
          L.DomEvent.disableScrollPropagation(div);
          return div;
        },
      });
      var c = new C();
      c.addTo(map);
      return c.getContainer();
    }

    var title = panel("topleft", "am-title", T.titleLabel, spec.panels.title);
    title.parentNode.insertBefore(title, title.parentNode.firstChild);
    var printButton = title.querySelector(".am-print-button");
    if (printButton) printButton.addEventListener("click", function () { window.print(); });

    // ---- search -----------------------------------------------------------------------------------
    var index = null;
    function buildIndex() {
      index = [];
      state.domains.forEach(function (d) {
        d.spec.rows.forEach(function (r, i) {
          if (r[F.name]) index.push({ html: r[F.name], key: plain(r[F.name]), kind: d.spec.label, domain: d, row: i });
        });
      });
      U.name.forEach(function (n, i) {
        if (n && U.point[i]) index.push({ html: n, key: plain(n), kind: T.neighbourhood, unit: i });
      });
    }

    function choose(hit) {
      var at, html;
      if (hit.domain) {
        var d = hit.domain;
        if (!map.hasLayer(d.layer)) map.addLayer(d.layer);
        var marker = d.layer.amMarkers[hit.row];
        at = marker.getLatLng();
        html = d.popup(d.spec.rows[hit.row]);
        var open = function () { L.popup(POPUP).setLatLng(at).setContent(html).openOn(map); };
        if (d.layer.zoomToShowLayer) d.layer.zoomToShowLayer(marker, open);
        else {
          map.setView(at, Math.max(map.getZoom(), 16));
          open();
        }
      } else {
        var i = hit.unit;
        if (U.bounds[i]) map.fitBounds(U.bounds[i], { maxZoom: 16 });
        L.popup(POPUP).setLatLng(U.point[i]).setContent(unitPopup(i, state.active)).openOn(map);
      }
    }

    // A combobox (WAI-ARIA 1.2): type to list matches; Up/Down move through them, Enter
    // opens the one chosen (or the first), Escape closes the list, then clears the box.
    var searchCount = 0;
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "am-panel am-search");
        box.setAttribute("role", "search");
        var uid = map.getContainer().id + "-search-" + searchCount++;
        var input = el("input", "am-search-input", box);
        input.type = "search";
        input.placeholder = T.searchPlaceholder;
        input.setAttribute("aria-label", T.searchLabel);
        input.setAttribute("autocomplete", "off");
        input.setAttribute("role", "combobox");
        input.setAttribute("aria-autocomplete", "list");
        input.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-controls", uid + "-list");
        var list = el("ul", "am-results", box);
        list.id = uid + "-list";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", T.searchResults);
        list.hidden = true;
        var status = el("div", "am-sr-only", box);
        status.setAttribute("role", "status");
        status.setAttribute("aria-live", "polite");
        var hits = [];
        var items = [];
        var current = -1;
        function close() {
          list.innerHTML = "";
          list.hidden = true;
          hits = [];
          items = [];
          current = -1;
          input.setAttribute("aria-expanded", "false");
          input.removeAttribute("aria-activedescendant");
        }
        function mark(i) {
          if (!items.length) return;
          current = (i + items.length) % items.length;
          items.forEach(function (li, j) {
            li.setAttribute("aria-selected", j === current ? "true" : "false");
            li.classList.toggle("am-active", j === current);
          });
          input.setAttribute("aria-activedescendant", items[current].id);
          var li = items[current];
          if (li.offsetTop < list.scrollTop) list.scrollTop = li.offsetTop;
          else if (li.offsetTop + li.offsetHeight > list.scrollTop + list.clientHeight)
            list.scrollTop = li.offsetTop + li.offsetHeight - list.clientHeight;
        }
        function pick(h) {
          close();
          choose(h);
        }
        function update() {
          if (!index) buildIndex();
          var q = plain(input.value.replace(/[<>&"']/g, " ")).trim();
          close();
          status.textContent = "";
          if (q.length < 2) return;
          var starts = [], inside = [];
          for (var i = 0; i < index.length && starts.length < 8; i++) {
            var at = index[i].key.indexOf(q);
            if (at === 0) starts.push(index[i]);
            else if (at > 0 && inside.length < 8) inside.push(index[i]);
          }
          hits = starts.concat(inside).slice(0, 8);
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
          if (!hits.length) {
            var none = el("li", "am-none", list);
            none.setAttribute("role", "option");
            none.setAttribute("aria-disabled", "true");
            none.textContent = T.noMatch;
            status.textContent = T.noMatch;
            return;
          }
          status.textContent = hits.length + " " + T.matches;
          hits.forEach(function (h, j) {
            var li = el("li", "am-hit", list);
            li.id = uid + "-opt-" + j;
            li.setAttribute("role", "option");
            li.setAttribute("aria-selected", "false");
            li.innerHTML = "<bdi>" + h.html + '</bdi> <span class="am-kind">' + h.kind + "</span>";
            li.addEventListener("mousedown", function (e) {
              e.preventDefault(); // keep the focus in the box
            });
            li.addEventListener("click", function (e) {
              // The list is emptied by pick(): stop the click here, or the map would see a
              // click from a detached element and close the popup just opened.
              L.DomEvent.stop(e);
              pick(h);
            });
            items.push(li);
          });
        }
        input.addEventListener("input", update);
        input.addEventListener("keydown", function (e) {
          if (e.key === "ArrowDown" || e.key === "Down") {
            e.preventDefault();
            if (!items.length && input.value) update();
            mark(current + 1);
          } else if (e.key === "ArrowUp" || e.key === "Up") {
            e.preventDefault();
            mark(current < 0 ? -1 : current - 1);
          } else if (e.key === "Home" && items.length && current >= 0) {
            e.preventDefault();
            mark(0);
          } else if (e.key === "End" && items.length && current >= 0) {
            e.preventDefault();
            mark(items.length - 1);
          } else if (e.key === "Enter") {
            e.preventDefault();
            if (hits.length) pick(hits[current >= 0 ? current : 0]);
          } else if (e.key === "Escape" || e.key === "Esc") {
            e.preventDefault();
            if (!list.hidden) close();
            else if (map._popup && map.hasLayer(map._popup)) map.closePopup();
            else input.value = "";
            status.textContent = "";
          }
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });
    new Search().addTo(map);

    // ---- full screen --------------------------------------------------------------------------------
    var root = map.getContainer();
    if (document.fullscreenEnabled && root.requestFullscreen) {
      var Full = L.Control.extend({
        options: { position: "topleft" },
        onAdd: function () {
          var bar = el("div", "leaflet-bar am-fullscreen");
          var a = el("a", "am-fullscreen-button", bar);
          a.href = "#";
          a.setAttribute("role", "button");
          a.title = T.fullscreen;
          a.setAttribute("aria-label", T.fullscreen);
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
      new Full().addTo(map);
      document.addEventListener("fullscreenchange", function () {
        fullscreenOn = document.fullscreenElement === root;
        root.classList.toggle("am-is-fullscreen", fullscreenOn);
        map.invalidateSize();
      });
    }

    // ---- layer control ------------------------------------------------------------------------------
    var Layers = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = el("details", "am-panel am-layers");
        box.open = !narrow;
        el("summary", "am-layers-title", box).textContent = T.layers;
        groups.forEach(function (g) {
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
                el("summary", "", subBox).textContent = T.indicators;
                sub = el("div", "am-items", subBox);
              }
              into = sub;
              if (map.hasLayer(it.layer)) sub.parentNode.open = true;
            }
            var lab = el("label", "am-item", into);
            var input = el("input", "", lab);
            input.type = g.radio ? "radio" : "checkbox";
            if (g.radio) input.name = "am-" + g.id + "-" + root.id;
            input.setAttribute("data-layer", it.id);
            var count = it.count !== undefined ? ' <span class="am-count">' + it.count + "</span>" : "";
            el("span", "am-item-text", lab).innerHTML = (it.symbol || "") + '<span class="am-name">' + it.name + "</span>" + count;
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
          });
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });

    if (first) map.addLayer(first.layer);
    else if (state.choropleths.length) map.addLayer(noShading);
    front();

    function sync() {
      groups.forEach(function (g) {
        g.items.forEach(function (it) {
          if (it.input) it.input.checked = map.hasLayer(it.layer);
        });
      });
    }
    new Layers().addTo(map);
    sync();
    map.on("layeradd layerremove", sync);

    // ---- legend and footer ----------------------------------------------------------------------------
    var legend = panel("bottomleft", "am-legend", T.legendLabel, spec.panels.legend, T.legendLabel);
    legendNeed = legend.querySelector(".am-legend-need");
    showLegend(state.active || null);
    panel("bottomright", "am-footer", T.footerLabel, spec.panels.footer, T.footerLabel);
    // print every folded panel open
    window.addEventListener("beforeprint", function () {
      root.querySelectorAll(".am-fold").forEach(function (d) { d.open = true; });
    });

    if (spec.bounds) map.fitBounds(spec.bounds, { padding: [10, 10] });
    root.setAttribute("data-assetmap", "ready");
    if (window.performance && performance.mark) performance.mark("assetmap-ready");
    return state;
  };
})();
