"""Siting: distances from hazards, in true metres, whatever coordinate system each came in.

The package has one module per job:

* ``layers`` — hazard layers (GeoJSON, GeoJSON Lines) validated feature by feature and converted
  to WGS-84, kept as columns;
* ``prepared`` — prepared layers (``facility-check hazards prepare``): the same columns, validated
  and converted once, in GeoParquet with the source files' hashes;
* ``requirements`` — the distance each hazard requires, and its source;
* ``index`` — the hazards indexed once from their envelopes (by band of reach, clusters of
  neighbours in an STRtree), candidates for any number of facilities;
* ``measure`` — true metres in a local projection, crossings, and the findings' sentences.
"""

from __future__ import annotations

from .index import SitingIndex
from .layers import Hazard, HazardError, HazardLayers, load_layer, load_layers
from .measure import CELL_DEG, facility_geometry, project
from .measure import cell_centre as _cell_centre
from .requirements import Requirement, requirement

__all__ = [
    "CELL_DEG",
    "Hazard",
    "HazardError",
    "HazardLayers",
    "Requirement",
    "SitingIndex",
    "_cell_centre",
    "facility_geometry",
    "load_layer",
    "load_layers",
    "project",
    "requirement",
]
