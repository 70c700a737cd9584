"""The console at `/`: server-rendered screens (Jinja2) for agents, supervisors and
administrators, a small script per screen that calls `/api` with the session cookie, and
live updates by server-sent events fed by the service's own notifications."""
