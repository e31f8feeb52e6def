"""The hall-day simulator: `python -m queue_broker.sim SCENARIO.yaml --seeds N --json`.

SimPy decides what the world does (arrivals, service times, no-shows, the switch cost of a counter);
every ticket, call and counter move goes through the production engine, and the `tidal` policy is
the broker's own rebalancer task. See docs/tidal.md.
"""
