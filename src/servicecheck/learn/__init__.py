"""A stage classifier trained on a team's labels (``servicecheck train``, the ``model:`` matcher).

Nothing here imports scikit-learn at import time: ``classifier`` does, when a model is trained or a
pack that uses one is loaded, so ``import servicecheck`` stays light.
"""
