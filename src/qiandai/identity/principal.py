"""The authenticated caller as services see it: who, which roles, and the scope they may look into.

Scope rules (the one definition; :mod:`qiandai.identity.scope` turns them into SQL):

* an institution user (``institution_code`` set) sees only that institution's data;
* otherwise a user with a ``region_code`` sees that region and its children — region codes are the
  6-digit administrative codes, and trailing ``00`` pairs mean "everything below" (``330100`` covers
  ``330102``; ``330000`` covers the whole province);
* a user with neither sees everything (national or system level).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qiandai.identity.roles import Role


def region_prefix(code: str) -> str:
    """The prefix shared by a region and all its children: ``330100`` → ``3301``, ``330000`` → ``33``."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    org_code: str | None = None
    region_code: str | None = None
    institution_code: str | None = None

    def has_role(self, *roles: Role) -> bool:
        """True when the principal holds at least one of ``roles``."""
        return any(r in self.roles for r in roles)

    @property
    def is_institution_user(self) -> bool:
        return self.institution_code is not None

    @property
    def is_global(self) -> bool:
        return self.institution_code is None and self.region_code is None

    def can_see_region(self, code: str | None) -> bool:
        """Whether a resource located in region ``code`` lies inside this principal's region scope."""
        if self.institution_code is not None:
            return False  # institution users see their institution's resources only
        if self.region_code is None:
            return True
        return code is not None and self._in_region(code)

    def can_see_institution(self, code: str | None, region_code: str | None = None) -> bool:
        """Whether a resource of institution ``code`` (located in ``region_code``) is in scope."""
        if self.institution_code is not None:
            return code == self.institution_code
        if self.region_code is None:
            return True
        return region_code is not None and self._in_region(region_code)

    def _in_region(self, code: str) -> bool:
        assert self.region_code is not None
        return code.startswith(region_prefix(self.region_code))


SYSTEM = Principal(user_id=0, username="system", display_name="系统", roles=frozenset({Role.ADMIN}))
"""The principal of batch jobs run from the command line by an operator (global scope)."""
