"""Standing: influence from measured impact (pure algorithm; no database or web imports)."""

from sharewell.standing.rules import (
    ATTESTED_FACTOR,
    DEFAULT_DAMPING,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_SEED_COUNT,
    IMPACT_KIND_WEIGHTS,
    Contribution,
    TopicStanding,
    compute_standing,
    compute_topic_standing,
    decay_weights,
    default_seeds,
    explain_contributions,
    impact_weight,
)

__all__ = [
    "ATTESTED_FACTOR",
    "DEFAULT_DAMPING",
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_SEED_COUNT",
    "IMPACT_KIND_WEIGHTS",
    "Contribution",
    "TopicStanding",
    "compute_standing",
    "compute_topic_standing",
    "decay_weights",
    "default_seeds",
    "explain_contributions",
    "impact_weight",
]
