"""The fine-tuning flow without its window: find and check the data, build the training and
evaluation commands, follow a run's loss log, compare the new model with the current one.

The wizard in ``app/gui/wizard/`` drives these; they import no Qt, so plain tests cover them.
"""
