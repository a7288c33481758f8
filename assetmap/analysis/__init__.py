"""Analysis: need, travel costs, access, gaps, overlaps, siting and hot spots.

Pure functions over frames: the study's travel context is computed once
(:mod:`assetmap.analysis._costs`), then access per unit × domain, gaps (high need × poor
access), overlaps (the same kind of service crowding), suggested sites and hot spots.

May import: the contracts and model at the bottom (:mod:`assetmap.schema`,
:mod:`assetmap.errors`, :mod:`assetmap.domains`, :mod:`assetmap.region`,
:mod:`assetmap.indicators`). Never a reader, the network, the hospital's assets or the
outputs: nothing here opens a file of the user's or a socket.

Returns: Units with need columns, the Access long table, Gaps, Overlaps and Sites frames.
"""
