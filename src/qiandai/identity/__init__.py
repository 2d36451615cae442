"""Users, roles, organisations and regions, authentication, scope and the access log of unmasked views.

Public interface: :class:`~qiandai.identity.roles.Role`, :class:`~qiandai.identity.principal.Principal`,
:mod:`~qiandai.identity.scope` (the one place scope is enforced), :mod:`~qiandai.identity.service`
(create_user, login, logout, principal_for_token, log_unmasked_view).
"""

from qiandai.identity.principal import SYSTEM, Principal
from qiandai.identity.roles import ROLE_LABELS, Role

__all__ = ["ROLE_LABELS", "SYSTEM", "Principal", "Role"]
