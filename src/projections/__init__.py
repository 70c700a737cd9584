"""The read side: how each view follows the event log (pure logic, no SQL)."""
