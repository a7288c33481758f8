"""The hospital's own assets: employment, purchasing, investment, shareable space.

Reads the anchor institution's extracts (HR, vendor spend, investment, spaces, open
positions), aggregates them to the study's units with small cells suppressed
(:mod:`assetmap.anchor.privacy`), and measures them against access and need
(:mod:`assetmap.anchor.measures`).

May import: the contracts and model at the bottom, :mod:`assetmap.readers` and
:mod:`assetmap.analysis`. Never the atlas, the outputs or the command line.

Returns: an :class:`Anchor` of aggregated, privacy-safe frames; tables of alignment.
"""

from assetmap.anchor.model import ANCHOR_INPUTS, Anchor, anchor_from_config, read_anchor

__all__ = ["ANCHOR_INPUTS", "Anchor", "anchor_from_config", "read_anchor"]
