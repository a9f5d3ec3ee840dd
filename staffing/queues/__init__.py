"""Several queues and channels in one plan: voice, chat and email with skill groups.

- :mod:`staffing.queues.spec`: queues (channel, goals, priority), skill groups;
- :mod:`staffing.queues.config`: :class:`MultiQueueConfig`, the plan TOML with ``[[queues]]``;
- :mod:`staffing.queues.plan`: per-queue forecast and requirements through the single-queue
  stages (:func:`staffing.pipeline.prepare`), email workload and deadlines.
"""

from staffing.queues.config import MultiQueueConfig, is_multi_queue
from staffing.queues.spec import CHANNELS, DeferredGoal, QueueSpec, SkillGroup

__all__ = ["CHANNELS", "DeferredGoal", "MultiQueueConfig", "QueueSpec", "SkillGroup",
           "is_multi_queue"]
