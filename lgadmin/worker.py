"""The app an rq worker runs lgadmin's jobs in, when the host names none
(LGADMIN_WORKER_APP): lgadmin's own, built once per worker process on its first job."""

from .app import create_app

app = create_app()
