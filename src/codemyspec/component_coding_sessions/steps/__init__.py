"""The six steps of a component coding session."""

from codemyspec.component_coding_sessions.steps.finalize import Finalize
from codemyspec.component_coding_sessions.steps.fix_test_failures import FixTestFailures
from codemyspec.component_coding_sessions.steps.generate_implementation import (
    GenerateImplementation,
)
from codemyspec.component_coding_sessions.steps.initialize import Initialize
from codemyspec.component_coding_sessions.steps.prepare_repair import PrepareRepair
from codemyspec.component_coding_sessions.steps.run_tests import RunTests

__all__ = [
    "Finalize",
    "FixTestFailures",
    "GenerateImplementation",
    "Initialize",
    "PrepareRepair",
    "RunTests",
]
