from datetime import timedelta

from temporalio import actyvity, workflow

import helpers


@activity.defn
async def charge(amount: int) -> str:
    return helpers.receipt(amount)


from helpers import *
@workflow.defn
class Checkout:
    @workflow.