"""DET202: set iteration order driving workflow behaviour."""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def notify(channels: list[str]) -> str:
    # Activities may iterate sets in any order.
    return ",".join(set(channels))  # OK


def summarize(channels: set[str]) -> str:
    # Reported at the workflow's call site, not here.
    return ",".join(channels)


@workflow.defn
class NotifyWorkflow:
    @workflow.run
    async def run(self, channels: list[str], extra: dict[str, str], base: dict[str, str]) -> str:
        unique = set(channels)
        for channel in unique:  # DET202
            await workflow.execute_activity(
                notify, [channel], start_to_close_timeout=timedelta(seconds=10)
            )
        first = list(unique)[0]  # DET202
        label = "+".join(unique)  # DET202
        ranked = [c.upper() for c in frozenset(channels)]  # DET202
        added = extra.keys() - base.keys()
        for key in added:  # DET202
            workflow.logger.info("new key %s", key)
        leftover = unique.pop()  # DET202
        for channel in sorted(unique):  # OK
            workflow.logger.info("channel %s", channel)
        count = len(unique)  # OK
        lowered = {c.lower() for c in unique}  # OK
        has_email = any(c == "email" for c in unique)  # OK
        for priority in {1, 2, 3}:  # OK
            workflow.logger.info("priority %d", priority)
        for channel in channels:  # OK
            workflow.logger.info("channel %s", channel)
        summary = summarize(unique)  # DET202
        return f"{first}{label}{ranked}{leftover}{count}{lowered}{has_email}{summary}"


@workflow.defn
class AssignWorkflow:
    @workflow.run
    async def run(self, reviewers: list[str], owner: str) -> str:
        candidates = set(reviewers)
        if len(candidates) == 1:
            # One element: one order.
            (chosen,) = candidates
            first = next(iter(candidates))  # OK
        else:
            first = "-".join(candidates)  # DET202
        for person in {owner}:  # OK
            workflow.logger.info("owner %s", person)
        approvers = set(reviewers) - {owner}
        if len(approvers) > 1:
            raise ValueError("pick one approver")
        approver = approvers.pop()  # OK
        names = ",".join(approvers)  # OK
        if len(candidates) >= 1:
            # At least one is not at most one.
            fallback = list(candidates)  # DET202
        return f"{chosen}{first}{approver}{names}{fallback}"
