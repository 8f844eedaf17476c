"""API103: Temporal coroutines never awaited, activity handles dropped."""

import asyncio
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client


@activity.defn
async def send_email(to: str) -> None:
    pass


@workflow.defn
class WelcomeWorkflow:
    def __init__(self) -> None:
        self.confirmed = False

    @workflow.run
    async def run(self, to: str) -> None:
        workflow.execute_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # API103
        workflow.sleep(timedelta(days=1))  # API103
        workflow.start_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # API103
        workflow.execute_child_workflow(ReminderWorkflow.run, to)  # API103
        await workflow.execute_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # OK
        task = asyncio.create_task(workflow.execute_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30)))  # OK
        handle = workflow.start_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # OK
        await asyncio.gather(task, handle)
        reminder = workflow.start_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # API103
        _fire_and_forget = workflow.start_activity(send_email, to, start_to_close_timeout=timedelta(seconds=30))  # OK
        await workflow.wait_condition(lambda: self.confirmed)  # OK
        workflow.logger.info("welcome sent")  # OK

    @workflow.signal
    def confirm(self) -> None:
        self.confirmed = True


@workflow.defn
class ReminderWorkflow:
    @workflow.run
    async def run(self, to: str) -> None:
        pass


async def main() -> None:
    client = await Client.connect("localhost:7233")
    client.start_workflow(WelcomeWorkflow.run, "a@example.com", id="w-1", task_queue="mail")  # API103
    handle = client.get_workflow_handle("w-1")
    handle.signal(WelcomeWorkflow.confirm)  # API103
    await handle.signal(WelcomeWorkflow.confirm)  # OK
