"""Jinja templates of the report (HTML with autoescaping, Markdown with an escape filter)."""

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ title }} — assetmap report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1b1b1b;
       overflow-wrap: anywhere; }
h1 { font-size: 1.7rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; font-size: .92rem;
        table-layout: auto; }
th, td { border: 1px solid #ccc; padding: .3rem .45rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; }
.synthetic { background: #fff3cd; border: 2px solid #b8860b; padding: .6rem .9rem;
             font-weight: 600; }
.finding { border-left: 4px solid #0072B2; padding: .3rem .8rem; margin: .7rem 0;
           background: #f7fbff; }
.cite { color: #555; font-size: .85rem; }
.unreliable { color: #8a4b00; font-size: .8rem; }
img.figure { max-width: 100%; height: auto; display: block; margin: .4rem 0; }
section.domain { break-inside: avoid-page; }
@media print { body { margin: 0; max-width: none; } .finding { break-inside: avoid; } }
@media screen and (max-width: 40rem) { table { display: block; overflow-x: auto; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if synthetic %}<p class="synthetic" id="synthetic-label">SYNTHETIC DATA: the asset inventory
and the hospital in this report are synthetic, made for demonstration. Need figures are real
(US Census Bureau). Do not cite the service counts as facts about real places.</p>{% endif %}
<p>{{ n_units }} neighbourhoods ({{ n_residential }} with residents; {{ total_pop }} residents).</p>

<h2 id="summary">Summary: findings to cite</h2>
{% for f in summary %}<div class="finding"><p>{{ f.text }}</p>
<p class="cite">Source: {{ f.source }}. Method: {{ f.method }}.</p></div>
{% endfor %}

<h2 id="domains">Services by domain</h2>
<table>
<thead><tr><th>Domain</th><th>Threshold (min walk)</th><th>Services</th>
<th>Residential neighbourhoods with a service in reach</th><th>Residents without a service in reach</th>
<th>High-need gaps</th><th>Residents in gaps</th><th>Median nearest</th><th>Clusters</th></tr></thead>
<tbody>
{% for r in domains %}<tr><td>{{ r.label }}</td><td class="num">{{ r.threshold }}</td>
<td class="num">{{ r.services }}</td><td class="num">{{ r.served_share }}</td>
<td class="num">{{ r.unserved_pop }}</td><td class="num">{{ r.gaps }}</td>
<td class="num">{{ r.gap_pop }}</td><td class="num">{{ r.median_min }}</td>
<td class="num">{{ r.clusters }}</td></tr>
{% endfor %}</tbody></table>

<h2 id="by-domain">Domain by domain</h2>
{% for r in domains %}
<section class="domain" id="domain-{{ r.key }}">
<h3>{{ r.label }}</h3>
<p>{{ r.services }} services; {{ r.served_share }} of residential neighbourhoods have one within a
{{ r.threshold }}-minute walk; {{ r.unserved_pop }} residents do not.</p>
{% if r.figure %}<img class="figure" alt="Map of {{ r.label }} services and gaps over need" src="{{ r.figure }}">{% endif %}
{% if r.gap_rows %}<table><thead><tr><th>Rank</th><th>Gap neighbourhood</th><th>Residents</th><th>Need percentile</th>
<th>Nearest service</th><th>Walk</th></tr></thead><tbody>
{% for g in r.gap_rows %}<tr><td class="num">{{ g.rank }}</td><td>{{ g.name }} ({{ g.unit_id }})</td>
<td class="num">{{ g.population }}</td><td class="num">{{ g.need }}</td><td>{{ g.nearest_name }}</td>
<td class="num">{{ g.nearest }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>No high-need neighbourhood lacks a {{ r.label|lower }} service within reach.</p>{% endif %}
{% if r.hospital_near %}<h4 id="hospital-{{ r.key }}">What the hospital brings nearby</h4>
{% if r.hospital_near.spaces %}<ul>{% for h in r.hospital_near.spaces %}<li>{{ h.space }} ({{ h.type }}{% if h.availability %}; {{ h.availability }}{% endif %}) is within reach of {{ h.units }}.</li>{% endfor %}</ul>
{% else %}<p>{{ r.hospital_near.hospital }} has no shareable space within reach of these gaps.</p>{% endif %}{% endif %}
{% if r.sites %}<h4 id="sites-{{ r.key }}">Where a new site would reach the most</h4>
<p>Chosen one at a time: each brings within a {{ r.threshold }}-minute {{ travel_word }} the most
residents of high-need neighbourhoods who have no {{ r.label|lower }} service that near today,
then the most such residents overall (see Methods).{% if synthetic %} Partners' sites and hospital spaces
named here come from the synthetic inventory.{% endif %}</p>
<table><thead><tr><th>Rank</th><th>Site</th><th>Kind</th><th>New residents in reach</th>
<th>Of whom in high-need neighbourhoods</th><th>Share of residents without a service now reached (cumulative)</th></tr></thead><tbody>
{% for s in r.sites %}<tr><td class="num">{{ s.rank }}</td><td>{{ s.name }}</td><td>{{ s.kind }}</td>
<td class="num">{{ s.residents }}</td><td class="num">{{ s.high_need }}</td><td class="num">{{ s.share }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if r.cluster_notes %}<p>Duplicated services:</p><ul>{% for n in r.cluster_notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
</section>
{% endfor %}

<h2 id="need">Highest-need neighbourhoods</h2>
<table><thead><tr><th>Neighbourhood</th><th>Residents</th><th>Need percentile</th>
{% for l in indicator_labels %}<th>{{ l }}</th>{% endfor %}<th>Gaps in</th></tr></thead><tbody>
{% for t in top_gaps %}<tr><td>{{ t.name }} ({{ t.unit_id }})</td><td class="num">{{ t.population }}</td>
<td class="num">{{ t.need }}</td>{% for label, value, flag in t.indicators %}<td class="num">{{ value }}{% if flag %} <span class="unreliable">(unreliable)</span>{% endif %}</td>{% endfor %}
<td>{{ t.gap_domains }}</td></tr>
{% endfor %}</tbody></table>

<h2 id="overlaps">Duplicated services and over-served areas</h2>
{% if overlaps %}<table><thead><tr><th>Domain</th><th>Kind</th><th>What</th><th>Residents in reach</th></tr></thead><tbody>
{% for o in overlaps %}<tr><td>{{ o.domain }}</td><td>{{ o.kind }}</td><td>{{ o.note }}</td><td class="num">{{ o.population }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>None found with the current thresholds.</p>{% endif %}

<h3 id="coverage">How many providers residents have within reach</h3>
<table><thead><tr><th>Domain</th><th>None</th><th>One</th><th>Two or more</th><th>Three or more</th>
<th>High-need residents with none</th><th>Lower-need residents with two or more</th></tr></thead><tbody>
{% for c in coverage %}<tr><td>{{ c.label }}</td><td class="num">{{ c.pop_0 }}</td><td class="num">{{ c.pop_1 }}</td>
<td class="num">{{ c.pop_2plus }}</td><td class="num">{{ c.pop_3plus }}</td><td class="num">{{ c.need_pop_0 }}</td>
<td class="num">{{ c.low_need_pop_2plus }}</td></tr>
{% endfor %}</tbody></table>

<h3 id="capacity">Where capacity could move</h3>
{% if balance %}<p>Each over-served neighbourhood (supply per resident in the top 10%, need below
the median) next to the nearest under-served one (need in the top quartile, supply in the
bottom quartile), by enhanced 2SFCA supply per 1,000 residents.</p>
<table><thead><tr><th>Domain</th><th>Over-served</th><th>Supply / 1,000</th><th>Need</th>
<th>Nearest under-served</th><th>Supply / 1,000</th><th>Need</th><th>Distance</th></tr></thead><tbody>
{% for b in balance %}<tr><td>{{ b.label }}</td><td>{{ b.over_name }}</td><td class="num">{{ b.over_supply }}</td>
<td class="num">{{ b.over_need }}</td><td>{{ b.under_name }}</td><td class="num">{{ b.under_supply }}</td>
<td class="num">{{ b.under_need }}</td><td class="num">{{ b.distance }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>No over-served neighbourhood with the current thresholds.</p>{% endif %}

{% if anchor %}<h2 id="hospital">What the hospital brings{% if synthetic %} (synthetic){% endif %}</h2>
<p>{{ anchor.name }}. Counts of employees are published per neighbourhood only. Counts from 1
to {{ anchor.min_cell - 1 }} are hidden, and further counts are hidden where needed so that no
hidden count can be worked out from the published ones and their totals (complementary
suppression). Shares of employees use published counts only. {{ anchor.placement }}</p>
{% if anchor["items"] %}<h3 id="hospital-alignment">Anchor alignment</h3>
<p>Share of each measure that lands in high-need neighbourhoods, against the share of the
region's residents living there; a ratio above 1 means the hospital's hiring, spending or
investment is concentrated where need is high.</p>
<table><thead><tr><th>Measure</th><th>Share in high-need neighbourhoods</th>
<th>Share of residents living there</th><th>Alignment ratio</th><th>Note</th></tr></thead><tbody>
{% for i in anchor["items"] %}<tr><td>{{ i.measure }}</td><td class="num">{{ i.value }}</td><td class="num">{{ i.versus }}</td>
<td class="num">{{ i.ratio }}</td><td>{{ i.note }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if anchor.workforce %}<h3 id="hospital-workforce">Employees living in the region</h3>
<table><thead><tr><th>{{ anchor.group_by or "Group" }}</th><th>Employees</th><th>New hires</th></tr></thead><tbody>
{% for w in anchor.workforce %}<tr><td>{{ w.group }}</td><td class="num">{{ w.employees }}</td><td class="num">{{ w.new_hires }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if anchor.money %}<h3 id="hospital-money">Purchasing and investment</h3>
<table><thead><tr><th>What</th><th>Amount</th><th>Share of all</th></tr></thead><tbody>
{% for m in anchor.money %}<tr><td>{{ m.what }}</td><td class="num">{{ m.usd }}</td><td class="num">{{ m.share }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if anchor.positions %}<h3 id="hospital-positions">Open positions</h3>
<table><thead><tr><th>Site</th><th>Open positions</th><th>By job family</th></tr></thead><tbody>
{% for p in anchor.positions %}<tr><td>{{ p.site }}</td><td class="num">{{ p.n }}</td><td>{{ p.families }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if anchor.near_gaps %}<h3 id="hospital-spaces-near-gaps">Hospital spaces near gaps</h3>
<p>Spaces that could host the missing service within the domain's walking threshold of a gap
neighbourhood (same travel rule as access).</p>
<table><thead><tr><th>Gap neighbourhood</th><th>Domain</th><th>Space</th><th>Type</th><th>Walk</th><th>Available</th></tr></thead><tbody>
{% for g in anchor.near_gaps %}<tr><td>{{ g.unit }}</td><td>{{ g.domain }}</td><td>{{ g.space }}</td><td>{{ g.type }}</td><td class="num">{{ g.walk }}</td><td>{{ g.availability }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if anchor.spaces %}<h3 id="hospital-spaces">Spaces the hospital can share</h3><table><thead><tr><th>Space</th><th>Type</th><th>Capacity</th><th>Could host</th></tr></thead><tbody>
{% for s in anchor.spaces %}<tr><td>{{ s.name }}</td><td>{{ s.type }}</td><td class="num">{{ s.capacity }}</td><td>{{ s.hosts }}</td></tr>
{% endfor %}</tbody></table>{% endif %}{% endif %}

<h2 id="methods">Methods</h2>
<ul>{% for m in methods %}<li>{{ m }}</li>
{% endfor %}</ul>
{% if quality %}<p>Asset records: {{ quality.records_read }} read, {{ quality.records_rejected }} set
aside for errors (listed in rejected.csv), {{ quality.records_kept }} kept, merged into
{{ quality.services_after_merge }} distinct services.</p>{% endif %}

<h2 id="sources">Data sources</h2>
<ul>{% for s in sources %}<li>{{ s.name }}{% if s.vintage %}, {{ s.vintage }}{% endif %}{% if s.licence %} ({{ s.licence }}){% endif %}{% if s.note %}. {{ s.note }}{% endif %}</li>
{% endfor %}</ul>
<h2 id="citation">How to cite</h2>
<p>{{ citation }}</p>
</body>
</html>
"""

MD_TEMPLATE = """# {{ title | md }}
{% if synthetic %}
> **SYNTHETIC DATA:** the asset inventory and the hospital in this report are synthetic, made
> for demonstration. Need figures are real (US Census Bureau). Do not cite the service counts
> as facts about real places.
{% endif %}
{{ n_units }} neighbourhoods ({{ n_residential }} with residents; {{ total_pop }} residents).

## Summary: findings to cite
{% for f in summary %}
- {{ f.text | md }}
  *Source: {{ f.source | md }}. Method: {{ f.method | md }}.*
{% endfor %}
## Services by domain

| Domain | Threshold (min walk) | Services | Residential neighbourhoods with a service in reach | Residents without a service in reach | High-need gaps | Residents in gaps | Median nearest | Clusters |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{% for r in domains %}| {{ r.label | md }} | {{ r.threshold }} | {{ r.services }} | {{ r.served_share }} | {{ r.unserved_pop }} | {{ r.gaps }} | {{ r.gap_pop }} | {{ r.median_min }} | {{ r.clusters }} |
{% endfor %}
## Domain by domain
{% for r in domains %}
### {{ r.label | md }}

{{ r.services }} services; {{ r.served_share }} of residential neighbourhoods have one within a {{ r.threshold }}-minute walk; {{ r.unserved_pop }} residents do not.
{% if r.figure_path %}
![Map of {{ r.label | md }} services and gaps over need]({{ r.figure_path }})
{% endif %}{% if r.gap_rows %}
| Rank | Gap neighbourhood | Residents | Need percentile | Nearest service | Walk |
| ---: | --- | ---: | ---: | --- | ---: |
{% for g in r.gap_rows %}| {{ g.rank }} | {{ g.name | md }} ({{ g.unit_id | md }}) | {{ g.population }} | {{ g.need }} | {{ g.nearest_name | md }} | {{ g.nearest }} |
{% endfor %}{% else %}
No high-need neighbourhood lacks a {{ r.label | lower | md }} service within reach.
{% endif %}{% if r.hospital_near %}
#### What the hospital brings nearby

{% if r.hospital_near.spaces %}{% for h in r.hospital_near.spaces %}- {{ h.space | md }} ({{ h.type | md }}{% if h.availability %}; {{ h.availability | md }}{% endif %}) is within reach of {{ h.units | md }}.
{% endfor %}{% else %}{{ r.hospital_near.hospital | md }} has no shareable space within reach of these gaps.
{% endif %}{% endif %}{% if r.sites %}
#### Where a new site would reach the most

Chosen one at a time: each brings within a {{ r.threshold }}-minute {{ travel_word }} the most residents of high-need neighbourhoods who have no {{ r.label | lower | md }} service that near today, then the most such residents overall (see Methods).{% if synthetic %} Partners' sites and hospital spaces named here come from the synthetic inventory.{% endif %}

| Rank | Site | Kind | New residents in reach | Of whom in high-need neighbourhoods | Share of residents without a service now reached (cumulative) |
| ---: | --- | --- | ---: | ---: | ---: |
{% for s in r.sites %}| {{ s.rank }} | {{ s.name | md }} | {{ s.kind }} | {{ s.residents }} | {{ s.high_need }} | {{ s.share }} |
{% endfor %}{% endif %}{% if r.cluster_notes %}
Duplicated services:
{% for n in r.cluster_notes %}
- {{ n | md }}{% endfor %}
{% endif %}{% endfor %}
## Highest-need neighbourhoods

| Neighbourhood | Residents | Need percentile |{% for l in indicator_labels %} {{ l | md }} |{% endfor %} Gaps in |
| --- | ---: | ---: |{% for l in indicator_labels %} ---: |{% endfor %} --- |
{% for t in top_gaps %}| {{ t.name | md }} ({{ t.unit_id | md }}) | {{ t.population }} | {{ t.need }} |{% for label, value, flag in t.indicators %} {{ value }}{% if flag %} (unreliable){% endif %} |{% endfor %} {{ t.gap_domains | md }} |
{% endfor %}
## Duplicated services and over-served areas
{% if overlaps %}
| Domain | Kind | What | Residents in reach |
| --- | --- | --- | ---: |
{% for o in overlaps %}| {{ o.domain | md }} | {{ o.kind }} | {{ o.note | md }} | {{ o.population }} |
{% endfor %}{% else %}
None found with the current thresholds.
{% endif %}
### How many providers residents have within reach

| Domain | None | One | Two or more | Three or more | High-need residents with none | Lower-need residents with two or more |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{% for c in coverage %}| {{ c.label | md }} | {{ c.pop_0 }} | {{ c.pop_1 }} | {{ c.pop_2plus }} | {{ c.pop_3plus }} | {{ c.need_pop_0 }} | {{ c.low_need_pop_2plus }} |
{% endfor %}
### Where capacity could move
{% if balance %}
Each over-served neighbourhood (supply per resident in the top 10%, need below the median) next to the nearest under-served one (need in the top quartile, supply in the bottom quartile), by enhanced 2SFCA supply per 1,000 residents.

| Domain | Over-served | Supply / 1,000 | Need | Nearest under-served | Supply / 1,000 | Need | Distance |
| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |
{% for b in balance %}| {{ b.label | md }} | {{ b.over_name | md }} | {{ b.over_supply }} | {{ b.over_need }} | {{ b.under_name | md }} | {{ b.under_supply }} | {{ b.under_need }} | {{ b.distance }} |
{% endfor %}{% else %}
No over-served neighbourhood with the current thresholds.
{% endif %}{% if anchor %}
## What the hospital brings{% if synthetic %} (synthetic){% endif %}

{{ anchor.name | md }}. Counts of employees are published per neighbourhood only. Counts from 1 to {{ anchor.min_cell - 1 }} are hidden, and further counts are hidden where needed so that no hidden count can be worked out from the published ones and their totals (complementary suppression). Shares of employees use published counts only.{% if anchor.placement %} {{ anchor.placement | md }}{% endif %}
{% if anchor["items"] %}
### Anchor alignment

Share of each measure that lands in high-need neighbourhoods, against the share of the region's residents living there; a ratio above 1 means the hospital's hiring, spending or investment is concentrated where need is high.

| Measure | Share in high-need neighbourhoods | Share of residents living there | Alignment ratio | Note |
| --- | ---: | ---: | ---: | --- |
{% for i in anchor["items"] %}| {{ i.measure }} | {{ i.value }} | {{ i.versus }} | {{ i.ratio }} | {{ i.note | md }} |
{% endfor %}{% endif %}{% if anchor.workforce %}
### Employees living in the region

| {{ (anchor.group_by or "Group") | md }} | Employees | New hires |
| --- | ---: | ---: |
{% for w in anchor.workforce %}| {{ w.group | md }} | {{ w.employees }} | {{ w.new_hires }} |
{% endfor %}{% endif %}{% if anchor.money %}
### Purchasing and investment

| What | Amount | Share of all |
| --- | ---: | ---: |
{% for m in anchor.money %}| {{ m.what | md }} | {{ m.usd | md }} | {{ m.share }} |
{% endfor %}{% endif %}{% if anchor.positions %}
### Open positions

| Site | Open positions | By job family |
| --- | ---: | --- |
{% for p in anchor.positions %}| {{ p.site | md }} | {{ p.n }} | {{ p.families | md }} |
{% endfor %}{% endif %}{% if anchor.near_gaps %}
### Hospital spaces near gaps

Spaces that could host the missing service within the domain's walking threshold of a gap neighbourhood (same travel rule as access).

| Gap neighbourhood | Domain | Space | Type | Walk | Available |
| --- | --- | --- | --- | ---: | --- |
{% for g in anchor.near_gaps %}| {{ g.unit | md }} | {{ g.domain | md }} | {{ g.space | md }} | {{ g.type | md }} | {{ g.walk }} | {{ g.availability | md }} |
{% endfor %}{% endif %}{% if anchor.spaces %}
### Spaces the hospital can share

| Space | Type | Capacity | Could host |
| --- | --- | ---: | --- |
{% for s in anchor.spaces %}| {{ s.name | md }} | {{ s.type | md }} | {{ s.capacity | md }} | {{ s.hosts | md }} |
{% endfor %}{% endif %}{% endif %}
## Methods
{% for m in methods %}
- {{ m | md }}{% endfor %}
{% if quality %}
Asset records: {{ quality.records_read }} read, {{ quality.records_rejected }} set aside for errors (listed in rejected.csv), {{ quality.records_kept }} kept, merged into {{ quality.services_after_merge }} distinct services.
{% endif %}
## Data sources
{% for s in sources %}
- {{ s.name | md }}{% if s.vintage %}, {{ s.vintage | md }}{% endif %}{% if s.licence %} ({{ s.licence | md }}){% endif %}{% if s.note %}. {{ s.note | md }}{% endif %}{% endfor %}

## How to cite

{{ citation | md }}
"""
