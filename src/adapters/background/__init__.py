"""The leased background work that runs once per deployment: views, relay, scheduler."""
