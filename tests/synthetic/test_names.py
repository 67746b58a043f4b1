"""Names drawn inline are what the random.Random.choice calls they replace draw."""

from __future__ import annotations

import random

import pytest

from screening_service.synthetic.names import CULTURES, Culture


def _given_by_choice(culture: Culture, rng: random.Random, female: bool) -> str:
    heads, tails = (
        (culture.female_heads, culture.female_tails)
        if female
        else (culture.male_heads, culture.male_tails)
    )
    first = rng.choice(heads) + culture.joiner + rng.choice(tails)
    middle = culture.middle_female if female else culture.middle_male
    if middle:
        return f"{middle} {first}"
    if rng.random() < culture.second_given:
        return f"{first} {rng.choice(heads)}{culture.joiner}{rng.choice(tails)}"
    return first


@pytest.mark.parametrize("key", sorted(CULTURES))
def test_given_names_and_surnames_are_the_choices_of_random_random(key: str) -> None:
    culture = CULTURES[key]
    inline, reference = random.Random(5), random.Random(5)
    for step in range(400):
        female = step % 3 == 0
        assert _given_by_choice(culture, reference, female) == culture.given(inline, female)
        expected = culture.surname(reference).form(female)
        assert expected == culture.surname_of(inline, female)
    assert reference.random() == inline.random()  # as many draws, too


def test_a_gendered_surname_takes_the_form_asked_for() -> None:
    cyrillic = CULTURES["cyrillic"]
    male, female = cyrillic.surname(random.Random(2))
    assert male != female
    assert female == cyrillic.surname_of(random.Random(2), True)
    assert male == cyrillic.surname_of(random.Random(2), False)
