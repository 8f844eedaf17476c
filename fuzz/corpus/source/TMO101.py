"""TMO101: activity calls without a start-to-close or schedule-to-close timeout."""

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

RETRIES = {"retry_policy": RetryPolicy(maximum_attempts=3)}
TIMEOUTS = {"start_to_close_timeout": timedelta(seconds=30)}


@activity.defn
async def reserve(sku: str) -> str:
    return sku


class Shipping:
    @activity.defn
    async def ship(self, sku: str) -> None:
        pass


@workflow.defn
class FulfilmentWorkflow:
    @workflow.run
    async def run(self, sku: str, options: dict[str, Any]) -> None:
        await workflow.execute_activity(reserve, sku)  # TMO101
        handle = workflow.start_activity(reserve, sku, heartbeat_timeout=timedelta(seconds=5))  # TMO101
        await workflow.execute_local_activity(reserve, sku, retry_policy=RetryPolicy())  # TMO101
        await workflow.execute_activity_method(Shipping.ship, sku, start_to_close_timeout=None)  # TMO101
        await workflow.execute_activity(reserve, sku, **RETRIES)  # TMO101
        config = workflow.ActivityConfig(task_queue="shipping")
        await workflow.execute_activity(reserve, sku, **config)  # TMO101
        await workflow.execute_activity(  # TMO101
            reserve,
            sku,
            schedule_to_start_timeout=timedelta(minutes=1),
        )
        await workflow.execute_activity(reserve, sku, start_to_close_timeout=timedelta(seconds=30))  # OK
        await workflow.execute_activity(reserve, sku, schedule_to_close_timeout=timedelta(hours=1))  # OK
        await workflow.execute_local_activity(reserve, sku, **TIMEOUTS)  # OK
        await workflow.execute_activity(  # OK
            reserve, sku, **workflow.ActivityConfig(start_to_close_timeout=timedelta(seconds=5))
        )
        await workflow.execute_activity(reserve, sku, **options)  # OK
        await workflow.execute_activity_method(  # OK
            Shipping.ship, sku, start_to_close_timeout=timedelta(minutes=2)
        )
        await handle

    @workflow.signal
    async def resend(self, sku: str) -> None:
        # Options built up key by key before the splat.
        options = workflow.ActivityConfig(task_queue="shipping")
        options["start_to_close_timeout"] = timedelta(seconds=30)
        await workflow.execute_activity(reserve, sku, **options)  # OK
        retry_only: dict[str, Any] = {}
        retry_only["retry_policy"] = RetryPolicy(maximum_attempts=2)
        await workflow.execute_activity(reserve, sku, **retry_only)  # TMO101
        filled: dict[str, Any] = {}
        apply_defaults(filled)
        await workflow.execute_activity(reserve, sku, **filled)  # OK
        await workflow.execute_activity(activity=reserve, arg=sku)  # TMO101
        await workflow.execute_activity(activity=reserve, arg=sku, start_to_close_timeout=timedelta(seconds=5))  # OK


def apply_defaults(options: dict[str, Any]) -> None:
    options["start_to_close_timeout"] = timedelta(minutes=1)
