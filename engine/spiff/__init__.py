"""The one package that imports SpiffWorkflow.

Everything the engine needs from the library is built here, so an upgrade touches one place:

* :mod:`.parsing` — :func:`parse_files`, the parser (``SpiffBpmnParser`` with XSD validation)
  and the element inventory validation works from; ISO 8601 time expressions;
* :mod:`.serialization` — :class:`SpecCodec` / :class:`WorkflowCodec`, a serializer registry
  built from a *copy* of the library's config; workflow state is stored without its spec and
  finished tasks' JSON fragments are reused between saves;
* :mod:`.sandbox` — :class:`RestrictedEnvironment`, the script environment: model code vetted
  and rewritten by :mod:`.checker`, run with a short list of builtins under the CPU-time and
  memory budget of :mod:`.budget` and :mod:`.guards` (limits: :data:`budget.LIMITS`);
* :mod:`.clock` — :func:`use_clock`, the clock seam;
* :mod:`.runtime` — :class:`Runtime`, which creates, runs and inspects workflows;
  :mod:`.pruning` keeps their trees small; :mod:`.migration` moves them between versions.
"""
from .budget import SandboxLimits, ScriptLimitError, configure as configure_sandbox, sandbox_limits
from .checker import literal_value, reads_names
from .clock import _timer_module, use_clock
from .migration import migrate, migration_changes
from .parsing import BPMN_NS, ParsedModels, Problem, iso_duration_from, parse_duration_or_date, parse_files
from .runtime import EngineScriptEngine, Runtime, ServiceDispatch, TaskView, WorkflowFailure
from .sandbox import FORBIDDEN_NAMES, SAFE_BUILTINS, RestrictedEnvironment, check_script
from .serialization import SpecCodec, WorkflowCodec
from .states import FINISHED, LIVE, MAX_SAFE_DEPTH

__all__ = [
    "BPMN_NS", "FINISHED", "FORBIDDEN_NAMES", "LIVE", "MAX_SAFE_DEPTH", "SAFE_BUILTINS",
    "EngineScriptEngine", "ParsedModels", "Problem", "RestrictedEnvironment", "Runtime", "SandboxLimits",
    "ScriptLimitError", "ServiceDispatch", "SpecCodec", "TaskView", "WorkflowCodec", "WorkflowFailure",
    "check_script", "configure_sandbox", "iso_duration_from", "literal_value", "migrate", "migration_changes",
    "parse_duration_or_date", "parse_files", "reads_names", "sandbox_limits", "use_clock", "_timer_module",
]
