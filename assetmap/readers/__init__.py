"""Readers: local files in, Assets (and other tables) out, with rows set aside named.

Holds one module per format family (delimited text and workbooks, spatial files, Open
Referral HSDS packages, OpenStreetMap XML, HRSA's health centre list, ZIP crosswalks) and
the registry of formats that :func:`assetmap.read_assets` and ``assetmap validate`` consult.

May import: :mod:`assetmap.schema`, :mod:`assetmap.errors`, :mod:`assetmap.settings`,
:mod:`assetmap.domains`, :mod:`assetmap.region`. Never the network, the analysis or
anything above them.

Returns: GeoDataFrames that meet the Assets contract, with the rows set aside in
``attrs["rejected"]``.
"""
