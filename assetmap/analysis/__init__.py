"""Analysis: need, travel costs, access, gaps, overlaps, siting and hot spots.

Pure functions over frames: the study's travel context is computed once
(:mod:`assetmap.analysis.context`), then access per unit × domain, gaps (high need × poor
access), overlaps (the same kind of service crowding), suggested sites and hot spots.

May import: the contracts and model at the bottom (:mod:`assetmap.schema`,
:mod:`assetmap.errors`, :mod:`assetmap.domains`, :mod:`assetmap.region`,
:mod:`assetmap.indicators`). Never a reader, the online sources, the hospital's assets or
the outputs: nothing here opens a socket (street graphs are downloaded by
:mod:`assetmap.online.streets`), and the only file read is a saved street graph
(:func:`assetmap.analysis.network.graph_from_file`).

Returns: Units with need columns, the Access long table, Gaps, Overlaps and Sites frames.
"""
