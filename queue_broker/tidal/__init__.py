"""Tidal windows (潮汐窗口): the live rebalancer, window recommendations, waiting-time estimates."""
