"""The load settings: self-distrust cannot be configured away, and the limits in use travel with the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.load.generator.recorder import Recorder
from golive.load.judge import TrustLimits, assess_trust
from golive.load.report import write_evidence
from golive.load.results import Aggregate, LoadResult
from golive.load.settings import LoadSettings


@pytest.mark.parametrize(
    ("field", "value", "cap"),
    [("max_generator_cpu", "99%", "95%"), ("max_behind", "50%", "10%"), ("schedule_tolerance", "20ms", "10ms")],
)
def test_self_distrust_limits_are_capped_with_a_message_naming_field_value_and_cap(field, value, cap):
    with pytest.raises(ValidationError) as err:
        LoadSettings(**{field: value})
    assert f"load.{field} {value} is outside 0..{cap}" in str(err.value)


def test_the_caps_themselves_are_accepted():
    s = LoadSettings(max_generator_cpu="95%", max_behind="10%", schedule_tolerance="10ms")
    assert (s.max_generator_cpu, s.max_behind, s.schedule_tolerance) == (0.95, 0.10, 0.010)


def test_the_limits_in_use_are_in_the_evidence_and_the_trust_text(tmp_path: Path):
    rec = Recorder((0.0, 10.0), tolerance=0.004)
    for i in range(100):
        rec.on_scheduled(i / 10)
        rec.on_sent(i / 10, 0.0, False)
        rec.on_done(i / 10, i / 10 + 0.001, 0.001, None, None)
    agg = Aggregate()
    agg.add("local-0-1", rec.drain())
    result = LoadResult.from_dict(agg.to_dict({"window": (0.0, 10.0), "t0": 0.0, "rate": 10.0, "tolerance": 0.004}))
    trust = assess_trust(result, TrustLimits(max_cpu=0.8, max_behind=0.05))
    assert (
        trust.limits_text == "generator CPU <= 80%, late or unsent <= 5%, late = more than 4 ms after the intended time"
    )
    data = json.loads(write_evidence(result, [], trust, tmp_path)["json"].read_text())
    assert data["trust"]["limits"] == {"max_generator_cpu": 0.8, "max_behind": 0.05, "schedule_tolerance": 0.004}


def test_the_config_and_a_run_spec_are_bounded_by_the_same_rule():
    from dataclasses import replace

    from golive.load.runner import RunSpec

    spec = RunSpec(scenario="search", host="http://127.0.0.1:1", rate=100.0, duration=5.0, max_rate=3000.0)
    cases = (({"rate": "4000/s"}, {"rate": 4000.0}, "max_rate"), ({"duration": "600s"}, {"duration": 600.0}, "max_dur"))
    for config, changed, ceiling in cases:
        with pytest.raises(ValidationError, match=ceiling) as from_config:
            LoadSettings.model_validate({"max_rate": "3000/s", **config})
        with pytest.raises(ValueError, match=ceiling) as from_spec:
            replace(spec, **changed).checked()
        assert str(from_spec.value) in str(from_config.value)
