"""Pure domain types: enums, errors, identity-number checks, masking. Imports no framework."""
