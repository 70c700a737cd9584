"""Operations: Prometheus metrics over HTTP, structured logs with correlation ids."""
