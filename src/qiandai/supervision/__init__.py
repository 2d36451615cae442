"""医保 supervision workflow: review, cases, decisions, inspections, whistleblowers, rectification, credit."""
