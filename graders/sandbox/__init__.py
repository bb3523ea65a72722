"""The sandbox: a student's code in a separate, limited process that only sends plain data back.

* ``runner``: the trusted side; starts the worker, talks to it, bounds and restarts it.
* ``supervisor``: the worker's trusted parent; forks it and kills everything it started.
* ``worker``: imports the submission and answers requests (student code runs only here).
* ``users``: which unprivileged uid a worker runs as, leased from a pool.
* ``policy``: the static check of a submission's source before it runs.
* ``protocol``: what the runner and the worker say to each other, as types.
"""
