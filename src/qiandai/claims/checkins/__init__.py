"""Bedside check-ins (床旁签到) of inpatients against their billed stays.

:mod:`.presence` matches the optional ``CHECKIN_D`` table to the inpatient stays and their billed
days (the basis of the 挂床 and 冒名 rules in ``qiandai.claims.rulepack.checkins``) and computes the
ward-level presence rate; :mod:`.job` writes it (``presence.parquet`` / ``presence.xlsx``).
"""
