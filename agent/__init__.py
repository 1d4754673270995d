"""sitrep: grounded extraction of conflict events, casualty figures and stated causes."""

__version__ = "0.1.0"
