"""Facts reach the engine as the same text whichever encoder wrote them."""

from __future__ import annotations

import durable_rules_engine as native

from screening_service.engine.native import encode_facts


def test_ascii_facts_are_compact_json() -> None:
    facts = [
        {"id": 0, "kind": "traveler", "booking.hours_before_departure": 24.0, "x": [1.8, True]},
        {"id": 1, "kind": "traveler", "itinerary.circuity": 0.25, "lookout.kinds": ["<none>"]},
    ]
    assert encode_facts(facts) == (
        '[{"id":0,"kind":"traveler","booking.hours_before_departure":24.0,"x":[1.8,true]},'
        '{"id":1,"kind":"traveler","itinerary.circuity":0.25,"lookout.kinds":["<none>"]}]'
    )


def test_non_ascii_text_is_escaped_like_the_rule_definitions() -> None:
    assert encode_facts([{"id": 0, "city": "Zürich"}]) == '[{"id":0,"city":"Z\\u00fcrich"}]'


def test_the_engine_matches_non_ascii_text_only_as_escaped() -> None:
    handle = native.create_ruleset(
        "encode_facts_test", '{"r":{"all":[{"m":{"city":"Z\\u00fcrich"}}]}}'
    )
    try:
        result = native.assert_facts(
            handle, encode_facts([{"id": 1, "sid": "s1", "city": "Zürich"}])
        )
        state = result[1] if isinstance(result, tuple) else result
        assert native.start_action_for_state(handle, state) is not None
    finally:
        native.delete_ruleset(handle)
