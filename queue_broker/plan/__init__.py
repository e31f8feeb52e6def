"""Planning ahead (issue 22): forecast each queue's day from the hall's own history, the day's staffing
plan, reserve windows called in before the peak, and the cross-training advisor. See docs/planning.md.

    python -m queue_broker.plan forecast-backtest SCENARIO --weeks 8 --seeds 5 --json
    python -m queue_broker.plan cross-train SCENARIO --max-extra K --seeds 20 --out NEW.yaml --json
    python -m queue_broker.plan day-plan SCENARIO --seeds 10 --json
    python -m queue_broker forecast --config SITE.yaml --day YYYY-MM-DD [--json]
"""
