"""Moments of Truth: an agent-based simulation of the marketing customer journey."""

from sim.config import load_scenario, validate_scenario
from sim.errors import ScenarioError
from sim.model import JourneyModel
from sim.moments import Moment
from sim.settings import Scenario

__version__ = "0.1.0"

__all__ = [
    "JourneyModel",
    "Moment",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "validate_scenario",
]
