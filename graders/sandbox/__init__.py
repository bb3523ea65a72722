"""The sandbox: a student's code in a separate, limited process that only sends plain data back.

The trusted side (the grading process):

* ``runner``: starts the worker, talks to it, bounds and restarts it; beside it ``channel``
  (the pipes and their size caps), ``protocol`` (what is said, and how a reply is
  checked), ``output`` (what the submission prints), ``folders`` (the worker's folder and
  those it may not read), ``users`` (which unprivileged uid a worker runs as, leased from
  a pool), ``processes`` (killing a process tree) and ``limits`` (the resource limits,
  and why a worker stopped);
* ``policy``: the static check of a submission's source before it runs;
* ``supervisor``: the worker's trusted parent; forks it and kills everything it started.

The worker (student code runs only there; standard library only, loaded by path by the
supervisor): ``worker`` (the serve loop), ``guard`` and ``integrity`` (what the submission
may not do, and the check that it did not), ``engine_calls``, ``detection``
(``--api auto``), ``array_jobs``, ``forward_jobs``, ``functional_jobs``, ``tracing``;
``landlock`` and ``pinned`` confine it before the submission is imported.
``docs/sandbox.md`` has the whole picture.
"""
