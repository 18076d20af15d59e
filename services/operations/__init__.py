"""Operations: the periodic work, run exactly once across every app process.

`job_registry` lists the jobs and their cadences, `cadence` turns a cadence into the period
a run belongs to, `job_claims` holds the SQL that lets one process only claim a period,
`job_runner` runs due jobs (the app server's thread, `python -m scripts.run_jobs`) and an
admin's Run now, `job_history` is the admin's read model. At the top of the import order:
it may call every other package.
"""
