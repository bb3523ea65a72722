"""Hand-derived chain-rule exercises: students write each step as a function.

An instructor writes an exercise as a short chain of assignments (``p = y * x**2``,
``q = 2*x + y``, ``g = p**2 - q**3``); chaingrade reads it safely, derives the steps to
ask for (every local partial, every total derivative), and grades a student's functions
against MyGrad, naming the wrong step.

=================  ===================================================================
module             what lives there
=================  ===================================================================
``parse``          the exercise file, read with :mod:`ast` into a ``Composition``
``steps``          the steps (``dg_dp``, ``dg_dx``) and their values from MyGrad
``tasks``          a part of a ``chain_rule`` assignment: exercise, prefix, published examples
``blame``          which step is wrong: a partial, or the combination of right partials
``grading``        ``ExerciseGrader``: the student's functions in the worker, cases, scores
=================  ===================================================================
"""
