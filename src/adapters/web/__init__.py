"""HTTP in `callbacks serve`: the subject table's requests as `POST /api/…` (Starlette,
served by uvicorn in the service's own event loop), its OpenAPI, `/healthz` and `/metrics`."""
