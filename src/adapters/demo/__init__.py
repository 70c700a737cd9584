"""`callbacks demo`: a scripted hour of a contact center, played over NATS against a
`callbacks serve` started for it (`service.py`) by the script in `script.py`."""
