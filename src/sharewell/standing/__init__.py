"""Standing: influence from measured impact (pure algorithm; no database or web imports).

The database side lives beside it: ``models``, ``sources`` (the impact-source registry),
``service`` (recompute, seeds), ``queries`` (``standing_of`` and the read side), ``tasks``.
Importing this package imports none of them.
"""

from sharewell.standing.rules import (
    ATTESTED_FACTOR,
    DEFAULT_DAMPING,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_SEED_COUNT,
    IMPACT_KIND_WEIGHTS,
    KIND_ORDER,
    Contribution,
    Impact,
    ImpactGraph,
    TopicStanding,
    build_impact_graph,
    compute_standing,
    compute_topic_standing,
    decay_weights,
    default_seeds,
    describe_standing,
    explain_contributions,
    impact_weight,
)

__all__ = [
    "ATTESTED_FACTOR",
    "DEFAULT_DAMPING",
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_SEED_COUNT",
    "IMPACT_KIND_WEIGHTS",
    "KIND_ORDER",
    "Contribution",
    "Impact",
    "ImpactGraph",
    "TopicStanding",
    "build_impact_graph",
    "compute_standing",
    "compute_topic_standing",
    "decay_weights",
    "default_seeds",
    "describe_standing",
    "explain_contributions",
    "impact_weight",
]
