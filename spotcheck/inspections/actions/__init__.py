"""Inspection workflows, one module per job (see each module's docstring):

- `visits`: item settings, visits built from a round's draws, joint proposals, scheduling, events;
- `schedule`: the unit leader's scheduled days of matched visits (one or many at once);
- `teams`: team matching for a round or an event, member replacement, the verification kit;
- `digests`: the correction recording why an earlier matching's public record is served
  otherwise than its audited digest;
- `common`: what both share (the error, the pools, the round's executed draws).

The public names are re-exported here, so `from spotcheck.inspections.actions import X` works.
"""

from spotcheck.inspections.actions.common import InspectionError, Pools
from spotcheck.inspections.actions.digests import CorrectedDigests, correct_matching_digests
from spotcheck.inspections.actions.notices import issue_notice, record_delivery
from spotcheck.inspections.actions.schedule import max_schedule_days, schedule_visits
from spotcheck.inspections.actions.teams import (
    EVENT_SEED_RULE,
    ROUND_SEED_RULE,
    RULE_LABELS,
    issue_verification_kit,
    lib_visit,
    match_event_team,
    match_recheck_team,
    match_teams_for_round,
    public_digest,
    recheck_seed,
    replace_team_member,
    result_from_document,
    round_seed,
    still_eligible,
)
from spotcheck.inspections.actions.visits import (
    BuildResult,
    accept_joint_visit,
    build_visits,
    cancel_event,
    create_recheck_visit,
    decline_joint_visit,
    register_event,
    schedule_visit,
    set_item_setting,
)

__all__ = [
    "EVENT_SEED_RULE",
    "ROUND_SEED_RULE",
    "RULE_LABELS",
    "BuildResult",
    "CorrectedDigests",
    "correct_matching_digests",
    "InspectionError",
    "issue_notice",
    "record_delivery",
    "Pools",
    "accept_joint_visit",
    "build_visits",
    "create_recheck_visit",
    "match_recheck_team",
    "recheck_seed",
    "cancel_event",
    "decline_joint_visit",
    "issue_verification_kit",
    "lib_visit",
    "match_event_team",
    "match_teams_for_round",
    "public_digest",
    "register_event",
    "replace_team_member",
    "result_from_document",
    "round_seed",
    "schedule_visit",
    "schedule_visits",
    "max_schedule_days",
    "set_item_setting",
    "still_eligible",
]
