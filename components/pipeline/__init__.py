"""The deploy pipeline: drives every ecr-share stack through the Pulumi Automation API.

``plan`` decides which stacks run, in which order and with which image config (pure);
``runner`` executes that plan with ``pulumi.automation``; ``report`` formats what people see;
``cli`` is the command line (``python -m components.pipeline``). See docs/pipeline.md.
"""
