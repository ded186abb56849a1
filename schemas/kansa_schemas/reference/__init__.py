"""Reference data per tenant: slowly changing, versioned, delivered as files or on the reference topic."""

from kansa_schemas.reference.models import (
    BusinessCalendar,
    Contract,
    DeclaredBands,
    Destination,
    OrgUnit,
    ReferenceBundle,
    RegisteredMedium,
    StaffRecord,
    StaffStatus,
    Terminal,
)

__all__ = [
    "BusinessCalendar",
    "Contract",
    "DeclaredBands",
    "Destination",
    "OrgUnit",
    "ReferenceBundle",
    "RegisteredMedium",
    "StaffRecord",
    "StaffStatus",
    "Terminal",
]
