"""Renderers of the siting result alone (``facility-check siting``): text, JSON, GeoJSON, SVG.

GeoJSON carries the facility, the offending (and nearby) hazards and each hazard's required-distance
buffer, in WGS-84. SVG draws the same to scale in the facility's local projection, with a scale bar,
so an inspector sees the problem at a glance.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import shapely
from shapely.geometry.base import BaseGeometry

from ..report import SitingFinding, SitingResult
from .base import dump_json, esc, label, neutralise
from .facility import siting_text_lines


@dataclass(frozen=True)
class SitingDrawing:
    """One facility's siting result with the geometries behind it."""

    facility_id: str
    name: str
    result: SitingResult
    facility_wgs: BaseGeometry | None
    facility_m: BaseGeometry | None
    hazards: tuple[tuple[SitingFinding, BaseGeometry, BaseGeometry, BaseGeometry, BaseGeometry], ...]
    # (finding, hazard WGS-84, buffer WGS-84, hazard metres, buffer metres)


class SitingReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(self, drawings: Sequence[SitingDrawing], lang: str) -> str: ...


class SitingText(SitingReporter):
    name = "text"

    def render(self, drawings: Sequence[SitingDrawing], lang: str) -> str:
        out: list[str] = []
        for d in drawings:
            name = neutralise(d.name, newlines=False)
            out.append(f"{name}（{d.facility_id}）" if lang == "zh" else f"{name} ({d.facility_id})")
            out.extend(siting_text_lines(d.result, lang))
            out.append("")
        return "\n".join(out)


class SitingJson(SitingReporter):
    name = "json"

    def render(self, drawings: Sequence[SitingDrawing], lang: str) -> str:
        items = [
            {"facility_id": d.facility_id, "name": d.name, "siting": d.result.to_dict(lang)} for d in drawings
        ]
        return dump_json(items[0] if len(items) == 1 else {"facilities": items})


def _feature(geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.set_precision(geom, 1e-7)),
        "properties": props,
    }


class SitingGeoJson(SitingReporter):
    name = "geojson"

    def render(self, drawings: Sequence[SitingDrawing], lang: str) -> str:
        features = []
        for d in drawings:
            if d.facility_wgs is not None:
                features.append(
                    _feature(
                        d.facility_wgs,
                        {
                            "role": "facility",
                            "facility_id": d.facility_id,
                            "name": d.name,
                            "siting": d.result.verdict,
                        },
                    )
                )
            for finding, hazard, buffer, _, _ in d.hazards:
                common = {
                    "facility_id": d.facility_id,
                    "hazard_id": finding.hazard_id,
                    "kind": finding.kind,
                    "pass": finding.passed,
                }
                features.append(
                    _feature(
                        hazard,
                        {
                            "role": "hazard",
                            **common,
                            "name": finding.name,
                            "distance_m": round(finding.distance_m, 1),
                            "message": finding.message(lang),
                        },
                    )
                )
                if finding.required_m > 0:
                    features.append(
                        _feature(
                            buffer,
                            {
                                "role": "required_distance",
                                **common,
                                "required_m": finding.required_m,
                                "source": finding.source,
                            },
                        )
                    )
        return dump_json({"type": "FeatureCollection", "coordinate_system": "WGS84", "features": features})


def _nice_length(target: float) -> float:
    if target <= 0:
        return 1.0
    exponent = math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * 10**exponent <= target:
            return float(step * 10**exponent)
    return float(10**exponent)


