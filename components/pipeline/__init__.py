"""The release pipeline: drives every ecr-share stack through the Pulumi Automation API.

``cli`` is the command line (``python -m components.pipeline``) and checks all it can without the
CLI or AWS; ``plan``, ``images`` and ``gate`` are pure (which stacks in which waves, which digest each
service gets, what the scan gate lets through); ``registry`` and ``release`` resolve and gate the
images in the build registry with boto3; ``run`` drives one release; ``runner`` runs a plan with
``pulumi.automation``; ``events`` turns engine events into progress lines and ECS rollouts;
``processes`` and ``supervisor`` start the ``pulumi`` children and stop them on SIGINT/SIGTERM;
``report`` formats what people see. See docs/pipeline.md.
"""
