"""Governance and campaigns (平安办/反诈办): units, case statistics, fraud-free village/unit evaluation,
anti-fraud app install campaigns, publicity ledgers, high-risk persons and weekly/monthly circulars."""
