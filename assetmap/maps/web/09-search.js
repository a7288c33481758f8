/* Search by service or neighbourhood name: a combobox (WAI-ARIA 1.2). Type to list
 * matches; Up/Down move through them, Enter opens the one chosen (or the first), Escape
 * closes the list, then clears the box. */
(function () {
  "use strict";
  var AM = window.assetmap;
  var searchCount = 0;

  function buildIndex(ctx) {
    var index = [];
    var name = ctx.spec.assetFields.indexOf("name");
    ctx.state.domains.forEach(function (d) {
      d.spec.rows.forEach(function (r, i) {
        if (r[name]) index.push({ html: r[name], key: AM.plain(r[name]), kind: d.spec.label, domain: d, row: i });
      });
    });
    ctx.U.name.forEach(function (n, i) {
      if (n && ctx.U.point[i]) index.push({ html: n, key: AM.plain(n), kind: ctx.T.neighbourhood, unit: i });
    });
    return index;
  }

  // Show what was found: a service's marker (its layer on, zoomed in) or a neighbourhood.
  function choose(ctx, hit) {
    var map = ctx.map;
    var U = ctx.U;
    if (hit.domain) {
      var d = hit.domain;
      if (!map.hasLayer(d.layer)) map.addLayer(d.layer);
      var marker = d.layer.amMarkers[hit.row];
      var at = marker.getLatLng();
      var html = d.popup(d.spec.rows[hit.row]);
      var open = function () { L.popup(AM.POPUP).setLatLng(at).setContent(html).openOn(map); };
      if (d.layer.zoomToShowLayer) d.layer.zoomToShowLayer(marker, open);
      else {
        map.setView(at, Math.max(map.getZoom(), 16));
        open();
      }
    } else {
      var i = hit.unit;
      if (U.bounds[i]) map.fitBounds(U.bounds[i], { maxZoom: 16 });
      L.popup(AM.POPUP).setLatLng(U.point[i]).setContent(AM.unitPopup(ctx, i, ctx.state.active)).openOn(map);
    }
  }

  // The first matches: names starting with the query, then names containing it.
  function matches(index, q) {
    var starts = [];
    var inside = [];
    for (var i = 0; i < index.length && starts.length < 8; i++) {
      var at = index[i].key.indexOf(q);
      if (at === 0) starts.push(index[i]);
      else if (at > 0 && inside.length < 8) inside.push(index[i]);
    }
    return starts.concat(inside).slice(0, 8);
  }

  function searchBox(ctx, uid) {
    var el = AM.el;
    var box = el("div", "am-panel am-search");
    box.setAttribute("role", "search");
    var input = el("input", "am-search-input", box);
    input.type = "search";
    input.placeholder = ctx.T.searchPlaceholder;
    input.setAttribute("aria-label", ctx.T.searchLabel);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", uid + "-list");
    var list = el("ul", "am-results", box);
    list.id = uid + "-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", ctx.T.searchResults);
    list.hidden = true;
    var status = el("div", "am-sr-only", box);
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    return { box: box, input: input, list: list, status: status };
  }

  AM.Combobox = function (ctx, ui, uid) {
    this.ctx = ctx;
    this.ui = ui;
    this.uid = uid;
    this.index = null;
    this.hits = [];
    this.items = [];
    this.current = -1;
  };
  var C = AM.Combobox.prototype;

  C.close = function () {
    var ui = this.ui;
    ui.list.innerHTML = "";
    ui.list.hidden = true;
    this.hits = [];
    this.items = [];
    this.current = -1;
    ui.input.setAttribute("aria-expanded", "false");
    ui.input.removeAttribute("aria-activedescendant");
  };

  C.mark = function (i) {
    var items = this.items;
    var list = this.ui.list;
    if (!items.length) return;
    var current = (this.current = (i + items.length) % items.length);
    items.forEach(function (li, j) {
      li.setAttribute("aria-selected", j === current ? "true" : "false");
      li.classList.toggle("am-active", j === current);
    });
    this.ui.input.setAttribute("aria-activedescendant", items[current].id);
    var li = items[current];
    if (li.offsetTop < list.scrollTop) list.scrollTop = li.offsetTop;
    else if (li.offsetTop + li.offsetHeight > list.scrollTop + list.clientHeight)
      list.scrollTop = li.offsetTop + li.offsetHeight - list.clientHeight;
  };

  C.pick = function (h) {
    this.close();
    choose(this.ctx, h);
  };

  C.option = function (h, j) {
    var self = this;
    var li = AM.el("li", "am-hit", this.ui.list);
    li.id = this.uid + "-opt-" + j;
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
      self.pick(h);
    });
    this.items.push(li);
  };

  C.update = function () {
    var ui = this.ui;
    var T = this.ctx.T;
    if (!this.index) this.index = buildIndex(this.ctx);
    var q = AM.plain(ui.input.value.replace(/[<>&"']/g, " ")).trim();
    this.close();
    ui.status.textContent = "";
    if (q.length < 2) return;
    this.hits = matches(this.index, q);
    ui.list.hidden = false;
    ui.input.setAttribute("aria-expanded", "true");
    if (!this.hits.length) {
      var none = AM.el("li", "am-none", ui.list);
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      none.textContent = T.noMatch;
      ui.status.textContent = T.noMatch;
      return;
    }
    ui.status.textContent = this.hits.length + " " + T.matches;
    this.hits.forEach(this.option, this);
  };

  C.escape = function () {
    var ui = this.ui;
    var map = this.ctx.map;
    if (!ui.list.hidden) this.close();
    else if (map._popup && map.hasLayer(map._popup)) map.closePopup();
    else ui.input.value = "";
    ui.status.textContent = "";
  };

  // Returns false for a key the box leaves alone.
  C.move = function (k) {
    var n = this.items.length;
    if (k === "ArrowDown" || k === "Down") {
      if (!n && this.ui.input.value) this.update();
      this.mark(this.current + 1);
    } else if (k === "ArrowUp" || k === "Up") this.mark(this.current < 0 ? -1 : this.current - 1);
    else if (k === "Home" && n && this.current >= 0) this.mark(0);
    else if (k === "End" && n && this.current >= 0) this.mark(n - 1);
    else return false;
    return true;
  };

  C.key = function (e) {
    var k = e.key;
    if (this.move(k)) e.preventDefault();
    else if (k === "Enter") {
      e.preventDefault();
      if (this.hits.length) this.pick(this.hits[this.current >= 0 ? this.current : 0]);
    } else if (k === "Escape" || k === "Esc") {
      e.preventDefault();
      this.escape();
    }
  };

  AM.search = function (ctx) {
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var uid = ctx.map.getContainer().id + "-search-" + searchCount++;
        var ui = searchBox(ctx, uid);
        var combo = new AM.Combobox(ctx, ui, uid);
        ui.input.addEventListener("input", function () { combo.update(); });
        ui.input.addEventListener("keydown", function (e) { combo.key(e); });
        L.DomEvent.disableClickPropagation(ui.box);
        L.DomEvent.disableScrollPropagation(ui.box);
        return ui.box;
      },
    });
    new Search().addTo(ctx.map);
  };
})();
