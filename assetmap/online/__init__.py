"""Online sources: everything that touches the network, and the cache that keeps it offline.

Holds the HTTP driver (retries, timeouts, secrets redacted), the download cache, the
Census API (ACS tables, place and county look-ups), TIGER boundaries, HSDS feeds,
Overpass, geocoding, and ``fetch`` (a study's inputs fetched into the cache).

May import: the contracts and model at the bottom (:mod:`assetmap.schema`,
:mod:`assetmap.errors`, :mod:`assetmap.settings`, :mod:`assetmap.domains`,
:mod:`assetmap.region`, :mod:`assetmap.indicators`) and :mod:`assetmap.readers` (a
download is read by the same reader as a local file). Never the analysis, the atlas or
the outputs.

Returns: paths in the cache, Units frames with indicator columns, Assets frames.
"""
