"""Admin view of durable jobs: who may list and retry them (the org's owners and admins).

`tack.jobs` knows no domain, so it cannot ask the directory who is an admin; and the
directory should not grow routes about an infrastructure table. This small package sits
above both, like the web client: it checks the actor with `tack.directory.access` and then
calls `tack.jobs.queries` / `tack.jobs.actions`, which trust the org id they are given.
main.py mounts its router.
"""
