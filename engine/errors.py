"""Errors the engine's service API raises. Each carries a user-facing message (Chinese first)
and a stable ``code`` that the REST API returns; views map them to HTTP statuses."""


class EngineError(Exception):
    code = "engine_error"
    http_status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(EngineError):
    code = "not_found"
    http_status = 404


class Conflict(EngineError):
    """Another command changed the instance first (optimistic lock lost)."""

    code = "conflict"
    http_status = 409


class PermissionDenied(EngineError):
    code = "forbidden"
    http_status = 403


class InvalidState(EngineError):
    code = "invalid_state"
    http_status = 409


class InvalidData(EngineError):
    code = "invalid_data"
    http_status = 422


class ScriptSecurityError(EngineError):
    """A script or expression in a model tried something the sandbox forbids."""

    code = "script_forbidden"


class ScriptLimitError(ScriptSecurityError):
    """Model code went over its CPU time, operation count, memory or value size budget."""

    code = "script_limit"


class ModelValidationError(EngineError):
    """A model version failed validation; ``problems`` lists each one (file, element, message)."""

    code = "model_invalid"
    http_status = 422

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"流程模型校验失败，共 {len(self.problems)} 处错误", problems=[p.as_dict() for p in self.problems])


class LoopDepthError(EngineError):
    """The task tree grew past the depth SpiffWorkflow's iterators can walk."""

    code = "loop_depth"
