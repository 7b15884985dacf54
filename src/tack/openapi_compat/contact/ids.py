"""DingTalk identifiers of Tack's members and departments.

- userid: the member id as a string (DingTalk's staffId is a string).
- unionid: "tk<org id>x<member id>": stable, unique across organizations, and distinct from
  the userid as in DingTalk; a unionid of another organization simply finds no one.
- department ids: DingTalk calls the root department 1, so the org's root is shown as 1 and
  its real id is accepted as well; every other department keeps its Tack id.
"""

import re

ROOT = 1
_UNIONID = re.compile(r"^tk([0-9]{1,19})x([0-9]{1,19})$")
MAX_ID = 2**63 - 1


def userid(member_id: int) -> str:
    return str(member_id)


def member_id_of(value: str) -> int | None:
    value = value.strip()
    if not value.isdigit() or len(value) > 19 or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


def unionid(org_id: int, member_id: int) -> str:
    return f"tk{org_id}x{member_id}"


def member_id_of_unionid(org_id: int, value: str) -> int | None:
    match = _UNIONID.match(value.strip())
    if match is None or int(match.group(1)) != org_id or not 0 < int(match.group(2)) <= MAX_ID:
        return None
    return int(match.group(2))


def external_department(department_id: int | None, root_id: int) -> int | None:
    if department_id is None:
        return None
    return ROOT if department_id == root_id else department_id


def internal_department(value: int, root_id: int) -> int:
    return root_id if value == ROOT else value
