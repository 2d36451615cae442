"""Users, roles, organisations and regions, authentication, scope and the access log of unmasked views."""
