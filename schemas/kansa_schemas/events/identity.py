"""Identity lifecycle: accounts and roles, with the request and approval behind each change."""

from __future__ import annotations

from typing import Literal

from kansa_schemas.envelope import EventEnvelope, Identifier


class IdentityChange(EventEnvelope):
    action: Literal[
        "iam.user_created",
        "iam.user_disabled",
        "iam.user_deleted",
        "iam.user_reenabled",
        "iam.role_granted",
        "iam.role_revoked",
        "iam.deletion_requested",
    ]
    target_user_id: Identifier
    role_id: Identifier | None = None
    request_id: Identifier | None = None
    requested_by: Identifier | None = None
    approved_by: Identifier | None = None

    @property
    def partition_subject(self) -> str:
        # The administrator acts, but the account is someone's: its changes meet that person's HR changes
        # (DR-02, DR-04) and use (DR-01) in one partition.
        return self.target_user_id
