"""The programme's service-task operations, one module per part of the lifecycle; the table
from operation name to function is :data:`workflows.handlers.OPERATIONS`."""
