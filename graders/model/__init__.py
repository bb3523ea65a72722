"""The model every kind and every strategy shares: what an op is, what a composition of
ops is, and what its derivatives are.

==========================  ===========================================================
module                      what lives there
==========================  ===========================================================
``ops``                     the scalar op catalog: one keyword-only record per op
``composition``             a scalar composition (an expression DAG of catalog ops)
``oracles``                 MyGrad and numerical oracles with the gate, on scalars
``probes``                  one scalar op alone: on fresh leaves, scaled, at fixed values
``array_ops``               the array op catalog: shapes, parameters, VJPs
``array_composition``       an array composition (a DAG of array ops with shapes)
``array_oracles``           MyGrad and directional derivatives with the gate, on arrays
==========================  ===========================================================

Kinds (``graders.engine``, ``graders.exercises``, ``graders.tensor``) and ``strategies``
import the model; the model imports no strategy and no kind, with one exception:
``ArrayComposition.source`` writes each op in a course's API through
``graders.tensor.syntax`` (imported when called). Importing ``graders.model`` itself loads
nothing else.
"""
