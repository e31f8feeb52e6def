def rebalancer_task(config):
    def task(engine, now):
        return []
    return task
