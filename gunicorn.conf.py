"""gunicorn settings read from the working directory (`gunicorn wsgi:app`). Only a start-up check here:
the deployment's own flags (-w, -b, …) are given on the command line, see docs/deploy.md."""


def when_ready(server):
    """Warn when several workers would each count login failures in their own memory (issue 16)."""
    from adminapp.config import config_class, shared_state_warning

    config = config_class()
    message = shared_state_warning(config.ENV_NAME, config.RATELIMIT_STORAGE_URI, server.cfg.workers)
    if message:
        server.log.warning(message)
