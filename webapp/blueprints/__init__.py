"""One blueprint per module; every module here with a module-level ``bp`` is registered."""
