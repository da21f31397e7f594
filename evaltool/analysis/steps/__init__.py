"""The analysis steps, grouped by concept; :data:`evaltool.analysis.pipeline.STEPS` orders them.

Each step function takes the :class:`~evaltool.analysis.pipeline.Run` and adds the tables (or
figures) its :class:`~evaltool.analysis.pipeline.Step` declares.
"""
