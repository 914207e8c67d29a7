"""The worker: a Celery app whose beat fires due timers, delivers the outbox and reminds the
holders of overdue tasks. Tasks are thin: they take ids and call the engine's service API.
Nothing connects at import time (Celery forks); each process builds its system on first use."""
