"""The NATS side of the service: wire messages, envelopes and error mapping."""
