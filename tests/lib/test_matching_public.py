"""The public matching record (spotcheck.matching/2): keyed commitments instead of the
eligibility lists, the supervisors' kit that opens them, and what the public can still check."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from spotcheck.lib.matching import (
    DOCUMENT_FORMAT,
    Recusal,
    matching_document,
    recompute_document,
    replace_member,
    team_ticket,
)
from spotcheck.lib.matching_public import (
    EARLIER_RULES,
    KIT_FORMAT,
    PUBLIC_FORMAT,
    REASONS_MASKED,
    SEED_SOURCE_PUBLISHED,
    earlier_forms,
    lists_commitment,
    new_salt,
    open_document,
    public_document,
    public_problems,
    public_sha256,
    verification_kit,
)

from .test_matching import officer, run, visit

SALT = "5a" * 32


def recused_round() -> dict[str, Any]:
    """The worked example of docs/matching.md §11: w3 recused from E2, with a replacement."""
    visits = [visit("E1", "8", "9", ticket="0.27"), visit("E2", "8", ticket="0.44")]
    wardens = [officer(f"w{n}") for n in (1, 2, 3)] + [officer("w4")]
    result = run(visits, wardens, recusals=[Recusal(inspector_id="w3", entity_id="E2")])
    leaving = result.team("2022/E1/8+9").members[1].inspector_id
    return matching_document(replace_member(result, "2022/E1/8+9", leaving, "出差"))


def ids_in(value: Any) -> set[str]:
    text = json.dumps(value, ensure_ascii=False)
    return {f"w{n}" for n in range(1, 5) if f'"w{n}"' in text}


def test_the_full_document_reveals_the_recusal_the_public_one_does_not() -> None:
    full = recused_round()
    by_id = {v["visit_id"]: v for v in full["visits"]}
    # The defect: w3 is missing from exactly the visit it is recused from.
    assert "w3" in by_id["2022/E1/8+9"]["eligible"]["治安大队"]
    assert "w3" not in by_id["2022/E2/8"]["eligible"]["治安大队"]

    public = public_document(full, SALT)
    assert public["format"] == PUBLIC_FORMAT
    on_teams = {m["inspector_id"] for v in full["visits"] for m in v["team"]}
    replaced = {r[k] for r in full["replacements"] for k in ("removed", "added")}
    # Nobody is named except the members (current and replaced): no lists, no recusal.
    assert ids_in(public) == on_teams | replaced
    for entry in public["visits"]:
        assert "eligible" not in entry and "qualified" not in entry
        assert len(entry["commitment"]) == 64
    assert public["visits"][1]["eligible_count"] == {"治安大队": 3}
    assert public["visits"][1]["excluded"]["recused"] == 1  # counts only, as promised
    assert public_problems(public) == []


def test_the_kit_opens_the_commitments_into_the_full_document() -> None:
    full = recused_round()
    public = public_document(full, SALT)
    kit = verification_kit(full, SALT)
    assert kit["format"] == KIT_FORMAT and kit["salt"] == SALT
    opened = open_document(public, kit)
    assert opened == full and opened["format"] == DOCUMENT_FORMAT
    assert recompute_document(opened) == opened


def test_a_kit_with_other_lists_or_another_salt_does_not_open() -> None:
    full = recused_round()
    public = public_document(full, SALT)
    kit = verification_kit(full, SALT)
    forged = copy.deepcopy(kit)
    forged["visits"]["2022/E2/8"]["eligible"]["治安大队"].append("w3")
    with pytest.raises(ValueError, match="2022/E2/8.*do not open"):
        open_document(public, forged)
    with pytest.raises(ValueError, match="do not open"):
        open_document(public, {**kit, "salt": new_salt()})
    with pytest.raises(ValueError, match="another matching"):
        open_document(public, {**kit, "seed": "other"})


def test_commitments_are_keyed_and_per_visit() -> None:
    lists = (["w1", "w2"], {})
    one = lists_commitment(SALT, "2022/E1/8", *lists)
    assert one != lists_commitment(SALT, "2022/E2/8", *lists)  # same lists, other visit
    assert one != lists_commitment(new_salt(), "2022/E1/8", *lists)
    assert len({new_salt() for _ in range(5)}) == 5 and len(new_salt()) == 64


def tamper(public: dict[str, Any], change: Any) -> list[str]:
    forged = copy.deepcopy(public)
    change(forged)
    return public_problems(forged)


def test_the_public_checks_catch_what_follows_from_the_seed() -> None:
    public = public_document(recused_round(), SALT)
    seed = public["seed"]

    def wrong_ticket(doc: dict[str, Any]) -> None:
        doc["visits"][0]["team"][0]["ticket"] = "0.1"

    assert any("ticket expected" in p for p in tamper(public, wrong_ticket))

    def named_count(doc: dict[str, Any]) -> None:
        doc["visits"][1]["excluded"]["recused"] = ["w3"]

    assert any("not counts" in p for p in tamper(public, named_count))

    def no_commitment(doc: dict[str, Any]) -> None:
        del doc["visits"][0]["commitment"]

    assert any("commitment" in p for p in tamper(public, no_commitment))

    def wrong_cap(doc: dict[str, Any]) -> None:
        doc["pools"]["治安大队"]["cap"] = 5

    assert any("cap 治安大队" in p for p in tamper(public, wrong_cap))

    def too_few_eligible(doc: dict[str, Any]) -> None:
        doc["visits"][0]["eligible_count"]["治安大队"] = 1

    assert any("eligible for 2" in p for p in tamper(public, too_few_eligible))

    assert public["pools"]["治安大队"]["cap"] == 1  # 4 seats, 4 eligible

    def over_the_cap(doc: dict[str, Any]) -> None:
        # An inspector of the first team also put on the second one (tickets and roles right).
        entry = doc["visits"][1]
        twice = doc["visits"][0]["team"][0]["inspector_id"]
        keep = next(m["inspector_id"] for m in entry["team"] if m["inspector_id"] != twice)
        ids = [keep, twice]
        tickets = {i: team_ticket(seed, entry["visit_id"], i) for i in ids}
        ordered = sorted(ids, key=lambda i: (tickets[i], i))
        entry["team"] = [
            {
                "inspector_id": i,
                "role": "leader" if n == 0 else "member",
                "seat": ids.index(i),
                "ticket": tickets[i],
            }
            for n, i in enumerate(ordered)
        ]

    assert any("over the cap 1" in p for p in tamper(public, over_the_cap))

    def wrong_replacement(doc: dict[str, Any]) -> None:
        doc["replacements"][0]["over_cap"] = not doc["replacements"][0]["over_cap"]

    assert any("over_cap" in p for p in tamper(public, wrong_replacement))

    def leader_swapped(doc: dict[str, Any]) -> None:
        team = doc["visits"][1]["team"]
        team[0]["role"], team[1]["role"] = team[1]["role"], team[0]["role"]

    assert any("leader expected" in p for p in tamper(public, leader_swapped))


def test_a_full_document_is_needed_to_publish() -> None:
    with pytest.raises(ValueError, match=DOCUMENT_FORMAT):
        public_document({"format": PUBLIC_FORMAT}, SALT)
    with pytest.raises(ValueError, match="salt"):
        public_document(recused_round(), "")


def test_earlier_forms_undo_what_the_record_gained_since_digests_were_audited() -> None:
    visits = [visit("E1", "8", "9", ticket="0.27"), visit("E2", "8", ticket="0.44")]
    result = run(visits, [officer(f"w{n}") for n in (1, 2, 3, 4)])
    leaving = result.team("2022/E1/8+9").members[1].inspector_id
    full = matching_document(replace_member(result, "2022/E1/8+9", leaving, "因病，13812345678"))
    source = {"kind": "round", "rule": "r", "draws": []}
    public = public_document(full, SALT, source)
    assert public["replacements"][0]["reason"] == "因病，" + "*" * 11
    forms = dict(earlier_forms(public, full))
    assert list(forms) == [(REASONS_MASKED,), (SEED_SOURCE_PUBLISHED,), EARLIER_RULES]
    assert forms[(REASONS_MASKED,)] == {**public, "replacements": full["replacements"]}
    assert "seed_source" not in forms[EARLIER_RULES]
    assert forms[EARLIER_RULES]["replacements"] == full["replacements"]
    assert public_sha256(public) not in {public_sha256(f) for f in forms.values()}
    # a change that altered nothing in the record gives no form of its own
    plain = recused_round()  # reason "出差": nothing to mask
    assert [rules for rules, _ in earlier_forms(public_document(plain, SALT), plain)] == []
    assert [rules for rules, _ in earlier_forms(public_document(plain, SALT, source), plain)] == [
        (SEED_SOURCE_PUBLISHED,)
    ]


def test_the_public_digest_is_the_verifiers_section_digest() -> None:
    from spotcheck.kit.verify_draw import teams_digest

    public = public_document(recused_round(), SALT)
    assert public_sha256(public) == teams_digest(public)
    assert public_sha256({**public, "seed": "1"}) != public_sha256(public)