class SitingSvg(SitingReporter):
    """One SVG per facility (several facilities are stacked vertically)."""

    name = "svg"
    size = 640.0

    def render(self, drawings: Sequence[SitingDrawing], lang: str) -> str:
        panels = [self._panel(d, lang) for d in drawings]
        height = self.size * max(1, len(panels))
        body = "".join(
            f'<g transform="translate(0,{i * self.size:.0f})">{p}</g>' for i, p in enumerate(panels)
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.size:.0f}" height="{height:.0f}" viewBox="0 0 {self.size:.0f} {height:.0f}" '
            f'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif" font-size="12">{body}</svg>\n'
        )

    def _panel(self, d: SitingDrawing, lang: str) -> str:
        title = f"{d.name}（{d.facility_id}）{label(lang, 'siting')}: {label(lang, 'verdict.' + d.result.verdict)}"
        parts = [
            '<rect width="100%" height="100%" fill="white"/>',
            f'<text x="10" y="20" font-size="14" font-weight="bold">{esc(title)}</text>',
        ]
        if d.facility_m is None:
            parts.append(
                f'<text x="10" y="44">{esc(d.result.reason(lang) if d.result.reason else "")}</text>'
            )
            return "".join(parts)
        # a square window around the facility wide enough for each hazard and its required distance
        reach = max([f.distance_m + 2 * f.required_m + 20 for f, *_ in d.hazards] + [60.0])
        reach = min(reach, 2000.0)
        cx, cy = d.facility_m.centroid.x, d.facility_m.centroid.y
        half = reach * 1.1
        window = shapely.box(cx - half, cy - half, cx + half, cy + half)
        scale = (self.size - 80) / (half * 2)

        def pt(x: float, y: float) -> tuple[float, float]:
            return 40 + (x - (cx - half)) * scale, 40 + ((cy + half) - y) * scale

        def path(geom: BaseGeometry, style: str) -> str:
            geom = geom.intersection(window)
            out = []
            for g in getattr(geom, "geoms", [geom]):
                if g.is_empty:
                    continue
                if g.geom_type == "Point":
                    x, y = pt(g.x, g.y)
                    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {style}/>')
                elif g.geom_type == "LineString":
                    pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in (pt(*c) for c in g.coords))
                    line_style = re.sub(r'\s*fill(-opacity)?="[^"]*"', "", style)
                    out.append(f'<polyline points="{pts}" fill="none" {line_style}/>')
                elif g.geom_type == "Polygon":
                    rings = [g.exterior, *g.interiors]
                    dstr = " ".join(
                        "M " + " L ".join(f"{a:.1f},{b:.1f}" for a, b in (pt(*c) for c in r.coords)) + " Z"
                        for r in rings
                    )
                    out.append(f'<path d="{dstr}" fill-rule="evenodd" {style}/>')
            return "".join(out)

        for finding, _, _, _, buffer_m in d.hazards:
            colour = "#1b5e20" if finding.passed else "#b00020"
            if finding.required_m > 0:
                parts.append(
                    path(
                        buffer_m,
                        f'fill="{colour}" fill-opacity="0.08" stroke="{colour}" stroke-dasharray="6 4"',
                    )
                )
        parts.append(
            path(d.facility_m, 'fill="#1565c0" fill-opacity="0.25" stroke="#1565c0" stroke-width="2"')
        )
        for finding, _, _, hazard_m, _ in d.hazards:
            colour = "#1b5e20" if finding.passed else "#b00020"
            parts.append(
                path(hazard_m, f'fill="{colour}" fill-opacity="0.6" stroke="{colour}" stroke-width="3"')
            )
            nearest = shapely.shortest_line(d.facility_m, hazard_m).coords
            (x1, y1), (x2, y2) = pt(*nearest[0]), pt(*nearest[1])
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1.5"/>'
            )
            text = f"{finding.hazard_id} {finding.distance_m:.1f} m / ≥ {finding.required_m:g} m"
            parts.append(
                f'<text x="{(x1 + x2) / 2 + 6:.1f}" y="{(y1 + y2) / 2 - 6:.1f}" fill="{colour}">{esc(text)}</text>'
            )
        bar = _nice_length(half * 0.5)
        x0, y0 = 40.0, self.size - 24
        parts.append(
            f'<line x1="{x0}" y1="{y0}" x2="{x0 + bar * scale:.1f}" y2="{y0}" stroke="black" stroke-width="3"/>'
        )
        parts.append(f'<text x="{x0}" y="{y0 - 6}">{bar:g} m</text>')
        parts.append(
            f'<text x="{self.size - 30:.0f}" y="56" font-size="16" text-anchor="middle">N</text><line x1="{self.size - 30:.0f}" y1="80" x2="{self.size - 30:.0f}" y2="60" stroke="black" stroke-width="2"/>'
        )
        return "".join(parts)


SITING_REPORTERS: dict[str, type[SitingReporter]] = {
    cls.name: cls for cls in (SitingText, SitingJson, SitingGeoJson, SitingSvg)
}
