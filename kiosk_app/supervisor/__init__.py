"""The supervisor tablet (大厅主管平板): the hall at a glance, alerts, window assignment, fixed/tidal,
lock, the rebalancer's recommendations, notices, the day's chart. Supervisor role."""
