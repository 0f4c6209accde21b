"""Parts of a REST field condition besides ``match`` and ``range``: geo shapes, values count, is_empty / is_null.

>>> sorted(parts("loc", {"geo_radius": {"center": {"lon": 13.4, "lat": 52.5}, "radius": 1000.0}}))
['geo_radius']
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from golive.sandbox.protocol import bad_request

COUNT_BOUNDS = ("lt", "gt", "gte", "lte")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{where} must be a number")
    return float(value)


def _point(value: Any, where: str) -> qe.GeoPoint:
    if not isinstance(value, dict):
        raise bad_request(f"{where} must be {{lon, lat}}")
    lon, lat = _number(value.get("lon"), f"{where}.lon"), _number(value.get("lat"), f"{where}.lat")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise bad_request(f"{where}: lon must be in [-180, 180] and lat in [-90, 90]")
    return qe.GeoPoint(lon=lon, lat=lat)


def _ring(value: Any, where: str) -> list[qe.GeoPoint]:
    points = value.get("points") if isinstance(value, dict) else None
    if not isinstance(points, list) or len(points) < 4 or points[0] != points[-1]:
        raise bad_request(f"{where} must be {{points: [...]}}, at least 4 points, the first equal to the last")
    return [_point(p, f"{where}.points[{i}]") for i, p in enumerate(points)]


def _count(value: Any, key: str) -> qe.ValuesCount:
    if not isinstance(value, dict) or not set(value) <= set(COUNT_BOUNDS):
        raise bad_request(f"values_count on `{key}` takes {', '.join(COUNT_BOUNDS)}")
    bounds = {k: v for k, v in value.items() if v is not None}
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63 for v in bounds.values()):
        raise bad_request(f"values_count bounds on `{key}` must be non-negative integers")
    return qe.ValuesCount(**bounds)


def parts(key: str, cond: dict[str, Any]) -> dict[str, Any]:
    """The geo, values_count, is_empty and is_null parts of a field condition, as FieldCondition keywords."""
    out: dict[str, Any] = {}
    if (box := cond.get("geo_bounding_box")) is not None:
        if not isinstance(box, dict):
            raise bad_request(f"geo_bounding_box on `{key}` must be {{top_left, bottom_right}}")
        out["geo_bounding_box"] = qe.GeoBoundingBox(
            top_left=_point(box.get("top_left"), "geo_bounding_box.top_left"),
            bottom_right=_point(box.get("bottom_right"), "geo_bounding_box.bottom_right"),
        )
    if (radius := cond.get("geo_radius")) is not None:
        if not isinstance(radius, dict):
            raise bad_request(f"geo_radius on `{key}` must be {{center, radius}}")
        out["geo_radius"] = qe.GeoRadius(
            center=_point(radius.get("center"), "geo_radius.center"),
            radius=_number(radius.get("radius"), "geo_radius.radius"),
        )
    if (polygon := cond.get("geo_polygon")) is not None:
        if not isinstance(polygon, dict):
            raise bad_request(f"geo_polygon on `{key}` must be {{exterior, interiors}}")
        interiors = polygon.get("interiors")
        if interiors is not None and not isinstance(interiors, list):
            raise bad_request("geo_polygon.interiors must be a list of rings")
        out["geo_polygon"] = qe.GeoPolygon(
            exterior=_ring(polygon.get("exterior"), "geo_polygon.exterior"),
            interiors=[_ring(r, f"geo_polygon.interiors[{i}]") for i, r in enumerate(interiors)] if interiors else None,
        )
    if cond.get("values_count") is not None:
        out["values_count"] = _count(cond["values_count"], key)
    for flag in ("is_empty", "is_null"):
        if cond.get(flag) is not None:
            if not isinstance(cond[flag], bool):
                raise bad_request(f"{flag} on `{key}` must be a boolean")
            out[flag] = cond[flag]
    return out
