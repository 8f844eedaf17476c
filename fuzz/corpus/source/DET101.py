"""DET101: wall clock in workflow code."""

import datetime as dt
import email.utils
import time
from datetime import date, datetime, timedelta

from temporalio import activity, workflow


def deadline_from_now(days: int) -> datetime:
    # Reported at the workflow's call site, not here.
    return datetime.now() + timedelta(days=days)


def format_stamp(fmt: str, moment: time.struct_time) -> str:
    return time.strftime(fmt, moment)


@activity.defn
async def stamp_invoice(invoice_id: str) -> str:
    # Activities may read the clock.
    return f"{invoice_id}@{datetime.now().isoformat()}"  # OK


class InvoiceClock:
    """Not a workflow: nobody replays it."""

    def today(self) -> date:
        return date.today()  # OK


@workflow.defn
class InvoiceWorkflow:
    def __init__(self) -> None:
        self.paid_at: datetime | None = None

    @workflow.run
    async def run(self, invoice_id: str) -> str:
        issued = datetime.now()  # DET101
        started = time.time()  # DET101
        label = time.strftime("%Y-%m-%d")  # DET101
        due = deadline_from_now(30)  # DET101
        sent = email.utils.formatdate()  # DET101
        today = date.today()  # DET101
        now = workflow.now()  # OK
        replayed = datetime.fromtimestamp(workflow.time())  # OK
        fixed = time.strftime("%Y-%m-%d", time.gmtime(0))  # OK
        kept = format_stamp("%H:%M", time.gmtime(0))  # OK
        inline = await stamp_invoice(invoice_id)  # DET101
        await workflow.execute_activity(
            stamp_invoice, invoice_id, start_to_close_timeout=timedelta(seconds=10)
        )
        return f"{issued} {started} {label} {due} {sent} {today} {now} {replayed} {fixed} {kept} {inline}"

    @workflow.signal
    def mark_paid(self) -> None:
        self.paid_at = datetime.utcnow()  # DET101

    @workflow.query
    def elapsed(self) -> float:
        return time.monotonic()  # DET101


@workflow.defn(sandboxed=False)
class ReminderWorkflow:
    @workflow.run
    async def run(self, minutes: int) -> str:
        # Unsandboxed workflows are replayed all the same.
        due = dt.datetime.now() + timedelta(minutes=minutes)  # DET101
        with workflow.unsafe.sandbox_unrestricted():
            # Lifting the sandbox does not make the clock deterministic.
            started = time.perf_counter()  # DET101
        return f"{due} {started} {time.ctime(0)}"  # OK

    @workflow.update
    async def snooze(self, minutes: int) -> str:
        return str(workflow.now() + timedelta(minutes=minutes))  # OK

    @snooze.validator
    def validate_snooze(self, minutes: int) -> None:
        if time.localtime().tm_hour < 6:  # DET101
            raise ValueError(f"too early to snooze {minutes} minutes")


# Helpers shared by workflows and ordinary code ask where they run.
def utc_now() -> datetime:
    if workflow.in_workflow():
        return workflow.now()
    return datetime.now()  # OK


def stamp() -> float:
    if not workflow.in_workflow():
        return time.time()  # OK
    return workflow.time()


def running_in_workflow() -> bool:
    """Whether the caller runs inside a workflow."""
    return workflow.in_workflow()


def started_at() -> datetime:
    if running_in_workflow():
        moment = workflow.now()
    else:
        moment = datetime.now()  # OK
    return moment


def sloppy_now() -> datetime:
    if workflow.in_workflow():
        print("in a workflow")
    # No early return: this line runs in workflows too.
    return datetime.now()


def guarded_wrong_way() -> datetime:
    if not workflow.in_workflow():
        return workflow.now()
    return datetime.now()


@workflow.defn
class BillingClockWorkflow:
    @workflow.run
    async def run(self) -> str:
        first = utc_now()  # OK
        second = stamp()  # OK
        third = started_at()  # OK
        fourth = sloppy_now()  # DET101
        fifth = guarded_wrong_way()  # DET101
        return f"{first} {second} {third} {fourth} {fifth}"


def today_str() -> str:
    # workflow.now() raises outside a workflow; the fallback runs only there.
    try:
        from temporalio import workflow as wf

        now = wf.now()
    except Exception:
        now = datetime.now()  # OK
    return f"{now:%a} {now:%b} {now.day}, {now:%Y}"


def risky_today() -> str:
    try:
        now = workflow.now()
        label = format_stamp("%Y", time.gmtime(0))
    except Exception:
        # Something besides the workflow API can fail here, inside a workflow too.
        now = datetime.now()
        label = ""
    return f"{now} {label}"


@workflow.defn
class ReportDateWorkflow:
    @workflow.run
    async def run(self) -> str:
        return today_str() + risky_today()  # DET101
