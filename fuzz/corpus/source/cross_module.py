from datetime import timedelta

from temporalio import activity, workflow

import helpers


@activity.defn
async def charge(amount: int) -> str:
    return helpers.receipt(amount)


@workflow.defn
class Checkout:
    @workflow.run
    async def run(self, amount: int) -> str:
        started = helpers.stamp()
        await workflow.execute_activity(charge, amount)
        return f"{started}"

# ---- the second half becomes helpers.py ----
import random
import time


def stamp() -> float:
    return time.time() + jitter()


def jitter() -> float:
    return random.random()


def receipt(amount: int) -> str:
    return f"receipt {amount} {stamp()}"
