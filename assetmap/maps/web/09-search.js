/* Search services and neighbourhoods: a combobox (WAI-ARIA 1.2). Type to list matches;
 * Up/Down move through them, Enter opens the one chosen (or the first), Escape closes the
 * list, then clears the box.
 *
 * The words of a query match in any order, each the start of a word: of a name, of a
 * service's address or organisation (its ZIP code too), of the ZIP codes of the services
 * inside a neighbourhood (spec.area.zips, whole codes only), or of a domain's label or
 * aliases when the query holds all the words of one ("food bank" finds food services).
 * Neighbourhoods named by the query come first, then services by how well they match. */
(function () {
  "use strict";
  var AM = window.assetmap;
  var searchCount = 0;
  var LIMIT = 8;

  // The words of plain (lower-case) text, for matching by their start.
  function words(s) {
    return s ? s.split(/[^0-9a-z\u00c0-\uffff]+/).filter(function (w) { return w; }) : [];
  }

  function plainWords(html) {
    return html ? words(AM.plain(html)) : [];
  }

  function buildIndex(ctx) {
    var index = [];
    var f = ctx.spec.assetFields;
    var at = { name: f.indexOf("name"), address: f.indexOf("address"), org: f.indexOf("org") };
    var area = ctx.spec.area || {};
    var zips = area.zips || [];
    ctx.U.name.forEach(function (n, i) {
      if (!n || !ctx.U.point[i]) return;
      index.push({ html: n, key: AM.plain(n), kind: ctx.T.neighbourhood, unit: i, words: plainWords(n), zips: words(zips[i]) });
    });
    ctx.state.domains.forEach(function (d) {
      // the domain's label and aliases, each as its list of words
      var phrases = [d.spec.label].concat((area.aliases || {})[d.spec.key] || []).map(plainWords);
      d.spec.rows.forEach(function (r, i) {
        if (!r[at.name]) return;
        var more = plainWords(r[at.address]).concat(at.org >= 0 ? plainWords(r[at.org]) : []);
        index.push({
          html: r[at.name], key: AM.plain(r[at.name]), kind: d.spec.label, domain: d, row: i,
          words: plainWords(r[at.name]), more: more, where: r[at.address], phrases: phrases,
        });
      });
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

  function starts(list, t) {
    for (var i = 0; list && i < list.length; i++) if (list[i].indexOf(t) === 0) return true;
    return false;
  }

  // The tokens used by the domain phrases the query holds whole (every word of the phrase
  // is a token, or begins the last token typed when it has 3 letters or more).
  function phraseTokens(phrases, tokens) {
    var last = tokens[tokens.length - 1];
    var used = {};
    phrases.forEach(function (p) {
      var whole = p.length && p.every(function (w) {
        return tokens.indexOf(w) >= 0 || (last.length >= 3 && w.indexOf(last) === 0);
      });
      if (whole) tokens.forEach(function (t) { if (starts(p, t)) used[t] = true; });
    });
    return used;
  }

  /* How an entry matches, lower first (-1: it does not). Neighbourhoods: 0 by name, 1 by
   * name and ZIP code. Services: 2 by name and domain, 3 by name, 4 by domain, 5 with their
   * address or organisation. 6: the query inside a name, not at a word's start. */
  function score(e, tokens, q) {
    var used = e.phrases ? phraseTokens(e.phrases, tokens) : {};
    var byName = 0;
    var byDomain = 0;
    var byOther = 0;
    tokens.forEach(function (t) {
      if (starts(e.words, t)) byName++;
      else if (used[t]) byDomain++;
      else if (starts(e.more, t) || (e.zips && e.zips.indexOf(t) >= 0)) byOther++;
    });
    if (byName + byDomain + byOther < tokens.length) return e.key.indexOf(q) >= 0 ? 6 : -1;
    if (e.unit !== undefined) return byOther ? 1 : 0;
    if (byOther) return 5;
    var domain = byDomain > 0 || Object.keys(used).length > 0;
    if (byName === tokens.length) return domain ? 2 : 3;
    return 4;
  }

  // The best matches, at most LIMIT: by score, names starting with the query first.
  function matches(index, q) {
    var tokens = words(q);
    var buckets = [];
    for (var i = 0; tokens.length && i < index.length; i++) {
      var s = score(index[i], tokens, q);
      if (s < 0) continue;
      var b = 2 * s + (index[i].key.indexOf(q) === 0 ? 0 : 1);
      var bucket = (buckets[b] = buckets[b] || []);
      if (bucket.length < LIMIT) bucket.push({ e: index[i], byAddress: s === 5 });
    }
    var out = [];
    buckets.forEach(function (found) { out = out.concat(found || []); });
    return out.slice(0, LIMIT);
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
    choose(this.ctx, h.e);
  };

  C.option = function (h, j) {
    var self = this;
    var li = AM.el("li", "am-hit", this.ui.list);
    li.id = this.uid + "-opt-" + j;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    // escaped texts of the spec in fixed markup; found by its address: the address too
    var kind = h.e.kind + (h.byAddress && h.e.where ? " \u00b7 <bdi>" + h.e.where + "</bdi>" : "");
    li.innerHTML = "<bdi>" + h.e.html + '</bdi> <span class="am-kind">' + kind + "</span>";
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
